"""Rewrite the golden bitstreams after the shipped default model changes.

    python -m tests.golden.regenerate

Writes, for each name in LEVELS, ``<name>.pico`` (the default model's encoding of a
generated test image at that level; golden-alpha's has a transparent edge); the level-3
tiles in the header layouts of older format versions (golden-v1.pico … golden-v6.pico);
``<name>.png`` (its decoded pixels on this machine) and golden.json (per file, the hash of
its entropy-decoded symbols).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import picodec.codec
from picodec import container, weights
from tests.conftest import photo_like

HERE = Path(__file__).parent
# level 7 codes it enlarged; 6.37 blends model levels 3 and 4 at level 7's scale
LEVELS: dict[str, float] = {"golden": 3, "golden-resampled": 7, "golden-alpha": 3, "golden-between": 6.37}


def golden_image(name: str = "golden") -> np.ndarray:
    rgb = photo_like(72, 100, seed=7)
    if name != "golden-alpha":
        return rgb
    yy, xx = np.mgrid[:72, :100]
    alpha = np.clip(255 - 3 * np.hypot(yy - 36, xx - 50), 0, 255).astype(np.uint8)
    return np.dstack([rgb, alpha])


def symbol_hash(data: bytes) -> str:
    """SHA-256 of every tile's ẑ, σ index and y symbols: integer-only quantities."""
    return picodec.codec.symbol_hashes(data).all


def older_versions(data: bytes) -> dict[int, bytes]:
    """The same tiles as format versions 1-6 wrote them. Versions 1-2 had no escapes, so
    this holds only while no golden symbol reaches a table's end: checked."""
    header, payloads = container.unpack(data)
    older = {v: container.pack(header, payloads, version=v)
             for v in range(1, container.FORMAT_VERSION)}
    if any(symbol_hash(old) != symbol_hash(data) for old in older.values()):
        raise SystemExit("a golden symbol reaches a table's end: pick another image or level")
    return older


def main() -> None:
    record: dict[str, object] = {"model": weights.DEFAULT_MODEL}
    for name, level in LEVELS.items():
        data = picodec.encode(golden_image(name), level=level)
        (HERE / f"{name}.pico").write_bytes(data)
        picodec.decode(data).save(HERE / f"{name}.png")
        record[name] = {"level": level, "symbols_sha256": symbol_hash(data)}
    for version, old in older_versions((HERE / "golden.pico").read_bytes()).items():
        (HERE / f"golden-v{version}.pico").write_bytes(old)
    (HERE / "golden.json").write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
