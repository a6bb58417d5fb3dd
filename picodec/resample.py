"""The quality ladder: each level codes the image at the scale where the network does best.

The model keeps 96 numbers for every 16x16 block of what it codes. However many bits it
spends, that caps its fidelity (about 31 dB on Kodak; docs/DESIGN.md, "The latent is the
cap"), and JPEG passes it near 0.75 bpp. Coding the image enlarged by s gives the latent
s² times as many numbers per source pixel, and the network's middle levels spend them
better than its top levels spend theirs. At the bottom it is the other way round: the
network's level 0 spends its few bits worse than level 1 spends them on the image reduced
to 3/4. So each quality level is a rung:

    level:        0    1    2    3    4    5     6     7
    model level:  1    2    2    3    4    2.8   3.6   4
    scale:        3/4  3/4  1    1    1    4/3   4/3   4/3

    encode:  image ─► to_coded (Lanczos, back-projected to enlarge) ─► tiles ─► model at its level
    decode:  tiles ─► coded image ─► resize (Lanczos) ─► image at the stored size

The header stores the quality level, the model level and the coded size, so a decoder
never needs this table and a later ladder never breaks old files. One round of
back-projection (u ← u + up(x − down(u))) makes the enlarged image one that the decoder's
reduction maps back onto the source more closely (48.5 dB instead of 43.6 dB on Kodak at
4/3; four rounds give 51.1 dB for 2.6x the time), so the resampling adds little error of
its own. A reduction is plain Lanczos: at the rates of levels 0 and 1 back-projecting it
changed nothing measurable (13 training photos: within 0.01 dB and 0.3 SSIMULACRA2) for
twice the time. Both directions work in strips of rows, so memory follows a strip, not
the image.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import numpy as np
from PIL import Image

from picodec import levels, tiling

LANCZOS = Image.Resampling.LANCZOS
# On training photos (docs/results/fine-levels/rungs-train.md), with both models: network
# levels 1 and 2 at 3/4 cost what 0 and 1 at scale 1 (0.1-0.11's levels 0 and 1) cost and
# score higher on PSNR, MS-SSIM and SSIMULACRA2; 2.8 and 3.6 at 4/3 cost what 3 and 4 at 5/4
# (0.7-0.10's levels 5 and 6) cost, or less, and score higher.
LADDER = ((1, Fraction(3, 4)), (2, Fraction(3, 4)), (2, Fraction(1)), (3, Fraction(1)), (4, Fraction(1)),
          (Fraction(14, 5), Fraction(4, 3)), (Fraction(18, 5), Fraction(4, 3)), (4, Fraction(4, 3)))
# Between rungs L and L+1 (levels.py): (scale, model level just above L, model level at
# L + 1), the model level rising linearly in between. Where the two rungs share a scale
# that is a plain blend of their model levels. Where the scale changes, the path keeps one
# of the two (a blended scale would be bumpy: the padding to the tile grid changes with
# it), the one that scores higher there, and its network level goes on rising to where it
# costs what the next rung costs with the perceptual model (43 training photos): from 1 to 2
# at 3/4 to 3.5 (within 3 %; 8-11 % less with mse), from 4 to 5 at scale 1 to 4.5 (4-6 %
# less with mse).
BETWEEN = ((Fraction(3, 4), 1, 2), (Fraction(3, 4), 2, Fraction(7, 2)),
           (Fraction(1), 2, 3), (Fraction(1), 3, 4), (Fraction(1), 4, Fraction(9, 2)),
           (Fraction(4, 3), Fraction(14, 5), Fraction(18, 5)), (Fraction(4, 3), Fraction(18, 5), 4))


def rung(steps: int, model_levels: int, height: int, width: int) -> tuple[int, Fraction]:
    """(model level, scale) of a quality level for an image of height x width, both levels
    in steps (``picodec.levels``). Models without 8 levels are not resampled, and neither is
    an image that a reduction would not make cheaper to code (``reduction_pays``): there the
    network runs at the quality level itself, as it did before 0.12.0."""
    if model_levels != len(LADDER):
        return steps, Fraction(1)
    whole, fraction = divmod(steps, levels.STEPS)
    if fraction == 0:
        model_level, scale = LADDER[whole]
    else:
        scale, start, end = BETWEEN[whole]
        model_level = start + (end - start) * Fraction(fraction, levels.STEPS)
    if scale < 1 and not reduction_pays(height, width, scale):
        return steps, Fraction(1)
    return round(model_level * levels.STEPS), scale


def reduction_pays(height: int, width: int, scale: Fraction) -> bool:
    """Whether reducing by ``scale`` leaves the network under 60 % of the pixels it codes at
    full size, both padded to its 64-px grid (tiling.align): 3/4 leaves 56 % of a large
    photo, but all of a 128x192 one. On 8 training photos cut to 256x384 (62.5 %) levels 0
    and 1 at 3/4 cost 18-23 % more bytes than at full size and scored lower than full size
    at the same rate (docs/results/fine-levels/rungs-train.md)."""
    coded_height, coded_width = coded_size(height, width, scale)
    return (tiling.align(coded_height) * tiling.align(coded_width) * 5
            < tiling.align(height) * tiling.align(width) * 3)


def coded_size(height: int, width: int, scale: Fraction) -> tuple[int, int]:
    """The size the network codes: (height, width) times ``scale``, rounded."""
    return max(1, round(height * scale)), max(1, round(width * scale))


STRIP = 512  # output rows resampled at a time: memory follows a strip, not the image


def _rows(window: np.ndarray, first: int, size: int, out_size: int, start: int, stop: int,
          out_width: int) -> np.ndarray:
    """Rows start … stop-1 of the image resized from ``size`` to ``out_size`` rows.

    ``window`` holds rows ``first`` … of the source (uint8 RGB or one float32 plane), enough
    of them to cover those output rows and Lanczos's support around them. The width is
    resized first, then the rows: Pillow's ``box`` places them on the source exactly where
    resizing the whole image would, taking its support from the window beyond the box. Two
    explicit passes, because Pillow picks the order of a two-way resize by the image's size,
    and an 8-bit image is rounded between them."""
    image = Image.fromarray(window)
    if out_width != window.shape[1]:
        image = image.resize((out_width, window.shape[0]), LANCZOS)
    box = (0, start * size / out_size - first, out_width, stop * size / out_size - first)
    return np.asarray(image.resize((out_width, stop - start), LANCZOS, box=box))


def _support(size: int, out_size: int) -> int:
    """Source rows Lanczos reads either side of an output row's centre, plus one for rounding."""
    return 3 * max(1, math.ceil(size / out_size)) + 1


