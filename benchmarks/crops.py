"""Side-by-side crops of several codecs at about the same low rate, from a bench cache.

    python benchmarks/crops.py --cache runs/kodak_full.cache --image kodim23 \\
        --box 64,64,128,128 --bpp 0.15 --out docs/results/crops/kodim23.png

For every codec the point whose real file size is nearest the target bpp is taken; `picodec
bench` keeps the central 256x256 of each decoded image in its cache, and ``--box`` is a region
of that. The crop is shown 2x (nearest neighbour) with the codec, the measured bpp of the
whole file and its SSIMULACRA2 under it. The original comes first.

    +----------+----------+----------+
    | original | codec A  | codec B  |  ...
    +----------+----------+----------+
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

DEFAULT_CODECS = "picodec-perceptual,picodec-mse,avif,jxl,webp,jpeg"
ZOOM = 2
LABEL_HEIGHT = 40
COLUMNS = 4


def nearest_point(cache: Path, codec: str, image: str, bpp: float) -> dict[str, object]:
    """The bench record of ``codec`` on ``image`` whose bpp is nearest ``bpp``."""
    records = [json.loads(p.read_text()) for p in (cache / codec).glob(f"{image}-*.json")]
    if not records:
        raise SystemExit(f"no points of {codec} for {image} in {cache}")
    return min(records, key=lambda r: abs(float(r["bpp"]) - bpp))


def tile(picture: Image.Image, box: tuple[int, int, int, int], label: str) -> Image.Image:
    """One zoomed crop with its label underneath."""
    x, y, w, h = box
    crop = picture.crop((x, y, x + w, y + h)).resize((w * ZOOM, h * ZOOM), Image.NEAREST)
    out = Image.new("RGB", (crop.width, crop.height + LABEL_HEIGHT), "white")
    out.paste(crop, (0, 0))
    ImageDraw.Draw(out).multiline_text((4, crop.height + 3), label, fill="black",
                             font=ImageFont.load_default(size=14))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", required=True, help="a `picodec bench` cache folder")
    parser.add_argument("--image", required=True, help="image name without extension")
    parser.add_argument("--box", default="64,64,128,128",
                        help="x,y,width,height inside the cached central 256x256")
    parser.add_argument("--bpp", type=float, required=True, help="target rate")
    parser.add_argument("--codecs", default=DEFAULT_CODECS)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    cache = Path(args.cache)
    box = tuple(int(v) for v in args.box.split(","))
    if len(box) != 4:
        raise SystemExit("--box takes x,y,width,height")
    tiles = [tile(Image.open(cache / "original" / f"{args.image}.png").convert("RGB"), box,
                  "original")]
    for codec in args.codecs.split(","):
        record = nearest_point(cache, codec, args.image, args.bpp)
        decoded = Image.open(cache / codec / f"{args.image}-{record['point']}.png")
        label = f"{codec}\n{float(record['bpp']):.3f} bpp"
        if "ssimulacra2" in record:
            label += f", SSIMULACRA2 {float(record['ssimulacra2']):.1f}"
        tiles.append(tile(decoded.convert("RGB"), box, label))  # type: ignore[arg-type]
    w, h = tiles[0].size
    rows = -(-len(tiles) // COLUMNS)
    sheet = Image.new("RGB", (min(len(tiles), COLUMNS) * w, rows * h), "white")
    for i, t in enumerate(tiles):
        sheet.paste(t, ((i % COLUMNS) * w, (i // COLUMNS) * h))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)
    print(out)


if __name__ == "__main__":
    main()
