"""Text for the TextFidelityLoss: real text found by a detector, and text painted onto crops.

Photos rarely carry text, so stage 2 paints some onto a share of its crops: a block of
random words in a random installed font (8–28 px), colour and placement, either straight on
the photo or on a solid label. The mask is the box of every painted line, grown by the
same margin the detector's boxes get. Real text in the training photos is found once by the
PP-OCRv4 detector (eval.artifacts.text_mask) and cached as PNG masks.
"""

from __future__ import annotations

import hashlib
import json
import os
import string
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from picodec.eval.artifacts import MASK_VERSION, TEXT_DILATE

FONT_ROOT = Path("/usr/share/fonts")
GLYPHS = string.ascii_letters + string.digits + ".,:;!?%&()-/@#"


def installed_fonts(root: Path = FONT_ROOT) -> list[Path]:
    """TrueType/OpenType fonts of the system (Debian font packages)."""
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in (".ttf", ".otf"))


class TextPainter:
    """Paints random text blocks onto uint8 crops [H, W, 3] and returns their masks."""

    def __init__(self, seed: int, fonts: list[Path] | None = None) -> None:
        self.fonts = installed_fonts() if fonts is None else fonts
        self.rng = np.random.default_rng(seed)

    def _font(self, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        if not self.fonts:
            return ImageFont.load_default(size)
        return ImageFont.truetype(str(self.fonts[self.rng.integers(len(self.fonts))]), size)

    def _words(self, count: int) -> str:
        r = self.rng
        words = ("".join(r.choice(list(GLYPHS), size=int(r.integers(1, 10)))) for _ in range(count))
        return " ".join(words)

    def paint(self, crop: np.ndarray, size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(crop with text, bool mask [H, W] of the text lines); ``size`` in pixels, random
        (8–28) when not given."""
        r = self.rng
        h, w = crop.shape[:2]
        size = size or int(r.integers(8, 29))
        font = self._font(size)
        lines = int(r.integers(1, 6))
        x0, y0 = int(r.integers(0, w // 2)), int(r.integers(0, h // 2))
        image = Image.fromarray(crop)
        draw = ImageDraw.Draw(image)
        texts = [self._words(int(r.integers(2, 8))) for _ in range(lines)]
        step = int(size * 1.3)
        if r.random() < 0.5:  # a solid label behind the text
            background = r.integers(0, 256, 3)
            draw.rectangle((x0 - 4, y0 - 4, w, y0 + lines * step + 4), fill=tuple(map(int, background)))
        else:
            background = crop[y0:y0 + lines * step, x0:].reshape(-1, 3).mean(axis=0)
        ink = r.integers(0, 256, 3)
        if abs(_luma(ink) - _luma(background)) < 80:  # keep it legible: flip to the far side
            ink = np.full(3, 0 if _luma(background) > 127 else 255)
        mask = Image.new("L", (w, h), 0)
        boxes = ImageDraw.Draw(mask)
        for i, text in enumerate(texts):
            xy = (x0, y0 + i * step)
            draw.text(xy, text, font=font, fill=tuple(map(int, ink)))
            left, top, right, bottom = draw.textbbox(xy, text, font=font)
            boxes.rectangle((left - TEXT_DILATE, top - TEXT_DILATE,
                             right + TEXT_DILATE, bottom + TEXT_DILATE), fill=255)
        return np.asarray(image), np.asarray(mask) > 0


def _luma(rgb: np.ndarray) -> float:
    return float(0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2])


def mask_key(path: Path) -> str:
    """A cached mask's name: the image file's content (so a copied or moved image keeps its
    mask) and the detector's settings."""
    return hashlib.sha256(path.read_bytes() + f"|{MASK_VERSION}".encode()).hexdigest()[:16]


def store_masks(cache: Path, masks: dict[str, np.ndarray | None]) -> dict[str, bool]:
    """Add masks (None: no text) to ``cache`` under their keys, merged with its index;
    returns which of them hold text."""
    cache.mkdir(parents=True, exist_ok=True)
    found = {key: mask is not None and bool(mask.any()) for key, mask in masks.items()}
    for key, mask in masks.items():
        if found[key]:
            Image.fromarray(mask.astype(np.uint8) * 255).save(cache / f"{key}.png")
    index_path = cache / "index.json"
    on_disk = json.loads(index_path.read_text()) if index_path.exists() else {}  # parallel runs
    tmp = index_path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({**on_disk, **found}))
    tmp.replace(index_path)
    return found


def detected_masks(paths: list[Path], images: list[np.ndarray], cache: Path,
                   progress: bool = True) -> list[np.ndarray | None]:
    """The detector's text mask of every image (None where it finds no text), computed once
    and kept in ``cache`` (one PNG per image with text, an index of all; see mask_key)."""
    from picodec.eval.artifacts import text_mask

    index_path = cache / "index.json"
    index: dict[str, bool] = json.loads(index_path.read_text()) if index_path.exists() else {}
    keys = [mask_key(p) for p in paths]
    todo = [i for i, key in enumerate(keys) if key not in index]
    bar = None
    if progress and todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="text masks", unit="image")
    new: dict[str, np.ndarray | None] = {}
    for n, i in enumerate(todo):
        new[keys[i]] = text_mask(images[i])
        if bar is not None:
            bar.update(1)
        if n % 50 == 49 or n == len(todo) - 1:
            index.update(store_masks(cache, new))
            new = {}
    if bar is not None:
        bar.close()
    return [np.asarray(Image.open(cache / f"{key}.png")) > 0 if index[key] else None
            for key in keys]
