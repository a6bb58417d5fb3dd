"""Quality levels in hundredths: level 4.5 lies halfway between levels 4 and 5.

A model is trained at its integer levels 0 … L−1 only. Between two of them the codec blends
their per-level tables: the float gains and quantisation widths as floats
(``picodec.nn.blocks.at_level``), the integer σ offsets of the scale decoder in integers
(``blend``), so that every machine computes the same σ indices. Files, the quality ladder
and the runtime count levels in steps of a hundredth:

    level 4.25  ─►  steps 425  ─►  row 4 · 75/100 + row 5 · 25/100
"""

from __future__ import annotations

import numpy as np

STEPS = 100  # steps per level


def to_steps(level: float) -> int:
    """A level as a whole number of steps; ValueError if it lies between steps."""
    steps = round(level * STEPS)
    if abs(level * STEPS - steps) > 1e-6:
        raise ValueError(f"level {level:g} is not a multiple of {1 / STEPS:g}")
    return steps


def from_steps(steps: int) -> float:
    """The level of a whole number of steps: an int where it is whole (4, not 4.0)."""
    whole, fraction = divmod(steps, STEPS)
    return steps / STEPS if fraction else whole


def blend(rows: np.ndarray, steps: int) -> np.ndarray:
    """The integer row of a per-level integer table at ``steps``, rounded half up:
    (row[a]·(STEPS − f) + row[a+1]·f + STEPS/2) // STEPS, where steps = a·STEPS + f."""
    low, fraction = divmod(steps, STEPS)
    if fraction == 0:
        return rows[low]
    return (rows[low] * (STEPS - fraction) + rows[low + 1] * fraction + STEPS // 2) // STEPS
