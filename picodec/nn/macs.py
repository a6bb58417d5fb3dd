"""Count multiply-accumulates of convolutions, to report a model's cost per pixel."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


def count_macs(module: nn.Module, run: Callable[[], object]) -> int:
    """Multiply-accumulates of every Conv2d/ConvScale call made inside ``module`` by ``run``."""
    total = 0

    def hook(layer: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        nonlocal total
        conv = layer.conv if hasattr(layer, "conv") else layer
        k_h, k_w = conv.kernel_size
        total += output.numel() * (conv.in_channels // conv.groups) * k_h * k_w

    from picodec.nn.convscale import ConvScale  # local: avoid a cycle for callers of nn/

    handles = [m.register_forward_hook(hook) for m in module.modules()
               if isinstance(m, (nn.Conv2d, ConvScale)) and not
               (isinstance(m, nn.Conv2d) and any(getattr(p, "conv", None) is m for p in module.modules()))]
    try:
        with torch.no_grad():
            run()
    finally:
        for h in handles:
            h.remove()
    return total
