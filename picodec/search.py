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
models, 3.0 for a size and 3.5 for a quality on average, where bisection takes 6 or 7; 2 %
of the quality searches, caught on a plateau of scores, take 8 to 11
(docs/results/fine-levels/kodak.md).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
HALVE_WITHIN = 3  # tries: a bracket that has not halved in this many is bisected


@dataclass(frozen=True)
class Shape:
    """How a measure rises along the whole levels on a mean photo: its value at level 0 and
    the rise from each level to the next (of its logarithm where ``log``), spread evenly
    over the tenths in between."""

    start: float
    per_level: tuple[float, ...]
    log: bool

    def of(self, value: float) -> float:
        return math.log(max(value, 1e-12)) if self.log else value

    def curve(self, count: int) -> list[float]:
        """The mean photo's value at each of ``count`` steps from level 0 to the top. Where
        the steps do not split evenly into the shape's levels (another ladder), a straight
        line from its start to its end."""
        per_step = (count - 1) / len(self.per_level)
        if per_step != int(per_step):
            total = sum(self.per_level)
            return [self.start + total * step / max(count - 1, 1) for step in range(count)]
        curve = [self.start]
        for rise in self.per_level:
            for _ in range(int(per_step)):
                curve.append(curve[-1] + rise / per_step)
        return curve


# Kodak, every tenth of levels 0-7 of both shipped models as real files
# (docs/results/fine-levels/kodak.md), the two models averaged.
BITS_PER_PIXEL = Shape(-2.34, (0.58, 0.56, 0.40, 0.28, 0.21, 0.25, 0.11), log=True)
SSIMULACRA2 = Shape(-25.5, (27.5, 21.3, 16.7, 8.4, 5.7, 7.6, 2.5), log=False)


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
    curve = shape.curve(count)
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
        stretch = (at_high[0] - at_low[0]) / (curve[high_step] - curve[low_step])
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
