"""Tile grid, margins and stitching (nothing neural)."""

import numpy as np
import pytest

from picodec import tiling


@pytest.mark.parametrize(("h", "w"), [(1, 1), (504, 504), (512, 768), (1009, 1517), (3024, 4032)])
def test_grid_covers_every_pixel_once(h, w):
    count = np.zeros((h, w), dtype=np.int32)
    for t in tiling.grid(h, w):
        count[t.top:t.top + t.height, t.left:t.left + t.width] += 1
        assert t.input_height % 64 == 0 and t.input_width % 64 == 0
        assert t.offset_y + t.height <= t.input_height
    assert (count == 1).all()


def test_full_interior_tiles_are_512_with_a_4_pixel_margin():
    tiles = tiling.grid(3024, 4032)
    assert len(tiles) == 48
    assert all((t.input_height, t.input_width) == (512, 512) for t in tiles)
    inner = tiles[9]
    assert (inner.offset_y, inner.offset_x) == (4, 4)


def test_extract_and_place_reassemble_the_image():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (700, 1100, 3), dtype=np.uint8)
    out = np.zeros_like(image)
    for t in tiling.grid(700, 1100):
        patch = tiling.extract(image, t)
        assert patch.shape == (t.input_height, t.input_width, 3)
        tiling.place(out, patch, t)
    assert np.array_equal(out, image)


def test_margin_comes_from_the_neighbour_and_padding_is_mirrored():
    image = np.arange(20 * 600).reshape(20, 600, 1)
    second = tiling.grid(20, 600)[1]
    patch = tiling.extract(image, second)
    assert np.array_equal(patch[:20, :4, 0], image[:, 500:504, 0])  # left margin: neighbour
    assert np.array_equal(patch[20, :, 0], patch[19, :, 0])          # mirrored below the edge


def test_small_images_get_one_tile():
    assert tiling.choose_tile(512, 768) == 768
    assert tiling.choose_tile(3024, 4032) == tiling.TILE
