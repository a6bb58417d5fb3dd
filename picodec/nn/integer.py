"""The integer-only scale decoder: trained in float with fake quantisation, run in integers.

Training (quantisation-aware, float):

    x ─► fake-quant input (uint8, learned step; int8 step 1 for the z symbols)
      ─► conv with fake-quant weights (int8, one step per output channel) ─► next layer

Inference (``IntegerNet``, numpy int64, no float anywhere):

    x:int ─► Σ w:int8 · x + b:int32 ─► (acc · M + 2^(S-1)) >> S ─► clamp ─► next layer

M is the fixed-point form of (input step · weight step / next input step). The last layer's
output plus an integer offset per quality level, clamped to [0, n_scales), *is* the σ index
that selects an integer CDF table, so the entropy coder never sees a float decision.
Encoder and decoder both run this integer net: that is what makes a file decode
identically on every machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from picodec import levels
from picodec.nn.convscale import ConvScale

SHIFT = 24  # fixed-point fraction bits of the requantisation multipliers


def round_ste(x: torch.Tensor) -> torch.Tensor:
    """Round in the forward pass, identity in the backward pass."""
    return x + (torch.round(x) - x).detach()


class QConv(nn.Module):
    """A ConvScale convolution trained for int8 weights and 8-bit input activations."""

    def __init__(self, c_in: int, c_out: int, kernel: int, signed_input: bool = False) -> None:
        """``signed_input``: the input is already integer (the ẑ symbols): int8, step 1.
        Otherwise the input is a ReLU output quantised to uint8 with a learned step."""
        super().__init__()
        self.conv = ConvScale(c_in, c_out, kernel)
        self.signed_input = signed_input
        step = 1.0 if signed_input else 4.0 / 255
        self.log_step = nn.Parameter(torch.tensor(math.log(step)), requires_grad=not signed_input)

    @property
    def input_range(self) -> tuple[int, int]:
        return (-127, 127) if self.signed_input else (0, 255)

    def input_step(self) -> torch.Tensor:
        return self.log_step.exp()

    def weight_steps(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Effective weight, bias, and the int8 step of each output channel."""
        weight, bias = self.conv.effective()
        step = weight.detach().abs().amax(dim=(1, 2, 3)).clamp_min(1e-8) / 127
        return weight, bias, step

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lo, hi = self.input_range
        step = self.input_step()
        xq = round_ste(torch.clamp(x / step, lo, hi)) * step
        weight, bias, w_step = self.weight_steps()
        wq = round_ste(weight / w_step[:, None, None, None]) * w_step[:, None, None, None]
        return F.conv2d(xq, wq, bias, padding=self.conv.conv.padding)


