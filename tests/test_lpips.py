"""LPIPS from user-supplied weight files (random stand-ins here: no real weights offline)."""

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from picodec.eval.lpips import ALEXNET, LPIPS, TORCHVISION_INDEX
from picodec.eval.metrics import lpips
from tests.conftest import photo_like


@pytest.fixture(scope="module")
def weight_files(tmp_path_factory):
    """A torchvision-layout AlexNet (.pth, with classifier tensors to ignore) and LPIPS
    linear heads (.safetensors), random but of the real shapes."""
    folder = tmp_path_factory.mktemp("lpips")
    gen = torch.Generator().manual_seed(0)
    features = {}
    for index, (i, o, k, _, _) in zip(TORCHVISION_INDEX, ALEXNET, strict=True):
        features[f"features.{index}.weight"] = torch.randn(o, i, k, k, generator=gen) / (i * k * k) ** 0.5
        features[f"features.{index}.bias"] = torch.zeros(o)
    features["classifier.1.weight"] = torch.zeros(4, 4)
    torch.save(features, folder / "alexnet.pth")
    heads = {f"lin{k}.model.1.weight": torch.rand(1, o, 1, 1, generator=gen)
             for k, (_, o, *_) in enumerate(ALEXNET)}
    save_file(heads, str(folder / "alex.safetensors"))
    return str(folder / "alexnet.pth"), str(folder / "alex.safetensors")


def test_lpips_is_zero_for_identical_images_and_grows_with_distortion(weight_files):
    a = photo_like(96, 96, seed=3)
    assert lpips(a, a, weight_files) == 0
    rng = np.random.default_rng(0)
    scores = [lpips(a, np.clip(a + rng.normal(0, s, a.shape), 0, 255).astype(np.uint8), weight_files)
              for s in (2, 8, 32)]
    assert 0 < scores[0] < scores[1] < scores[2]


def test_lpips_reads_exactly_the_given_tensors(weight_files):
    model = LPIPS.from_files(*weight_files)
    features = torch.load(weight_files[0], weights_only=True)
    assert torch.equal(model.convs[3].weight, features["features.8.weight"])
    with pytest.raises(FileNotFoundError):
        LPIPS.from_files("/nonexistent/alexnet.pth", weight_files[1])


def test_bench_adds_lpips_to_cached_points(tmp_path, weight_files):
    from PIL import Image

    from picodec.eval.bench import bench

    data = tmp_path / "images"
    data.mkdir()
    Image.fromarray(photo_like(96, 128, seed=5)).save(data / "a.png")
    out = tmp_path / "r.json"
    first = bench(data, ["jpegli"], out, jobs=1, progress=False)
    assert "lpips" not in first["metrics"] and "lpips" not in first["records"][0]
    second = bench(data, ["jpegli"], out, jobs=1, progress=False, lpips_weights=weight_files)
    assert "lpips" in second["metrics"]
    assert all(r["lpips"] > 0 for r in second["records"])
    assert [r["bytes"] for r in second["records"]] == [r["bytes"] for r in first["records"]]


def test_wrong_weight_files_are_a_clear_error(tmp_path, weight_files):
    (tmp_path / "junk.pth").write_bytes(b"not a state dict")
    with pytest.raises(ValueError, match="cannot read"):
        LPIPS.from_files(tmp_path / "junk.pth", weight_files[1])
    with pytest.raises(ValueError, match="no tensor"):
        LPIPS.from_files(weight_files[1], weight_files[0])  # the two files swapped


def test_stage2_takes_lpips_as_a_loss(tmp_path, weight_files):
    import csv

    from PIL import Image

    from picodec.train.config import TrainConfig
    from picodec.train.trainer import train

    data = tmp_path / "photos"
    data.mkdir()
    for i in range(2):
        Image.fromarray(photo_like(130, 140, seed=i)).save(data / f"{i}.png")
    with pytest.raises(ValueError, match="lpips_backbone"):
        TrainConfig(stage="perceptual", w_lpips=0.1)
    train(TrainConfig(data=str(data), out=str(tmp_path / "run"), patch=128, batch=1, steps=1,
                      threads=1, stage="perceptual", mask_cache=str(tmp_path / "masks"),
                      w_lpips=0.1, lpips_backbone=weight_files[0], lpips_linear=weight_files[1]),
          progress=False)
    row = next(csv.DictReader((tmp_path / "run" / "log.csv").open()))
    assert float(row["lpips"]) > 0
