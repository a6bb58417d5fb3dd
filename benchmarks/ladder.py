"""The evidence for the quality ladder (picodec.resample): Kodak at chosen rungs against JPEG.

    python benchmarks/ladder.py --rungs 3:1 3:1.25 4:1.25 3:1.5 [--model mse]
        [--data ../shared/data/kodak] [--results docs/results/kodak.json]

A rung MODEL_LEVEL:SCALE enlarges each image by SCALE (as the encoder does), codes it at
that model level, and reduces the decoded image back (as the decoder does). Prints, per
rung, the mean bpp of the real files over the source pixels, PSNR and MS-SSIM, and JPEG's
at the same bpp, interpolated per image over the JPEG sweep in the results file of a
`picodec bench` run.
"""

from __future__ import annotations

import argparse
import json
from fractions import Fraction
from pathlib import Path

import numpy as np

import picodec
from picodec import resample
from picodec.eval.metrics import ms_ssim, psnr
from picodec.eval.rd import at_equal_rate, load_rgb

ROOT = Path(__file__).resolve().parents[1]
NATIVE_LEVELS = 5  # model levels that the ladder does not resample: a rung must use one


def code_at_rung(rgb: np.ndarray, model_level: int, scale: Fraction, model: str) -> tuple[int, np.ndarray]:
    """(file bytes, decoded image at the source size) for one rung."""
    height, width = resample.coded_size(*rgb.shape[:2], scale)
    enlarged = resample.enlarge(rgb, height, width) if scale != 1 else rgb
    data = picodec.encode(enlarged, level=model_level, model=model)
    decoded = np.asarray(picodec.decode(data).convert("RGB"))
    if scale != 1:
        decoded = resample.reduce(decoded, *rgb.shape[:2])
    return len(data), decoded


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rungs", nargs="+", required=True, help="MODEL_LEVEL:SCALE, e.g. 3:1.25")
    parser.add_argument("--model", default="mse")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "kodak"))
    parser.add_argument("--results", default=str(ROOT / "docs" / "results" / "kodak.json"))
    args = parser.parse_args(argv)

    rungs = [(int(level), Fraction(scale)) for level, scale in (r.split(":") for r in args.rungs)]
    if any(level >= NATIVE_LEVELS for level, _ in rungs):
        raise SystemExit(f"a rung's model level must be below {NATIVE_LEVELS}")
    images = sorted(Path(args.data).glob("*.png"))
    if not images:
        raise SystemExit(f"no images in {args.data}")
    jpeg = [r for r in json.loads(Path(args.results).read_text())["records"] if r["codec"] == "jpeg"]

    records = []
    for index, (level, scale) in enumerate(rungs):
        for path in images:
            rgb = load_rgb(path)
            size, decoded = code_at_rung(rgb, level, scale, args.model)
            records.append({"image": path.name, "point": index, "bpp": 8 * size / rgb[..., 0].size,
                            "psnr": psnr(rgb, decoded), "ms_ssim": ms_ssim(rgb, decoded)})
    tables = {metric: at_equal_rate(records, jpeg, metric) for metric in ("psnr", "ms_ssim")}
    print(f"| model level | scale | bpp | PSNR | PSNR JPEG | MS-SSIM | MS-SSIM JPEG |  ({args.model})")
    print("|---|---|---|---|---|---|---|")
    for index, (level, scale) in enumerate(rungs):
        p, s = tables["psnr"][index], tables["ms_ssim"][index]
        print(f"| {level} | {float(scale):g} | {p['bpp']:.3f} | {p['ours']:.2f} | {p['anchor']:.2f} "
              f"| {s['ours']:.4f} | {s['anchor']:.4f} |")


if __name__ == "__main__":
    main()
