"""Artefact measures for what the perceptual stage targets (PICO's Table 2).

Text-region MAE: mean |decoded − original| (in [0, 1]) inside text regions, found by the
PP-OCRv4 detector that ships inside the ``rapidocr-onnxruntime`` wheel (no download), with
the boxes dilated by a few pixels. A box counts only when the wheel's recogniser reads text
in it with confidence ≥ TEXT_SCORE: the detector alone fires on brickwork and foliage
(17 of the 24 Kodak photos, up to 28 % of an image), the recogniser rejects those.

Seam error: the low-frequency colour step across tile seams. For every seam, the error
D = decoded − original is averaged over a band of ``band`` pixels on each side and over
``length`` pixels along the seam; the score is the mean |left − right| of those averages,
in [0, 1]. A codec without seams there scores its own background level.

Seam excess: what the seams add to that background. The same statistic on the lines
halfway between the seams (where no tile edge is) is subtracted:

    tile seams ──┐            ┌── halfway lines (control)
    |    :    |    :    |     seam_excess = seam_error(at |) − seam_error(at :)
    |    :    |    :    |     ≈ 0 for a codec without seams; > 0 where seams show

About three quarters of a picodec model's seam error is background (docs/DESIGN.md), so
the excess is what a tiling loss can remove.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

TEXT_DILATE = 3
TEXT_SCORE = 0.5
MASK_VERSION = 2  # bumped when the masks change: cached masks and text MAEs are redone


@cache
def _detector():  # type: ignore[no-untyped-def]
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def text_mask(rgb: np.ndarray) -> np.ndarray:
    """Boolean [H, W] mask of detected text (dilated); ImportError without the detector."""
    found, _ = _detector()(np.ascontiguousarray(rgb[..., ::-1]), use_det=True, use_cls=False,
                           use_rec=True, text_score=TEXT_SCORE)
    mask = Image.new("L", (rgb.shape[1], rgb.shape[0]), 0)
    draw = ImageDraw.Draw(mask)
    for box, text, score in found or []:
        if text.strip() and float(score) >= TEXT_SCORE:
            draw.polygon([tuple(map(float, p)) for p in box], fill=255)
    mask = mask.filter(ImageFilter.MaxFilter(2 * TEXT_DILATE + 1))
    return np.asarray(mask) > 0


def text_mae(original: np.ndarray, decoded: np.ndarray, mask: np.ndarray) -> float | None:
    """Mean absolute error inside ``mask`` in [0, 1]; None when the mask is empty."""
    if not mask.any():
        return None
    diff = np.abs(original.astype(np.float64) - decoded.astype(np.float64)) / 255
    return float(diff[mask].mean())


def _lines(extent: int, along: int, first: int, tile: int, band: int, length: int) -> list[int]:
    """Grid lines across an axis of ``extent`` pixels with a full band on each side and at
    least one window of ``length`` along them (``along`` pixels long)."""
    if along < length:
        return []
    return [s for s in range(first, extent, tile) if s - band >= 0 and s + band <= extent]


def _steps(error: np.ndarray, lines: list[int], band: int, length: int) -> list[float]:
    """|mean error left of each line − right of it| in windows along axis 1 = line axis."""
    out = []
    n = (error.shape[1] // length) * length
    for s in lines:
        left = error[s - band:s, :n].mean(axis=0)
        right = error[s:s + band, :n].mean(axis=0)
        step = (left - right).reshape(n // length, length, -1).mean(axis=1)
        out.extend(np.abs(step).ravel().tolist())
    return out


def has_seams(height: int, width: int, tile: int, band: int = 8, length: int = 16) -> bool:
    """Whether an image of this size has a seam of a ``tile`` grid that seam_error measures."""
    return bool(_lines(height, width, tile, tile, band, length)
                or _lines(width, height, tile, tile, band, length))


def seam_error(original: np.ndarray, decoded: np.ndarray, tile: int, band: int = 8,
               length: int = 16, offset: int = 0) -> float | None:
    """Mean low-frequency error step across the seams of a ``tile`` grid (or, with
    ``offset``, across that grid's lines shifted by ``offset`` pixels); None if no line."""
    error = (decoded.astype(np.float64) - original.astype(np.float64)) / 255
    h, w = error.shape[:2]
    first = offset or tile
    steps = _steps(error, _lines(h, w, first, tile, band, length), band, length)  # horizontal
    steps += _steps(error.transpose(1, 0, 2), _lines(w, h, first, tile, band, length),
                    band, length)                                               # vertical
    return float(np.mean(steps)) if steps else None


def seam_excess(original: np.ndarray, decoded: np.ndarray, tile: int, band: int = 8,
                length: int = 16) -> float | None:
    """Seam error at the seams minus the same statistic halfway between them; None if no seam."""
    at_seams = seam_error(original, decoded, tile, band, length)
    between = seam_error(original, decoded, tile, band, length, offset=tile // 2)
    if at_seams is None or between is None:
        return None
    return at_seams - between
