"""The alpha plane's cost: picodec's lossless coding against PNG and lossless WebP.

    python benchmarks/alpha.py

Three synthetic 768x512 masks (a hard cut-out, the same antialiased, the same feathered
with a 6-px blur), each coded by picodec.alpha, by Pillow's PNG (optimize) and by Pillow's
lossless WebP (method 6); then the time to code a feathered 12 MP plane. Prints a
Markdown table (bytes) and the times.
"""

from __future__ import annotations

import io
import time

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from picodec import alpha


def cut_out(width: int, height: int, supersample: int) -> Image.Image:
    """An ellipse and a triangle, drawn ``supersample`` times larger and box-reduced."""
    s = supersample
    big = Image.new("L", (width * s, height * s), 0)
    draw = ImageDraw.Draw(big)
    draw.ellipse((width * s * 0.2, height * s * 0.12, width * s * 0.8, height * s * 0.92), fill=255)
    draw.polygon([(width * s * 0.07, height * s * 0.98), (width * s * 0.4, height * s * 0.6),
                  (width * s * 0.52, height * s)], fill=255)
    return big.resize((width, height), Image.Resampling.BOX) if s > 1 else big


def pillow_bytes(plane: np.ndarray, fmt: str, **options: object) -> int:
    buffer = io.BytesIO()
    Image.fromarray(plane).save(buffer, fmt, **options)
    return len(buffer.getvalue())


def main() -> None:
    masks = {"hard": cut_out(768, 512, 1), "antialiased": cut_out(768, 512, 4)}
    masks["feathered"] = masks["antialiased"].filter(ImageFilter.GaussianBlur(6))
    print("| mask (768x512) | picodec | PNG | WebP lossless |\n|---|---|---|---|")
    for name, mask in masks.items():
        plane = np.asarray(mask)
        print(f"| {name} | {len(alpha.pack(plane))} | {pillow_bytes(plane, 'PNG', optimize=True)} | "
              f"{pillow_bytes(plane, 'WEBP', lossless=True, quality=100, method=6)} |")
    plane = np.asarray(cut_out(4000, 3000, 1).filter(ImageFilter.GaussianBlur(20)))
    start = time.perf_counter()
    blob = alpha.pack(plane)
    coded = time.perf_counter() - start
    start = time.perf_counter()
    alpha.unpack(blob, 4000, 3000)
    print(f"\nfeathered 4000x3000: {len(blob)} bytes, coded in {coded:.2f} s, "
          f"decoded in {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main()
