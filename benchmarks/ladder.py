"""The evidence for the quality ladder (picodec.resample): photos coded at chosen rungs.

    python benchmarks/ladder.py --rungs 3:1 3:5/4 3.6:4/3 [--model mse]
        [--data ../shared/data/kodak] [--every N] [--results docs/results/kodak.json]

A rung NETWORK_LEVEL:SCALE enlarges each photo by SCALE (as the encoder does) and codes it
with the network at that level, in hundredths (3.6 blends levels 3 and 4,
``picodec.levels``), as a real ``.pico`` file; the decoder reduces it back. Prints, per
rung, the mean bpp of the files over the source pixels and its geometric mean (rates of
rungs are matched on the latter), PSNR, MS-SSIM and SSIMULACRA2, and, where the results
file of a `picodec bench` run has a JPEG sweep of the same photos, JPEG's PSNR and MS-SSIM
at the same bpp, interpolated per photo. ``--data`` is searched for PNG and JPEG files in
subfolders too; ``--every N`` takes every N-th of them (the training photos: ``--every 91``).
"""

from __future__ import annotations

import argparse
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np

import picodec
from picodec import imageio, levels, weights
from picodec.codec import encode_rung
from picodec.eval.metrics import ms_ssim, psnr, ssimulacra2
from picodec.eval.rd import at_equal_rate
from picodec.model.runtime import CodecModel

ROOT = Path(__file__).resolve().parents[1]
METRICS = ("psnr", "ms_ssim", "ssimulacra2")


def code_at_rung(pixels: imageio.Pixels, model: CodecModel, network_level: float,
                 scale: Fraction) -> tuple[int, np.ndarray]:
    """(file bytes, decoded image at the source size) for one rung."""
    steps = levels.to_steps(network_level)
    data = encode_rung(model, pixels, b"", steps, (steps, scale))
    return len(data), np.asarray(picodec.decode(data, model=model).convert("RGB"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rungs", nargs="+", required=True, help="NETWORK_LEVEL:SCALE, e.g. 3.6:4/3")
    parser.add_argument("--model", default="mse")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "kodak"))
    parser.add_argument("--every", type=int, default=1, help="take every N-th photo")
    parser.add_argument("--results", default=str(ROOT / "docs" / "results" / "kodak.json"))
    args = parser.parse_args(argv)

    model = weights.load(args.model)
    rungs = [(float(level), Fraction(scale)) for level, scale in (r.split(":") for r in args.rungs)]
    photos = sorted(p for p in Path(args.data).rglob("*") if p.suffix.lower() in {".png", ".jpg", ".jpeg"})
    photos = photos[::args.every]
    if not photos:
        raise SystemExit(f"no images in {args.data}")
    names = {p.name for p in photos}
    results = Path(args.results)
    jpeg = [r for r in json.loads(results.read_text())["records"]
            if r["codec"] == "jpeg" and r["image"] in names] if results.exists() else []

    records = []
    for path in photos:
        pixels = imageio.load(path, imageio.Keep(False, False, False))
        for index, (level, scale) in enumerate(rungs):
            size, decoded = code_at_rung(pixels, model, level, scale)
            rgb = pixels.rgb
            records.append({"image": path.name, "point": index, "bpp": 8 * size / rgb[..., 0].size,
                            "psnr": psnr(rgb, decoded), "ms_ssim": ms_ssim(rgb, decoded),
                            "ssimulacra2": ssimulacra2(rgb, decoded)})
    anchor = {m: at_equal_rate(records, jpeg, m) for m in ("psnr", "ms_ssim")} if jpeg else {}
    print(f"{args.model}, {len(photos)} photos from {args.data}\n")
    print("| network level | scale | bpp | geometric mean bpp | PSNR | MS-SSIM | SSIMULACRA2 |"
          + (" PSNR JPEG | MS-SSIM JPEG |" if anchor else ""))
    print("|---|---|---|---|---|---|---|" + ("---|---|" if anchor else ""))
    for index, (level, scale) in enumerate(rungs):
        rows = [r for r in records if r["point"] == index]
        mean = {m: np.mean([r[m] for r in rows]) for m in ("bpp", *METRICS)}
        geometric = math.exp(np.mean([math.log(r["bpp"]) for r in rows]))
        line = (f"| {level:g} | {scale} | {mean['bpp']:.3f} | {geometric:.3f} | {mean['psnr']:.2f} "
                f"| {mean['ms_ssim']:.4f} | {mean['ssimulacra2']:.2f} |")
        if anchor:
            line += f" {anchor['psnr'][index]['anchor']:.2f} | {anchor['ms_ssim'][index]['anchor']:.4f} |"
        print(line)


if __name__ == "__main__":
    main()
