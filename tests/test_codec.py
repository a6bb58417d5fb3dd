"""End-to-end coding with the shipped model: sizes, determinism, inputs."""

import hashlib
import io
import sys
import warnings

import numpy as np
import pytest
import torch
from PIL import Image

import picodec
from picodec import codec, container, weights
from picodec.errors import PicodecError
from picodec.eval.metrics import psnr
from picodec.model.runtime import CodecModel
from tests.conftest import photo_like


@pytest.mark.parametrize(("h", "w"), [(1, 1), (7, 300), (64, 64), (333, 517)])
def test_round_trip_any_size(h, w):
    image = photo_like(h, w)
    data = picodec.encode(image, level=7)
    out = np.asarray(picodec.decode(data))
    assert out.shape == (h, w, 3)
    assert container.unpack(data)[0].width == w
    if h * w > 1000:
        assert psnr(image, out) > 20


def test_top_levels_code_the_image_enlarged_and_decode_at_its_own_size():
    """Levels 5-7 run the network at a middle level on an enlarged image (picodec.resample)."""
    image = photo_like(200, 300, seed=6)
    coded = {}
    for level in (4, 5, 7):
        header, _ = container.unpack(data := picodec.encode(image, level=level))
        coded[level] = (header.model_level, header.coded_height, header.coded_width)
        assert np.asarray(picodec.decode(data)).shape == (200, 300, 3)
    assert coded == {4: (4, 200, 300), 5: (2.8, 267, 400), 7: (4, 267, 400)}


def test_multi_tile_image_round_trips_without_seams():
    image = photo_like(600, 1100, seed=3)
    data = picodec.encode(image, level=6)
    header, payloads = container.unpack(data)
    assert header.tile == 504 and len(payloads) == 6
    out = np.asarray(picodec.decode(data))
    assert psnr(image, out) > 20


def test_same_image_gives_identical_bytes():
    image = photo_like(200, 300, seed=1)
    assert picodec.encode(image, level=3) == picodec.encode(image, level=3)


def test_higher_levels_spend_more_bits_for_more_quality():
    image = photo_like(256, 256, seed=2)
    sizes, qualities = [], []
    for level in (0, 4, 7):
        data = picodec.encode(image, level=level)
        sizes.append(len(data))
        qualities.append(psnr(image, np.asarray(picodec.decode(data))))
    assert sizes == sorted(sizes) and qualities == sorted(qualities)


def test_a_level_between_two_costs_and_scores_between_them():
    image = photo_like(128, 192, seed=2)
    files = [picodec.encode(image, level=level) for level in (2, 2.5, 3)]
    assert [container.unpack(f)[0].model_level for f in files] == [2, 2.5, 3]
    assert len(files[0]) < len(files[1]) < len(files[2])
    scores = [psnr(image, np.asarray(picodec.decode(f))) for f in files]
    assert scores == sorted(scores)
    header = container.unpack(picodec.encode(image, level=6.5))[0]  # on level 7's scale
    assert (header.model_level, header.coded_width) == (3.8, 256)


@pytest.mark.parametrize(("level", "message"), [
    (4.125, r"not a multiple of 0\.01"), (7.01, "out of range"), (-0.5, "out of range"),
    ("4", "must be a number"), (True, "must be a number"), (float("nan"), "out of range")])
def test_a_bad_level_is_one_clear_error(level, message):
    with pytest.raises(PicodecError, match=message):
        picodec.encode(photo_like(32, 32), level=level)


def test_max_bytes_picks_the_highest_level_that_fits():
    image = photo_like(256, 384, seed=5)
    sizes = [len(picodec.encode(image, level=level)) for level in range(8)]
    # the search relies on the rate rising with the level: true of every Kodak photo, not of
    # every tiny synthetic image at the enlarged levels 5-7 (README, --max-size)
    assert sizes == sorted(sizes)
    limit = (sizes[5] + sizes[6]) // 2
    data = picodec.encode(image, max_bytes=limit)
    level = container.unpack(data)[0].level
    assert 5 <= level < 6 and len(data) <= limit  # the highest tenth of a level that fits
    assert len(picodec.encode(image, level=round(level + 0.1, 1))) > limit
    assert container.unpack(picodec.encode(image, max_bytes=sizes[7]))[0].level == 7
    with pytest.raises(PicodecError, match=f"lowest level needs {sizes[0]}"):
        picodec.encode(image, max_bytes=sizes[0] - 1)
    with pytest.raises(PicodecError, match="not several"):
        picodec.encode(image, level=2, max_bytes=sizes[7])


