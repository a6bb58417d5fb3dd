"""Shared fixtures. Data from ../shared is found relative to the repository root."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


def shared_data(sub: str) -> Path:
    """A folder of ../shared/data; the test is skipped, saying why, when it is missing."""
    path = SHARED_DATA / sub
    if not path.is_dir():
        pytest.skip(f"test data missing: {path} (clone the project beside ../shared)")
    return path


def photo_like(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A deterministic smooth-plus-texture RGB test image (not random noise)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    base = np.stack([128 + 80 * np.sin(xx / 23 + c) * np.cos(yy / 31 - c) for c in range(3)], -1)
    texture = rng.normal(0, 6, (height, width, 3))
    return np.clip(base + texture, 0, 255).astype(np.uint8)


@pytest.fixture(scope="session")
def model():
    from picodec import weights

    return weights.load()


@pytest.fixture(scope="module")
def bench_results(tmp_path_factory):
    """A real bench run (picodec and JPEG on two small photos): the arena's input."""
    from PIL import Image

    from picodec.cli import main

    folder = tmp_path_factory.mktemp("arena")
    data = folder / "images"
    data.mkdir()
    for i in range(2):
        Image.fromarray(photo_like(96, 128, seed=20 + i)).save(data / f"photo{i}.png")
    out = folder / "results.json"
    assert main(["bench", str(data), "--codecs", "picodec,jpeg", "--out", str(out)]) == 0
    return out
