"""Rater screening material, made at build time: colour plates and artefact checks.

Colour plates (after Ishihara): a digit drawn with dots whose hues differ from the
background dots along the red–green confusion line at equal lightness, so people with
normal colour vision read the digit and people with a red–green deficiency mostly do not.
The artefact check (pairs with a known answer) is built by study.py from the bench's own
images: a near-lossless version against a heavily compressed one.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

PLATE = 360
FIGURE_COLOURS = ((205, 110, 80), (215, 125, 95), (195, 100, 75))  # orange-red
GROUND_COLOURS = ((130, 160, 80), (145, 170, 95), (120, 150, 75))  # yellow-green


def _digit_mask(digit: int, rng: np.random.Generator) -> np.ndarray:
    mask = Image.new("L", (PLATE, PLATE), 0)
    draw = ImageDraw.Draw(mask)
    font = ImageFont.load_default(size=230)
    box = draw.textbbox((0, 0), str(digit), font=font)
    x = (PLATE - (box[2] - box[0])) // 2 - box[0] + int(rng.integers(-10, 11))
    y = (PLATE - (box[3] - box[1])) // 2 - box[1] + int(rng.integers(-10, 11))
    draw.text((x, y), str(digit), font=font, fill=255, stroke_width=10, stroke_fill=255)
    return np.asarray(mask) > 0


def colour_plate(digit: int, seed: int) -> Image.Image:
    """A dot plate hiding ``digit`` (0–9) in red–green contrast."""
    rng = np.random.default_rng(seed)
    figure = _digit_mask(digit, rng)
    image = Image.new("RGB", (PLATE, PLATE), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    centre = PLATE / 2
    for _ in range(2600):
        x, y = rng.uniform(0, PLATE, 2)
        if (x - centre) ** 2 + (y - centre) ** 2 > (centre - 6) ** 2:
            continue
        r = rng.uniform(3, 7)
        palette = FIGURE_COLOURS if figure[int(y), int(x)] else GROUND_COLOURS
        base = np.array(palette[int(rng.integers(len(palette)))])
        colour = tuple(int(v) for v in np.clip(base + rng.integers(-12, 13), 0, 255))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    return image
