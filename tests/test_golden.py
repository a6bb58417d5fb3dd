"""Golden bitstream: the shipped default model must keep coding exactly as recorded.

A change here is a bitstream change: regenerate (tests/golden/regenerate.py) only together
with new weights or a new format version.
"""

import hashlib
import json

import numpy as np

import picodec
from tests.golden.regenerate import HERE, LEVEL, golden_image, symbol_hash

RECORD = json.loads((HERE / "golden.json").read_text())
GOLDEN = (HERE / "golden.pico").read_bytes()


def test_encoding_reproduces_the_golden_bytes():
    assert picodec.encode(golden_image(), level=LEVEL) == GOLDEN


def test_golden_file_decodes_to_the_recorded_pixels():
    pixels = np.asarray(picodec.decode(GOLDEN))
    assert hashlib.sha256(pixels.tobytes()).hexdigest() == RECORD["pixels_sha256"]


def test_golden_file_decodes_to_the_recorded_symbols():
    assert symbol_hash(GOLDEN) == RECORD["symbols_sha256"]


def test_a_version_1_file_still_decodes():
    """picodec 0.1-0.3 wrote format version 1 (no colour profile): the same tiles."""
    old = (HERE / "golden-v1.pico").read_bytes()
    assert old[4] == 1 and picodec.info(old)["version"] == 1
    pixels = np.asarray(picodec.decode(old))
    assert hashlib.sha256(pixels.tobytes()).hexdigest() == RECORD["pixels_sha256"]
