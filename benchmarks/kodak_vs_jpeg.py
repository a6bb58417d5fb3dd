"""Kodak rate–quality of a shipped picodec model against JPEG (Pillow, 4:2:0), real files.

    python benchmarks/kodak_vs_jpeg.py [--model mse] [--data ../shared/data/kodak]
    python benchmarks/kodak_vs_jpeg.py --results docs/results/kodak.json   # from a bench run

Prints, per quality level, picodec's mean bpp, PSNR and MS-SSIM, and JPEG's at the same
bpp (interpolated per image over a quality sweep), and writes the records and the table to
docs/results/.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from picodec.eval.codecs import Picodec, PillowJpeg
from picodec.eval.rd import at_equal_rate, sweep

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mse")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "kodak"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "results"))
    parser.add_argument("--results", help="a `picodec bench` results file with both codecs")
    args = parser.parse_args(argv)

    if args.results:
        records = json.loads(Path(args.results).read_text())["records"]
        ours = [r for r in records if r["codec"] == f"picodec-{args.model}"]
        jpeg = [r for r in records if r["codec"] == "jpeg"]
    else:
        images = sorted(Path(args.data).glob("*.png"))
        if not images:
            raise SystemExit(f"no images in {args.data}")
        ours = sweep(Picodec(args.model), images)
        jpeg = sweep(PillowJpeg(), images)
    psnr_table = at_equal_rate(ours, jpeg, "psnr")
    ssim_table = at_equal_rate(ours, jpeg, "ms_ssim")

    lines = ["| level | bpp | PSNR picodec | PSNR JPEG | MS-SSIM picodec | MS-SSIM JPEG | "
             "encode s | decode s |", "|---|---|---|---|---|---|---|---|"]
    for level, row in psnr_table.items():
        rows = [r for r in ours if r["point"] == level]
        enc = sum(r["encode_s"] for r in rows) / len(rows)
        dec = sum(r["decode_s"] for r in rows) / len(rows)
        lines.append(f"| {level} | {row['bpp']:.3f} | {row['ours']:.2f} | {row['anchor']:.2f} | "
                     f"{ssim_table[level]['ours']:.4f} | {ssim_table[level]['anchor']:.4f} | "
                     f"{enc:.2f} | {dec:.2f} |")
    table = "\n".join(lines)
    print(table)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"kodak_{args.model}_vs_jpeg.json").write_text(json.dumps(
        {"picodec": ours, "jpeg": jpeg, "psnr_at_equal_bpp": psnr_table,
         "ms_ssim_at_equal_bpp": ssim_table}, indent=1))
    (out / f"kodak_{args.model}_vs_jpeg.md").write_text(
        f"Kodak (24 images), picodec model '{args.model}' vs JPEG (Pillow libjpeg-turbo, 4:2:0) "
        "at equal bpp; bpp from real files, JPEG interpolated per image in log-bpp.\n\n"
        + table + "\n")


if __name__ == "__main__":
    main()
