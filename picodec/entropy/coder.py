"""Range coding of integer symbols with the stored tables (constriction's queue coder).

Symbols are grouped by the table that codes them and each group is coded in raster order,
table by table. The decoder knows every symbol's table before it decodes anything
(σ indices come from ẑ alone), so it can rebuild the groups and invert the order exactly.

A table covers a finite range ``lo … hi``. With escapes on, its end bins mean "here or
beyond": after a group's bins come the excesses of the symbols that landed on an end bin,

    s = hi + e  (or lo − e),   e ≥ 0 coded as  k = ⌊log2(e+1)⌋  (uniform over 0 … ESCAPE_BITS)
                                               then e+1 − 2^k     (uniform, k bits)

so every symbol is coded exactly and an improbable latent costs bits, not pixels. Without
escapes (format versions 1-2) the encoder had to clamp symbols into their table.
"""

from __future__ import annotations

import constriction
import numpy as np

from picodec.entropy.tables import CdfTables

ESCAPE_BITS = 20
MAX_EXCESS = (1 << (ESCAPE_BITS + 1)) - 2  # the largest excess the escape code can carry
_LENGTH = constriction.stream.model.Uniform(ESCAPE_BITS + 1)
_BITS = constriction.stream.model.Uniform()  # size given per symbol: 2^k


class TableCoder:
    """Encodes and decodes symbol arrays, each element with the table its id names."""

    def __init__(self, tables: CdfTables) -> None:
        self.tables = tables
        self._models: dict[int, constriction.stream.model.Categorical] = {}

    def _model(self, t: int) -> constriction.stream.model.Categorical:
        if t not in self._models:
            freqs = self.tables.freqs[t, : self.tables.lengths[t]].astype(np.float64)
            self._models[t] = constriction.stream.model.Categorical(freqs / freqs.sum(), perfect=False)
        return self._models[t]

    def clamp(self, values: np.ndarray, table_ids: np.ndarray, escapes: bool) -> np.ndarray:
        """Clamp symbols into the range the coder can code: the tables', or with escapes
        that range widened by MAX_EXCESS (a bound real latents never reach)."""
        reach = MAX_EXCESS if escapes else 0
        return np.clip(values, self.tables.lo[table_ids] - reach, self.tables.hi[table_ids] + reach)

    def encode(self, encoder: constriction.stream.queue.RangeEncoder, values: np.ndarray,
               table_ids: np.ndarray, escapes: bool) -> None:
        """Code ``values``, each within the range ``clamp`` allows."""
        values, table_ids = values.ravel(), table_ids.ravel()
        for t in np.unique(table_ids):
            chosen = values[table_ids == t]
            bins = np.clip(chosen, self.tables.lo[t], self.tables.hi[t]) if escapes else chosen
            encoder.encode((bins - self.tables.offsets[t]).astype(np.int32), self._model(int(t)))
            if escapes:
                excess = np.abs(chosen - bins)[self._at_end(bins, t)]
                _encode_excess(encoder, excess)

    def decode(self, decoder: constriction.stream.queue.RangeDecoder,
               table_ids: np.ndarray, escapes: bool) -> np.ndarray:
        flat = table_ids.ravel()
        values = np.empty(flat.shape, dtype=np.int64)
        for t in np.unique(flat):
            where = flat == t
            try:
                symbols = decoder.decode(self._model(int(t)), int(where.sum()))
                group = np.asarray(symbols, dtype=np.int64) + self.tables.offsets[t]
                if escapes:
                    at_end = self._at_end(group, t)
                    sign = np.where(group[at_end] == self.tables.hi[t], 1, -1)
                    group[at_end] += sign * _decode_excess(decoder, int(at_end.sum()))
            except AssertionError as err:  # constriction's answer to data no encoder wrote
                raise ValueError(f"payload is not a valid range-coder stream ({err})") from err
            values[where] = group
        return values.reshape(table_ids.shape)

    def _at_end(self, bins: np.ndarray, t: int) -> np.ndarray:
        """Which symbols sit on an end bin of table ``t``: those an excess follows."""
        return (bins == self.tables.lo[t]) | (bins == self.tables.hi[t])


def _encode_excess(encoder: constriction.stream.queue.RangeEncoder, excess: np.ndarray) -> None:
    """Code non-negative integers: bit length k, then the k bits below the leading one."""
    if not len(excess):
        return
    v = excess + 1
    k = np.frexp(v.astype(np.float64))[1] - 1  # exact: v < 2^53
    encoder.encode(k.astype(np.int32), _LENGTH)
    long = k > 0
    encoder.encode((v - (1 << k))[long].astype(np.int32), _BITS, (1 << k)[long].astype(np.int32))


def _decode_excess(decoder: constriction.stream.queue.RangeDecoder, n: int) -> np.ndarray:
    if not n:
        return np.zeros(0, dtype=np.int64)
    k = np.asarray(decoder.decode(_LENGTH, n), dtype=np.int64)
    low = np.zeros(n, dtype=np.int64)
    long = k > 0
    low[long] = decoder.decode(_BITS, (1 << k)[long].astype(np.int32))
    return (1 << k) + low - 1


def new_encoder() -> constriction.stream.queue.RangeEncoder:
    return constriction.stream.queue.RangeEncoder()


def finish(encoder: constriction.stream.queue.RangeEncoder) -> bytes:
    return encoder.get_compressed().tobytes()


def new_decoder(payload: bytes) -> constriction.stream.queue.RangeDecoder:
    if len(payload) % 4:
        raise ValueError("payload is not a whole number of 32-bit words")
    return constriction.stream.queue.RangeDecoder(np.frombuffer(payload, dtype=np.uint32).copy())
