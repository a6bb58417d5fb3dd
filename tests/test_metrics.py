"""Metrics against known values."""

import math
import shutil

import numpy as np
import pytest

from picodec.eval.metrics import butteraugli, ms_ssim, psnr, psnr_y, ssimulacra2
from tests.conftest import photo_like

IMAGE = photo_like(96, 128)


def test_identical_images():
    assert psnr(IMAGE, IMAGE) == math.inf and psnr_y(IMAGE, IMAGE) == math.inf
    assert ms_ssim(IMAGE, IMAGE) == pytest.approx(1.0)


def test_known_distortion():
    shifted = np.clip(IMAGE.astype(int) + 4, 0, 255).astype(np.uint8)
    exact = 10 * math.log10(255**2 / np.mean((shifted.astype(float) - IMAGE) ** 2))
    assert psnr(IMAGE, shifted) == pytest.approx(exact)
    assert psnr(IMAGE, np.full_like(IMAGE, 0)) < 10
    noise = np.random.default_rng(0).normal(0, 1, IMAGE.shape)
    mild, strong = (np.clip(IMAGE + s * noise, 0, 255).astype(np.uint8) for s in (3, 30))
    assert 1.0 > ms_ssim(IMAGE, mild) > ms_ssim(IMAGE, strong) > 0.2


def test_ssimulacra2_orders_distortions():
    pytest.importorskip("ssimulacra2")
    noise = np.random.default_rng(0).normal(0, 1, IMAGE.shape)
    mild, strong = (np.clip(IMAGE + s * noise, 0, 255).astype(np.uint8) for s in (3, 30))
    assert ssimulacra2(IMAGE, IMAGE) == pytest.approx(100.0)
    assert 100 > ssimulacra2(IMAGE, mild) > ssimulacra2(IMAGE, strong)


@pytest.mark.skipif(shutil.which("butteraugli_main") is None,
                    reason="butteraugli_main not installed (Debian libjxl-devtools)")
def test_butteraugli_orders_distortions():
    noise = np.random.default_rng(0).normal(0, 1, IMAGE.shape)
    mild, strong = (np.clip(IMAGE + s * noise, 0, 255).astype(np.uint8) for s in (3, 30))
    assert butteraugli(IMAGE, IMAGE)[0] == pytest.approx(0.0, abs=1e-6)
    assert 0 < butteraugli(IMAGE, mild)[0] < butteraugli(IMAGE, strong)[0]
