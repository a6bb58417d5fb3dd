"""Rate–quality sweeps and comparisons at equal rate.

    images × codec points ─► encode ─► bytes (rate) ─► decode ─► metrics     (sweep)
    codec A at its points vs codec B interpolated at A's bpp, per image  (at_equal_rate)

B's quality at A's rate is interpolated piecewise-linearly in log(bpp) over B's own sweep
of the same image. Below B's lowest rate, B's quality at its lowest rate stands in: an upper
bound for B, so the comparison can only favour B. Above B's range the point is left out.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image

from picodec.eval.codecs import Codec
from picodec.eval.metrics import ms_ssim, psnr, psnr_y

METRICS = {"psnr": psnr, "psnr_y": psnr_y, "ms_ssim": ms_ssim}


def load_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def sweep(codec: Codec, images: Iterable[Path]) -> list[dict[str, object]]:
    """One record per (image, point): bpp from the real bytes, times and every metric."""
    records = []
    for path in images:
        rgb = load_rgb(path)
        pixels = rgb.shape[0] * rgb.shape[1]
        for point in codec.points:
            t0 = time.perf_counter()
            data = codec.encode(rgb, point)
            t1 = time.perf_counter()
            decoded = codec.decode(data)
            t2 = time.perf_counter()
            record: dict[str, object] = {"codec": codec.name, "image": path.name, "point": point,
                                         "bytes": len(data), "bpp": 8 * len(data) / pixels,
                                         "encode_s": t1 - t0, "decode_s": t2 - t1}
            record.update({name: fn(rgb, decoded) for name, fn in METRICS.items()})
            records.append(record)
    return records


def _interpolate(bpp: float, rates: np.ndarray, values: np.ndarray) -> float | None:
    order = np.argsort(rates)
    rates, values = np.log(rates[order]), values[order]
    x = math.log(bpp)
    if x > rates[-1]:
        return None
    return float(np.interp(x, rates, values))


def at_equal_rate(ours: list[dict[str, object]], anchor: list[dict[str, object]],
                  metric: str) -> dict[int, dict[str, float]]:
    """Per point of ``ours``: mean bpp, our mean metric, the anchor's at the same bpp."""
    table: dict[int, dict[str, float]] = {}
    for point in sorted({int(r["point"]) for r in ours}):  # type: ignore[call-overload]
        rows = [r for r in ours if r["point"] == point]
        pairs = []
        for r in rows:
            theirs = [a for a in anchor if a["image"] == r["image"]]
            value = _interpolate(float(r["bpp"]),  # type: ignore[arg-type]
                                 np.array([a["bpp"] for a in theirs], dtype=float),
                                 np.array([a[metric] for a in theirs], dtype=float))
            if value is not None:
                pairs.append((float(r[metric]), value))  # type: ignore[arg-type]
        table[point] = {
            "bpp": float(np.mean([float(r["bpp"]) for r in rows])),  # type: ignore[arg-type]
            "ours": float(np.mean([p[0] for p in pairs])) if pairs else math.nan,
            "anchor": float(np.mean([p[1] for p in pairs])) if pairs else math.nan,
            "images": len(pairs)}
    return table
