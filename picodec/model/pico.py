"""The PICO model: transforms, hyperprior, integer scale decoder and one-shot context model.

                      ┌────────────── z ─► factorised prior (integer tables)
    x ─► analysis ─┬─►│
      (level)      │  └► ẑ ─┬─► scale decoder (integer only, + level offset) ─► σ index ─► tables
                   │        └─► context decoder (float) ─► p
                   y
                   └─► context model, 4 phases over a 2x2 grid:
                       phase k:  (p, ŷ of phases < k) ─► μ, q
                                 s = round((y − μ) / q)          (coded with σ alone)
                                 ŷ = q · s + μ
    ŷ ─► synthesis (level) ─► x̂

Because the tables depend on σ alone, a decoder entropy-decodes every symbol first and
only then runs the four float phases: float differences across machines can only nudge
pixels, never the bitstream.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from picodec.model.config import ModelConfig
from picodec.nn.blocks import Conditioned, LevelScale, at_level, cs_chain
from picodec.nn.convscale import ConvScale
from picodec.nn.haar import HaarDown, HaarUp
from picodec.nn.integer import QConv, round_ste

DOWNSAMPLE = 64  # network input sides must be multiples of this (z is at 1/64)
LATENT_STRIDE = 16
PHASES = ((0, 0), (1, 1), (0, 1), (1, 0))  # 2x2 grid positions, in coding order
LIKELIHOOD_FLOOR = 1e-9


def phase_mask(k: int, h: int, w: int, device: torch.device | None = None) -> torch.Tensor:
    """1 at the latent positions of phase ``k``, else 0; shape [1, 1, h, w]."""
    dy, dx = PHASES[k]
    mask = torch.zeros(1, 1, h, w, device=device)
    mask[..., dy::2, dx::2] = 1
    return mask


def gaussian_bits(s: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """-log2 P(s) for integer-binned, zero-mean Gaussian symbols of std ``sigma``."""
    a = s.abs()
    normal = torch.distributions.Normal(0.0, 1.0)
    p = normal.cdf((0.5 - a) / sigma) - normal.cdf((-0.5 - a) / sigma)
    return -torch.log2(p.clamp_min(LIKELIHOOD_FLOOR))


class FactorizedPrior(nn.Module):
    """Per-channel logistic density for the hyper-latent z (location and scale learned)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.loc = nn.Parameter(torch.zeros(channels))
        self.log_scale = nn.Parameter(torch.zeros(channels))

    def cdf(self, v: torch.Tensor) -> torch.Tensor:
        """CDF at ``v`` [B, C, H, W] (or [C, N] with ``v`` laid out per channel)."""
        shape = (1, -1, 1, 1) if v.dim() == 4 else (-1, 1)
        return torch.sigmoid((v - self.loc.view(shape)) / self.log_scale.exp().view(shape))

    def bits(self, z: torch.Tensor) -> torch.Tensor:
        p = self.cdf(z + 0.5) - self.cdf(z - 0.5)
        return -torch.log2(p.clamp_min(LIKELIHOOD_FLOOR))


