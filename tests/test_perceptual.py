"""Stage 2: each loss on small tensors, the 2x2 tile crops, painted text, and real steps."""

import csv

import numpy as np
import pytest
import torch
from PIL import Image

from picodec.eval.metrics import ms_ssim, ms_ssim_torch
from picodec.model.config import ModelConfig
from picodec.model.pico import PicoModel
from picodec.train import losses
from picodec.train.checkpoint import read_metadata
from picodec.train.config import TrainConfig
from picodec.train.discriminator import PatchDiscriminator
from picodec.train.perceptual import DISCRIMINATOR, PerceptualObjective, split, stitch, tile_layout
from picodec.train.text import TextPainter, detected_masks, installed_fonts
from picodec.train.trainer import train
from tests.conftest import photo_like


def _image(seed: int = 0, size: int = 64) -> torch.Tensor:
    rgb = photo_like(size, size, seed=seed)
    return torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 255


def test_tiling_loss_is_zero_for_identical_and_grows_with_a_seam_step():
    x = _image()
    assert losses.tiling_artifact_loss(x, x) == 0
    values = []
    for step in (0.01, 0.03, 0.1):
        stitched = x.clone()
        stitched[..., :, 32:] += step  # one tile brighter: a colour step at the seam
        values.append(float(losses.tiling_artifact_loss(stitched, x)))
    assert 0 < values[0] < values[1] < values[2]


def test_text_loss_sees_only_the_masked_pixels():
    x = _image()
    mask = torch.zeros(1, 1, 64, 64)
    mask[..., 10:20, 10:40] = 1
    outside = x.clone()
    outside[..., 40:, :] += 0.5
    assert losses.text_fidelity_loss(outside, x, mask) == 0
    inside = x.clone()
    inside[..., 10:20, 10:40] += 0.25
    assert float(losses.text_fidelity_loss(inside, x, mask)) == pytest.approx(0.25)
    assert losses.text_fidelity_loss(inside, x, torch.zeros_like(mask)) == 0


def test_masking_removes_the_gan_term_inside_text():
    logits = torch.randn(1, 1, 8, 8, requires_grad=True)
    mask = torch.zeros(1, 1, 64, 64)
    mask[..., :, :32] = 1  # text on the left half: patch columns 0-3
    weights = losses.patch_weights(mask, (8, 8), text_gan_scale=0.0)
    losses.generator_gan_loss(logits, weights).backward()
    assert torch.all(logits.grad[..., :4] == 0)
    assert torch.all(logits.grad[..., 4:] < 0)
    turned_down = losses.patch_weights(mask, (8, 8), text_gan_scale=0.1)
    assert torch.allclose(turned_down[..., :4], torch.tensor(0.1))


def test_discriminator_losses_and_level_conditioning():
    disc = PatchDiscriminator(levels=8)
    x = _image()
    logits = disc(x, torch.tensor([3]))
    assert logits.shape == (1, 1, 8, 8)
    with torch.no_grad():
        disc.level_bias.weight[5] += 1.0
    assert not torch.allclose(disc(x, torch.tensor([5])), disc(x, torch.tensor([3])))
    good = losses.discriminator_loss(torch.full((1, 1, 2, 2), 2.0), torch.full((1, 1, 2, 2), -2.0))
    bad = losses.discriminator_loss(torch.full((1, 1, 2, 2), -2.0), torch.full((1, 1, 2, 2), 2.0))
    assert good == 0 and bad == 6


def test_torch_ms_ssim_matches_the_metric_and_has_gradients():
    a, b = photo_like(176, 176, seed=1), photo_like(176, 176, seed=2)
    x = torch.from_numpy(a).permute(2, 0, 1)[None].double() / 255
    y = torch.from_numpy(b).permute(2, 0, 1)[None].double() / 255
    y.requires_grad_(True)
    value = ms_ssim_torch(y, x)
    assert value.item() == pytest.approx(ms_ssim(a, b), abs=1e-9)
    value.sum().backward()
    assert torch.isfinite(y.grad).all() and y.grad.abs().sum() > 0


def test_crops_split_into_2x2_tiles_with_margins_and_stitch_back():
    side, tiles = tile_layout(128)
    assert side == 120 and len(tiles) == 4
    x = torch.rand(2, 3, side, side)
    parts = split(x, tiles)
    assert parts.shape == (8, 3, 64, 64)
    # the top-left tile's input reaches MARGIN pixels into its right neighbour
    assert torch.equal(parts[0, :, :64, :64], x[0, :, :64, :64])
    assert torch.equal(stitch(parts, tiles, side), x)


