"""Equal-rate comparison logic, on hand-made records."""

import pytest

from picodec.eval.rd import at_equal_rate


def _rec(image, point, bpp, psnr):
    return {"image": image, "point": point, "bpp": bpp, "psnr": psnr}


ANCHOR = [_rec("a", q, bpp, p) for q, bpp, p in [(1, 0.25, 24.0), (2, 1.0, 30.0), (3, 4.0, 36.0)]]


def test_interpolates_in_log_rate():
    table = at_equal_rate([_rec("a", 0, 0.5, 28.0)], ANCHOR, "psnr")
    assert table[0]["anchor"] == pytest.approx(27.0)  # halfway between 0.25 and 1.0 in log2
    assert table[0]["ours"] == 28.0 and table[0]["images"] == 1


def test_below_the_anchor_range_uses_its_lowest_point_and_above_is_left_out():
    table = at_equal_rate([_rec("a", 0, 0.1, 25.0), _rec("a", 1, 8.0, 40.0)], ANCHOR, "psnr")
    assert table[0]["anchor"] == 24.0
    assert table[1]["images"] == 0
