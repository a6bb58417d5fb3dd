"""Refining the latents (``--effort``): soft rounding, the rate budget, real files."""

import numpy as np
import pytest
import torch

import picodec
from picodec import tiling
from picodec.errors import PicodecError
from picodec.eval import codecs
from picodec.eval.metrics import ms_ssim
from picodec.model.refine import W_MS_SSIM, Refiner, picture_of, soft_round
from tests.conftest import photo_like


def test_soft_round_lies_between_floor_and_ceiling_and_hardens_as_tau_falls():
    r = torch.linspace(-3.2, 3.2, 1001)
    generator = torch.Generator().manual_seed(0)
    for tau in (0.5, 0.05):
        s = soft_round(r, tau, generator)
        assert bool(((s >= torch.floor(r)) & (s <= torch.ceil(r))).all())
    far_from_half = (r - torch.floor(r) - 0.5).abs() > 0.1
    hard = soft_round(r, 0.01, generator)
    assert torch.allclose(hard[far_from_half], torch.round(r)[far_from_half], atol=1e-3)
    assert (soft_round(r, 0.5, generator) - torch.round(r)).abs().max() > 0.2


def _refiner(model, image: np.ndarray, level: float, region=None) -> tuple[Refiner, torch.Tensor]:
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255
    lv, steps = model._level(level)
    with torch.no_grad():
        y, z = model.net.encode_latents(x, lv)
        z_int = torch.round(z[0]).numpy().astype(np.int64)
        sigma = model.scale_net(z_int, steps)
        p = model.net.context_decoder(torch.from_numpy(z_int)[None].float())
    sigma_values = model.net.sigma_table().float()[torch.from_numpy(sigma)][None]
    return Refiner(model.net, x, lv, p, sigma_values, region), y


def test_refined_latents_keep_the_rate_and_lower_the_distortion(model):
    refiner, y0 = _refiner(model, photo_like(128, 192, seed=3), 2)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        _, d0, r0 = refiner.run(y0, 0, generator)
        with torch.enable_grad():
            y = refiner.refine(y0, 20)
        _, d1, r1 = refiner.run(y, 0, generator)
    assert not torch.equal(y, y0)
    assert r1 <= r0 * 1.005 and float(d1) < float(d0)


def test_the_distortion_counts_only_the_region():
    def window(region):
        return Refiner(None, torch.zeros(1, 3, 64, 64), torch.zeros(1), torch.zeros(1), torch.ones(1),
                       region).window

    assert window((4, 0, 60, 5)) == (slice(4, 64), slice(0, 16))  # a narrow region grows to 16 px
    assert window((60, 62, 4, 2)) == (slice(48, 64), slice(48, 64))
    assert window(None) == (slice(0, 64), slice(0, 64))


def _distortion(image: np.ndarray, data: bytes) -> float:
    """The refinement's objective (picodec.model.refine) on a decoded file."""
    decoded = np.asarray(picodec.decode(data).convert("RGB"))
    mse = np.mean((image.astype(np.float64) - decoded) ** 2) / 255**2
    return mse + W_MS_SSIM * (1 - ms_ssim(image, decoded))


def test_effort_codes_a_normal_file_of_the_same_size_and_lower_distortion():
    image = photo_like(96, 160, seed=5)
    plain, refined = (picodec.encode(image, level=3, effort=e) for e in (0, 1))
    assert plain != refined and abs(len(refined) - len(plain)) <= 0.03 * len(plain)
    assert _distortion(image, refined) < _distortion(image, plain)


def test_effort_out_of_range_is_a_clear_error():
    with pytest.raises(PicodecError, match="effort 3 out of range"):
        picodec.encode(photo_like(64, 64), effort=3)


def test_bench_names_carry_the_effort():
    codec = codecs.get("picodec-mse+e2@256")
    assert (codec.model, codec.effort, codec.tile) == ("mse", 2, 256)
    assert codec.name == "picodec-mse+e2@256" and "effort 2" in codec.settings
    assert codecs.get("picodec+e1").name == "picodec-perceptual+e1"
    assert "effort" not in codecs.get("picodec").settings


def test_a_size_search_refines_only_its_result(monkeypatch):
    image = photo_like(96, 160, seed=6)
    plain = picodec.encode(image, max_bytes=1500)
    refine_steps = []
    encode_rung = picodec.codec.encode_rung

    def recording(*args):
        refine_steps.append(args[7])
        return encode_rung(*args)

    monkeypatch.setattr(picodec.codec, "encode_rung", recording)
    data = picodec.encode(image, max_bytes=1500, effort=1)
    assert len(data) <= 1500 and refine_steps[-1] == 20 and set(refine_steps[:-1]) == {0}
    assert picodec.info(data)["level"] == picodec.info(plain)["level"]


def test_effort_refines_every_tile_down_to_an_11_pixel_edge():
    image = photo_like(150, 203, seed=2)
    plain, refined = (picodec.encode(image, level=4, tile=64, effort=e) for e in (0, 1))
    assert picodec.info(refined)["tile"] == 64 and len(picodec.info(refined)["tile_bytes"]) == 12
    assert plain != refined and len(refined) <= 1.02 * len(plain)
    assert np.asarray(picodec.decode(refined)).shape == (150, 203, 3)


def test_a_resized_rung_refines_against_the_decoded_picture():
    image = photo_like(96, 160, seed=7)
    tile = tiling.grid(128, 213, 64)[0]
    picture = picture_of(image, tile, 128, 213)
    assert picture.target.shape[-2:] == (len(picture.rows), len(picture.cols)) == (48, 48)
    assert picture.rows.shape[1] == tile.input_height and picture.cols.shape[1] == tile.input_width
    assert picture_of(image, tiling.grid(128, 203, 64)[3], 128, 203) is None  # 11 coded columns: 8 px
    plain, refined = (picodec.encode(image, level=6, effort=e) for e in (0, 1))
    assert len(refined) <= 1.02 * len(plain)
    assert _distortion(image, refined) < _distortion(image, plain)