def test_painted_text_changes_the_crop_inside_its_mask():
    crop = photo_like(96, 96, seed=4)
    painter = TextPainter(seed=0)
    for _ in range(5):
        painted, mask = painter.paint(crop.copy())
        assert mask.any() and not mask.all()
        changed = np.any(painted != crop, axis=-1)
        assert changed[mask].mean() > 0.05  # ink inside the text boxes


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos2")
    for i in range(3):
        Image.fromarray(photo_like(140, 150, seed=i)).save(folder / f"{i}.png")
    return folder


def test_stage2_trains_resumes_and_logs_every_term(tmp_path, photos):
    def config(steps, workers=0):
        return TrainConfig(data=str(photos), out=str(tmp_path / "run"), patch=128, batch=2,
                           steps=steps, checkpoint_every=2, threads=1, stage="perceptual",
                           gan_warmup=2, mask_cache=str(tmp_path / "masks"), workers=workers)
    train(config(2), progress=False)
    assert read_metadata(tmp_path / "run" / DISCRIMINATOR)["step"] == "2"
    train(config(4, workers=1), progress=False)  # crops and painted text from a worker
    assert read_metadata(tmp_path / "run" / DISCRIMINATOR)["step"] == "4"
    rows = list(csv.DictReader((tmp_path / "run" / "log.csv").open()))
    assert [r["step"] for r in rows] == ["0"]  # logged every 10 steps
    for field in ("bpp", "psnr", "ms_ssim", "tiling", "text", "gan", "d_loss"):
        assert np.isfinite(float(rows[0][field]))
    assert (tmp_path / "masks" / "index.json").exists()


def test_mask_cache_follows_an_image_that_moves(tmp_path, photos, monkeypatch):
    """Masks are keyed by file content: a copy elsewhere finds its mask without the detector."""
    calls = []

    def detector(image):
        calls.append(1)
        return np.ones(image.shape[:2], bool)

    monkeypatch.setattr("picodec.eval.artifacts.text_mask", detector)
    paths = sorted(photos.glob("*.png"))
    images = [np.asarray(Image.open(p)) for p in paths]
    first = detected_masks(paths, images, tmp_path / "masks", progress=False)
    moved = tmp_path / "moved"
    moved.mkdir()
    copies = [moved / p.name for p in paths]
    for p, c in zip(paths, copies, strict=True):
        c.write_bytes(p.read_bytes())
    again = detected_masks(copies, images, tmp_path / "masks", progress=False)
    assert len(calls) == len(paths)  # detector ran once per image, not for the copies
    assert all(a.all() and np.array_equal(a, b) for a, b in zip(first, again, strict=True))


def test_a_fonts_folder_replaces_the_system_fonts(tmp_path, photos, monkeypatch):
    system = installed_fonts()
    if not system:
        pytest.skip("no system fonts to copy")
    monkeypatch.setattr("picodec.eval.artifacts.text_mask", lambda im: np.zeros(im.shape[:2], bool))
    folder = tmp_path / "fonts"
    folder.mkdir()
    (folder / system[0].name).write_bytes(system[0].read_bytes())
    cfg = TrainConfig(data=str(photos), patch=128, stage="perceptual", fonts=str(folder),
                      mask_cache=str(tmp_path / "masks"))
    objective = PerceptualObjective(cfg, torch.device("cpu"), tmp_path / "run", progress=False)
    assert objective.sampler.painter.fonts == [folder / system[0].name]


def test_a_per_level_weight_applies_at_its_level_only(tmp_path, photos):
    """w_tiling 0 everywhere but level 1: level 0's loss is unchanged, level 1's grows."""
    net = PicoModel(ModelConfig())

    def loss(w_tiling, level):
        cfg = TrainConfig(data=str(photos), patch=128, batch=1, stage="perceptual", w_gan=0,
                          w_tiling=w_tiling, mask_cache=str(tmp_path / "masks"))
        objective = PerceptualObjective(cfg, torch.device("cpu"), tmp_path, progress=False)
        objective.reseed(0)
        torch.manual_seed(0)
        with torch.no_grad():
            return objective.loss(net, level, 0.01, 0)[0].item()

    per_level = (0.0, 100.0) + (0.0,) * 6
    assert loss(per_level, 0) == pytest.approx(loss(0.0, 0))
    assert loss(per_level, 1) > loss(0.0, 1) * 1.01
