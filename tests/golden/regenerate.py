"""Rewrite the golden bitstream after the shipped default model changes.

    python -m tests.golden.regenerate

Writes golden.pico (the default model's encoding of a generated test image), the same
tiles in the header layouts of older format versions (golden-v1.pico, golden-v2.pico), and
golden.json (hashes of its decoded pixels and of its entropy-decoded symbols).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

import picodec.codec
from picodec import container, weights
from tests.conftest import photo_like

HERE = Path(__file__).parent
LEVEL = 3


def golden_image() -> np.ndarray:
    return photo_like(72, 100, seed=7)


def symbol_hash(data: bytes) -> str:
    """SHA-256 of every tile's ẑ, σ index and y symbols: integer-only quantities."""
    return picodec.codec.symbol_hashes(data).all


def older_versions(data: bytes) -> dict[int, bytes]:
    """The same tiles as format versions 1 and 2 wrote them. Those had no escapes, so this
    holds only while no golden symbol reaches a table's end: checked."""
    header, payloads = container.unpack(data)
    older = {v: container.pack(header, payloads, version=v)
             for v in range(1, container.ESCAPES_SINCE)}
    if any(symbol_hash(old) != symbol_hash(data) for old in older.values()):
        raise SystemExit("a golden symbol reaches a table's end: pick another image or level")
    return older


def main() -> None:
    data = picodec.encode(golden_image(), level=LEVEL)
    pixels = np.asarray(picodec.decode(data))
    (HERE / "golden.pico").write_bytes(data)
    for version, old in older_versions(data).items():
        (HERE / f"golden-v{version}.pico").write_bytes(old)
    (HERE / "golden.json").write_text(json.dumps({
        "model": weights.DEFAULT_MODEL,
        "level": LEVEL,
        "pixels_sha256": hashlib.sha256(pixels.tobytes()).hexdigest(),
        "symbols_sha256": symbol_hash(data),
    }, indent=2) + "\n")


if __name__ == "__main__":
    main()
