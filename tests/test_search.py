"""The level search behind --max-size and --min-quality (picodec.search)."""

import math

import numpy as np
import pytest

from picodec import search

TENTHS = 71  # levels 0, 0.1, … 7


def photo_curves(shape: search.Shape, count: int, seed: int) -> list[list[float]]:
    """Rising value curves (bpp or SSIMULACRA2 per tenth) of made-up photos: the shape's mean
    curve shifted, stretched and bent a little, and noisy, as real photos' are."""
    rng = np.random.default_rng(seed)
    mean = np.array(shape.at(TENTHS))
    curves = []
    for _ in range(count):
        rises = np.diff(mean) * rng.uniform(0.6, 1.6) * rng.uniform(0.5, 1.5, TENTHS - 1)
        curve = mean[0] + rng.normal(0, 0.4 if shape.log else 12) + np.concatenate([[0], np.cumsum(rises)])
        curves.append(list(np.exp(curve) if shape.log else curve))
    return curves


def exhaustive(values: list[float], target: float, highest: bool) -> int | None:
    """The answer by trying every step."""
    if highest:
        return max((s for s, v in enumerate(values) if v <= target), default=None)
    return min((s for s, v in enumerate(values) if v >= target), default=None)


@pytest.mark.parametrize(("shape", "targets", "highest"), [
    (search.BITS_PER_PIXEL, np.geomspace(0.05, 2.5, 15), True),  # --max-size, in bits per pixel
    (search.SSIMULACRA2, np.linspace(-40, 80, 13), False),        # --min-quality
])
def test_it_finds_the_step_trying_every_step_finds_in_about_three_tries(shape, targets, highest):
    tries = []
    for values in photo_curves(shape, 40, seed=int(highest)):
        for target in targets:
            found = search.search(lambda s, v=values: (v[s], s), TENTHS, target, shape, highest)
            answer = exhaustive(values, target, highest)
            assert found.met == (answer is not None)
            assert found.file == (answer if found.met else 0 if highest else TENTHS - 1)
            tries.append(found.tries)
    assert np.mean(tries) < 4 and max(tries) <= 12  # bisection: 6 or 7 each


def test_rising_values_of_any_other_form_are_found_too():
    rng = np.random.default_rng(2)
    for count in (2, 8, 11, TENTHS):  # 8 and 11: ladders the shape does not fit (a straight line)
        for _ in range(50):
            values = list(np.cumsum(rng.exponential(1, count) * (rng.random(count) < 0.7)))
            target = rng.uniform(-1, values[-1] + 1)
            for highest in (True, False):
                found = search.search(lambda s, v=values: (v[s], s), count, target, search.SSIMULACRA2,
                                      highest)
                answer = exhaustive(values, target, highest)
                assert found.met == (answer is not None)
                if found.met:
                    assert found.file == answer
                assert found.tries <= 2 * math.ceil(math.log2(count + 1)) + 2


def test_values_that_fall_somewhere_still_give_a_step_that_meets_the_target():
    values = [1, 2, 3, 5, 4, 6, 7, 6.5, 8, 9, 10]  # two steps fall, as a few tenths do
    for target in np.arange(0.5, 11, 0.25):
        for highest in (True, False):
            found = search.search(lambda s: (values[s], s), len(values), target, search.SSIMULACRA2, highest)
            if found.met:  # a step that meets it, at the edge of the steps that do
                assert values[found.file] <= target if highest else values[found.file] >= target
                neighbour = found.file + 1 if highest else found.file - 1
                if 0 <= neighbour < len(values):
                    assert values[neighbour] > target if highest else values[neighbour] < target


def test_a_shape_that_falls_is_refused():
    with pytest.raises(ValueError, match="must not fall"):
        search.Shape(log=False, curve=(1.0, 2.0, 1.5))
