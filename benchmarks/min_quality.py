"""What ``--min-quality`` saves: one level per photo against one level for all of them.

    python benchmarks/min_quality.py --results docs/results/kodak.json [--codec picodec-perceptual]

From a `picodec bench` results file (every level of every photo, with its SSIMULACRA2), for
each target score: the level the encoder's bisection picks for each photo (the same
``picodec.codec._bisect`` over the recorded scores), and the lowest fixed level at which
every photo reaches the target. Prints the total bytes of both, how many photos no level
brings to the target (they get the top level) and how many the bisection misses although
some level would do (where the scores do not rise with the level).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from picodec.codec import _bisect


def _picked_level(points: dict[int, dict], levels: int, target: float) -> int:
    """The encoder's bisection over one photo's recorded scores (a level stands in for its file)."""
    found, top = _bisect(lambda level: bytes([level]), levels,
                         lambda data: points[data[0]]["ssimulacra2"] >= target, highest=False)
    return (found or top)[0]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True, help="a `picodec bench` results file")
    parser.add_argument("--codec", default="picodec-perceptual")
    parser.add_argument("--targets", type=float, nargs="+", default=[30, 50, 60, 70])
    args = parser.parse_args(argv)

    per_image: dict[str, dict[int, dict]] = defaultdict(dict)
    for record in json.loads(Path(args.results).read_text())["records"]:
        if record["codec"] == args.codec:
            per_image[record["image"]][int(record["point"])] = record
    if not per_image:
        raise SystemExit(f"no {args.codec} records in {args.results}")
    levels = min(len(points) for points in per_image.values())
    print(f"{args.codec}, {len(per_image)} photos, levels 0-{levels - 1}\n")
    print("| SSIMULACRA2 target | bytes, --min-quality | photos no level reaches it on | missed "
          "by the bisection | lowest fixed level for all | bytes, fixed level | saved |")
    print("|---|---|---|---|---|---|---|")
    for target in args.targets:
        picked_bytes, unreachable, missed = 0, 0, 0
        for points in per_image.values():
            record = points[_picked_level(points, levels, target)]
            picked_bytes += record["bytes"]
            reachable = any(point["ssimulacra2"] >= target for point in points.values())
            unreachable += not reachable
            missed += reachable and record["ssimulacra2"] < target
        fixed = next((level for level in range(levels)
                      if all(p[level]["ssimulacra2"] >= target for p in per_image.values())), None)
        row = f"| {target:g} | {picked_bytes:,} | {unreachable} | {missed} |"
        if fixed is None:
            print(f"{row} none | | |")
            continue
        fixed_bytes = sum(p[fixed]["bytes"] for p in per_image.values())
        print(f"{row} {fixed} | {fixed_bytes:,} | {1 - picked_bytes / fixed_bytes:.1%} |")


if __name__ == "__main__":
    main()
