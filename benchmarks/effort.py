"""What ``--effort`` buys: per level, picodec with and without refined latents.

    picodec bench KODAK --codecs picodec-perceptual,picodec-perceptual+e1 --out e1.json
    python benchmarks/effort.py e1.json [--model perceptual] [--effort 1]

Prints a markdown table of the means over the images both codecs coded: bpp, PSNR,
MS-SSIM, SSIMULACRA2 and encode seconds, each as plain -> refined.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from statistics import mean

COLUMNS = (("bpp", "{:.4f}"), ("psnr", "{:.2f}"), ("ms_ssim", "{:.4f}"), ("ssimulacra2", "{:.2f}"),
           ("encode_s", "{:.1f}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--model", default="perceptual")
    parser.add_argument("--effort", type=int, default=1)
    args = parser.parse_args()
    plain, refined = f"picodec-{args.model}", f"picodec-{args.model}+e{args.effort}"
    records = json.loads(Path(args.results).read_text())["records"]
    by_point: dict[tuple[str, int], dict[str, dict[str, float]]] = defaultdict(dict)
    for record in records:
        if record["codec"] in (plain, refined):
            by_point[(record["image"], record["point"])][record["codec"]] = record
    pairs = [points for points in by_point.values() if len(points) == 2]
    images = {key[0] for key, points in by_point.items() if len(points) == 2}
    print(f"`{refined}` against `{plain}`: means over {len(images)} images\n")
    print("| level | " + " | ".join(name for name, _ in COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for level in sorted({key[1] for key, points in by_point.items() if len(points) == 2}):
        at_level = [points for (_, point), points in by_point.items() if point == level and len(points) == 2]
        cells = []
        for name, form in COLUMNS:
            before, after = (mean(p[codec][name] for p in at_level) for codec in (plain, refined))
            cells.append(f"{form.format(before)} → {form.format(after)}")
        print(f"| {level} | " + " | ".join(cells) + " |")
    assert pairs, "no level was coded by both"


if __name__ == "__main__":
    main()
