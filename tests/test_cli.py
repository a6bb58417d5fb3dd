"""The picodec command: round trips, and one clear error line for every bad input."""

import json
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from picodec import container
from picodec.cli import main
from tests.conftest import photo_like


@pytest.fixture
def png(tmp_path):
    path = tmp_path / "photo.png"
    Image.fromarray(photo_like(120, 160)).save(path)
    return path


def test_encode_info_decode(tmp_path, png, capsys):
    pico, out = tmp_path / "a.pico", tmp_path / "a.png"
    assert main(["encode", str(png), str(pico), "--level", "3"]) == 0
    assert "bpp" in capsys.readouterr().out
    assert main(["info", str(pico)]) == 0
    fields = json.loads(capsys.readouterr().out)
    assert fields["level"] == 3 and fields["width"] == 160 and "symbols_sha256" not in fields
    assert main(["info", "--symbols", str(pico)]) == 0
    symbols = json.loads(capsys.readouterr().out)["symbols_sha256"]
    assert len(symbols["tiles"]) == 1 and set(symbols["tiles"][0]) == {"z", "sigma", "s"}
    assert main(["decode", str(pico), str(out)]) == 0
    assert Image.open(out).size == (160, 120)
    assert capsys.readouterr().out == f"{out}: 160x120 RGB from {pico.stat().st_size} bytes " \
                                      f"(level 3, model {fields['model']})\n"
    assert oct(os.stat(pico).st_mode & 0o777) != oct(0o600)


def test_a_level_in_hundredths(tmp_path, png, capsys):
    pico = tmp_path / "a.pico"
    assert main(["encode", str(png), str(pico), "--level", "4.25"]) == 0
    assert "level 4.25," in capsys.readouterr().out
    assert main(["info", str(pico)]) == 0
    assert json.loads(capsys.readouterr().out)["level"] == 4.25
    _fails_cleanly(["encode", str(png), str(tmp_path / "b.pico"), "--level", "4.255"], capsys,
                   "levels go in hundredths")


def test_demo_names_its_files_by_level(tmp_path, png, capsys):
    assert main(["demo", str(png), "--levels", "2", "2.5", "--out", str(tmp_path / "out")]) == 0
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["photo-level2.5.pico", "photo-level2.5.png", "photo-level2.pico", "photo-level2.png"]
    assert "\n  2.5 " in capsys.readouterr().out


def test_a_model_level_beyond_the_model_is_one_clear_error(tmp_path, png, capsys):
    """A header with a valid checksum but a network level the model lacks (7.5 of 0-7)."""
    import picodec

    header, payloads = container.unpack(picodec.encode(str(png), level=7))
    (tmp_path / "x.pico").write_bytes(container.pack(replace(header, model_level=7.5), payloads))
    _fails_cleanly(["decode", str(tmp_path / "x.pico"), str(tmp_path / "x.png")], capsys,
                   "model level 7.5 out of range")
    _fails_cleanly(["info", "--symbols", str(tmp_path / "x.pico")], capsys, "model level 7.5")


@pytest.mark.parametrize(("ext", "fmt"), [(".jpg", "JPEG"), (".webp", "WEBP"), (".tiff", "TIFF"),
                                          (".bmp", "BMP"), (".ppm", "PPM"), (".pnm", "PPM")])
def test_output_format_follows_the_extension(tmp_path, png, ext, fmt):
    pico = tmp_path / "a.pico"
    main(["encode", str(png), str(pico)])
    out = tmp_path / f"a{ext}"
    assert main(["decode", str(pico), str(out)]) == 0
    with Image.open(out) as image:
        assert (image.format, image.size) == (fmt, (160, 120))


def _fails_cleanly(argv, capsys, message):
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("picodec: error:") and message in err[0]


