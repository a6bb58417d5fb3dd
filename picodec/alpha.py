"""Transparency: the alpha plane travels beside the colour, losslessly.

The network codes colour only. An image with transparency keeps its alpha plane exactly,
as PNG and WebP do, because a mask's edges are where lossy coding shows most (a halo around
a cut-out). Masks are mostly flat, so a row-wise difference filter (PNG's "Sub") followed
by LZMA (Python's own ``lzma``) makes them small:

    alpha [H, W] uint8 ─► a[:, x] − a[:, x−1] (mod 256) ─► raw LZMA2 ─► bytes in the .pico
    bytes ─► LZMA2 (exactly H·W bytes, or corrupt) ─► running sum along each row ─► alpha

The stream is raw (no .xz container: the .pico header has the length and a CRC), so its
window is fixed here, and with it the decoder's memory (16 MiB).

A fully opaque plane is not stored at all.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from picodec.errors import PicodecError

WINDOW = 1 << 24  # LZMA2 at preset 9 with this window: a 12 MP plane in 0.5 s, out in 0.03 s


def _lzma() -> ModuleType:
    """Python's lzma module; a few self-built Pythons lack it (no liblzma at build time)."""
    try:
        import lzma
    except ImportError as err:
        raise PicodecError("transparency needs Python's lzma module, which this Python "
                           "was built without") from err
    return lzma


def pack(alpha: np.ndarray) -> bytes:
    """Compress a uint8 alpha plane [H, W]."""
    lzma = _lzma()
    rows = np.asarray(alpha, np.uint8)
    residual = np.diff(rows, axis=1, prepend=np.zeros((rows.shape[0], 1), np.uint8))
    filters = [{"id": lzma.FILTER_LZMA2, "preset": 9, "dict_size": WINDOW}]
    return lzma.compress(np.ascontiguousarray(residual).tobytes(), format=lzma.FORMAT_RAW,
                         filters=filters)


def unpack(blob: bytes, width: int, height: int) -> np.ndarray:
    """The alpha plane [height, width] of ``blob``; PicodecError unless it is exactly that."""
    lzma = _lzma()
    size = width * height
    decoder = lzma.LZMADecompressor(lzma.FORMAT_RAW,
                                    filters=[{"id": lzma.FILTER_LZMA2, "dict_size": WINDOW}])
    try:
        raw = decoder.decompress(blob, size)
        if len(raw) == size and not decoder.eof:  # the stream's end may still be unread
            raw += decoder.decompress(b"", 1)
    except lzma.LZMAError as err:
        raise PicodecError(f"corrupt .pico file (alpha plane undecodable: {err})") from err
    if len(raw) != size or not decoder.eof or decoder.unused_data:
        raise PicodecError("corrupt .pico file (alpha plane has the wrong size)")
    residual = np.frombuffer(raw, np.uint8).reshape(height, width)
    return np.cumsum(residual, axis=1, dtype=np.uint8)
