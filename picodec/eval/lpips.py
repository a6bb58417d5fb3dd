"""LPIPS (Zhang et al. 2018, AlexNet variant) from weights the user supplies.

No backbone weights can be downloaded here, so picodec ships none. Given the two files
the reference implementation uses, it computes the same network:

- BACKBONE: torchvision's ImageNet AlexNet (``alexnet-owt-7be5be79.pth``; only the
  ``features.*`` tensors are read),
- LINEAR: the LPIPS v0.1 linear heads (``lpips/weights/v0.1/alex.pth``: ``lin0…lin4``),

each as a PyTorch state dict (read with ``weights_only=True``: tensors only, no pickled
code) or a safetensors file.

    x, y ∈ [0, 1] ─► [-1, 1] ─► (· − shift) / scale ─► AlexNet relu1…relu5
         per layer: unit-normalise channels, (φx − φy)², 1x1 linear head, spatial mean
         LPIPS = Σ over the 5 layers (0: identical; lower is better)
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

# (in, out, kernel, stride, padding) of AlexNet's five convolutions; a max-pool follows
# the first two. Their indices in torchvision's ``features`` are 0, 3, 6, 8, 10.
ALEXNET = ((3, 64, 11, 4, 2), (64, 192, 5, 1, 2), (192, 384, 3, 1, 1),
           (384, 256, 3, 1, 1), (256, 256, 3, 1, 1))
TORCHVISION_INDEX = (0, 3, 6, 8, 10)
SHIFT = (-0.030, -0.088, -0.188)
SCALE = (0.458, 0.448, 0.450)


def read_tensors(path: str | Path) -> dict[str, torch.Tensor]:
    """A state dict from a safetensors or PyTorch file (tensors only)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"LPIPS weights not found: {path}")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(path))
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # each format fails in its own way; the user needs one line
        raise ValueError(f"cannot read LPIPS weights from {path}: {err}") from err


class LPIPS(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(i, o, k, s, p) for i, o, k, s, p in ALEXNET)
        self.heads = nn.ModuleList(nn.Conv2d(o, 1, 1, bias=False) for _, o, *_ in ALEXNET)
        self.register_buffer("shift", torch.tensor(SHIFT).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("scale", torch.tensor(SCALE).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)

    @classmethod
    def from_files(cls, backbone: str | Path, linear: str | Path) -> LPIPS:
        """Build from torchvision AlexNet weights and the LPIPS v0.1 linear heads."""
        features, heads = read_tensors(backbone), read_tensors(linear)
        wanted = {}
        for k, index in enumerate(TORCHVISION_INDEX):
            for part in ("weight", "bias"):
                wanted[f"convs.{k}.{part}"] = (features, backbone, f"features.{index}.{part}")
            wanted[f"heads.{k}.weight"] = (heads, linear, f"lin{k}.model.1.weight")
        state = {}
        for name, (tensors, path, key) in wanted.items():
            if key not in tensors:
                raise ValueError(f"{path} has no tensor '{key}': not the expected LPIPS weights")
            state[name] = tensors[key]
        model = cls()
        try:
            model.load_state_dict(state)
        except RuntimeError as err:
            raise ValueError(f"LPIPS weights of the wrong shape: {err}") from err
        return model.eval()

    def _features(self, x: torch.Tensor) -> list[torch.Tensor]:
        h = ((2 * x - 1) - self.shift) / self.scale
        out = []
        for k, conv in enumerate(self.convs):
            h = F.relu(conv(h))
            out.append(h)
            if k < 2:
                h = F.max_pool2d(h, 3, 2)
        return out

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """LPIPS per image of [N, 3, H, W] tensors in [0, 1]: shape [N]."""
        total = x.new_zeros(x.shape[0])
        for head, fx, fy in zip(self.heads, self._features(x), self._features(y), strict=True):
            nx = fx / (fx.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
            ny = fy / (fy.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
            total = total + head((nx - ny) ** 2).mean(dim=(1, 2, 3))
        return total
