"""Bjøntegaard delta rate: the average rate difference at equal quality, in percent.

    log-rate ▲        anchor                 BD-rate = exp(mean over [q_lo, q_hi] of
             │      ╱   test                          (log R_test(q) − log R_anchor(q))) − 1
             │    ╱   ╱
             │  ╱   ╱                         Curves: log-rate as a piecewise-cubic
             └──┼─────┼──► quality            (monotone PCHIP) function of quality,
               q_lo  q_hi                      integrated over the overlap only.

Negative is better for the test codec (fewer bits for the same quality). For metrics where
lower is better (butteraugli), quality is the negated value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.interpolate import PchipInterpolator


def _curve(rates: Sequence[float], quality: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted by quality, duplicates of quality dropped (PCHIP needs strictly increasing x)."""
    q, r = np.asarray(quality, dtype=float), np.asarray(rates, dtype=float)
    if q.size == 0:
        return q, r
    order = np.argsort(q, kind="stable")
    q, r = q[order], r[order]
    keep = np.concatenate([[True], np.diff(q) > 0])
    return q[keep], np.log(r[keep])


def bd_rate(anchor_rates: Sequence[float], anchor_quality: Sequence[float],
            test_rates: Sequence[float], test_quality: Sequence[float],
            ) -> tuple[float, float, float]:
    """(BD-rate in percent, q_lo, q_hi); NaN when the curves do not overlap."""
    qa, la = _curve(anchor_rates, anchor_quality)
    qt, lt = _curve(test_rates, test_quality)
    if len(qa) < 2 or len(qt) < 2:
        return math.nan, math.nan, math.nan
    lo, hi = max(qa[0], qt[0]), min(qa[-1], qt[-1])
    if not lo < hi:
        return math.nan, lo, hi
    area_a = PchipInterpolator(qa, la).integrate(lo, hi)
    area_t = PchipInterpolator(qt, lt).integrate(lo, hi)
    return (math.exp((area_t - area_a) / (hi - lo)) - 1) * 100, lo, hi


def bd_error(anchor_rates: Sequence[float], anchor_errors: Sequence[float],
             test_rates: Sequence[float], test_errors: Sequence[float],
             ) -> tuple[float, float, float]:
    """The other direction: (error change in percent at equal rate, rate_lo, rate_hi).

    log-error as a PCHIP function of log-rate, averaged over the overlap of the two rate
    ranges: exp(mean(log E_test − log E_anchor)) − 1. Negative: the test codec's error is
    smaller for the same bits. For errors (lower is better) such as text MAE or seam error.
    """
    # bd_rate with the axes swapped: errors play the rates, log-rate plays the quality
    pct, lo, hi = bd_rate(anchor_errors, np.log(anchor_rates), test_errors, np.log(test_rates))
    return pct, math.exp(lo), math.exp(hi)


def mean_curves(records: list[dict[str, object]], metric: str) -> dict[str, tuple[list[float], list[float]]]:
    """Per codec: mean bpp and mean metric over images, one value per quality point."""
    curves: dict[str, tuple[list[float], list[float]]] = {}
    for codec in sorted({str(r["codec"]) for r in records}):
        rows = [r for r in records if r["codec"] == codec and metric in r]
        points = sorted({int(r["point"]) for r in rows})  # type: ignore[call-overload]
        rates = [float(np.mean([r["bpp"] for r in rows if r["point"] == p])) for p in points]
        values = [float(np.mean([r[metric] for r in rows if r["point"] == p])) for p in points]
        curves[codec] = (rates, values)
    return curves


def table(results: dict[str, object], anchor: str, higher_is_better: dict[str, bool],
          ) -> dict[str, dict[str, tuple[float, float, float]]]:
    """BD-rate of every codec against ``anchor`` for every metric: {metric: {codec: (%, lo, hi)}}."""
    records = results["records"]  # type: ignore[assignment]
    out: dict[str, dict[str, tuple[float, float, float]]] = {}
    for metric in results["metrics"]:  # type: ignore[attr-defined]
        sign = 1.0 if higher_is_better.get(metric, True) else -1.0
        curves = mean_curves(records, metric)  # type: ignore[arg-type]
        if anchor not in curves:
            raise ValueError(f"anchor '{anchor}' is not in the results")
        ra, qa = curves[anchor]
        out[metric] = {}
        for codec, (rt, qt) in curves.items():
            if codec != anchor:
                pct, lo, hi = bd_rate(ra, [sign * v for v in qa], rt, [sign * v for v in qt])
                out[metric][codec] = (pct, sign * lo, sign * hi)
    return out


def format_table(bd: dict[str, dict[str, tuple[float, float, float]]], anchor: str) -> str:
    """A Markdown table: codecs as rows, metrics as columns, with the quality range used."""
    metrics = list(bd)
    codecs = sorted({c for row in bd.values() for c in row})
    lines = [f"BD-rate vs {anchor} (negative: fewer bits than {anchor} at equal quality)", "",
             "| codec | " + " | ".join(metrics) + " |", "|---" * (len(metrics) + 1) + "|"]
    for codec in codecs:
        cells = []
        for m in metrics:
            pct, lo, hi = bd[m].get(codec, (math.nan, math.nan, math.nan))
            cells.append("n/a (no overlap)" if math.isnan(pct)
                         else f"{pct:+.1f} % [{min(lo, hi):.3g}, {max(lo, hi):.3g}]")
        lines.append(f"| {codec} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
