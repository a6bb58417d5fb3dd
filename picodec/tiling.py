"""The tile grid: cut an image into independently coded tiles and stitch them back.

    ┌────────┬────────┬───┐   Tiles are TILE x TILE (edge tiles smaller). Each is read with
    │ 504    │ 504    │   │   a MARGIN-pixel border on every side that has a neighbour
    ├────────┼────────┼───┤   (504 + 2·4 = 512), then mirror-padded up to a multiple of 64
    │        │        │   │   for the network. Decoded tiles are cropped back to their own
    └────────┴────────┴───┘   pixels and stitched. Nothing here is neural.

The tile size is the encoder's choice and is written in the header: PICO's 504 for large
images; one tile for images whose longer side is at most SINGLE_TILE_MAX, which codes no
seams and no padding strips.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TILE = 504
MARGIN = 4
ALIGN = 64
SINGLE_TILE_MAX = 1024


def choose_tile(height: int, width: int) -> int:
    """The encoder's default tile size for an image."""
    side = max(height, width)
    return max(side, ALIGN) if side <= SINGLE_TILE_MAX else TILE


def align(n: int) -> int:
    """``n`` rounded up to the network's grid, ``ALIGN``."""
    return -(-n // ALIGN) * ALIGN


@dataclass(frozen=True)
class Tile:
    """A tile's own pixels, and where they sit inside its network input."""

    top: int
    left: int
    height: int
    width: int
    offset_y: int  # margin taken above (0 at the image's top edge)
    offset_x: int
    input_height: int
    input_width: int


def grid(height: int, width: int, tile: int = TILE, margin: int = MARGIN) -> list[Tile]:
    """The tiles covering an image, in raster order."""
    tiles = []
    for top in range(0, height, tile):
        h = min(tile, height - top)
        above = margin if top > 0 else 0
        below = margin if top + h < height else 0
        for left in range(0, width, tile):
            w = min(tile, width - left)
            before = margin if left > 0 else 0
            after = margin if left + w < width else 0
            tiles.append(Tile(top, left, h, w, above, before,
                              align(h + above + below), align(w + before + after)))
    return tiles


def _mirror(index: np.ndarray, size: int) -> np.ndarray:
    """Reflect indices into [0, size), edge pixels repeated (…2 1 0 | 0 1 2 … n−1 | n−1 …)."""
    period = np.mod(index, 2 * size)
    return np.where(period < size, period, 2 * size - 1 - period)


def extract(image: np.ndarray, tile: Tile) -> np.ndarray:
    """The network input of ``tile``: [input_height, input_width, C]."""
    rows = _mirror(np.arange(tile.input_height) + tile.top - tile.offset_y, image.shape[0])
    cols = _mirror(np.arange(tile.input_width) + tile.left - tile.offset_x, image.shape[1])
    return image[rows[:, None], cols[None, :]]


def place(out: np.ndarray, decoded: np.ndarray, tile: Tile) -> None:
    """Crop a decoded network output to the tile's own pixels and write it into ``out``."""
    out[tile.top:tile.top + tile.height, tile.left:tile.left + tile.width] = decoded[
        tile.offset_y:tile.offset_y + tile.height, tile.offset_x:tile.offset_x + tile.width]
