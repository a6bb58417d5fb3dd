"""The shipped default model against JPEG on Kodak: real files, decoded pixels, equal bpp.

The full 24-image table is benchmarks/kodak_vs_jpeg.py (docs/results/); this checks three
images at the lowest, middle and highest levels so that a regression fails CI.
"""

import pytest

from picodec.eval.codecs import Picodec, PillowJpeg
from picodec.eval.rd import at_equal_rate, sweep
from tests.conftest import shared_data

IMAGES = ("kodim01.png", "kodim12.png", "kodim20.png")


@pytest.fixture(scope="module")
def results():
    kodak = shared_data("kodak")
    paths = [kodak / name for name in IMAGES]
    return sweep(Picodec(points=(0, 4, 7)), paths), sweep(PillowJpeg(), paths)


@pytest.mark.parametrize("metric", ["psnr", "ms_ssim"])
def test_beats_jpeg_at_equal_bpp(results, metric):
    ours, jpeg = results
    for level, row in at_equal_rate(ours, jpeg, metric).items():
        assert row["images"] == len(IMAGES), f"level {level}: outside JPEG's rate range"
        assert row["ours"] > row["anchor"], f"level {level}: {row}"


def test_levels_span_the_rate_range(results):
    ours, _ = results
    bpp = {level: sum(r["bpp"] for r in ours if r["point"] == level) / len(IMAGES)
           for level in (0, 4, 7)}
    assert bpp[0] < bpp[4] < bpp[7]
