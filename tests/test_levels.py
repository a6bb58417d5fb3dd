"""Levels between the trained ones: the grid of hundredths and the integer blend."""

import numpy as np
import pytest
import torch
from torch import nn

from picodec import levels
from picodec.nn.blocks import at_level


def test_levels_count_hundredths():
    assert levels.to_steps(4) == 400 and levels.to_steps(4.37) == 437 and levels.to_steps(0.1) == 10
    with pytest.raises(ValueError, match=r"not a multiple of 0\.01"):
        levels.to_steps(4.125)
    assert levels.from_steps(400) == 4 and isinstance(levels.from_steps(400), int)
    assert levels.from_steps(437) == 4.37


def test_the_integer_blend_rounds_half_up_in_integers():
    rows = np.array([[-7, 0, 10], [-4, 3, 11]], dtype=np.int64)
    assert levels.blend(rows, 0).tolist() == [-7, 0, 10]
    assert levels.blend(rows, 100).tolist() == [-4, 3, 11]
    assert levels.blend(rows, 50).tolist() == [-5, 2, 11]  # -5.5, 1.5, 10.5: each up
    assert levels.blend(rows, 10).tolist() == [-7, 0, 10]  # -6.7, 0.3, 10.1


def test_a_float_level_blends_the_rows_of_its_neighbours():
    table = nn.Embedding(3, 4)
    whole = at_level(table, torch.tensor([1]))
    assert torch.equal(at_level(table, torch.tensor([1.0])), whole)  # exactly, not nearly
    half = at_level(table, torch.tensor([0.5, 2.0]))
    assert torch.allclose(half[0], (table.weight[0] + table.weight[1]) / 2)
    assert torch.equal(half[1], table.weight[2])  # the top level has no upper neighbour
