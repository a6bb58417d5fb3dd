"""Rebuild a bench cache from committed results, so a fresh checkout re-benches only what changed.

    docs/results/kodak.json ─► CACHE/<codec>/<stem>-<point>.json   (one record per point)
    docs/results/report/crops/<stem>-<codec>-<point>.png ─► CACHE/<codec>/<stem>-<point>.png

    python benchmarks/seed_cache.py [--results docs/results/kodak.json] [--cache runs/kodak_full.cache]

Records with a text MAE are marked as measured on the current text masks (they were: the
committed results are redone whenever the masks change). Crops exist only for the points
the report shows; `picodec bench` keeps a point's record without its crop.
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from picodec.eval.artifacts import MASK_VERSION


def seed(results: Path, cache: Path) -> int:
    """Write one cache record per result record (and its crop where the report kept one)."""
    crops = results.parent / "report" / "crops"
    records = json.loads(results.read_text())["records"]
    for record in records:
        codec, stem, point = record["codec"], Path(record["image"]).stem, record["point"]
        folder = cache / codec
        folder.mkdir(parents=True, exist_ok=True)
        if "text_mae" in record:
            record = {**record, "text_mask": MASK_VERSION}
        (folder / f"{stem}-{point}.json").write_text(json.dumps(record))
        crop = crops / f"{stem}-{codec}-{point}.png"
        if crop.exists():
            shutil.copy(crop, folder / f"{stem}-{point}.png")
    return len(records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("docs/results/kodak.json"))
    parser.add_argument("--cache", type=Path, default=Path("runs/kodak_full.cache"))
    args = parser.parse_args()
    print(f"{seed(args.results, args.cache)} points seeded into {args.cache}")


if __name__ == "__main__":
    main()
