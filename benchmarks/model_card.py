"""Write a shipped model's card from measured files (never typed-in numbers).

    python benchmarks/model_card.py --model mse --run runs/stage1 \
        --kodak docs/results/kodak_mse_vs_jpeg.json --speed docs/results/speed.json

Reads the training run's config and log, the Kodak table written by kodak_vs_jpeg.py and
the output of speed.py, and writes picodec/weights/<model>.md. With ``--refresh`` (no run
needed) only the measured parts of an existing card are rewritten: the model id, the Kodak
table and the speed table, e.g. after a format change alters what the weights code.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import re
from pathlib import Path
from typing import Any

from picodec import resample, weights
from picodec.train.checkpoint import read_metadata

ROOT = Path(__file__).resolve().parents[1]


def weight_text(value: float | list[float]) -> str:
    """A loss weight as the card shows it: one number, or one per level in brackets."""
    if isinstance(value, list):
        return "[" + ", ".join(f"{v:g}" for v in value) + "]"
    return f"{value:g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mse")
    parser.add_argument("--run", help="training run folder (config.json, log.csv)")
    parser.add_argument("--refresh", action="store_true",
                        help="rewrite only the measured parts of the existing card")
    parser.add_argument("--kodak", required=True)
    parser.add_argument("--speed", required=True)
    parser.add_argument("--hardware", default=f"{platform.machine()} CPU, 2 cores (no GPU)")
    parser.add_argument("--history", default="", help="what happened during training, if anything")
    parser.add_argument("--steps-before", type=int, default=0,
                        help="steps trained before this run started from its init weights")
    parser.add_argument("--hours-before", type=float, default=0.0,
                        help="hours those earlier steps took")
    parser.add_argument("--data", default="1,096 photographs",
                        help="what of shared/data/train the run used")
    parser.add_argument("--append", nargs="*", default=[],
                        help="measured tables (markdown files) to add at the end of the card")
    parser.add_argument("--against-mse", metavar="BDRATE_MD",
                        help="`picodec bdrate --anchor picodec-mse` table: end the card with "
                             "this model's row of it")
    args = parser.parse_args()
    kodak = json.loads(Path(args.kodak).read_text())
    speed = json.loads(Path(args.speed).read_text())
    model = weights.load(args.model)
    path = weights.FOLDER / f"{args.model}.md"
    if args.refresh:
        card = refreshed(path.read_text(), model.id.hex(), measured(kodak, speed))
    elif args.run:
        card = written(args, model.id.hex(), measured(kodak, speed))
    else:
        parser.error("give --run, or --refresh for a card that exists")
    if args.against_mse:
        card = card.split(AGAINST_MSE)[0].rstrip("\n") + "\n\n" + against_mse(
            Path(args.against_mse), args.model)
    path.write_text(card)
    print(card)


AGAINST_MSE = "## Against `mse` on Kodak"


def against_mse(table: Path, model: str) -> str:
    """The card's last section: this model's row of the BD-rate table against `mse`."""
    lines = table.read_text().splitlines()
    header = [line for line in lines if line.startswith(("| codec", "|---"))]
    row = [line for line in lines if line.startswith(f"| picodec-{model} |")]
    return f"""{AGAINST_MSE} (BD-rate, negative = fewer bits than `mse`)

{chr(10).join(header + row)}

Every codec against `mse`: `{table.as_posix()}`.
Ablation of the text and tiling losses, and what this model wins and loses:
`docs/results/perceptual.md`.
"""


def refreshed(card: str, model_id: str, tables: str) -> str:
    """The card with a new model id and new measured tables; everything else kept."""
    card = re.sub(r"model id `[0-9a-f]+`", f"model id `{model_id}`", card)
    start = card.index("## Kodak (24 images)")
    end = card.index("\n", card.index("| decode |", start)) + 1
    return card[:start] + tables + card[end:]


def measured(kodak: dict[str, Any], speed: dict[str, Any]) -> str:
    """The Kodak table against JPEG and the speed table, from their measurement files."""
    rows = []
    for level, row in kodak["psnr_at_equal_bpp"].items():
        ssim = kodak["ms_ssim_at_equal_bpp"][level]
        verdict = "yes" if row["ours"] > row["anchor"] and ssim["ours"] > ssim["anchor"] else "**no**"
        rows.append(f"| {level} | {row['bpp']:.3f} | {row['ours']:.2f} | {row['anchor']:.2f} | "
                    f"{ssim['ours']:.4f} | {ssim['anchor']:.4f} | {verdict} |")
    resized = "; ".join(f"{level}: network level {float(model_level):g} on the image scaled {scale}x"
                        for level, (model_level, scale) in enumerate(resample.LADDER) if scale != 1)
    return f"""## Kodak (24 images), against JPEG at equal bpp

