"""Integer probability tables: the only probabilities the entropy coder ever sees.

A table is a list of integer frequencies over consecutive symbols
``offset, offset+1, …, offset+len−1``; each frequency is ≥ 1 and they sum to 2^PRECISION.
Tables are built once, when a model is exported, and stored in its weights file, so an
encoder and a decoder on different machines always read the same integers.

- y: one zero-mean Gaussian table per σ index (σ from the integer scale decoder).
- z: one table per channel from the learned factorised prior.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PRECISION = 16
TAIL_SIGMAS = 8.0  # a y table spans ±8σ (at least ±2); symbols beyond are escape-coded


@dataclass(frozen=True)
class CdfTables:
    """Frequencies [n_tables, max_len] (zero-padded), first symbol and length per table."""

    freqs: np.ndarray    # int32
    offsets: np.ndarray  # int32
    lengths: np.ndarray  # int32

    @property
    def lo(self) -> np.ndarray:
        return self.offsets

    @property
    def hi(self) -> np.ndarray:
        return self.offsets + self.lengths - 1

    def state(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.freqs": self.freqs, f"{prefix}.offsets": self.offsets,
                f"{prefix}.lengths": self.lengths}

    @classmethod
    def from_state(cls, tensors: dict[str, np.ndarray], prefix: str) -> CdfTables:
        return cls(*(tensors[f"{prefix}.{k}"].astype(np.int32)
                     for k in ("freqs", "offsets", "lengths")))


def quantize_pmf(pmf: np.ndarray) -> np.ndarray:
    """Integer frequencies ≥ 1 summing to 2^PRECISION, close to ``pmf`` (largest remainder)."""
    total = 1 << PRECISION
    pmf = np.asarray(pmf, dtype=np.float64)
    if len(pmf) > total // 2:
        raise ValueError("table too long for the coder's precision")
    spare = total - len(pmf)  # every bin gets 1, the rest is shared out by probability
    scaled = pmf / pmf.sum() * spare
    freqs = np.floor(scaled).astype(np.int64)
    order = np.argsort(-(scaled - freqs), kind="stable")
    freqs[order[: spare - int(freqs.sum())]] += 1
    return (freqs + 1).astype(np.int32)


def _stack(tables: list[np.ndarray], offsets: list[int]) -> CdfTables:
    width = max(len(t) for t in tables)
    freqs = np.zeros((len(tables), width), dtype=np.int32)
    for i, t in enumerate(tables):
        freqs[i, : len(t)] = t
    return CdfTables(freqs, np.array(offsets, dtype=np.int32),
                     np.array([len(t) for t in tables], dtype=np.int32))


def _normal_cdf(v: np.ndarray) -> np.ndarray:
    return 0.5 * np.array([math.erfc(-x / math.sqrt(2)) for x in v.ravel()]).reshape(v.shape)


def gaussian_tables(sigmas: np.ndarray) -> CdfTables:
    """Zero-mean integer-binned Gaussian tables, one per σ."""
    tables, offsets = [], []
    for sigma in sigmas:
        half = max(2, math.ceil(TAIL_SIGMAS * float(sigma)))
        edges = np.arange(-half, half + 2, dtype=np.float64) - 0.5
        cdf = _normal_cdf(edges / float(sigma))
        cdf[0], cdf[-1] = 0.0, 1.0  # the end bins take the tails (and mark escapes)
        tables.append(quantize_pmf(np.diff(cdf)))
        offsets.append(-half)
    return _stack(tables, offsets)


def logistic_tables(loc: np.ndarray, scale: np.ndarray, tail: float = 1e-6) -> CdfTables:
    """Per-channel tables of integer-binned logistic densities (the z prior)."""
    tables, offsets = [], []
    for mu, s in zip(loc.astype(np.float64), scale.astype(np.float64), strict=True):
        half = max(2, math.ceil(s * math.log(2 / tail)))
        lo, hi = math.floor(mu) - half, math.ceil(mu) + half
        edges = np.arange(lo, hi + 2, dtype=np.float64) - 0.5
        cdf = 1.0 / (1.0 + np.exp(-(edges - mu) / s))
        cdf[0], cdf[-1] = 0.0, 1.0
        tables.append(quantize_pmf(np.diff(cdf)))
        offsets.append(lo)
    return _stack(tables, offsets)
