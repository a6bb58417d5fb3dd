"""Colour profiles and orientation: a photo keeps its look and stands the right way up."""

import io
import json

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageOps

import picodec
from picodec import colour
from picodec.cli import main
from tests.conftest import photo_like
from tests.icc import make_profile

WIDE = make_profile("RGB")                 # Adobe-RGB-like primaries, gamma 2.2
GRAY = make_profile("GRAY", gamma=1.8)
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def tagged(icc: bytes, mode: str = "RGB") -> Image.Image:
    image = Image.fromarray(photo_like(48, 64)).convert(mode)
    image.info["icc_profile"] = icc
    return image


def profile(icc: bytes) -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(io.BytesIO(icc))


def test_srgb_is_recognised_whatever_its_bytes():
    assert colour.is_srgb(profile(SRGB), gray=False)
    assert not colour.is_srgb(profile(WIDE), gray=False)
    assert not colour.is_srgb(profile(GRAY), gray=True)
    srgb_primaries_plain_gamma = make_profile("RGB", 2.2, ((0.4361, 0.2225, 0.0139),
                                                           (0.3851, 0.7169, 0.0971),
                                                           (0.1431, 0.0606, 0.7141)))
    assert not colour.is_srgb(profile(srgb_primaries_plain_gamma), gray=False)


def test_a_wide_gamut_profile_travels_with_the_file(model):
    data = picodec.encode(tagged(WIDE), model=model)
    assert len(data) > len(picodec.encode(tagged(b""), model=model))
    decoded = picodec.decode(data, model=model)
    assert decoded.info["icc_profile"] == WIDE
    assert picodec.info(data)["icc_profile_bytes"] == len(WIDE)


def test_srgb_and_ignored_profiles_cost_nothing(model):
    bare = picodec.encode(tagged(b""), model=model)
    assert picodec.encode(tagged(SRGB), model=model) == bare
    assert picodec.encode(tagged(WIDE), model=model, keep_icc=False) == bare
    assert "icc_profile" not in picodec.decode(bare, model=model).info


def test_gray_profile_on_gray_image(model):
    decoded = picodec.decode(picodec.encode(tagged(GRAY, "L"), model=model), model=model)
    assert decoded.mode == "L" and decoded.info["icc_profile"] == GRAY


@pytest.mark.parametrize("icc", [GRAY, b"not a profile"])
def test_a_profile_that_does_not_fit_is_ignored_with_a_warning(model, icc):
    with pytest.warns(UserWarning, match="profile"):
        data = picodec.encode(tagged(icc), model=model)
    assert data == picodec.encode(tagged(b""), model=model)


def test_exif_orientation_is_applied(tmp_path, model):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: turn 90 degrees clockwise to view
    path = tmp_path / "sideways.jpg"
    Image.fromarray(photo_like(48, 96)).save(path, exif=exif, quality=95)
    decoded = np.asarray(picodec.decode(picodec.encode(path, level=7, model=model), model=model))
    with Image.open(path) as original:
        upright = np.asarray(ImageOps.exif_transpose(original), dtype=np.float64)
    assert decoded.shape == upright.shape == (96, 48, 3)
    assert np.abs(decoded - upright).mean() < 8


@pytest.mark.parametrize("ext", [".png", ".jpg", ".webp", ".tiff"])
def test_decoded_files_carry_the_profile(tmp_path, ext):
    source, pico, out = tmp_path / "wide.png", tmp_path / "wide.pico", tmp_path / f"out{ext}"
    tagged(WIDE).save(source, icc_profile=WIDE)
    assert main(["encode", str(source), str(pico)]) == 0
    assert main(["decode", str(pico), str(out)]) == 0
    with Image.open(out) as image:
        assert image.info.get("icc_profile") == WIDE
    with Image.open(pico) as image:  # the Pillow plugin reads it from the header
        assert image.info["icc_profile"] == WIDE


def test_cli_reports_and_ignores_profiles(tmp_path, capsys):
    source, kept, dropped = tmp_path / "wide.png", tmp_path / "kept.pico", tmp_path / "dropped.pico"
    tagged(WIDE).save(source, icc_profile=WIDE)
    main(["encode", str(source), str(kept)])
    main(["encode", str(source), str(dropped), "--ignore-icc"])
    capsys.readouterr()
    main(["info", str(kept)])
    assert json.loads(capsys.readouterr().out)["colour_profile"] == f"unnamed ({len(WIDE)} bytes)"
    main(["info", str(dropped)])
    assert json.loads(capsys.readouterr().out)["colour_profile"] == "sRGB (none stored)"
    assert main(["decode", str(kept), str(tmp_path / "out.bmp")]) == 0
    assert "warning: BMP cannot carry the colour profile" in capsys.readouterr().err
