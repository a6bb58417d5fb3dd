"""Golden bitstreams: the shipped default model must keep coding exactly as recorded.

A change here is a bitstream change: regenerate (tests/golden/regenerate.py) only together
with new weights or a new format version.

The symbols are integers and must match on every machine. The pixels come out of float
networks, so another CPU may round a value that lies near a half the other way: they must
match the recorded PNG to within one level, at a few samples at most.
"""

import json

import numpy as np
import pytest
from PIL import Image

import picodec
from tests.golden.regenerate import HERE, LEVELS, golden_image, symbol_hash

RECORD = json.loads((HERE / "golden.json").read_text())


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(picodec.decode(data), dtype=np.int16)


@pytest.mark.parametrize("name", LEVELS)
def test_encoding_reproduces_the_golden_bytes(name):
    assert picodec.encode(golden_image(name), level=LEVELS[name]) == (HERE / f"{name}.pico").read_bytes()


@pytest.mark.parametrize("name", LEVELS)
def test_golden_file_decodes_to_the_recorded_symbols_and_pixels(name):
    data = (HERE / f"{name}.pico").read_bytes()
    assert symbol_hash(data) == RECORD[name]["symbols_sha256"]
    with Image.open(HERE / f"{name}.png") as recorded:
        off = np.abs(_pixels(data) - np.asarray(recorded, dtype=np.int16))
    assert off.max() <= 1 and (off > 0).mean() < 0.001


@pytest.mark.parametrize("version", [1, 2, 3, 4, 5, 6])
def test_older_format_versions_still_decode(version):
    """picodec 0.1-0.3 wrote version 1 (no colour profile), 0.4 version 2 (no escapes),
    0.5-0.6 version 3 (no model level or coded size), 0.7 version 4 (no alpha), 0.8 version 5
    (no EXIF or XMP), 0.9 version 6 (whole levels only). The golden tiles, which need no
    escape, in those layouts: the same symbols, and the same pixels as today's file."""
    old = (HERE / f"golden-v{version}.pico").read_bytes()
    assert old[4] == version and picodec.info(old)["version"] == version
    assert symbol_hash(old) == RECORD["golden"]["symbols_sha256"]
    assert np.array_equal(_pixels(old), _pixels((HERE / "golden.pico").read_bytes()))


def test_the_resampled_file_codes_an_enlarged_image():
    header = picodec.info((HERE / "golden-resampled.pico").read_bytes())
    assert (header["width"], header["height"]) == (100, 72)
    assert (header["coded_width"], header["coded_height"]) == (133, 96)
    assert header["model_level"] == 4


def test_the_alpha_file_keeps_its_transparency_exactly():
    decoded = np.asarray(picodec.decode((HERE / "golden-alpha.pico").read_bytes()))
    assert decoded.shape == (72, 100, 4)
    assert np.array_equal(decoded[..., 3], golden_image("golden-alpha")[..., 3])
