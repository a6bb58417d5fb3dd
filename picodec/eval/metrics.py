"""Full-reference quality metrics on 8-bit RGB arrays [H, W, 3].

- PSNR over RGB (peak 255), and over luma Y (BT.601).
- MS-SSIM (Wang, Simoncelli & Bovik 2003): 11-tap Gaussian window (σ = 1.5), 5 scales with
  the published weights, computed per RGB channel and averaged. Images smaller than the
  5-scale minimum (161 px) use as many scales as fit, with the weights renormalised.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import torch
import torch.nn.functional as F

MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def psnr_y(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((luma(a) - luma(b)) ** 2)
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def _gaussian() -> torch.Tensor:
    x = torch.arange(11, dtype=torch.float64) - 5
    g = torch.exp(-(x**2) / (2 * 1.5**2))
    return g / g.sum()


def _blur(t: torch.Tensor) -> torch.Tensor:
    """The 11x11 Gaussian window as two 1-D passes (valid filtering), per channel, each a sum
    of 11 shifted copies: on a CPU about 9x faster than a one-channel convolution, forward
    and backward (the latter is what refining latents through MS-SSIM spends most on)."""
    g = _gaussian().to(t)
    h, w = t.shape[-2:]
    rows = sum(g[k] * t[..., k:k + h - 10, :] for k in range(11))
    return sum(g[k] * rows[..., k:k + w - 10] for k in range(11))


def _ssim_terms(x: torch.Tensor, y: torch.Tensor, peak: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean SSIM and mean contrast-structure term per image and channel: [N, C] each."""
    c1, c2 = (0.01 * peak) ** 2, (0.03 * peak) ** 2
    mu_x, mu_y = _blur(x), _blur(y)
    sxx = _blur(x * x) - mu_x**2
    syy = _blur(y * y) - mu_y**2
    sxy = _blur(x * y) - mu_x * mu_y
    cs = (2 * sxy + c2) / (sxx + syy + c2)
    ssim = (2 * mu_x * mu_y + c1) / (mu_x**2 + mu_y**2 + c1) * cs
    return ssim.mean(dim=(2, 3)), cs.mean(dim=(2, 3))


def ms_ssim_torch(x: torch.Tensor, y: torch.Tensor, peak: float = 1.0) -> torch.Tensor:
    """Differentiable multi-scale SSIM of [N, C, H, W] tensors with values in [0, peak]:
    one value per image, averaged over channels (1: identical)."""
    if min(x.shape[-2:]) < 11:
        raise ValueError("MS-SSIM needs images of at least 11x11 pixels")
    scales = 1
    while scales < 5 and min(x.shape[-2:]) >= 11 * 2**scales:
        scales += 1
    weights = torch.tensor(MS_SSIM_WEIGHTS[:scales], dtype=x.dtype, device=x.device)
    weights = weights / weights.sum()
    factors = []
    for i in range(scales):
        ssim, cs = _ssim_terms(x, y, peak)
        factors.append(ssim if i == scales - 1 else cs)
        if i < scales - 1:
            x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
    stacked = torch.stack(factors).clamp_min(1e-6)  # [scales, N, C]
    return torch.prod(stacked ** weights[:, None, None], dim=0).mean(dim=1)


def ms_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Multi-scale SSIM of two 8-bit RGB images, in [0, 1] (1: identical)."""
    x, y = (torch.from_numpy(v.astype(np.float64)).permute(2, 0, 1)[None] for v in (a, b))
    return float(ms_ssim_torch(x, y, peak=255.0)[0])


def _as_png(rgb: np.ndarray, folder: str, name: str) -> str:
    from PIL import Image

    path = f"{folder}/{name}.png"
    Image.fromarray(rgb).save(path)
    return path


def ssimulacra2(a: np.ndarray, b: np.ndarray) -> float:
    """SSIMULACRA2 (100: identical; ~70 high quality; ~30 low), via the ``ssimulacra2``
    package (a numpy/scipy port of the libjxl reference). Raises ImportError without it."""
    import tempfile

    from ssimulacra2 import compute_ssimulacra2

    with tempfile.TemporaryDirectory() as folder:
        return float(compute_ssimulacra2(_as_png(a, folder, "a"), _as_png(b, folder, "b")))


def flip(a: np.ndarray, b: np.ndarray) -> float:
    """Mean FLIP error (NVIDIA's LDR-FLIP, 67 pixels per degree; 0: identical, lower is
    better), via the ``flip-evaluator`` package. Raises ImportError without it."""
    import flip_evaluator

    ref, test = (v.astype(np.float32) / 255 for v in (a, b))
    return float(flip_evaluator.evaluate(ref, test, "LDR", applyMagma=False)[1])


@cache
def _lpips_model(backbone: str, linear: str):  # type: ignore[no-untyped-def]
    from picodec.eval.lpips import LPIPS

    return LPIPS.from_files(backbone, linear)


def lpips(a: np.ndarray, b: np.ndarray, weights: tuple[str, str]) -> float:
    """LPIPS (AlexNet) with the user's (backbone, linear) weight files; see eval.lpips."""
    x, y = (torch.from_numpy(v).permute(2, 0, 1)[None].float() / 255 for v in (a, b))
    with torch.no_grad():
        return float(_lpips_model(*weights)(x, y)[0])


def butteraugli(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Butteraugli max-norm and 3-norm (0: identical; lower is better), from libjxl's
    ``butteraugli_main`` (Debian: libjxl-devtools). Raises FileNotFoundError without it."""
    import shutil
    import subprocess
    import tempfile

    tool = shutil.which("butteraugli_main")
    if tool is None:
        raise FileNotFoundError("butteraugli_main not found (apt install libjxl-devtools)")
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run([tool, _as_png(a, folder, "a"), _as_png(b, folder, "b")],
                                capture_output=True, text=True, check=True, timeout=600)
    lines = result.stdout.split()
    return float(lines[0]), float(lines[lines.index("3-norm:") + 1])
