"""Range coding of integer symbols with the stored tables (constriction's queue coder).

Symbols are grouped by the table that codes them and each group is coded in raster order,
table by table. The decoder knows every symbol's table before it decodes anything
(σ indices come from ẑ alone), so it can rebuild the groups and invert the order exactly.
"""

from __future__ import annotations

import constriction
import numpy as np

from picodec.entropy.tables import CdfTables


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

    def clamp(self, values: np.ndarray, table_ids: np.ndarray) -> np.ndarray:
        """Clamp symbols into the range their tables cover."""
        return np.clip(values, self.tables.lo[table_ids], self.tables.hi[table_ids])

    def encode(self, encoder: constriction.stream.queue.RangeEncoder, values: np.ndarray,
               table_ids: np.ndarray) -> None:
        values, table_ids = values.ravel(), table_ids.ravel()
        for t in np.unique(table_ids):
            chosen = values[table_ids == t] - self.tables.offsets[t]
            encoder.encode(chosen.astype(np.int32), self._model(int(t)))

    def decode(self, decoder: constriction.stream.queue.RangeDecoder,
               table_ids: np.ndarray) -> np.ndarray:
        flat = table_ids.ravel()
        values = np.empty(flat.shape, dtype=np.int64)
        for t in np.unique(flat):
            where = flat == t
            try:
                symbols = decoder.decode(self._model(int(t)), int(where.sum()))
            except AssertionError as err:  # constriction's answer to data no encoder wrote
                raise ValueError(f"payload is not a valid range-coder stream ({err})") from err
            values[where] = np.asarray(symbols, dtype=np.int64) + self.tables.offsets[t]
        return values.reshape(table_ids.shape)


def new_encoder() -> constriction.stream.queue.RangeEncoder:
    return constriction.stream.queue.RangeEncoder()


def finish(encoder: constriction.stream.queue.RangeEncoder) -> bytes:
    return encoder.get_compressed().tobytes()


def new_decoder(payload: bytes) -> constriction.stream.queue.RangeDecoder:
    if len(payload) % 4:
        raise ValueError("payload is not a whole number of 32-bit words")
    return constriction.stream.queue.RangeDecoder(np.frombuffer(payload, dtype=np.uint32).copy())
