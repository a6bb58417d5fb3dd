"""Transparency: the alpha plane travels beside the colour, losslessly.

The network codes colour only. An image with transparency keeps its alpha plane exactly,
as cjxl and avifenc's lossless alpha do, because a mask's edges are where lossy coding
shows most (a halo around a cut-out). Masks are mostly flat, so a row-wise difference
filter (PNG's "Sub") followed by deflate makes them small:

    alpha [H, W] uint8 ─► a[:, x] − a[:, x−1] (mod 256) ─► zlib level 9 ─► bytes in the .pico
    bytes ─► inflate (exactly H·W bytes, or corrupt) ─► running sum along each row ─► alpha

A fully opaque plane is not stored at all.
"""

from __future__ import annotations

import zlib

import numpy as np

from picodec.errors import PicodecError


def pack(alpha: np.ndarray) -> bytes:
    """Compress a uint8 alpha plane [H, W]."""
    rows = alpha.astype(np.uint8)
    residual = np.diff(rows, axis=1, prepend=np.zeros((rows.shape[0], 1), np.uint8))
    return zlib.compress(np.ascontiguousarray(residual).tobytes(), 9)


def unpack(blob: bytes, width: int, height: int) -> np.ndarray:
    """The alpha plane [height, width] of ``blob``; PicodecError unless it is exactly that."""
    size = width * height
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(blob, size)
    except zlib.error as err:
        raise PicodecError(f"corrupt .pico file (alpha plane undecodable: {err})") from err
    if len(raw) != size or not inflater.eof or inflater.unconsumed_tail or inflater.unused_data:
        raise PicodecError("corrupt .pico file (alpha plane has the wrong size)")
    residual = np.frombuffer(raw, np.uint8).reshape(height, width)
    return np.cumsum(residual, axis=1, dtype=np.uint8)
