"""The Pillow plugin: Image.open and Image.save speak .pico once picodec is imported."""

import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import picodec
from picodec.errors import PicodecError
from tests.conftest import ROOT, photo_like


def test_save_and_open_match_the_api(tmp_path):
    image = Image.fromarray(photo_like(70, 90))
    path = tmp_path / "photo.pico"
    image.save(path, level=1.5, model="mse")
    data = path.read_bytes()
    assert data == picodec.encode(image, level=1.5, model="mse")

    opened = Image.open(path)
    assert (opened.format, opened.size, opened.mode) == ("PICO", (90, 70), "RGB")
    assert opened.info == {"level": 1.5, "model": "mse"}
    assert np.array_equal(np.asarray(opened), np.asarray(picodec.decode(data)))

    image.save(path, level=2, effort=1)
    assert path.read_bytes() == picodec.encode(image, level=2, effort=1) != picodec.encode(image, level=2)


def test_grayscale_comes_back_grayscale():
    buffer = io.BytesIO()
    Image.fromarray(photo_like(40, 50)[..., 0]).save(buffer, format="PICO")
    opened = Image.open(buffer)
    assert opened.mode == "L" and opened.info["level"] == 4
    assert np.asarray(opened).shape == (40, 50)


def test_transparency_opens_as_rgba():
    colour = Image.fromarray(photo_like(40, 50))
    colour.putalpha(Image.fromarray(np.tile(np.arange(50, dtype=np.uint8) * 5, (40, 1))))
    buffer = io.BytesIO()
    colour.save(buffer, format="PICO", level=3)
    with Image.open(io.BytesIO(buffer.getvalue())) as image:
        assert image.mode == "RGBA"  # from the header, before any decoding
        assert np.array_equal(np.asarray(image)[..., 3], np.asarray(colour)[..., 3])


def test_a_broken_file_raises_the_codec_error_and_other_formats_are_untouched():
    buffer = io.BytesIO()
    Image.fromarray(photo_like(40, 50)).save(buffer, format="PICO")
    with pytest.raises(PicodecError, match="truncated"):
        Image.open(io.BytesIO(buffer.getvalue()[:-5]))
    png = io.BytesIO()
    Image.fromarray(photo_like(8, 8)).save(png, format="PNG")
    assert Image.open(png).format == "PNG"


def test_headers_are_read_without_importing_torch(tmp_path):
    """`import picodec`, Image.open and `picodec info` stay quick: torch comes with a model."""
    Image.fromarray(photo_like(40, 50)).save(tmp_path / "a.pico")
    code = ("import sys, picodec; from PIL import Image; "
            f"image = Image.open(r'{tmp_path / 'a.pico'}'); "
            f"picodec.info(open(r'{tmp_path / 'a.pico'}', 'rb').read()); "
            "assert image.size == (50, 40) and 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
