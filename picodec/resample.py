"""The quality ladder: the top levels code the image enlarged, to get past the latent's cap.

The model keeps 96 numbers for every 16x16 block of what it codes. However many bits it
spends, that caps its fidelity (about 31 dB on Kodak; docs/DESIGN.md, "The latent is the
cap"), and JPEG passes it near 0.75 bpp. Coding the image enlarged by s gives the latent
s² times as many numbers per source pixel, and the network's middle levels spend them
better than its top levels spend theirs. So each quality level is a rung:

    level:        0    1    2    3    4    5     6     7
    model level:  0    1    2    3    4    3     4     4
    scale:        1    1    1    1    1    5/4   5/4   4/3

    encode:  image ─► enlarge (Lanczos, back-projected) ─► tiles ─► model at its model level
    decode:  tiles ─► coded image ─► Lanczos down to the stored size

The header stores the quality level, the model level and the coded size, so a decoder
never needs this table and a later ladder never breaks old files. One round of
back-projection (u ← u + up(x − down(u))) makes the enlarged image one that the decoder's
reduction maps back onto the source more closely (48.5 dB instead of 43.6 dB on Kodak at
4/3; four rounds give 51.1 dB for 2.6x the time), so the resampling adds little error of
its own.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import numpy as np
from PIL import Image

LANCZOS = Image.Resampling.LANCZOS
LADDER = ((0, Fraction(1)), (1, Fraction(1)), (2, Fraction(1)), (3, Fraction(1)), (4, Fraction(1)),
          (3, Fraction(5, 4)), (4, Fraction(5, 4)), (4, Fraction(4, 3)))
BACK_PROJECTIONS = 1


def rung(level: int, levels: int) -> tuple[int, Fraction]:
    """(model level, scale) of a quality level; models without 8 levels are not resampled."""
    return LADDER[level] if levels == len(LADDER) else (level, Fraction(1))


def coded_size(height: int, width: int, scale: Fraction) -> tuple[int, int]:
    """The size the network codes: (height, width) times ``scale``, rounded."""
    return max(1, round(height * scale)), max(1, round(width * scale))


def _resize(plane: np.ndarray, height: int, width: int) -> np.ndarray:
    return np.asarray(Image.fromarray(plane, "F").resize((width, height), LANCZOS))


def _enlarge_plane(plane: np.ndarray, height: int, width: int) -> np.ndarray:
    x = plane.astype(np.float32)
    u = _resize(x, height, width).copy()  # writable
    for _ in range(BACK_PROJECTIONS):
        u += _resize(x - _resize(u, *plane.shape), height, width)
    return np.clip(np.rint(u, out=u), 0, 255).astype(np.uint8)


def enlarge(rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    """uint8 [h, w, 3] -> uint8 [height, width, 3] whose ``reduce`` is close to ``rgb``.

    Two planes at a time run in threads (Pillow's resampling releases the GIL); more would
    hold more float planes of a large photo at once."""
    with ThreadPoolExecutor(2) as pool:
        planes = pool.map(lambda c: _enlarge_plane(rgb[..., c], height, width), range(3))
        return np.stack(list(planes), axis=-1)


def reduce(rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    """The decoder's step: uint8 [H, W, 3] -> uint8 [height, width, 3] (Pillow's Lanczos)."""
    return np.asarray(Image.fromarray(rgb).resize((width, height), LANCZOS))
