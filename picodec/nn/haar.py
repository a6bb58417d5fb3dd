"""Haar-wavelet resampling, as PICO uses for every change of resolution.

Down:  x ─► space-to-depth (2x2 → 4 channels) ─► Haar mix (LL, LH, HL, HH) ─► 1x1 ConvScale
Up:    x ─► 1x1 ConvScale (→ 4·C) ─► inverse Haar mix ─► depth-to-space

The Haar mix is a fixed orthogonal 4x4 matrix applied to each group of four channels, so it
folds into the neighbouring 1x1 convolution: the folded layer is a plain 1x1 convolution
next to a (free) pixel shuffle.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from picodec.nn.convscale import ConvScale

# Rows: LL, LH, HL, HH over the 2x2 neighbourhood in (dy, dx) raster order. Symmetric and
# its own inverse.
HAAR = 0.5 * torch.tensor([[1.0, 1.0, 1.0, 1.0],
                           [1.0, -1.0, 1.0, -1.0],
                           [1.0, 1.0, -1.0, -1.0],
                           [1.0, -1.0, -1.0, 1.0]])


def _haar_block(channels: int) -> torch.Tensor:
    """The Haar mix for ``channels`` groups of four, as one block-diagonal matrix."""
    return torch.block_diag(*[HAAR] * channels)


def haar_mix(x: torch.Tensor) -> torch.Tensor:
    """Apply the Haar mix to each group of four channels (its own inverse)."""
    b, c, h, w = x.shape
    groups = x.reshape(b, c // 4, 4, h, w)
    return torch.einsum("kj,bgjhw->bgkhw", HAAR.to(x), groups).reshape(b, c, h, w)


class HaarDown(nn.Module):
    """Halve the resolution: Haar analysis, then a learned 1x1 ConvScale."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.proj = ConvScale(4 * c_in, c_out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(haar_mix(F.pixel_unshuffle(x, 2)))

    def fold(self) -> nn.Sequential:
        conv = self.proj.fold()
        conv.weight.data = (conv.weight.data.flatten(1) @ _haar_block(conv.in_channels // 4)
                            ).reshape_as(conv.weight)
        return nn.Sequential(nn.PixelUnshuffle(2), conv)


class HaarUp(nn.Module):
    """Double the resolution: a learned 1x1 ConvScale, then Haar synthesis."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.proj = ConvScale(c_in, 4 * c_out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pixel_shuffle(haar_mix(self.proj(x)), 2)

    def fold(self) -> nn.Sequential:
        conv = self.proj.fold()
        mix = _haar_block(conv.out_channels // 4)
        conv.weight.data = (mix @ conv.weight.data.flatten(1)).reshape_as(conv.weight)
        conv.bias.data = mix @ conv.bias.data
        return nn.Sequential(conv, nn.PixelShuffle(2))
