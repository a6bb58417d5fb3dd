"""The shipped stage-1 model (`mse`) against JPEG on Kodak: real files, decoded pixels, equal bpp.

Issue #2 asks for a win at *every* level, in the mean over Kodak, and for levels spanning
0.1–1.0 bpp. This codes all 24 images at the lowest and middle levels, the first rung of the
quality ladder (an enlarged image) and the highest (about 2 minutes), so that a regression
fails CI; the full table is docs/results/kodak_mse_vs_jpeg.md. The top level's margin is
small (+0.29 dB PSNR over the 24 images, and a loss of 0.03 dB on kodim01, 12 and 20 alone),
which is why no subset stands in for the whole set.
"""

import numpy as np
import pytest

from picodec.eval.codecs import Picodec, PillowJpeg
from picodec.eval.rd import at_equal_rate, sweep
from tests.conftest import shared_data

IMAGES = ("kodim01.png", "kodim12.png", "kodim20.png")  # the SSIMULACRA2 check's subset
LEVELS = (0, 4, 5, 7)


@pytest.fixture(scope="module")
def results():
    paths = sorted(shared_data("kodak").glob("*.png"))
    assert len(paths) == 24, "the Kodak set in ../shared/data/kodak is incomplete"
    return sweep(Picodec("mse", points=LEVELS), paths), sweep(PillowJpeg(), paths)


@pytest.mark.parametrize("metric", ["psnr", "ms_ssim"])
@pytest.mark.parametrize("level", LEVELS)
def test_beats_jpeg_at_equal_bpp(results, metric, level):
    ours, jpeg = results
    row = at_equal_rate(ours, jpeg, metric)[level]
    assert row["images"] == 24, f"level {level}: outside JPEG's rate range"
    assert row["ours"] > row["anchor"], f"level {level}: {row}"


def _mean_bpp(records, level):
    rates = [r["bpp"] for r in records if r["point"] == level]
    return sum(rates) / len(rates)


def test_levels_order_the_rate(results):
    ours, _ = results
    rates = [_mean_bpp(ours, level) for level in LEVELS]
    assert rates == sorted(rates)


def test_levels_span_0_1_to_1_0_bpp(results):
    ours, _ = results
    assert _mean_bpp(ours, 0) <= 0.1 * 1.25 and _mean_bpp(ours, 7) >= 1.0


def test_perceptual_model_beats_mse_on_ssimulacra2():
    """Issue #4: the perceptual default needs fewer bits than `mse` for equal SSIMULACRA2
    (BD-rate over the levels, mean of three Kodak images; docs/results has all 24)."""
    from picodec.eval.bdrate import bd_rate
    from picodec.eval.metrics import ssimulacra2
    from picodec.eval.rd import load_rgb

    images = [load_rgb(shared_data("kodak") / name) for name in IMAGES]
    curves = {}
    for model in ("mse", "perceptual"):
        codec = Picodec(model)
        rates, scores = [], []
        for level in codec.points:
            pairs = [(rgb, codec.encode(rgb, level)) for rgb in images]
            rates.append(np.mean([8 * len(data) / rgb[..., 0].size for rgb, data in pairs]))
            scores.append(np.mean([ssimulacra2(rgb, codec.decode(data)) for rgb, data in pairs]))
        curves[model] = (rates, scores)
    bd, _, _ = bd_rate(*curves["mse"], *curves["perceptual"])
    assert bd < 0, f"perceptual vs mse BD-rate on SSIMULACRA2: {bd:+.1f} %"
