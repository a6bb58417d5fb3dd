"""Stage 2: perceptual fine-tuning on crops that are coded as 2x2 independent tiles.

    crop S x S (S = patch − 2·MARGIN), some with painted text ─┐  text mask
         │                                                     │
    tiling.grid: 4 tiles of (S/2 + MARGIN)², margins from the neighbours
         │
    model(tiles, level) ─► 4 decoded tiles ─► crop + stitch ─► x̂ (S x S, with real seams)
         │
    loss = bpp + λ_l · 255² · (MSE + w_msssim (1−MS-SSIM) + w_tiling tiling(x̂, x)
                              + w_text text_L1(x̂, x, mask) + ramp · w_gan GAN(x̂ | mask)
                              [+ w_lpips LPIPS, given its weights])
    then one discriminator step on (x, x̂) at the same level.
    Each w may be a function of the level l (a list in the config: TrainConfig.weight).

The crop spans a real tile seam, so the TilingArtifactLoss sees what the codec's tiling
does; with patch 256 each tile is a 128² network input.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from picodec.eval.lpips import LPIPS
from picodec.tiling import MARGIN, Tile, grid
from picodec.train import losses
from picodec.train.checkpoint import load_checkpoint, save_checkpoint
from picodec.train.config import TrainConfig
from picodec.train.data import CropSampler, batches, to_tensor
from picodec.train.discriminator import PatchDiscriminator
from picodec.train.text import TextPainter, detected_masks, installed_fonts

DISCRIMINATOR = "discriminator.safetensors"


def tile_layout(patch: int) -> tuple[int, list[Tile]]:
    """(crop side S, the 2x2 tiles of an S x S crop, each a patch/2 network input)."""
    side = patch - 2 * MARGIN
    tiles = grid(side, side, tile=side // 2, margin=MARGIN)
    if any((t.input_height, t.input_width) != (patch // 2, patch // 2) for t in tiles):
        raise ValueError(f"patch {patch} does not split into 2x2 tiles of {patch // 2}")
    return side, tiles


def split(x: torch.Tensor, tiles: list[Tile]) -> torch.Tensor:
    """[B, C, S, S] -> the tile inputs, tile-major: [len(tiles)·B, C, h, w]."""
    return torch.cat([x[..., t.top - t.offset_y:t.top - t.offset_y + t.input_height,
                        t.left - t.offset_x:t.left - t.offset_x + t.input_width] for t in tiles])


def stitch(decoded: torch.Tensor, tiles: list[Tile], side: int) -> torch.Tensor:
    """Inverse of ``split`` for decoded tiles: crop each to its own pixels and place it."""
    parts = decoded.chunk(len(tiles))
    rows = []
    for r in range(0, len(tiles), 2):
        row = [p[..., t.offset_y:t.offset_y + t.height, t.offset_x:t.offset_x + t.width]
               for p, t in zip(parts[r:r + 2], tiles[r:r + 2], strict=True)]
        rows.append(torch.cat(row, dim=-1))
    out = torch.cat(rows, dim=-2)
    assert out.shape[-1] == side
    return out


class TextCropSampler:
    """Crops with their text masks: detector masks of the photos, plus painted text on a
    ``text_fraction`` share of the crops."""

    def __init__(self, crops: CropSampler, masks: list[np.ndarray | None],
                 painter: TextPainter, text_fraction: float) -> None:
        self.crops, self.masks, self.painter = crops, masks, painter
        self.text_fraction = text_fraction

    def reseed(self, seed: int) -> None:
        self.crops.reseed(seed)
        self.painter.rng = np.random.default_rng(seed + 1)

    def batch(self, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(x [size, 3, S, S] in [0, 1], mask [size, 1, S, S] in {0, 1})."""
        images, masks = [], []
        for box in self.crops.boxes(size):
            crop = np.ascontiguousarray(self.crops.cut(self.crops.images[box[0]], box))
            found = self.masks[box[0]]
            mask = self.crops.cut(found, box) if found is not None else np.zeros(crop.shape[:2], bool)
            if self.crops.rng.random() < self.text_fraction:
                crop, painted = self.painter.paint(crop)
                mask = mask | painted
            images.append(crop.transpose(2, 0, 1))
            masks.append(mask[None].astype(np.uint8) * 255)
        return to_tensor(images), to_tensor(masks)