def test_min_quality_picks_the_lowest_level_that_looks_right():
    from picodec.eval.metrics import ssimulacra2

    image = photo_like(128, 160, seed=3)
    files = [picodec.encode(image, level=level) for level in range(8)]
    scores = [ssimulacra2(image, np.asarray(picodec.decode(data))) for data in files]
    assert scores == sorted(scores)  # the search relies on it, as --max-size on the rate
    target = (scores[3] + scores[4]) / 2
    data = picodec.encode(image, min_quality=target)
    level = container.unpack(data)[0].level
    assert 3 < level <= 4 and ssimulacra2(image, np.asarray(picodec.decode(data))) >= target
    below = picodec.decode(picodec.encode(image, level=round(level - 0.1, 1)))
    assert ssimulacra2(image, np.asarray(below)) < target  # the lowest tenth that looks right
    assert picodec.encode(image, min_quality=scores[0] - 1) == files[0]
    with pytest.warns(UserWarning, match="no level reaches SSIMULACRA2 99; coded at the top level, 7"):
        assert picodec.encode(image, min_quality=99) == files[7]
    with pytest.raises(PicodecError, match="not several"):
        picodec.encode(image, max_bytes=len(files[7]), min_quality=50)
    with pytest.raises(PicodecError, match="at most 100"):
        picodec.encode(image, min_quality=101)


def test_min_quality_without_its_package_is_one_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "ssimulacra2", None)  # as where it is not installed
    with pytest.raises(PicodecError, match=r"pip install 'picodec\[quality\]'"):
        picodec.encode(photo_like(32, 32), min_quality=70)


@pytest.mark.parametrize("level", [4, 7])  # 7: the tiles code the image enlarged
def test_pixels_do_not_depend_on_the_thread_count(level):
    data = picodec.encode(photo_like(520, 1030, seed=4), level=level, tile=504)
    one = np.asarray(codec.decode(data, threads=1))
    two = np.asarray(codec.decode(data, threads=2))
    assert np.array_equal(one, two)


@pytest.mark.parametrize("level", [5, 6.37])  # 6.37: network level 3.75, a blend
def test_symbols_and_sigma_are_identical_when_float_parts_run_in_float64(model, level):
    data = picodec.encode(photo_like(300, 400, seed=5), level=level)
    header, payloads = container.unpack(data)
    assert header.resampled
    model64 = CodecModel(model.path, dtype=torch.float64)
    for tile, payload in zip(codec._coded_grid(header), payloads, strict=True):
        a, b = (m.decode_symbols(payload, tile.input_height, tile.input_width, header.model_level)
                for m in (model, model64))
        assert np.array_equal(a.sigma, b.sigma) and np.array_equal(a.s, b.s)
    pixels32 = np.asarray(codec.decode(data)).astype(int)
    pixels64 = np.asarray(codec.decode(data, model=model64)).astype(int)
    assert np.abs(pixels32 - pixels64).max() <= 2


def test_latents_far_outside_their_tables_are_coded_exactly(model, monkeypatch):
    """An improbable latent costs bits, not pixels: symbols beyond a table are escape-coded."""
    encode_latents, phases, sent = model.net.encode_latents, model._phases, []

    def amplified(x, level):
        y, z = encode_latents(x, level)
        return y * 30, z

    def recording(*args):
        y_hat, s = phases(*args)
        sent.append(s.copy())
        return y_hat, s

    monkeypatch.setattr(model.net, "encode_latents", amplified)
    monkeypatch.setattr(model, "_phases", recording)
    payload = model.compress_tile(photo_like(64, 64, seed=8), 7)
    decoded = model.decode_symbols(payload, 64, 64, 7)
    tables = model.y_coder.tables
    beyond = (decoded.s > tables.hi[decoded.sigma]) | (decoded.s < tables.lo[decoded.sigma])
    assert beyond.sum() > 10 and np.array_equal(decoded.s, sent[0])


def test_accepts_paths_pil_images_and_arrays(tmp_path):
    image = photo_like(90, 120)
    path = tmp_path / "in.png"
    Image.fromarray(image).save(path)
    from_array = picodec.encode(image, level=2)
    assert picodec.encode(Image.fromarray(image), level=2) == from_array
    assert picodec.encode(str(path), level=2) == from_array
    assert picodec.encode(path, level=2) == from_array


def test_grayscale_comes_back_grayscale():
    gray = photo_like(80, 100)[..., 0]
    out = picodec.decode(picodec.encode(Image.fromarray(gray, "L"), level=5))
    assert out.mode == "L" and out.size == (100, 80)


