"""Building blocks of the transforms, and folding a trained network for inference.

ConvScale311 inverted-residual block (PICO's backbone), with expansion factors E and F:

    x ─► 3x3 ConvScale (C → E·C) ─► ReLU ─► 1x1 (E·C → F·C) ─► ReLU ─► 1x1 (F·C → C) ─► + x

LevelScale is the quality-level conditioning (ELF-VC style): a learned per-channel gain for
each integer level, so one network serves every bitrate. Training uses the integer levels;
coding may ask for one between them (``at_level``), which blends its two neighbours' rows.
"""

from __future__ import annotations

import torch
from torch import nn

from picodec.nn.convscale import ConvScale
from picodec.nn.haar import HaarDown, HaarUp


class ConvScale311(nn.Module):
    """Inverted residual block of one 3x3 and two 1x1 ConvScale layers."""

    def __init__(self, channels: int, expand: int = 2, mid: int = 1) -> None:
        super().__init__()
        self.body = nn.Sequential(
            ConvScale(channels, expand * channels, 3), nn.ReLU(),
            ConvScale(expand * channels, mid * channels, 1), nn.ReLU(),
            ConvScale(mid * channels, channels, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def cs_chain(channels: int, repeats: int, expand: int = 2, mid: int = 1) -> nn.Sequential:
    """CS-Chain(C, R, E, F): ``repeats`` ConvScale311 blocks at one resolution."""
    return nn.Sequential(*[ConvScale311(channels, expand, mid) for _ in range(repeats)])


def at_level(table: nn.Embedding, level: torch.Tensor) -> torch.Tensor:
    """The rows of a per-level table for a batch of levels.

    Integer levels pick their row; a float level l between levels a = ⌊l⌋ and a + 1 gets
    (1 − t)·row[a] + t·row[a + 1] with t = l − a (gained VAEs interpolate their gains so as
    to reach rates between the trained ones: Cui et al., CVPR 2021). An integer-valued float
    gets its row exactly."""
    if not level.is_floating_point():
        return table(level)
    low = level.floor().clamp(0, table.num_embeddings - 1)
    t = (level - low)[:, None].to(table.weight.dtype)
    low_index = low.long()
    high_index = (low_index + 1).clamp(max=table.num_embeddings - 1)
    return table(low_index) * (1 - t) + table(high_index) * t


class LevelScale(nn.Module):
    """Multiply each channel by a learned gain chosen by the quality level."""

    def __init__(self, channels: int, levels: int) -> None:
        super().__init__()
        self.gain = nn.Embedding(levels, channels)
        nn.init.ones_(self.gain.weight)

    def forward(self, x: torch.Tensor, level: torch.Tensor) -> torch.Tensor:
        return x * at_level(self.gain, level)[:, :, None, None]


class Conditioned(nn.Sequential):
    """A sequence of layers in which every LevelScale receives the quality level."""

    def forward(self, x: torch.Tensor, level: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        for layer in self:
            x = layer(x, level) if isinstance(layer, LevelScale) else layer(x)
        return x


_FOLDABLE = (ConvScale, HaarDown, HaarUp)


def fold(module: nn.Module) -> nn.Module:
    """Replace every ConvScale and Haar resampler in ``module`` by its plain folded form.

    Works in place and returns ``module``; the result computes the same function.
    """
    for name, child in module.named_children():
        if isinstance(child, _FOLDABLE):
            setattr(module, name, child.fold())
        else:
            fold(child)
    return module
