"""Full-reference quality metrics on 8-bit RGB arrays [H, W, 3].

- PSNR over RGB (peak 255), and over luma Y (BT.601).
- MS-SSIM (Wang, Simoncelli & Bovik 2003): 11-tap Gaussian window (σ = 1.5), 5 scales with
  the published weights, computed per RGB channel and averaged. Images smaller than the
  5-scale minimum (161 px) use as many scales as fit, with the weights renormalised.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
_C1, _C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def psnr_y(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((luma(a) - luma(b)) ** 2)
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def _window() -> torch.Tensor:
    x = torch.arange(11, dtype=torch.float64) - 5
    g = torch.exp(-(x**2) / (2 * 1.5**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :])[None, None]


def _ssim_terms(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean SSIM and mean contrast-structure term per channel (valid filtering)."""
    w = _window().to(x).expand(x.shape[1], 1, 11, 11)
    mu_x, mu_y = (F.conv2d(t, w, groups=x.shape[1]) for t in (x, y))
    sxx = F.conv2d(x * x, w, groups=x.shape[1]) - mu_x**2
    syy = F.conv2d(y * y, w, groups=x.shape[1]) - mu_y**2
    sxy = F.conv2d(x * y, w, groups=x.shape[1]) - mu_x * mu_y
    cs = (2 * sxy + _C2) / (sxx + syy + _C2)
    ssim = (2 * mu_x * mu_y + _C1) / (mu_x**2 + mu_y**2 + _C1) * cs
    return ssim.mean(dim=(0, 2, 3)), cs.mean(dim=(0, 2, 3))


def ms_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Multi-scale SSIM of two 8-bit RGB images, in [0, 1] (1: identical)."""
    x = torch.from_numpy(a.astype(np.float64)).permute(2, 0, 1)[None]
    y = torch.from_numpy(b.astype(np.float64)).permute(2, 0, 1)[None]
    scales = 1
    while scales < 5 and min(x.shape[-2:]) >= 11 * 2**scales:
        scales += 1
    if min(x.shape[-2:]) < 11:
        raise ValueError("MS-SSIM needs images of at least 11x11 pixels")
    weights = torch.tensor(MS_SSIM_WEIGHTS[:scales], dtype=torch.float64)
    weights = weights / weights.sum()
    factors = []
    for i in range(scales):
        ssim, cs = _ssim_terms(x, y)
        factors.append(ssim if i == scales - 1 else cs)
        if i < scales - 1:
            x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
    stacked = torch.stack(factors).clamp_min(0)  # [scales, channels]
    return float(torch.prod(stacked ** weights[:, None], dim=0).mean())