def _cut_out(height: int, width: int) -> np.ndarray:
    """An alpha plane with a soft-edged disc, clear corners and every value in between."""
    yy, xx = np.mgrid[:height, :width]
    radius = np.hypot(yy - height / 2, xx - width / 2)
    return np.clip((min(height, width) / 2 - radius) * 40, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_transparency_comes_back_exactly(mode):
    colour = photo_like(50, 60)
    alpha = _cut_out(50, 60)
    base = Image.fromarray(colour).convert(mode[:-1])
    base.putalpha(Image.fromarray(alpha))
    data = picodec.encode(base, level=5)
    out = picodec.decode(data)
    assert out.mode == mode and np.array_equal(np.asarray(out.getchannel("A")), alpha)
    opaque = picodec.encode(base.convert(mode[:-1]), level=5)
    colour_only = np.asarray(picodec.decode(opaque))
    assert np.array_equal(np.asarray(out.convert(mode[:-1])), colour_only)  # the same colour
    assert len(data) == len(opaque) + picodec.info(data)["alpha_bytes"]  # alpha adds only itself


def test_palette_transparency_and_arrays_keep_alpha_and_opaque_alpha_is_not_stored():
    colour = photo_like(40, 48)
    alpha = _cut_out(40, 48)
    palette = Image.fromarray(colour).quantize(16)
    palette.info["transparency"] = 0
    expected = np.asarray(palette.convert("RGBA").getchannel("A"))
    assert np.array_equal(np.asarray(picodec.decode(picodec.encode(palette, level=2)).getchannel("A")),
                          expected)
    out = picodec.decode(picodec.encode(np.dstack([colour, alpha]), level=2))
    assert out.mode == "RGBA" and np.array_equal(np.asarray(out)[..., 3], alpha)
    opaque = picodec.encode(np.dstack([colour, np.full((40, 48), 255, np.uint8)]), level=2)
    assert picodec.info(opaque)["alpha_bytes"] == 0 and picodec.decode(opaque).mode == "RGB"
    assert opaque == picodec.encode(colour, level=2)


def test_an_animation_codes_its_first_frame_with_a_warning(tmp_path):
    frames = [Image.fromarray(np.rot90(photo_like(48, 48), i).copy()).quantize(dither=Image.Dither.NONE)
              for i in range(3)]
    path = tmp_path / "moving.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    with pytest.warns(UserWarning, match="first of 3 frames"):
        data = picodec.encode(path, level=7)
    decoded = np.asarray(picodec.decode(data), dtype=np.float64)
    with Image.open(path) as animation:
        errors = []
        for index in range(3):
            animation.seek(index)
            errors.append(np.abs(decoded - np.asarray(animation.convert("RGB"))).mean())
    assert errors[0] < 0.5 * min(errors[1:])


def test_16_bit_input_is_converted_with_a_warning():
    wide = (photo_like(40, 50)[..., 0].astype(np.uint16) * 257)
    with pytest.warns(UserWarning, match="8 bits"):
        data = picodec.encode(Image.fromarray(wide), level=5)
    assert picodec.decode(data).mode == "L"


def test_bad_input_raises_picodec_errors():
    with pytest.raises(PicodecError, match="level"):
        picodec.encode(photo_like(10, 10), level=99)
    with pytest.raises(PicodecError, match="zero size"):
        picodec.encode(np.zeros((0, 5, 3), np.uint8))
    with pytest.raises(PicodecError, match="readable"):
        picodec.encode(io.BytesIO(b"not an image"))
    header, payloads = container.unpack(picodec.encode(photo_like(8, 8)))
    foreign = container.pack(container.Header(**{**header.__dict__, "model_id": b"\0" * 8}), payloads)
    with pytest.raises(PicodecError, match="not installed"):
        picodec.decode(foreign)


def test_crafted_payloads_under_valid_checksums_fail_cleanly():
    """Checksums catch accidents; a payload rewritten on purpose must still never raise
    anything but PicodecError (or decode to some image of the right size)."""
    header, (payload,) = container.unpack(picodec.encode(photo_like(100, 140), level=3))
    rng = np.random.default_rng(0)
    outcomes = set()
    for trial in range(60):
        forged = bytearray(payload)
        if trial % 3 == 0:
            forged[rng.integers(len(forged))] ^= 1 << int(rng.integers(8))
        elif trial % 3 == 1:
            forged = forged[:rng.integers(len(forged))]
        else:
            forged = bytearray(rng.bytes(int(rng.integers(0, 400))))
        try:
            assert picodec.decode(container.pack(header, [bytes(forged)])).size == (140, 100)
            outcomes.add("decoded")
        except PicodecError:
            outcomes.add("refused")
    assert outcomes == {"decoded", "refused"}
    huge = container.Header(header.model_id, 1 << 20, 1 << 20, 3, 3, 4096, 4)
    with pytest.raises(PicodecError, match="too large"):
        picodec.decode(container.pack(huge, [b""] * (256 * 256)))


def test_info_reads_the_header_without_a_network():
    data = picodec.encode(photo_like(30, 40), level=1)
    fields = picodec.info(data)
    assert fields["width"] == 40 and fields["level"] == 1 and fields["model"] == weights.DEFAULT_MODEL
    assert fields["bpp"] == pytest.approx(8 * len(data) / 1200)
    assert fields["model_id"] == hashlib.sha256(
        weights.available()[weights.DEFAULT_MODEL].read_bytes()).hexdigest()[:16]


def test_symbol_hashes_point_at_the_tile_that_differs():
    """Control points: per tile, hashes of ẑ, σ index and y symbols. Changing pixels that
    only the first tile's network input reads changes its hashes and no other tile's."""
    image = photo_like(100, 180, seed=5)
    changed = image.copy()
    changed[:50, :50] = 255 - changed[:50, :50]
    first, second = (codec.symbol_hashes(picodec.encode(x, level=3, tile=64)) for x in (image, changed))
    assert len(first.tiles) == 6 and first.all != second.all
    same = [a == b for a, b in zip(first.tiles, second.tiles, strict=True)]
    assert same == [False, True, True, True, True, True]
    assert all(len(h) == 16 for h in first.tiles[0].values())
    assert codec.symbol_hashes(picodec.encode(image, level=3, tile=64)) == first


def test_models_of_your_own_are_found_on_picodec_model_path(tmp_path, monkeypatch):
    from safetensors.torch import load_file, save_file

    from picodec.train.checkpoint import read_metadata

    shipped = weights.available()[weights.DEFAULT_MODEL]
    mine = tmp_path / "mine.safetensors"  # same tensors, another file: another model id
    save_file(load_file(str(shipped)), str(mine), {**read_metadata(shipped), "name": "mine"})
    monkeypatch.setenv("PICODEC_MODEL_PATH", str(tmp_path))
    monkeypatch.setattr(weights, "_ids", weights._ids.__wrapped__)
    data = picodec.encode(photo_like(24, 24), level=2, model="mine")
    assert picodec.info(data)["model"] == "mine"
    assert picodec.decode(data).size == (24, 24)


def test_retired_weights_decode_their_files_but_do_not_encode(tmp_path, monkeypatch):
    from safetensors.torch import load_file, save_file

    from picodec.model.runtime import CodecModel
    from picodec.train.checkpoint import read_metadata

    shipped = weights.available()[weights.DEFAULT_MODEL]
    old = tmp_path / "perceptual-0.1.safetensors"  # other bytes, so another model id
    save_file(load_file(str(shipped)), str(old), {**read_metadata(shipped), "note": "retired"})
    data = picodec.encode(photo_like(24, 24), level=2, model=CodecModel(old))
    with pytest.raises(PicodecError, match="not installed"):
        picodec.decode(data)
    monkeypatch.setattr(weights, "RETIRED", tmp_path)
    monkeypatch.setattr(weights, "_ids", weights._ids.__wrapped__)
    assert picodec.info(data)["model"] == "perceptual-0.1"
    assert picodec.decode(data).size == (24, 24)
    with pytest.raises(PicodecError, match="unknown model"):
        picodec.encode(photo_like(24, 24), model="perceptual-0.1")


def test_warnings_do_not_leak_for_plain_rgb():
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        picodec.decode(picodec.encode(photo_like(20, 20), level=0))


def test_8000_by_6000_image_round_trips():
    yy, xx = np.mgrid[0:6000, 0:8000]
    image = np.stack([(xx // 32) % 256, (yy // 24) % 256, ((xx + yy) // 64) % 256], -1).astype(np.uint8)
    data = picodec.encode(image, level=0)  # coded reduced to 3/4: 4500 x 6000
    header, payloads = container.unpack(data)
    assert (header.coded_height, header.coded_width) == (4500, 6000) and len(payloads) == 9 * 12
    out = np.asarray(picodec.decode(data))
    assert out.shape == image.shape
    assert psnr(image[::7, ::7], out[::7, ::7]) > 20
