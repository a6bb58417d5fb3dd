"""How much of a model's text-region error the bits could remove, and how much is the transforms'.

    python benchmarks/text_ceiling.py runs/text-set --model mse --out docs/results/text-ceiling-textset.md

Per level, over the images where the detector finds text (each cropped to multiples of 64
and coded as one tile):

    coded        text MAE of the real file                      (the bits the level spends)
    unquantised  the same analysis and synthesis with ŷ = y     (infinite bits)
    JPEG         text MAE of JPEG (Pillow, 4:2:0) at the coded file's bpp, per image

The gap between coded and unquantised is all that any allocation of bits could remove at
that level, including the one a TextFidelityLoss teaches the encoder; what is left takes
transforms that render text. JPEG at the same bpp shows that the rest is not out of reach
of a codec.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

import picodec
from picodec import weights
from picodec.eval.artifacts import text_mae, text_mask
from picodec.eval.codecs import PillowJpeg
from picodec.eval.rd import at_equal_rate, load_rgb
from picodec.model.runtime import CodecModel


def unquantised(codec: CodecModel, rgb: np.ndarray, level: int) -> np.ndarray:
    """Analysis then synthesis with no quantisation between them, as uint8 [H, W, 3]."""
    x = torch.from_numpy(rgb.copy()).permute(2, 0, 1)[None].to(codec.dtype) / 255
    lv = torch.tensor([level])
    with torch.no_grad():
        y, _ = codec.net.encode_latents(x, lv)
        x_hat = codec.net.reconstruct(y, lv)[0].clamp(0, 1)
    return torch.round(x_hat * 255).to(torch.uint8).permute(1, 2, 0).numpy()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", help="a folder of PNGs carrying text")
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
        mask = text_mask(rgb)
        if rgb.size == 0 or not mask.any():
            continue
        pixels = rgb.shape[0] * rgb.shape[1]
        for level in map(int, args.levels.split(",")):
            data = picodec.encode(rgb, level=level, model=codec, tile=max(rgb.shape[:2]))
            decoded = np.asarray(picodec.decode(data, model=codec))
            ours.append({"image": path.name, "point": level, "bpp": 8 * len(data) / pixels,
                         "text_mae": text_mae(rgb, decoded, mask)})
            free.setdefault(level, []).append(text_mae(rgb, unquantised(codec, rgb, level), mask))
        for quality in jpeg.points:
            data = jpeg.encode(rgb, quality)
            anchor.append({"image": path.name, "point": quality, "bpp": 8 * len(data) / pixels,
                           "text_mae": text_mae(rgb, jpeg.decode(data), mask)})
    table = at_equal_rate(ours, anchor, "text_mae")
    lines = [f"`{args.model}` ({codec.id.hex()}) on {args.images}: "
             f"{len({r['image'] for r in ours})} images with text",
             "", "| level | bpp | coded | unquantised | bits could remove | JPEG at that bpp |",
             "|---|---|---|---|---|---|"]
    for level, row in table.items():
        coded = float(np.mean([r["text_mae"] for r in ours if r["point"] == level]))  # type: ignore[misc]
        ceiling = float(np.mean(free[level]))
        lines.append(f"| {level} | {row['bpp']:.3f} | {coded:.4f} | {ceiling:.4f} | "
                     f"{(1 - ceiling / coded) * 100:.0f} % | {row['anchor']:.4f} ({row['images']}) |")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