Real `.pico` files (header included), decoded pixels. JPEG: Pillow (libjpeg-turbo), 4:2:0,
quality swept and interpolated per image in log-bpp (below JPEG's lowest rate, JPEG's
lowest-rate quality stands in, which favours JPEG). Levels of the quality ladder
(`picodec/resample.py`) — {resized}; the others run the network at their own level.

| level | bpp | PSNR | PSNR JPEG | MS-SSIM | MS-SSIM JPEG | beats JPEG |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

## Speed ({speed['image']}, level {speed['level']}, {speed['cores']} threads of {speed['cpu']})

| | seconds | peak memory |
|---|---|---|
| encode | {speed['encode']['seconds']:.1f} | {speed['encode']['peak_mb']:.0f} MB |
| decode | {speed['decode']['seconds']:.1f} | {speed['decode']['peak_mb']:.0f} MB |
"""


def written(args: argparse.Namespace, model_id: str, tables: str) -> str:
    """A whole card: the training run's recipe and history, then the measured tables."""
    run = Path(args.run)
    config = json.loads((run / "config.json").read_text())
    log = list(csv.DictReader((run / "log.csv").open()))
    run_steps = int(read_metadata(run / "checkpoint.safetensors")["step"])
    # the log restarts its clock at each resume: add up the last time of every segment
    hours, previous = 0.0, 0.0
    for r in log:
        seconds = float(r["seconds"])
        if seconds < previous:
            hours += previous / 3600
        previous = seconds
    hours += previous / 3600
    cost = json.loads(Path(args.speed).read_text())["model"]
    history = f"- **History**: {args.history}\n" if args.history else ""
    lambdas = ", ".join(f"{v:.4g}" for v in config["lambdas"])
    if config.get("stage", "mse") == "perceptual":
        names = ("w_msssim", "w_tiling", "w_text", "w_gan")
        w = {name: weight_text(config[name]) for name in names}
        objective = (f"stage 2, perceptual fine-tuning of a stage-1 model on 2x2-tile crops: loss = "
                     f"bpp + λ·255²·(MSE + {w['w_msssim']}·(1−MS-SSIM) + {w['w_tiling']}·tiling + "
                     f"{w['w_text']}·text L1 + {w['w_gan']}·GAN), GAN ×{config['text_gan_scale']:g} "
                     "on text")
        if any(isinstance(config[name], list) for name in names):
            objective += f" (a weight in brackets has one value per level, 0 to {len(config['lambdas']) - 1})"
    else:
        objective = "stage 1, rate + MSE (loss = bpp + λ·255²·MSE)"
    card = f"""# picodec model card: `{args.model}`

- **Weights**: `picodec/weights/{args.model}.safetensors`, model id `{model_id}`
  (first 8 bytes of the file's SHA-256, written in every `.pico` header).
- **Objective**: {objective}; {len(config['lambdas'])} quality levels, λ = {lambdas}.
- **Architecture**: see `docs/DESIGN.md`. Encoder {cost['encoder_kmac_per_px']:.1f} kMAC/px,
  {cost['encoder_params_M']:.2f} M parameters; decoder {cost['decoder_kmac_per_px']:.1f} kMAC/px,
  {cost['decoder_params_M']:.2f} M parameters.
- **Training data**: `shared/data/train` — {args.data} (open-source desktop wallpaper
  collections, Urban100, Sun-Hays 80, BSDS500, Flickr-LDL, McMaster, val20, classic test
  images). The images keep their own licences; several sets are for research use only
  (BSDS500, Urban100, Sun-Hays80, Flickr-LDL, McMaster, classic test images). Kodak was
  never trained on, but which of the finished runs ships was decided on its Kodak results
  (docs/DESIGN.md), so the Kodak figures below are not from an untouched test set.
- **Training**: {run_steps + args.steps_before} steps in all on {args.hardware}, about
  {hours + args.hours_before:.1f} h; the last run, {run_steps} steps (about {hours:.1f} h): batch
  {config['batch']} random {config['patch']}x{config['patch']} crops, Adam lr {config['lr']:g}
  (cosine to {config['lr_min']:g} over the last {100 * (1 - config['decay_from']):.0f} %).
{history}- **Status**: undertrained (CPU only). Training continues from these weights
  (`picodec train --init picodec/weights/{args.model}.safetensors`).

{tables}"""
    for extra in args.append:
        card += "\n" + Path(extra).read_text()
    return card


if __name__ == "__main__":
    main()
