"""Encoder-side refinement of the latents: more encode time, a better picture at the same size.

The analysis network guesses the latent y in one pass, for every image alike. For one given
image a better y exists, and gradient descent through the (fixed) decoder finds it. Only
y moves: ẑ, and with it σ and the context decoder's p, stay the network's, so the file is
an ordinary ``.pico`` that any decoder reads.

    y ← analysis(x);  R₀ ← its rate (hard-rounded symbols)
    repeat n times, τ falling from 0.5 to 0.05:
        ŷ, bits ─ the 4 context phases, each s = round((y − μ)/q) made soft (SGA below)
        D = MSE(x̂, x) + W_MS_SSIM · (1 − MS-SSIM(x̂, x))
        Adam step on y for  bits/pixel + λ·D
        λ ← λ · exp(−2 (R − R₀)/R₀)       R: this y's rate with hard rounding
    keep the y of lowest D whose rate is at most R₀ · (1 + RATE_SLACK)

D counts only the pixels that reach the picture: not a tile's margin or mirror padding.
Where the network codes the image resized (the ladder's bottom and top rungs), D is taken
on the decoded picture itself, the tile's output through the decoder's Lanczos weights
(``Picture``), against the source pixels.

Rounding has no useful gradient, so each s is a soft mix of floor and ceiling drawn with
annealed Gumbel noise (stochastic Gumbel annealing, Yang et al. 2020, "Improving Inference
for Neural Image Compression"): at high τ a smooth surrogate, at low τ nearly hard rounding.
λ starts at the ratio of the gradient norms of rate and distortion and then follows the
rate, so the refined file costs what the network's own one costs: the quality level keeps
its size and gains quality. Holding the rate (rather than one λ per level) needs nothing
from training, so any model refines. The distortion mixes in MS-SSIM because pure MSE
made the perceptual model's pictures smoother and lowered SSIMULACRA2 at equal rate
(docs/DESIGN.md, "Refining the latents").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from picodec import resample
from picodec.eval.metrics import ms_ssim_torch
from picodec.model.pico import PHASES, PicoModel, gaussian_bits, phase_mask
from picodec.tiling import Tile

W_MS_SSIM = 0.05
LEARNING_RATE = 0.01
TAU = (0.5, 0.05)  # SGA temperature at the first and the last step
RATE_FEEDBACK = 2.0
RATE_SLACK = 0.005
CHECK_EVERY = 5  # steps between checks of the hard-rounded result
SEED = 0
MIN_SIDE = 16  # the distortion window's shortest side (MS-SSIM needs 11 pixels)

Region = tuple[int, int, int, int]
"""top, left, height, width: the pixels of a network input that reach the picture."""


@dataclass(frozen=True)
class Picture:
    """Where the network codes the image resized, the decoded picture a tile's output
    becomes: rows @ x̂ @ colsᵀ (the decoder's Lanczos, ``resample.onto_picture``), to be
    compared with ``target``, those pixels of the source image."""

    rows: torch.Tensor    # [n, input height]
    cols: torch.Tensor    # [m, input width]
    target: torch.Tensor  # [1, 3, n, m] in [0, 1]


def picture_of(rgb: np.ndarray, tile: Tile, coded_height: int, coded_width: int) -> Picture | None:
    """The Picture of ``tile`` where the source ``rgb`` is coded at another size; None
    where the tile reaches fewer than MIN_SIDE picture pixels either way."""
    top, left = tile.top - tile.offset_y, tile.left - tile.offset_x
    rows, row_weights = resample.onto_picture((tile.top, tile.top + tile.height),
                                              (top, top + tile.input_height), coded_height, rgb.shape[0])
    cols, col_weights = resample.onto_picture((tile.left, tile.left + tile.width),
                                              (left, left + tile.input_width), coded_width, rgb.shape[1])
    if min(len(row_weights), len(col_weights)) < MIN_SIDE:
        return None
    target = torch.from_numpy(np.ascontiguousarray(rgb[rows, cols])).permute(2, 0, 1)[None].float() / 255
    return Picture(torch.from_numpy(row_weights).float(), torch.from_numpy(col_weights).float(), target)


def soft_round(r: torch.Tensor, tau: float, generator: torch.Generator) -> torch.Tensor:
    """floor(r) plus a Gumbel-softmax weight of the ceiling: near r's nearer integer as τ → 0."""
    floor = torch.floor(r)
    frac = r - floor
    near = 1 - 1e-5
    distances = torch.stack([frac, 1 - frac], -1).clamp(0, near)
    logits = -torch.atanh(distances) / tau
    uniform = torch.rand(logits.shape, generator=generator, dtype=r.dtype).clamp_min(1e-10)
    return floor + torch.softmax(logits - torch.log(-torch.log(uniform)), -1)[..., 1]


def _span(start: int, size: int, total: int) -> slice:
    """[start, start + size), grown to MIN_SIDE (within [0, total)) where shorter."""
    size = min(max(size, MIN_SIDE), total)
    start = min(start, total - size)
    return slice(start, start + size)


class Refiner:
    """The fixed decoder side of one tile: rate and distortion of any y (see module docstring)."""

    def __init__(self, net: PicoModel, x: torch.Tensor, level: torch.Tensor,
                 p: torch.Tensor, sigma: torch.Tensor, region: Region | None = None,
                 picture: Picture | None = None) -> None:
        self.net, self.x, self.level, self.p, self.sigma = net, x, level, p, sigma
        self.picture = picture
        self.pixels = x.shape[-1] * x.shape[-2]
        top, left, height, width = region or (0, 0, *x.shape[-2:])
        self.window = (_span(top, height, x.shape[-2]), _span(left, width, x.shape[-1]))

    def run(self, y: torch.Tensor, tau: float, generator: torch.Generator
            ) -> tuple[torch.Tensor, torch.Tensor, float]:
        """(bits/pixel with soft rounding, distortion, bits/pixel with hard rounding); τ = 0
        rounds hard throughout."""
        h, w = y.shape[-2:]
        y_hat = torch.zeros_like(y)
        bits = y.new_zeros(())
        hard_bits = 0.0
        for k in range(len(PHASES)):
            mask = phase_mask(k, h, w)
            mu, q = self.net.phase_params(k, self.p, y_hat, self.level)
            r = (y - mu) / q
            s = soft_round(r, tau, generator) if tau > 0 else torch.round(r)
            bits = bits + (mask * gaussian_bits(s, self.sigma)).sum()
            with torch.no_grad():
                hard_bits += (mask * gaussian_bits(torch.round(r), self.sigma)).sum().item()
            y_hat = y_hat + mask * (q * s + mu)
        x_hat, x = self.seen(self.net.reconstruct(y_hat, self.level))
        distortion = F.mse_loss(x_hat, x) + W_MS_SSIM * (1 - ms_ssim_torch(x_hat.clamp(0, 1), x).mean())
        return bits / self.pixels, distortion, hard_bits / self.pixels

    def seen(self, x_hat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The network output as the picture shows it, and what it should show."""
        if self.picture is not None:
            return self.picture.rows @ x_hat @ self.picture.cols.T, self.picture.target
        rows, cols = self.window
        return x_hat[..., rows, cols], self.x[..., rows, cols]

    def start_lambda(self, y: torch.Tensor, generator: torch.Generator) -> float:
        """|∇rate| / |∇distortion| at the network's y: where the two pulls balance."""
        y = y.detach().requires_grad_(True)
        rate, distortion, _ = self.run(y, TAU[0], generator)
        (g_rate,) = torch.autograd.grad(rate, y, retain_graph=True)
        (g_distortion,) = torch.autograd.grad(distortion, y)
        return (g_rate.norm() / g_distortion.norm().clamp_min(1e-12)).item()

    def refine(self, y0: torch.Tensor, steps: int) -> torch.Tensor:
        """The best y found in ``steps`` steps from ``y0`` (``y0`` itself if none is better)."""
        generator = torch.Generator().manual_seed(SEED)
        with torch.no_grad():
            _, best_distortion, budget = self.run(y0, 0, generator)
        best = y0
        limit = budget * (1 + RATE_SLACK)
        lam = self.start_lambda(y0, generator)
        y = y0.clone().requires_grad_(True)
        optimiser = torch.optim.Adam([y], lr=LEARNING_RATE)
        for step in range(steps):
            tau = TAU[0] * (TAU[1] / TAU[0]) ** (step / max(steps - 1, 1))
            rate, distortion, hard_rate = self.run(y, tau, generator)
            optimiser.zero_grad()
            (rate + lam * distortion).backward()
            optimiser.step()
            lam *= math.exp(-RATE_FEEDBACK * (hard_rate - budget) / budget)
            if (step + 1) % CHECK_EVERY == 0 or step == steps - 1:
                with torch.no_grad():
                    _, distortion, hard_rate = self.run(y, 0, generator)
                if hard_rate <= limit and distortion < best_distortion:
                    best, best_distortion = y.detach().clone(), distortion
        return best
