"""Ablation of the perceptual stage's artefact losses: text-region MAE and tile-seam error
of several models, measured with `picodec bench` on real files.

    PICODEC_MODEL_PATH=runs/models python benchmarks/ablation.py \\
        --models mse,perceptual,perceptual-notext,perceptual-notiling \\
        --kodak ../shared/data/kodak --text-set runs/text-set \\
        --screens ../shared/data/text/gimp_help_screenshots --out runs/ablation

Sets: Kodak coded with 256-px tiles (its seams are where seam_error and seam_excess look;
text_mae where the detector finds text) and, when given, the rendered-text set
(benchmarks/text_set.py) and the screenshots. Each error is the mean over images and the
given levels; the mean bpp beside it shows whether a model bought its gain with bits. The
second table compares each model with the one trained without a loss (`NAME-notext`,
`NAME-notiling`) at equal level and at equal bits (`bd_error`: log-error against
log-bpp, averaged over the overlap of the rates). ablation.md and ablation.json are what
docs/results keeps (the benches and their cache stay in --out).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from picodec.eval.bdrate import bd_error, mean_curves
from picodec.eval.bench import bench

SEAM_TILE = 256


def _mean(records: list[dict[str, object]], codec: str, key: str, levels: set[int]) -> float:
    values = [float(r[key]) for r in records  # type: ignore[arg-type]
              if r["codec"] == codec and key in r and r["point"] in levels]
    return float(np.mean(values)) if values else float("nan")


LOSS_ERRORS = {"text": ["kodak@256 text MAE", "text-set text MAE", "screens text MAE"],
               "tiling": ["seam error", "seam excess"]}


def _effects(rows: dict[str, dict[str, float]],
             curves: dict[str, dict[str, tuple[list[float], list[float]]]]) -> list[str]:
    """One line per ablated loss and error: with, without, change at equal level and bits."""
    lines = ["| loss | error | with | without | change, equal level | change, equal bits |",
             "|---|---|---|---|---|---|"]
    for model in rows:
        base, _, loss = model.rpartition("-no")
        if base not in rows or loss not in LOSS_ERRORS:
            continue
        for error in LOSS_ERRORS[loss]:
            if error not in rows[base]:
                continue
            with_, without = rows[base][error], rows[model][error]
            at_level = f"{(with_ / without - 1) * 100:+.1f} %"
            if min(curves[model][error][1] + curves[base][error][1]) > 0:
                at_bits, lo, hi = bd_error(*curves[model][error], *curves[base][error])
                at_bits_cell = f"{at_bits:+.1f} % [{lo:.3g}, {hi:.3g} bpp]"
            else:  # a level without excess: no log-error curve
                at_bits_cell = "n/a"
            lines.append(f"| {loss} | {error} | {with_:.4g} | {without:.4g} | "
                         f"{at_level} | {at_bits_cell} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", required=True, help="comma-separated model names")
    parser.add_argument("--kodak", required=True)
    parser.add_argument("--text-set", help="the rendered-text set (optional)")
    parser.add_argument("--screens", help="real screenshots with text (optional)")
    parser.add_argument("--levels", default="0,1,2,3,4,5,6,7")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    models = args.models.split(",")
    levels = {int(v) for v in args.levels.split(",")}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sets = {"kodak@256": (args.kodak, [f"picodec-{m}@{SEAM_TILE}" for m in models])}
    for name, folder in (("text-set", args.text_set), ("screens", args.screens)):
        if folder:
            sets[name] = (folder, [f"picodec-{m}" for m in models])
    rows: dict[str, dict[str, float]] = {m: {} for m in models}
    curves: dict[str, dict[str, tuple[list[float], list[float]]]] = {m: {} for m in models}
    for name, (folder, codecs) in sets.items():
        results = bench(folder, codecs, out / f"{name}.json", cache=out / "cache" / name,
                        only=["psnr", "text_mae", "seam_error", "seam_excess"])
        records = results["records"]  # type: ignore[assignment]
        in_levels = [r for r in records if r["point"] in levels]  # type: ignore[index]
        keys = {f"{name} text MAE": "text_mae"}
        if name == "kodak@256":
            keys["seam error"] = "seam_error"
            keys["seam excess"] = "seam_excess"
        for model, codec in zip(models, codecs, strict=True):
            rows[model][f"{name} bpp"] = _mean(records, codec, "bpp", levels)  # type: ignore[arg-type]
            for column, key in keys.items():
                rows[model][column] = _mean(records, codec, key, levels)  # type: ignore[arg-type]
                curves[model][column] = mean_curves(in_levels, key)[codec]
    columns = list(rows[models[0]])
    lines = ["| model | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for model in models:
        lines.append(f"| {model} | " + " | ".join(f"{rows[model][c]:.4g}" for c in columns) + " |")
    table = "\n".join([*lines, "", *_effects(rows, curves)])
    (out / "ablation.md").write_text(table + "\n")
    (out / "ablation.json").write_text(json.dumps({"means": rows, "curves": curves}, indent=1))
    print(table)


if __name__ == "__main__":
    main()
