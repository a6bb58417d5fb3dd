"""Stage-2 (perceptual) loss terms. Images are [B, 3, H, W] in [0, 1].

    D = MSE + w_msssim (1 − MS-SSIM) + w_tiling TilingArtifactLoss
          + w_text TextFidelityLoss + w_gan (GAN, turned down inside text)
    loss = bpp + λ_level · 255² · D

- TextFidelityLoss: L1 per text pixel, inside a (dilated) text mask.
- TilingArtifactLoss: L1 between the stitched reconstruction of independently coded tiles
  and the original at several average-pooled scales, so low frequencies (colour, brightness)
  agree across tile seams.
- GAN (hinge form): the discriminator is pushed to D(x) ≥ 1 and D(x̂) ≤ −1; the generator
  raises D(x̂). The generator term is weighted per patch, lower where the patch shows text:
  there a hallucinated texture would change a glyph.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from picodec.eval.metrics import ms_ssim_torch

TILING_SCALES = (1, 2, 4, 8, 16)


def ms_ssim_loss(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """1 − MS-SSIM, averaged over the batch."""
    return 1 - ms_ssim_torch(x_hat, x).mean()


def dilate(mask: torch.Tensor, pixels: int) -> torch.Tensor:
    """Grow a [B, 1, H, W] {0, 1} mask by ``pixels`` in every direction."""
    if pixels <= 0:
        return mask
    return F.max_pool2d(mask, 2 * pixels + 1, stride=1, padding=pixels)


def text_fidelity_loss(x_hat: torch.Tensor, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean absolute error per pixel inside ``mask`` [B, 1, H, W]; 0 where the batch has none."""
    area = mask.sum() * x.shape[1]  # a tensor: no branch on it, so no wait for the GPU
    return (mask * (x_hat - x).abs()).sum() / area.clamp_min(1)


def tiling_artifact_loss(stitched: torch.Tensor, x: torch.Tensor,
                         scales: tuple[int, ...] = TILING_SCALES) -> torch.Tensor:
    """Multi-resolution L1: the mean over ``scales`` of the L1 between average-pooled images."""
    terms = [(F.avg_pool2d(stitched, s) - F.avg_pool2d(x, s)).abs().mean() for s in scales]
    return torch.stack(terms).mean()


def patch_weights(mask: torch.Tensor, size: tuple[int, int], text_gan_scale: float) -> torch.Tensor:
    """Per-patch weight of the generator's GAN term: ``text_gan_scale`` on patches that
    touch text, 1 elsewhere. ``mask`` [B, 1, H, W] -> [B, 1, *size]."""
    touched = F.adaptive_max_pool2d(mask, size)
    return 1 - (1 - text_gan_scale) * touched


def generator_gan_loss(fake_logits: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Hinge generator loss −D(x̂), weighted per patch."""
    return -(weights * fake_logits).mean()


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Hinge discriminator loss."""
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
