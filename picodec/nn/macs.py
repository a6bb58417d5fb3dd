"""Count multiply-accumulates of convolutions, to report a model's cost per pixel."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from picodec.nn.convscale import ConvScale


def count_macs(module: nn.Module, run: Callable[[], object]) -> int:
    """Multiply-accumulates of every convolution inside ``module`` that ``run`` calls.

    A ConvScale computes with its effective weight and never calls its inner Conv2d, so
    hooking both kinds counts each convolution once.
    """
    total = 0

    def hook(layer: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        nonlocal total
        conv = layer.conv if isinstance(layer, ConvScale) else layer
        k_h, k_w = conv.kernel_size
        total += output.numel() * (conv.in_channels // conv.groups) * k_h * k_w

    handles = [m.register_forward_hook(hook) for m in module.modules()
               if isinstance(m, (nn.Conv2d, ConvScale))]
    try:
        with torch.no_grad():
            run()
    finally:
        for h in handles:
            h.remove()
    return total