@dataclass(frozen=True)
class IntConv:
    """One integer layer: int8 weights, int32 bias, per-channel fixed-point multiplier."""

    weight: np.ndarray      # int8 [C_out, C_in, k, k]
    bias: np.ndarray        # int32 [C_out], in accumulator units
    multiplier: np.ndarray  # int64 [C_out], value · 2^SHIFT
    lo: int                 # output clamp (ReLU for hidden layers)
    hi: int
    shuffle: bool           # depth-to-space by 2 after this layer

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """x: int64 [C_in, H, W] -> int64 [C_out, H, W] (or shuffled)."""
        c_out, c_in, k, _ = self.weight.shape
        _, h, w = x.shape
        p = k // 2
        xp = np.pad(x, ((0, 0), (p, p), (p, p)))
        cols = np.stack([xp[:, dy:dy + h, dx:dx + w] for dy in range(k) for dx in range(k)],
                        axis=1).reshape(c_in * k * k, h * w)
        acc = self.weight.reshape(c_out, -1).astype(np.int64) @ cols
        acc += self.bias.astype(np.int64)[:, None]
        out = (acc * self.multiplier[:, None] + (1 << (SHIFT - 1))) >> SHIFT
        out = np.clip(out, self.lo, self.hi).reshape(c_out, h, w)
        if self.shuffle:
            out = out.reshape(c_out // 4, 2, 2, h, w).transpose(0, 3, 1, 4, 2)
            out = out.reshape(c_out // 4, 2 * h, 2 * w)
        return out


class IntegerNet:
    """A chain of ``IntConv`` layers, then an integer offset per quality level and channel:
    integer symbols in, integer indices in [0, out_max] out. Between two levels the offset
    is their integer blend (``picodec.levels``)."""

    def __init__(self, layers: list[IntConv], level_offset: np.ndarray, out_max: int) -> None:
        self.layers = layers
        self.level_offset = level_offset.astype(np.int64)  # [levels, channels]
        self.out_max = out_max

    def __call__(self, x: np.ndarray, steps: int) -> np.ndarray:
        """``steps``: the level in hundredths (``picodec.levels``)."""
        out = x.astype(np.int64)
        for layer in self.layers:
            out = layer(out)
        offset = levels.blend(self.level_offset, steps)
        return np.clip(out + offset[:, None, None], 0, self.out_max)

    def state(self, prefix: str) -> dict[str, np.ndarray]:
        """The integer tensors, for saving beside the float weights."""
        tensors = {f"{prefix}.level_offset": self.level_offset,
                   f"{prefix}.out_max": np.array([self.out_max], dtype=np.int64)}
        for i, layer in enumerate(self.layers):
            tensors[f"{prefix}.{i}.weight"] = layer.weight
            tensors[f"{prefix}.{i}.bias"] = layer.bias
            tensors[f"{prefix}.{i}.multiplier"] = layer.multiplier
            tensors[f"{prefix}.{i}.clamp_shuffle"] = np.array(
                [layer.lo, layer.hi, int(layer.shuffle)], dtype=np.int64)
        return tensors

    @classmethod
    def from_state(cls, tensors: dict[str, np.ndarray], prefix: str) -> IntegerNet:
        layers = []
        i = 0
        while f"{prefix}.{i}.weight" in tensors:
            lo, hi, shuffle = (int(v) for v in tensors[f"{prefix}.{i}.clamp_shuffle"])
            layers.append(IntConv(tensors[f"{prefix}.{i}.weight"], tensors[f"{prefix}.{i}.bias"],
                                  tensors[f"{prefix}.{i}.multiplier"], lo, hi, bool(shuffle)))
            i += 1
        return cls(layers, tensors[f"{prefix}.level_offset"], int(tensors[f"{prefix}.out_max"][0]))


def _fixed_point(ratio: torch.Tensor) -> np.ndarray:
    return torch.round(ratio.double() * (1 << SHIFT)).long().numpy()


def convert(layers: list[QConv], shuffles: list[bool], level_offset: torch.Tensor,
            out_max: int) -> IntegerNet:
    """Turn a trained chain of QConv layers (and per-level offsets) into an ``IntegerNet``.

    Hidden layers end in ReLU and feed the next layer's 8-bit input; the last layer's
    output (in units of 1) plus the rounded level offset is clamped to [0, out_max].
    """
    converted = []
    with torch.no_grad():
        for i, (layer, shuffle) in enumerate(zip(layers, shuffles, strict=True)):
            weight, bias, w_step = layer.weight_steps()
            in_step = layer.input_step()
            w_int = torch.round(weight / w_step[:, None, None, None]).clamp(-127, 127)
            b_int = torch.round(bias / (w_step * in_step))
            last = i == len(layers) - 1
            out_step = torch.ones(()) if last else layers[i + 1].input_step()
            converted.append(IntConv(
                weight=w_int.to(torch.int8).numpy(),
                bias=b_int.to(torch.int32).numpy(),
                multiplier=_fixed_point(w_step * in_step / out_step),
                lo=-(1 << 20) if last else 0, hi=(1 << 20) if last else layers[i + 1].input_range[1],
                shuffle=shuffle))
        offset = torch.round(level_offset).long().numpy()
    return IntegerNet(converted, offset, out_max)
