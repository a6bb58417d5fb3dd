"""The quality ladder: the top levels code the image enlarged, to get past the latent's cap.

The model keeps 96 numbers for every 16x16 block of what it codes. However many bits it
spends, that caps its fidelity (about 31 dB on Kodak; docs/DESIGN.md, "The latent is the
cap"), and JPEG passes it near 0.75 bpp. Coding the image enlarged by s gives the latent
s² times as many numbers per source pixel, and the network's middle levels spend them
better than its top levels spend theirs. So each quality level is a rung:

    level:        0    1    2    3    4    5     6     7
    model level:  0    1    2    3    4    3     4     3
    scale:        1    1    1    1    1    1.25  1.25  1.5

    encode:  image ─► enlarge (Lanczos, back-projected) ─► tiles ─► model at its model level
    decode:  tiles ─► coded image ─► Lanczos down to the stored size

The header stores the quality level, the model level and the coded size, so a decoder
never needs this table and a later ladder never breaks old files. Back-projection
(u ← u + up(x − down(u)), a few rounds) makes the enlarged image one that the decoder's
reduction maps back onto the source (about 51 dB instead of 43 dB on Kodak), so the
resampling adds almost no error of its own.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from PIL import Image

LANCZOS = Image.Resampling.LANCZOS
LADDER = ((0, Fraction(1)), (1, Fraction(1)), (2, Fraction(1)), (3, Fraction(1)), (4, Fraction(1)),
          (3, Fraction(5, 4)), (4, Fraction(5, 4)), (3, Fraction(3, 2)))
BACK_PROJECTIONS = 4


def rung(level: int, levels: int) -> tuple[int, Fraction]:
    """(model level, scale) of a quality level; models without 8 levels are not resampled."""
    return LADDER[level] if levels == len(LADDER) else (level, Fraction(1))


def coded_size(height: int, width: int, scale: Fraction) -> tuple[int, int]:
    """The size the network codes: (height, width) times ``scale``, rounded."""
    return max(1, round(height * scale)), max(1, round(width * scale))


def _resize(plane: np.ndarray, height: int, width: int) -> np.ndarray:
    return np.asarray(Image.fromarray(plane, "F").resize((width, height), LANCZOS))


def enlarge(rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    """uint8 [h, w, 3] -> uint8 [height, width, 3] whose ``reduce`` is close to ``rgb``."""
    h, w = rgb.shape[:2]
    out = np.empty((height, width, 3), dtype=np.uint8)
    for c in range(3):  # a channel at a time: the float planes of a 12 MP photo are large
        x = rgb[..., c].astype(np.float32)
        u = _resize(x, height, width)
        for _ in range(BACK_PROJECTIONS):
            u = u + _resize(x - _resize(u, h, w), height, width)
        out[..., c] = np.clip(np.rint(u), 0, 255)
    return out


def reduce(rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    """The decoder's step: uint8 [H, W, 3] -> uint8 [height, width, 3] (Pillow's Lanczos)."""
    return np.asarray(Image.fromarray(rgb).resize((width, height), LANCZOS))
