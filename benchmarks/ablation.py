"""Ablation of the perceptual stage's artefact losses: text-region MAE and tile-seam error
of several models, measured with `picodec bench` on real files.

    PICODEC_MODEL_PATH=runs/models python benchmarks/ablation.py \\
        --models mse,perceptual,perceptual-notext,perceptual-notiling \\
        --kodak ../shared/data/kodak --text-set runs/text-set --screens ../shared/data/text \\
        --out docs/results/ablation

Sets: Kodak coded with 256-px tiles (its seams are where seam_error looks; text_mae where
the detector finds text), the rendered-text set (benchmarks/text_set.py) and the screenshots.
Each error is the mean over images and the given levels; the mean bpp beside it shows
whether a model bought its gain with bits.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from picodec.eval.bench import bench

SEAM_TILE = 256


def _mean(records: list[dict[str, object]], codec: str, key: str, levels: set[int]) -> float:
    values = [float(r[key]) for r in records  # type: ignore[arg-type]
              if r["codec"] == codec and key in r and r["point"] in levels]
    return float(np.mean(values)) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", required=True, help="comma-separated model names")
    parser.add_argument("--kodak", required=True)
    parser.add_argument("--text-set", required=True)
    parser.add_argument("--screens", help="real screenshots with text (optional)")
    parser.add_argument("--levels", default="0,1,2,3,4,5,6,7")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    models = args.models.split(",")
    levels = {int(v) for v in args.levels.split(",")}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sets = {"kodak@256": (args.kodak, [f"picodec-{m}@{SEAM_TILE}" for m in models]),
            "text-set": (args.text_set, [f"picodec-{m}" for m in models])}
    if args.screens:
        sets["screens"] = (args.screens, [f"picodec-{m}" for m in models])
    rows: dict[str, dict[str, float]] = {m: {} for m in models}
    for name, (folder, codecs) in sets.items():
        results = bench(folder, codecs, out / f"{name}.json", cache=out / "cache" / name,
                        only=["psnr", "text_mae", "seam_error"])
        records = results["records"]  # type: ignore[assignment]
        for model, codec in zip(models, codecs, strict=True):
            rows[model][f"{name} bpp"] = _mean(records, codec, "bpp", levels)  # type: ignore[arg-type]
            rows[model][f"{name} text MAE"] = _mean(records, codec, "text_mae", levels)  # type: ignore[arg-type]
            if name == "kodak@256":
                rows[model]["seam error"] = _mean(records, codec, "seam_error", levels)  # type: ignore[arg-type]
    columns = list(rows[models[0]])
    lines = ["| model | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for model in models:
        lines.append(f"| {model} | " + " | ".join(f"{rows[model][c]:.4g}" for c in columns) + " |")
    table = "\n".join(lines)
    (out / "ablation.md").write_text(table + "\n")
    (out / "ablation.json").write_text(json.dumps(rows, indent=1))
    print(table)


if __name__ == "__main__":
    main()