class PerceptualObjective:
    """The stage-2 loss and the discriminator that goes with it."""

    def __init__(self, cfg: TrainConfig, device: torch.device, out: Path, progress: bool,
                 world: int = 1) -> None:
        self.cfg = cfg
        self.side, self.tiles = tile_layout(cfg.patch)
        crops = CropSampler(cfg.data, self.side, seed=cfg.seed)
        masks = detected_masks(crops.paths, crops.images, Path(cfg.mask_cache), progress)
        fonts = installed_fonts(Path(cfg.fonts)) if cfg.fonts else None
        self.sampler = TextCropSampler(crops, masks, TextPainter(cfg.seed, fonts), cfg.text_fraction)
        self.disc = PatchDiscriminator(cfg.levels).to(device)
        self.d_opt = torch.optim.Adam(self.disc.parameters(), cfg.d_lr, betas=(0.5, 0.9))
        self.path = out / DISCRIMINATOR
        if self.path.exists():
            load_checkpoint(self.path, self.disc, self.d_opt)
        self.d_net = DistributedDataParallel(self.disc) if world > 1 else self.disc
        self.lpips = None
        if cfg.uses("w_lpips"):
            self.lpips = LPIPS.from_files(cfg.lpips_backbone, cfg.lpips_linear).to(device)
        self.device = device

    def reseed(self, seed: int) -> None:
        """Fresh crop and text randomness (a resumed run does not replay its crops)."""
        self.stream = batches(self.sampler, self.cfg.batch, seed, self.cfg.workers,
                              pin_memory=self.device.type == "cuda")

    def loss(self, net: nn.Module, level: int, lam: float, step: int
             ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The generator loss of one batch; keeps (x, x̂) for the discriminator step."""
        cfg = self.cfg
        x, mask = (t.to(self.device, non_blocking=True) for t in next(self.stream))
        levels = torch.full((x.shape[0],), level, device=self.device)
        result = net(split(x, self.tiles), levels.repeat(len(self.tiles)))
        x_hat = stitch(result["x_hat"], self.tiles, self.side)
        bits = (result["bits_y"] + result["bits_z"]).view(len(self.tiles), -1).sum(dim=0)
        bpp = bits.mean() / self.side**2
        terms = {"mse": torch.mean((x_hat - x) ** 2),
                 "ms_ssim": losses.ms_ssim_loss(x_hat, x),
                 "tiling": losses.tiling_artifact_loss(x_hat, x),
                 "text": losses.text_fidelity_loss(x_hat, x, mask)}
        weights = {"mse": 1.0, "ms_ssim": cfg.weight("w_msssim", level),
                   "tiling": cfg.weight("w_tiling", level), "text": cfg.weight("w_text", level)}
        if self.lpips is not None:
            terms["lpips"] = self.lpips(x_hat, x).mean()
            weights["lpips"] = cfg.weight("w_lpips", level)
        ramp = min(1.0, step / cfg.gan_warmup) if cfg.gan_warmup else 1.0
        if cfg.uses("w_gan"):
            self.disc.requires_grad_(False)
            fake = self.disc(x_hat, levels)
            patches = losses.patch_weights(mask, fake.shape[-2:], cfg.text_gan_scale)
            terms["gan"] = losses.generator_gan_loss(fake, patches)
            weights["gan"] = cfg.weight("w_gan", level) * ramp
            self.disc.requires_grad_(True)
        distortion = sum(weights[k] * v for k, v in terms.items())
        self.pair = (x, x_hat.detach(), levels)
        logs = {k: v.detach() for k, v in terms.items()}
        return bpp + lam * 255**2 * distortion, {"bpp": bpp.detach(), **logs}

    def discriminator_step(self) -> torch.Tensor:
        """One hinge update of the discriminator on the last batch; its loss."""
        if not self.cfg.uses("w_gan"):
            return torch.zeros((), device=self.device)
        x, x_hat, levels = self.pair
        d_loss = losses.discriminator_loss(self.d_net(x, levels), self.d_net(x_hat, levels))
        self.d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_opt.step()
        return d_loss.detach()

    def save(self, step: int, metadata: dict[str, str]) -> None:
        save_checkpoint(self.path, self.disc, self.d_opt, step, metadata)
