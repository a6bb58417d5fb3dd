"""Write the rendered-text evaluation set: Kodak photos with painted text at fixed sizes.

    python benchmarks/text_set.py ../shared/data/kodak docs/results/text-set   (or any folder)

Each photo gets three text blocks of one size, the sizes cycling through SIZES, so the
text-region MAE can be read per size. Deterministic (fixed seeds); the detector finds the
text again when `picodec bench` measures it, as it does for any image.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from picodec.train.text import TextPainter

SIZES = (8, 12, 16, 24)
BLOCKS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photos")
    parser.add_argument("out")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    photos = sorted(Path(args.photos).glob("*.png"))
    for i, path in enumerate(photos):
        painter = TextPainter(seed=i)
        size = SIZES[i % len(SIZES)]
        rgb = np.asarray(Image.open(path).convert("RGB"))
        for _ in range(BLOCKS):
            rgb, _ = painter.paint(rgb.copy(), size=size)
        Image.fromarray(rgb).save(out / f"{path.stem}-text{size}px.png")
    print(f"{len(photos)} images written to {out}")


if __name__ == "__main__":
    main()
