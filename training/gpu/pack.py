"""Pack what a stage-2 run on a lent GPU needs into one folder the device tool can carry.

    ../shared/data/train ─┬─ every 3rd photo ─► JPEG, long side ≤ 576 ─► .gpu/data/
                          └─ detector masks (cached in runs/) ─► resized ─► .gpu/masks/
    system fonts ─► up to 16 small ones ─► .gpu/fonts/
    PyPI ─► wheels the device lacks (constriction, for Python 3.12) ─► .gpu/whl/

What travels with a device call is capped at 64 MiB with the repository, so the photos are
shrunk and, if they still do not fit (``--budget``, or less where the repository with the
weights ``keep.py`` stores in it leaves less), the ones with detected text are kept
first. The mask cache is keyed by file content (train.text.mask_key), so the packed masks
are found wherever the folder lands. Run it from the repository root; training/gpu/run.sh
uses the result on the device.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from picodec.train.data import list_images
from picodec.train.text import detected_masks, installed_fonts, mask_key, store_masks

WHEELS = ["constriction==0.5.0"]
MIB = 1 << 20
TRAVEL_LIMIT = 64 * MIB  # what one device call carries, the repository included
MARGIN = 1 * MIB  # for files added to the repository between packing and the call


def shrunk(image: Image.Image, side: int, short_min: int) -> tuple[int, int]:
    """The size with the long side at most ``side`` and the short side at least ``short_min``."""
    w, h = image.size
    scale = min(1.0, side / max(w, h))
    scale = max(scale, min(1.0, short_min / min(w, h)))
    return round(w * scale), round(h * scale)


def jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, subsampling=0)
    return buffer.getvalue()


def pack_photos(paths: list[Path], out: Path, side: int, quality: int, budget: int,
                mask_cache: Path) -> tuple[int, int, int]:
    """Write the shrunk photos and their masks; returns (photos, with text, bytes)."""
    images = [np.asarray(Image.open(p).convert("RGB")) for p in paths]
    masks = detected_masks(paths, images, mask_cache)
    order = sorted(range(len(paths)), key=lambda i: masks[i] is None)  # text first, stable
    (out / "data").mkdir(parents=True)
    packed: dict[str, np.ndarray | None] = {}
    used = 0
    for i in order:
        photo = Image.fromarray(images[i])
        size = shrunk(photo, side, 256)
        data = jpeg(photo.resize(size, Image.Resampling.LANCZOS), quality)
        if used + len(data) > budget:
            continue
        target = out / "data" / f"{paths[i].stem}.jpg"
        target.write_bytes(data)
        used += len(data)
        mask = masks[i]
        if mask is not None:  # BOX keeps every text pixel's footprint
            small = Image.fromarray(mask.astype(np.uint8) * 255).resize(size, Image.Resampling.BOX)
            mask = np.asarray(small) > 0
        packed[mask_key(target)] = mask
    store_masks(out / "masks", packed)
    return len(packed), sum(m is not None for m in packed.values()), used


def pack_fonts(out: Path, count: int, largest: int = 200 << 10) -> int:
    """Copy up to ``count`` installed fonts, spread over the small ones (Debian's
    Liberation family: sans, serif, mono and narrow, each regular, bold and italic)."""
    fonts = [f for f in installed_fonts() if f.stat().st_size < largest]
    picked = fonts[:: max(1, len(fonts) // count)][:count]
    (out / "fonts").mkdir(parents=True)
    for font in picked:
        shutil.copyfile(font, out / "fonts" / font.name)
    return len(picked)


def pack_wheels(out: Path) -> None:
    """Wheels for the device's Python 3.12 (it has torch, numpy, Pillow and safetensors)."""
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                    "--only-binary=:all:", "--python-version", "3.12", "--implementation", "cp",
                    "--platform", "manylinux_2_17_x86_64", "--platform", "manylinux2014_x86_64",
                    "-d", str(out / "whl"), *WHEELS], check=True)


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def tree_bytes() -> int:
    """What of the repository travels with a call: tracked files and untracked ones git does
    not ignore (the weights keep.py stores among them)."""
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, check=True).stdout.decode()
    return sum(p.stat().st_size for p in map(Path, listing.split("\0")) if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="../shared/data/train")
    parser.add_argument("--out", default=".gpu")
    parser.add_argument("--every", type=int, default=3, help="take every Nth photo")
    parser.add_argument("--side", type=int, default=576, help="long side at most (px)")
    parser.add_argument("--quality", type=int, default=87, help="JPEG quality (4:4:4)")
    parser.add_argument("--budget", type=float, default=24,
                        help="MiB of photos at most (less where the call's 64 MiB leave less)")
    parser.add_argument("--fonts", type=int, default=16)
    parser.add_argument("--mask-cache", default="runs/text-masks")
    args = parser.parse_args()

    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    fonts = pack_fonts(out, args.fonts)
    pack_wheels(out)
    tree = tree_bytes()
    budget = min(int(args.budget * MIB), TRAVEL_LIMIT - MARGIN - tree - folder_bytes(out))
    paths = list_images(args.data)[:: args.every]
    photos, with_text, used = pack_photos(paths, out, args.side, args.quality, budget,
                                          Path(args.mask_cache))
    print(f"{out}: {photos} of {len(paths)} photos ({with_text} with detected text, "
          f"{used / MIB:.1f} MiB), {fonts} fonts, {folder_bytes(out) / MIB:.1f} MiB in all; "
          f"with the repository {(tree + folder_bytes(out)) / MIB:.1f} of 64 MiB")


if __name__ == "__main__":
    main()
