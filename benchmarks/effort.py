"""What ``--effort`` buys: per level, picodec with and without refined latents.

    picodec bench KODAK --codecs picodec-perceptual,picodec-perceptual+e1 --out e1.json
    python benchmarks/effort.py e1.json [--model perceptual] [--effort 1] [--images N]

Prints, over the images both codecs coded (or the first N of them), a markdown table of
the means per level (bpp, PSNR, MS-SSIM, SSIMULACRA2 and encode seconds, each as plain ->
refined), then the BD-rates of the refined against the plain.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from statistics import mean

from picodec.eval.bdrate import format_table, table
from picodec.eval.bench import HIGHER_IS_BETTER

COLUMNS = (("bpp", "{:.4f}"), ("psnr", "{:.2f}"), ("ms_ssim", "{:.4f}"), ("ssimulacra2", "{:.2f}"),
           ("encode_s", "{:.1f}"))
BD_METRICS = ("psnr", "ms_ssim", "ssimulacra2", "butteraugli", "butteraugli_p3", "flip")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--model", default="perceptual")
    parser.add_argument("--effort", type=int, default=1)
    parser.add_argument("--images", type=int, default=None, help="only the first N images")
    args = parser.parse_args()
    plain, refined = f"picodec-{args.model}", f"picodec-{args.model}+e{args.effort}"
    results = json.loads(Path(args.results).read_text())
    coded = [{r["image"] for r in results["records"] if r["codec"] == name} for name in (plain, refined)]
    images = sorted(coded[0] & coded[1])[:args.images]
    if not images:
        raise SystemExit(f"no image was coded by both {plain} and {refined}")
    records = [r for r in results["records"] if r["codec"] in (plain, refined) and r["image"] in images]

    print(f"`{refined}` against `{plain}`: means over {len(images)} images "
          f"({images[0]} to {images[-1]})\n")
    print("| level | " + " | ".join(name for name, _ in COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for level in sorted({r["point"] for r in records}):
        cells = []
        for name, form in COLUMNS:
            before, after = (mean(r[name] for r in records if r["codec"] == codec and r["point"] == level)
                             for codec in (plain, refined))
            cells.append(f"{form.format(before)} → {form.format(after)}")
        print(f"| {level} | " + " | ".join(cells) + " |")
    metrics = [m for m in BD_METRICS if m in results["metrics"]]
    bd = table({"records": records, "metrics": metrics}, plain, HIGHER_IS_BETTER)
    print("\n" + format_table(bd, plain))


if __name__ == "__main__":
    main()
