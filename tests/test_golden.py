"""Golden bitstream: the shipped default model must keep coding exactly as recorded.

A change here is a bitstream change: regenerate (tests/golden/regenerate.py) only together
with new weights or a new format version.
"""

import hashlib
import json

import numpy as np
import pytest

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


@pytest.mark.parametrize("version", [1, 2])
def test_older_format_versions_still_decode(version):
    """picodec 0.1-0.3 wrote version 1 (no colour profile), 0.4 version 2 (no escapes).
    The golden tiles, which need no escape, in those layouts: the same pixels."""
    old = (HERE / f"golden-v{version}.pico").read_bytes()
    assert old[4] == version and picodec.info(old)["version"] == version
    pixels = np.asarray(picodec.decode(old))
    assert hashlib.sha256(pixels.tobytes()).hexdigest() == RECORD["pixels_sha256"]
    assert symbol_hash(old) == RECORD["symbols_sha256"]