class PicoModel(nn.Module):
    """One network for every quality level. See the module docstring for the data flow."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = c = config
        ch, rep, L = c.channels, c.repeats, c.levels

        down: list[nn.Module] = []
        c_prev = 3
        for width, r in zip(ch, rep, strict=True):
            down += [HaarDown(c_prev, width), cs_chain(width, r, c.expand), LevelScale(width, L)]
            c_prev = width
        self.analysis = Conditioned(*down, ConvScale(ch[3], c.latent, 3))
        self.hyper_analysis = nn.Sequential(
            HaarDown(ch[3], c.hyper_hidden), nn.ReLU(), ConvScale(c.hyper_hidden, c.hyper_hidden, 3),
            nn.ReLU(), HaarDown(c.hyper_hidden, c.hyper), ConvScale(c.hyper, c.hyper, 1))

        up: list[nn.Module] = [ConvScale(c.latent, ch[3], 3), LevelScale(ch[3], L)]
        for i in (3, 2, 1, 0):
            out = ch[i - 1] if i else 3
            up += [cs_chain(ch[i], rep[i], c.expand), HaarUp(ch[i], out)]
            if i:
                up.append(LevelScale(out, L))
        self.synthesis = Conditioned(*up)

        self.z_prior = FactorizedPrior(c.hyper)
        self.context_decoder = nn.Sequential(
            ConvScale(c.hyper, c.hyper_hidden, 3), nn.ReLU(), HaarUp(c.hyper_hidden, c.hyper_hidden),
            nn.ReLU(), ConvScale(c.hyper_hidden, c.hyper_hidden, 3), nn.ReLU(),
            HaarUp(c.hyper_hidden, c.prior))
        s = c.scale_hidden
        self.scale_layers = nn.ModuleList([
            QConv(c.hyper, s, 3, signed_input=True), QConv(s, 4 * s, 1),
            QConv(s, s, 3), QConv(s, 4 * c.latent, 1)])
        self.scale_shuffles = [False, True, False, True]
        nn.init.constant_(self.scale_layers[-1].conv.conv.bias, c.n_scales / 3)
        self.context = nn.ModuleList([
            nn.Sequential(ConvScale(c.prior + (c.latent if k else 0), c.context_hidden, 3), nn.ReLU(),
                          ConvScale(c.context_hidden, c.context_hidden, 1), nn.ReLU(),
                          ConvScale(c.context_hidden, 2 * c.latent, 1))
            for k in range(len(PHASES))])
        self.level_log_q = nn.Embedding(L, c.latent)
        nn.init.zeros_(self.level_log_q.weight)
        self.level_sigma = nn.Embedding(L, c.latent)  # σ-index offset per level (integer at run time)
        nn.init.zeros_(self.level_sigma.weight)
        self.low_precision: torch.dtype | None = None  # training only: see forward

    # --- pieces shared by training and coding -------------------------------------------
    @property
    def log_sigma_step(self) -> float:
        c = self.config
        return math.log(c.sigma_max / c.sigma_min) / (c.n_scales - 1)

    def sigma_table(self) -> torch.Tensor:
        """σ for each index 0 … n_scales−1 (geometric)."""
        idx = torch.arange(self.config.n_scales, dtype=torch.float64)
        return self.config.sigma_min * torch.exp(idx * self.log_sigma_step)

    def encode_latents(self, x: torch.Tensor, level: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x [B, 3, H, W] in [0, 1] -> y [B, M, H/16, W/16], z [B, Cz, H/64, W/64]."""
        features = self.analysis[:-1](x - 0.5, level)
        return self.analysis[-1](features), self.hyper_analysis(features)

    def scale_index_float(self, z_hat: torch.Tensor, level: torch.Tensor) -> torch.Tensor:
        """The scale decoder in quantisation-aware float form (training only), unclamped."""
        out = z_hat
        for layer, shuffle in zip(self.scale_layers, self.scale_shuffles, strict=True):
            out = layer(out)
            if shuffle:
                out = F.pixel_shuffle(out, 2)
        return out + round_ste(at_level(self.level_sigma, level))[:, :, None, None]

    def phase_params(self, k: int, p: torch.Tensor, y_known: torch.Tensor,
                     level: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean μ and quantisation width q for phase ``k``."""
        inputs = p if k == 0 else torch.cat([p, y_known], dim=1)
        mu, raw = self.context[k](inputs).chunk(2, dim=1)
        log_q = 3 * torch.tanh(raw / 3) + at_level(self.level_log_q, level)[:, :, None, None]
        return mu, log_q.exp()

    def reconstruct(self, y_hat: torch.Tensor, level: torch.Tensor) -> torch.Tensor:
        return self.synthesis(y_hat, level) + 0.5

    # --- training -----------------------------------------------------------------------
    def forward(self, x: torch.Tensor, level: torch.Tensor) -> dict[str, torch.Tensor]:
        """Training pass: noisy rates, straight-through reconstructions.

        Returns ``x_hat`` and the total ``bits_y`` and ``bits_z`` of each image. With
        ``low_precision`` set (torch.bfloat16), the float networks (analysis, context decoder
        and phases, synthesis) run under autocast in that type; rates, quantisation and the
        integer scale decoder stay in float32.
        """
        low = torch.autocast(x.device.type, dtype=self.low_precision or torch.bfloat16,
                             enabled=self.low_precision is not None)
        with low:
            y, z = self.encode_latents(x, level)
        y, z = y.float(), z.float()
        bits_z = self.z_prior.bits(z + torch.empty_like(z).uniform_(-0.5, 0.5))
        z_hat = round_ste(z)
        raw = self.scale_index_float(z_hat, level)
        index = raw + (raw.clamp(0, self.config.n_scales - 1) - raw).detach()  # STE clamp
        sigma = self.config.sigma_min * torch.exp(round_ste(index) * self.log_sigma_step)
        with low:
            p = self.context_decoder(z_hat)

        h, w = y.shape[-2:]
        y_hat = torch.zeros_like(y)
        bits_y = torch.zeros_like(y)
        for k in range(len(PHASES)):
            mask = phase_mask(k, h, w, y.device)
            with low:
                mu, q = self.phase_params(k, p, y_hat, level)
            mu, q = mu.float(), q.float()
            r = (y - mu) / q
            bits_y = bits_y + mask * gaussian_bits(r + torch.empty_like(r).uniform_(-0.5, 0.5), sigma)
            y_hat = y_hat + mask * (q * round_ste(r) + mu)
        with low:
            x_hat = self.reconstruct(y_hat, level)
        return {"x_hat": x_hat.float(),
                "bits_y": bits_y.sum(dim=(1, 2, 3)), "bits_z": bits_z.sum(dim=(1, 2, 3))}
