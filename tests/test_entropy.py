"""Integer tables and the range coder."""

import numpy as np
import pytest

from picodec.entropy.coder import MAX_EXCESS, TableCoder, finish, new_decoder, new_encoder
from picodec.entropy.tables import PRECISION, gaussian_tables, logistic_tables, quantize_pmf


def test_quantized_pmf_is_complete_and_positive():
    freqs = quantize_pmf(np.array([0.5, 0.3, 0.2, 0.0, 1e-12]))
    assert freqs.sum() == 1 << PRECISION and freqs.min() >= 1
    assert freqs[0] > freqs[1] > freqs[2]


@pytest.mark.parametrize("build", [
    lambda: gaussian_tables(np.geomspace(0.11, 48, 64)),
    lambda: logistic_tables(np.array([0.3, -2.0]), np.array([0.5, 3.0])),
])
def test_every_table_sums_to_the_precision(build):
    tables = build()
    for t in range(len(tables.lengths)):
        row = tables.freqs[t, : tables.lengths[t]]
        assert row.sum() == 1 << PRECISION and row.min() >= 1


def test_round_trip_with_mixed_tables():
    sigmas = np.geomspace(0.11, 48, 64)
    coder = TableCoder(gaussian_tables(sigmas))
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 64, size=(8, 20, 30))
    values = np.round(rng.normal(size=ids.shape) * sigmas[ids] * 1.5).astype(np.int64)
    values = coder.clamp(values, ids, escapes=False)
    encoder = new_encoder()
    coder.encode(encoder, values, ids, escapes=False)
    data = finish(encoder)
    assert np.array_equal(coder.decode(new_decoder(data), ids, escapes=False), values)
    # a good model codes well: close to the ideal entropy, far below 16 bits a symbol
    assert len(data) * 8 < values.size * 6


def test_clamp_keeps_symbols_in_table_range():
    coder = TableCoder(gaussian_tables(np.array([0.5])))
    ids = np.zeros(3, dtype=np.int64)
    clamped = coder.clamp(np.array([-1000, 0, 1000]), ids, escapes=False)
    assert clamped[0] == coder.tables.lo[0] and clamped[2] == coder.tables.hi[0]
    reach = coder.clamp(np.array([-10**9, 1000]), ids[:2], escapes=True)
    assert reach[0] == coder.tables.lo[0] - MAX_EXCESS and reach[1] == 1000


def test_escapes_code_symbols_beyond_their_table_exactly():
    """The end bins mark an escape; the excess follows. Tables span only ±8σ (at least ±2)."""
    coder = TableCoder(gaussian_tables(np.array([0.5, 3.0])))
    lo, hi = coder.tables.lo, coder.tables.hi
    values = np.array([0, lo[0], hi[0], hi[0] + 1, lo[0] - 233, 1, hi[1] + MAX_EXCESS,
                       lo[1] - 2, 5, hi[1] + 2**20, -1])
    ids = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    encoder = new_encoder()
    coder.encode(encoder, values, ids, escapes=True)
    escaped = finish(encoder)
    assert np.array_equal(coder.decode(new_decoder(escaped), ids, escapes=True), values)


def test_escapes_cost_nothing_when_no_symbol_reaches_a_table_end():
    coder = TableCoder(gaussian_tables(np.array([2.0])))
    values = np.arange(-5, 6)
    ids = np.zeros_like(values)
    streams = []
    for escapes in (False, True):
        encoder = new_encoder()
        coder.encode(encoder, values, ids, escapes=escapes)
        streams.append(finish(encoder))
    assert streams[0] == streams[1]
