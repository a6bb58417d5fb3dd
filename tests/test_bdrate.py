"""BD-rate against hand-computed cases."""

import math

import pytest

from picodec.eval.bdrate import bd_error, bd_rate, format_table, table

RATES = [0.1, 0.2, 0.4, 0.8, 1.6]
QUALITY = [26.0, 29.0, 31.5, 34.0, 36.0]


def test_identical_curves_give_zero():
    assert bd_rate(RATES, QUALITY, RATES, QUALITY)[0] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("factor", [0.8, 0.5, 1.25])
def test_a_constant_rate_factor_is_recovered_exactly(factor):
    pct, lo, hi = bd_rate(RATES, QUALITY, [r * factor for r in RATES], QUALITY)
    assert pct == pytest.approx((factor - 1) * 100)
    assert (lo, hi) == (26.0, 36.0)


def test_only_the_overlapping_quality_range_counts():
    # log-rate linear in quality, so any subset of knots interpolates the same line;
    # the test codec is 20 % cheaper, but only measured between 28.5 and 33.5 dB
    linear = [26.0, 28.5, 31.0, 33.5, 36.0]
    pct, lo, hi = bd_rate(RATES, linear, [r * 0.8 for r in RATES[1:4]], linear[1:4])
    assert pct == pytest.approx(-20.0) and (lo, hi) == (28.5, 33.5)


def test_hand_computed_linear_case():
    # anchor: log r = q - 30 ; test: log r = (q - 30) / 2 ; over q in [29, 31]
    # mean difference of log-rates = mean of -(q - 30)/2 over a symmetric range = 0
    anchor = [(math.exp(q - 30), q) for q in (29.0, 30.0, 31.0)]
    test = [(math.exp((q - 30) / 2), q) for q in (29.0, 30.0, 31.0)]
    pct, _, _ = bd_rate(*zip(*anchor, strict=True), *zip(*test, strict=True))
    assert pct == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("factor", [0.7, 1.0, 1.5])
def test_bd_error_recovers_a_constant_error_factor_over_the_rate_overlap(factor):
    errors = [0.05 * r ** -0.5 for r in RATES]  # log-error linear in log-rate
    pct, lo, hi = bd_error(RATES, errors, RATES[1:4], [e * factor for e in errors[1:4]])
    assert pct == pytest.approx((factor - 1) * 100)
    assert (lo, hi) == pytest.approx((0.2, 0.8))


def test_bd_error_compares_at_equal_rate_not_equal_level():
    # the test codec spends twice the bits per level on the same error curve: no gain
    errors = [0.05 * r ** -0.5 for r in RATES]
    doubled = [r * 2 for r in RATES]
    assert bd_error(RATES, errors, doubled, [0.05 * r ** -0.5 for r in doubled])[0] == \
        pytest.approx(0.0, abs=1e-9)


def test_no_overlap_or_no_data_is_nan():
    assert math.isnan(bd_rate(RATES, QUALITY, RATES, [q + 20 for q in QUALITY])[0])
    assert math.isnan(bd_rate(RATES, QUALITY, [], [])[0])


def test_lower_is_better_metrics_and_the_table():
    records = []
    for codec, factor in (("anchor", 1.0), ("half", 0.5)):
        for point, (r, q) in enumerate(zip(RATES, QUALITY, strict=True)):
            records.append({"codec": codec, "image": "x", "point": point, "bpp": r * factor,
                            "psnr": q, "butteraugli": 40 - q})
    bd = table({"records": records, "metrics": ["psnr", "butteraugli"]}, "anchor",
               {"psnr": True, "butteraugli": False})
    assert bd["psnr"]["half"][0] == pytest.approx(-50.0)
    assert bd["butteraugli"]["half"][0] == pytest.approx(-50.0)
    assert "-50.0 %" in format_table(bd, "anchor")
    assert math.isnan(bd_error(RATES, QUALITY, [r * 100 for r in RATES], QUALITY)[0])
