"""Rewrite the golden bitstream after the shipped default model changes.

    python -m tests.golden.regenerate

Writes golden.pico (the default model's encoding of a generated test image) and
golden.json (hashes of its decoded pixels and of its entropy-decoded symbols).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

import picodec
from picodec import container, weights
from tests.conftest import photo_like

HERE = Path(__file__).parent
LEVEL = 3


def golden_image() -> np.ndarray:
    return photo_like(72, 100, seed=7)


def symbol_hash(data: bytes) -> str:
    """SHA-256 of every tile's ẑ, σ index and y symbols: integer-only quantities."""
    header, payloads = container.unpack(data)
    model = weights.load_by_id(header.model_id)
    digest = hashlib.sha256()
    for payload in payloads:
        symbols = model.decode_symbols(payload, 128, 128, header.level,
                                       header.version >= container.ESCAPES_SINCE)
        for array in (symbols.z, symbols.sigma, symbols.s):
            digest.update(array.astype(np.int64).tobytes())
    return digest.hexdigest()


def main() -> None:
    data = picodec.encode(golden_image(), level=LEVEL)
    pixels = np.asarray(picodec.decode(data))
    (HERE / "golden.pico").write_bytes(data)
    (HERE / "golden.json").write_text(json.dumps({
        "model": weights.DEFAULT_MODEL,
        "level": LEVEL,
        "pixels_sha256": hashlib.sha256(pixels.tobytes()).hexdigest(),
        "symbols_sha256": symbol_hash(data),
    }, indent=2) + "\n")


if __name__ == "__main__":
    main()
