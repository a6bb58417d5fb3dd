"""A small patch discriminator conditioned on the quality level.

    x ─► conv4 s2 (32) ─► conv4 s2 (64) ─► · (1 + γ_l) + β_l ─► conv4 s2 (128) ─► conv3 (1)
         LeakyReLU         LeakyReLU        level embedding      LeakyReLU          logits

One logit per 8x8-pixel patch (receptive field ~46 px). Spectral normalisation on every
convolution keeps it Lipschitz, which steadies training. It stays small on purpose: a large
discriminator overpowers a small decoder (PICO).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

STRIDE = 8  # pixels per logit along each side


class PatchDiscriminator(nn.Module):
    def __init__(self, levels: int, width: int = 32) -> None:
        super().__init__()
        act = nn.LeakyReLU(0.2)
        self.head = nn.Sequential(spectral_norm(nn.Conv2d(3, width, 4, 2, 1)), act,
                                  spectral_norm(nn.Conv2d(width, 2 * width, 4, 2, 1)), act)
        self.level_gain = nn.Embedding(levels, 2 * width)
        self.level_bias = nn.Embedding(levels, 2 * width)
        for table in (self.level_gain, self.level_bias):
            nn.init.zeros_(table.weight)
        self.tail = nn.Sequential(spectral_norm(nn.Conv2d(2 * width, 4 * width, 4, 2, 1)), act,
                                  spectral_norm(nn.Conv2d(4 * width, 1, 3, 1, 1)))

    def forward(self, x: torch.Tensor, level: torch.Tensor) -> torch.Tensor:
        """x [B, 3, H, W] in [0, 1], level [B] -> logits [B, 1, H/8, W/8]."""
        h = self.head(x - 0.5)
        gain = self.level_gain(level)[:, :, None, None]
        bias = self.level_bias(level)[:, :, None, None]
        return self.tail(h * (1 + gain) + bias)
