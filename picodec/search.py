"""Finding the level that meets a target: the highest that fits a size, the lowest that
scores a quality.

Each try codes the photo (and, for a quality, decodes and scores it), so the search counts
tries. The rate and the score rise with the level along about the same curve for every
photo, only shifted and stretched: ``Shape`` holds that curve for Kodak's mean photo. The
search keeps a bracket of tenths, fits the curve through what it knows and tries the tenth
where the fitted curve meets the target:

    nothing known:   the mean photo's curve
    one try known:   the curve shifted through it
    both ends known: the curve shifted and stretched through both
    a bracket that three tries have not halved: its middle, as bisection would

Where the value rises with the level it finds the tenth that bisection finds (each tenth's
file is the same whichever search asks for it), in about half the tries: on Kodak, both
models, 2.8 for a size and 3.3 for a quality on average, where bisection takes 6 or 7
(docs/results/fine-levels/kodak.md).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

T = TypeVar("T")
HALVE_WITHIN = 3  # tries: a bracket that has not halved in this many is bisected


@dataclass(frozen=True)
class Shape:
    """How a measure rises with the level on a mean photo: its value (its logarithm where
    ``log``) at every tenth of the levels, never falling."""

    log: bool
    curve: tuple[float, ...]

    def __post_init__(self) -> None:
        if any(later < earlier for earlier, later in zip(self.curve, self.curve[1:], strict=False)):
            raise ValueError("a shape's curve must not fall")

    def of(self, value: float) -> float:
        return math.log(max(value, 1e-12)) if self.log else value

    def at(self, count: int) -> list[float]:
        """The curve at ``count`` evenly spaced steps from its start to its end: its own
        tenths where ``count`` is their number, fewer or more for another ladder."""
        positions = np.linspace(0, len(self.curve) - 1, count)
        return [float(v) for v in np.interp(positions, np.arange(len(self.curve)), self.curve)]


# The mean of Kodak's 24 photos with both shipped models at every tenth of levels 0-7, as
# real files (docs/results/fine-levels/kodak.md): `python benchmarks/fine_levels.py shape
# docs/results/fine-levels/kodak-*.jsonl`. Bits per pixel rise by a step at level 5, and
# SSIMULACRA2 by one at level 5 and not at all at level 2, where the ladder changes scale.
BITS_PER_PIXEL = Shape(log=True, curve=(
    -2.34, -2.27, -2.21, -2.14, -2.08, -2.02, -1.98, -1.90, -1.87, -1.79,
    -1.76, -1.68, -1.63, -1.56, -1.51, -1.45, -1.39, -1.35, -1.30, -1.26,
    -1.20, -1.17, -1.11, -1.07, -1.02, -0.99, -0.96, -0.91, -0.88, -0.83,
    -0.80, -0.78, -0.74, -0.71, -0.69, -0.65, -0.63, -0.60, -0.58, -0.55,
    -0.52, -0.51, -0.50, -0.48, -0.47, -0.46, -0.45, -0.44, -0.42, -0.41,
    -0.31, -0.26, -0.24, -0.22, -0.20, -0.17, -0.14, -0.13, -0.10, -0.07,
    -0.06, -0.04, -0.04, -0.03, -0.01, 0.00, 0.01, 0.02, 0.03, 0.04,
    0.05))
SSIMULACRA2 = Shape(log=False, curve=(
    -25.53, -22.57, -19.65, -16.91, -14.05, -11.23, -8.40, -5.66, -2.97, -0.46,
    2.02, 5.38, 8.55, 11.48, 14.08, 16.63, 18.95, 21.04, 22.71, 24.24,
    24.24, 25.39, 27.28, 29.28, 31.08, 32.84, 34.46, 35.95, 37.46, 38.78,
    40.06, 41.22, 42.19, 43.22, 44.18, 44.98, 45.68, 46.50, 47.18, 47.89,
    48.47, 48.78, 49.04, 49.31, 49.64, 49.90, 50.10, 50.36, 50.60, 50.91,
    54.20, 55.21, 56.13, 57.03, 57.80, 58.56, 59.22, 59.92, 60.55, 61.21,
    61.81, 62.08, 62.34, 62.55, 62.84, 63.12, 63.34, 63.60, 63.82, 64.02,
    64.27))


@dataclass(frozen=True)
class Found(Generic[T]):
    """What a search ends with: whether a step meets the target, the file of that step or,
    where none does, of the far end (the lowest step when fitting a size, the highest when
    reaching a quality), and how many tries it took."""

    met: bool
    file: T
    tries: int


def search(try_step: Callable[[int], tuple[float, T]], count: int, target: float, shape: Shape,
           highest: bool) -> Found[T]:
    """Of the steps 0 … count−1, whose values (``try_step(step)`` -> (value, file)) rise with
    the step: the highest whose value is at most ``target`` (``highest``: a size limit), or
    the lowest whose value is at least ``target`` (a quality)."""
    goal = shape.of(target)
    curve = shape.at(count)
    step = _nearest(_where(curve, goal), highest, -1, count)
    low, high = -1, count  # the bracket: low is below the target (fits a size), high is not
    at_low: tuple[float, T] | None = None
    at_high: tuple[float, T] | None = None
    widths, tries = [count + 1], 0
    while True:
        value, file = try_step(step)
        tries += 1
        below = value <= target if highest else value < target  # fits the size, or scores too low
        if below:
            low, at_low = step, (shape.of(value), file)
        else:
            high, at_high = step, (shape.of(value), file)
        widths.append(high - low)
        if high - low <= 1:
            break
        if len(widths) > HALVE_WITHIN and widths[-1] * 2 > widths[-1 - HALVE_WITHIN]:
            step = (low + high) // 2
        else:
            step = _nearest(_fitted(curve, goal, (low, at_low), (high, at_high)), highest, low, high)
    met, missed = (at_low, at_high) if highest else (at_high, at_low)
    if met is not None:
        return Found(True, met[1], tries)
    assert missed is not None  # no step met the target, so the far end was tried last
    return Found(False, missed[1], tries)


def _nearest(crossing: float, highest: bool, low: int, high: int) -> int:
    """The step to try for a crossing at ``crossing``: the last one below it for a size, the
    first one above it for a quality, strictly inside the bracket (low, high)."""
    step = math.floor(crossing) if highest else math.ceil(crossing)
    return min(max(step, low + 1), high - 1)


def _fitted(curve: list[float], goal: float, low: tuple[int, tuple[float, T] | None],
            high: tuple[int, tuple[float, T] | None]) -> float:
    """Where ``curve``, shifted (and stretched, with both ends known) through the values
    tried, meets ``goal``."""
    (low_step, at_low), (high_step, at_high) = low, high
    if at_low is not None and at_high is not None:
        rise = curve[high_step] - curve[low_step]
        stretch = (at_high[0] - at_low[0]) / rise if rise > 0 else 0
        if stretch <= 0:
            return (low_step + high_step) / 2
        return _where(curve, curve[low_step] + (goal - at_low[0]) / stretch)
    step, known = (low_step, at_low) if at_low is not None else (high_step, at_high)
    assert known is not None
    return _where(curve, curve[step] + goal - known[0])


def _where(curve: list[float], value: float) -> float:
    """The fractional step at which the rising ``curve`` reaches ``value`` (−1 below its
    start, len(curve) above its end)."""
    index = bisect_left(curve, value)
    if index == 0:
        return 0.0 if value == curve[0] else -1.0
    if index == len(curve):
        return float(len(curve))
    return index - 1 + (value - curve[index - 1]) / (curve[index] - curve[index - 1])
