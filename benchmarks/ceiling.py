"""What bits could still buy at each level, and what a model's transforms cap.

    python benchmarks/ceiling.py runs/text-set --metric text_mae --out docs/results/text-ceiling-textset.md
    python benchmarks/ceiling.py ../shared/data/kodak --metric psnr --out docs/results/psnr-ceiling-kodak.md

Per level, over the images (each cropped to multiples of 64 and coded as one tile; with
``text_mae``, those where the detector finds text):

    coded        the metric of the real file                    (the bits the level spends)
    unquantised  the same analysis and synthesis with ŷ = y     (infinite bits)
    JPEG         JPEG (Pillow, 4:2:0) at the coded file's bpp, per image

The gap between coded and unquantised is all that any allocation of bits could win at that
level, including one a loss such as the TextFidelityLoss teaches the encoder; the rest
takes better transforms. JPEG at the same bpp shows that the rest is within a codec's reach.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

import picodec
from picodec import weights
from picodec.eval.artifacts import text_mae, text_mask
from picodec.eval.codecs import PillowJpeg
from picodec.eval.metrics import psnr
from picodec.eval.rd import at_equal_rate, load_rgb
from picodec.model.runtime import CodecModel

Metric = Callable[[np.ndarray, np.ndarray], float | None]


def unquantised(codec: CodecModel, rgb: np.ndarray, level: int) -> np.ndarray:
    """Analysis then synthesis with no quantisation between them, as uint8 [H, W, 3]."""
    x = torch.from_numpy(rgb.copy()).permute(2, 0, 1)[None].to(codec.dtype) / 255
    lv = torch.tensor([level])
    with torch.no_grad():
        y, _ = codec.net.encode_latents(x, lv)
        x_hat = codec.net.reconstruct(y, lv)[0].clamp(0, 1)
    return torch.round(x_hat * 255).to(torch.uint8).permute(1, 2, 0).numpy()


def metric_for(name: str, rgb: np.ndarray) -> Metric | None:
    """The metric against ``rgb``; None where it has nothing to measure (no text)."""
    if name == "psnr":
        return psnr
    mask = text_mask(rgb)
    return (lambda a, b: text_mae(a, b, mask)) if mask.any() else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", help="a folder of PNGs")
    parser.add_argument("--metric", choices=("text_mae", "psnr"), default="text_mae")
    parser.add_argument("--model", default="mse")
    parser.add_argument("--levels", default="0,1,2,3,4,5,6,7")
    parser.add_argument("--out", help="write the table here too (Markdown)")
    args = parser.parse_args(argv)
    codec = weights.load(args.model)
    jpeg = PillowJpeg()
    ours: list[dict[str, object]] = []
    free: dict[int, list[float]] = {}
    anchor: list[dict[str, object]] = []
    for path in sorted(Path(args.images).glob("*.png")):
        rgb = load_rgb(path)
        rgb = np.ascontiguousarray(rgb[:rgb.shape[0] // 64 * 64, :rgb.shape[1] // 64 * 64])
        metric = metric_for(args.metric, rgb) if rgb.size else None
        if metric is None:
            continue
        pixels = rgb.shape[0] * rgb.shape[1]
        for level in map(int, args.levels.split(",")):
            data = picodec.encode(rgb, level=level, model=codec, tile=max(rgb.shape[:2]))
            decoded = np.asarray(picodec.decode(data, model=codec))
            ours.append({"image": path.name, "point": level, "bpp": 8 * len(data) / pixels,
                         args.metric: metric(rgb, decoded)})
            free.setdefault(level, []).append(metric(rgb, unquantised(codec, rgb, level)))
        for quality in jpeg.points:
            data = jpeg.encode(rgb, quality)
            anchor.append({"image": path.name, "point": quality, "bpp": 8 * len(data) / pixels,
                           args.metric: metric(rgb, jpeg.decode(data))})
    table = at_equal_rate(ours, anchor, args.metric)
    gain = "dB bits could add" if args.metric == "psnr" else "bits could remove"
    lines = [f"`{args.model}` ({codec.id.hex()}), {args.metric} on {Path(args.images).name}: "
             f"{len({r['image'] for r in ours})} images",
             "", f"| level | bpp | coded | unquantised | {gain} | JPEG at that bpp |",
             "|---|---|---|---|---|---|"]
    for level, row in table.items():
        coded = float(np.mean([r[args.metric] for r in ours if r["point"] == level]))  # type: ignore[misc]
        ceiling = float(np.mean(free[level]))
        room = f"{ceiling - coded:+.2f}" if args.metric == "psnr" else f"{(1 - ceiling / coded) * 100:.0f} %"
        lines.append(f"| {level} | {row['bpp']:.3f} | {coded:.4g} | {ceiling:.4g} | {room} | "
                     f"{row['anchor']:.4g} ({row['images']}) |")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