def test_errors(tmp_path, png, capsys):
    pico = tmp_path / "a.pico"
    main(["encode", str(png), str(pico)])
    capsys.readouterr()
    data = pico.read_bytes()

    _fails_cleanly(["encode", str(png), str(pico)], capsys, "exists")
    before = png.read_bytes()
    _fails_cleanly(["encode", str(png), str(png), "--force"], capsys, "is the input")
    _fails_cleanly(["decode", str(pico), str(tmp_path / "." / "a.pico"), "-f"], capsys, "is the input")
    assert png.read_bytes() == before and pico.read_bytes() == data
    _fails_cleanly(["encode", str(png), str(tmp_path / "b.pico"), "--level", "8"], capsys, "level 8")
    _fails_cleanly(["encode", str(tmp_path / "none.png"), str(tmp_path / "c.pico")], capsys, "no such")
    (tmp_path / "junk.png").write_bytes(b"\x89PNG garbage")
    _fails_cleanly(["encode", str(tmp_path / "junk.png"), str(tmp_path / "d.pico")], capsys, "readable")
    _fails_cleanly(["encode", str(png), str(tmp_path / "e.pico"), "--model", "nope"], capsys, "unknown model")

    _fails_cleanly(["encode", str(png), str(tmp_path / "f.pico"), "--max-size", "100"], capsys,
                   "cannot fit in 100 bytes")
    assert not (tmp_path / "f.pico").exists()

    for name, bad in [("trunc", data[: len(data) // 2]), ("flip", data[:-1] + bytes([data[-1] ^ 255])),
                      ("foreign", b"GIF89a" + bytes(100)), ("version", data[:4] + b"\x63" + data[5:])]:
        (tmp_path / f"{name}.pico").write_bytes(bad)
        _fails_cleanly(["decode", str(tmp_path / f"{name}.pico"), str(tmp_path / f"{name}.png")],
                       capsys, "")
        assert not (tmp_path / f"{name}.png").exists()
        if name != "flip":  # info reads the header only; a flipped payload byte is not its concern
            _fails_cleanly(["info", str(tmp_path / f"{name}.pico")], capsys, "")
        _fails_cleanly(["info", "--symbols", str(tmp_path / f"{name}.pico")], capsys, "")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_max_size_picks_the_level(tmp_path, png, capsys):
    import picodec

    budget = len(picodec.encode(str(png), level=3.3))  # the search goes in tenths of a level
    pico = tmp_path / "a.pico"
    assert main(["encode", str(png), str(pico), "--max-size", f"{budget / 1000}k"]) == 0
    assert "level 3.3," in capsys.readouterr().out and pico.stat().st_size == budget
    for bad in (["--max-size", "lots"], ["--max-size", "0"], ["--level", "2", "--max-size", "9k"]):
        with pytest.raises(SystemExit) as exit_:
            main(["encode", str(png), str(tmp_path / "b.pico"), *bad])
        assert exit_.value.code == 2


def test_min_quality_picks_the_level(tmp_path, capsys):
    import picodec
    from picodec.eval.metrics import ssimulacra2

    image = photo_like(128, 160, seed=3)
    Image.fromarray(image).save(tmp_path / "photo.png")
    scores = [ssimulacra2(image, np.asarray(picodec.decode(picodec.encode(image, level=level))))
              for level in (2.5, 2.6)]
    target = f"{(scores[0] + scores[1]) / 2:.3f}"
    assert main(["encode", str(tmp_path / "photo.png"), str(tmp_path / "a.pico"),
                 "--min-quality", target]) == 0
    assert "level 2.6," in capsys.readouterr().out
    for bad in (["--min-quality", "high"], ["--max-size", "9k", "--min-quality", "50"]):
        with pytest.raises(SystemExit) as exit_:
            main(["encode", str(tmp_path / "photo.png"), str(tmp_path / "b.pico"), *bad])
        assert exit_.value.code == 2


def test_no_traceback_from_the_real_command(tmp_path):
    (tmp_path / "x.pico").write_bytes(b"PICO\x01" + bytes(3))
    result = subprocess.run([sys.executable, "-m", "picodec", "decode", str(tmp_path / "x.pico"),
                             str(tmp_path / "x.png")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_version(capsys):
    import picodec

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out == f"picodec {picodec.__version__}\n"


def test_input_is_never_touched(tmp_path, png):
    before = png.read_bytes(), png.stat().st_mtime_ns
    main(["encode", str(png), str(tmp_path / "a.pico")])
    assert (png.read_bytes(), png.stat().st_mtime_ns) == before
    assert np.asarray(Image.open(png)).shape == (120, 160, 3)


def test_dash_is_standard_input_and_output(tmp_path, png):
    def picodec_cli(*argv: str, data: bytes) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "picodec.cli", *argv], input=data,
                              capture_output=True, timeout=300)

    encoded = picodec_cli("encode", "-", "-", "--level", "2", data=png.read_bytes())
    assert encoded.returncode == 0 and b"level 2" in encoded.stderr
    main(["encode", str(png), str(tmp_path / "a.pico"), "--level", "2"])
    assert encoded.stdout == (tmp_path / "a.pico").read_bytes()

    decoded = picodec_cli("decode", "-", "-", data=encoded.stdout)
    assert decoded.returncode == 0 and b"level 2, model" in decoded.stderr
    (tmp_path / "a.png").write_bytes(decoded.stdout)
    main(["decode", str(tmp_path / "a.pico"), str(tmp_path / "b.png")])
    pixels = [np.asarray(Image.open(tmp_path / name)) for name in ("a.png", "b.png")]
    assert np.array_equal(*pixels)

    junk = picodec_cli("encode", "-", "-", data=b"not an image")
    assert junk.returncode == 1 and junk.stdout == b""
    assert junk.stderr.decode().startswith("picodec: error: cannot read the input")


@pytest.mark.parametrize(("ext", "mode"), [(".png", "RGBA"), (".webp", "RGBA"), (".tiff", "RGBA"),
                                           (".jpg", "RGB"), (".bmp", "RGB"), (".ppm", "RGB")])
def test_transparency_through_the_command(tmp_path, capsys, ext, mode):
    """Formats with alpha get it back exactly (WebP losslessly); JPEG, BMP and PPM warn and
    drop it."""
    yy, xx = np.mgrid[:48, :64]
    alpha = np.clip(xx * 4 + yy, 0, 255).astype(np.uint8)
    source = tmp_path / "cut.png"
    Image.fromarray(np.dstack([photo_like(48, 64), alpha]), "RGBA").save(source)
    assert main(["encode", str(source), str(tmp_path / "cut.pico")]) == 0
    capsys.readouterr()
    assert main(["decode", str(tmp_path / "cut.pico"), str(tmp_path / f"out{ext}")]) == 0
    with Image.open(tmp_path / f"out{ext}") as image:
        assert image.mode == mode
        if mode == "RGBA":
            assert np.array_equal(np.asarray(image)[..., 3], alpha)
    warned = "cannot carry the alpha channel" in capsys.readouterr().err
    assert warned == (mode == "RGB")