def _span(start: int, stop: int, size: int, out_size: int, margin: int) -> tuple[int, int]:
    """The source rows under output rows start … stop-1 of a resize from ``size`` to
    ``out_size`` rows, with ``margin`` rows of support either side, clipped to the image."""
    first = start * size // out_size - margin
    return max(0, first), min(size, -(-stop * size // out_size) + margin)


def _enlarged_strip(rgb: np.ndarray, height: int, width: int, start: int, stop: int) -> np.ndarray:
    """Coded rows start … stop-1 of an enlargement: u = up(x), then u + up(x − down(u)).

    Each step reads rows beyond the next one's (Lanczos reaches 3 pixels on the source
    side, 3x the scale on the coded side), so the strip starts that far out."""
    h, w = rgb.shape[:2]
    s0, s1 = _span(start, stop, h, height, _support(h, height))  # rows of x − down(u) that up() reads
    c0, c1 = _span(s0, s1, height, h, _support(height, h))  # rows of u that down() reads
    x0, x1 = _span(c0, c1, h, height, _support(h, height))  # rows of x that the first up() reads
    strip = np.empty((stop - start, width, 3), np.uint8)
    for c in range(3):
        x = rgb[x0:x1, :, c].astype(np.float32)
        u = _rows(x, x0, h, height, c0, c1, width)
        error = x[s0 - x0:s1 - x0] - _rows(u, c0, height, h, s0, s1, w)
        u = u[start - c0:stop - c0] + _rows(error, s0, h, height, start, stop, width)
        strip[..., c] = np.clip(np.rint(u), 0, 255)
    return strip


def _by_strips(out: np.ndarray, make: Callable[[int, int], np.ndarray]) -> np.ndarray:
    """Fill ``out`` with ``make(start, stop)`` for strips of ``STRIP`` rows, two at a time."""
    def fill(start: int) -> None:
        out[start:start + STRIP] = make(start, min(start + STRIP, len(out)))
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(fill, range(0, len(out), STRIP)))
    return out


def to_coded(rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    """The encoder's step: uint8 [h, w, 3] -> uint8 [height, width, 3] whose ``resize``
    back to [h, w] is close to ``rgb``: back-projected where it enlarges, plain Lanczos where
    it reduces.

    Strips run two at a time in threads (Pillow's resampling releases the GIL)."""
    if height * width <= rgb.shape[0] * rgb.shape[1]:
        return resize(rgb, height, width)
    out = np.empty((height, width, 3), np.uint8)
    return _by_strips(out, lambda a, b: _enlarged_strip(rgb, height, width, a, b))


def resize(rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    """Pillow's Lanczos, uint8 [H, W, 3] -> uint8 [height, width, 3]: the decoder's step
    from the coded size to the stored one."""
    coded = rgb.shape[0]

    def strip(start: int, stop: int) -> np.ndarray:
        first, last = _span(start, stop, coded, height, _support(coded, height))
        return _rows(rgb[first:last], first, coded, height, start, stop, width)
    return _by_strips(np.empty((height, width, 3), np.uint8), strip)


def _lanczos3(x: np.ndarray) -> np.ndarray:
    return np.where(np.abs(x) < 3, np.sinc(x) * np.sinc(x / 3), 0.0)


def lanczos_weights(size: int, out_size: int, start: int, stop: int) -> np.ndarray:
    """Rows start … stop-1 of the [out_size, size] matrix of Pillow's Lanczos resize of one
    axis from ``size`` to ``out_size`` samples (as ImagingResample computes its kernels)."""
    scale = size / out_size
    stretch = max(scale, 1.0)
    centres = (np.arange(start, stop) + 0.5) * scale
    first = np.maximum((centres - 3 * stretch + 0.5).astype(int), 0)
    last = np.minimum((centres + 3 * stretch + 0.5).astype(int), size)
    x = np.arange(size)[None, :]
    inside = (x >= first[:, None]) & (x < last[:, None])
    weights = np.where(inside, _lanczos3((x - centres[:, None] + 0.5) / stretch), 0.0)
    return weights / weights.sum(axis=1, keepdims=True)


def onto_picture(own: tuple[int, int], window: tuple[int, int], coded: int, size: int
                 ) -> tuple[slice, np.ndarray]:
    """How one axis of a tile's network input reaches the decoded picture: the picture's
    samples whose centres fall in the tile's ``own`` coded samples [a, b), and their Lanczos
    weights over the input's samples ``window`` [w0, w1) (coded coordinates; weights on
    samples outside the image or the window are dropped and the rest renormalised)."""
    a, b = own
    centres = (np.arange(size) + 0.5) * coded / size
    picked = np.nonzero((centres >= a) & (centres < b))[0]
    if picked.size == 0:
        return slice(0, 0), np.zeros((0, window[1] - window[0]))
    first, stop = int(picked[0]), int(picked[-1]) + 1
    full = lanczos_weights(coded, size, first, stop)
    w0, w1 = window
    weights = np.zeros((stop - first, w1 - w0))
    lo, hi = max(w0, 0), min(w1, coded)
    weights[:, lo - w0:hi - w0] = full[:, lo:hi]
    return slice(first, stop), weights / weights.sum(axis=1, keepdims=True)
