"""Text-region MAE (real PP-OCRv4 detector) and the tile-seam error."""

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from picodec.eval.artifacts import seam_error, seam_excess, text_mae, text_mask
from tests.conftest import photo_like


def test_seam_error_is_zero_without_error_and_grows_with_a_colour_step_at_a_seam():
    image = photo_like(300, 400)
    assert seam_error(image, image, 128) == 0.0
    steps = []
    for size in (2, 8):
        stepped = image.astype(int)
        stepped[:, 256:] += size
        steps.append(seam_error(image, np.clip(stepped, 0, 255).astype(np.uint8), 128))
    assert 0 < steps[0] < steps[1]
    # the same step away from the grid's seams is not counted
    off = image.astype(int)
    off[:, 200:] += 8
    assert seam_error(image, np.clip(off, 0, 255).astype(np.uint8), 128) < steps[1] / 5


def test_seam_excess_counts_only_what_the_seams_add():
    image = photo_like(300, 400)
    # an error pattern that repeats every half tile: seams and halfway lines see the same
    stripes = image.astype(int) + 6 * ((np.arange(400) // 16) % 4 == 0)[None, :, None]
    striped = np.clip(stripes, 0, 255).astype(np.uint8)
    assert seam_error(image, striped, 128) > 0
    assert seam_excess(image, striped, 128) == pytest.approx(0, abs=1e-12)
    # a colour step at a seam shows as excess, the same step halfway between as a deficit
    at_seam, halfway = image.astype(int), image.astype(int)
    at_seam[:, 256:] += 8
    halfway[:, 192:] += 8
    assert seam_excess(image, np.clip(at_seam, 0, 255).astype(np.uint8), 128) > 0.005
    assert seam_excess(image, np.clip(halfway, 0, 255).astype(np.uint8), 128) < -0.005


def test_seam_error_needs_a_seam():
    assert seam_error(photo_like(50, 60), photo_like(50, 60), 128) is None
    assert seam_excess(photo_like(50, 60), photo_like(50, 60), 128) is None


@pytest.fixture(scope="module")
def text_image():
    pytest.importorskip("rapidocr_onnxruntime")
    image = Image.new("RGB", (480, 200), (235, 230, 220))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=28)
    draw.text((20, 30), "Compression keeps text legible", fill=(20, 20, 30), font=font)
    draw.text((20, 110), "picodec 0.1 - 12.5 kB", fill=(120, 10, 10), font=font)
    return np.asarray(image)


def test_the_detector_finds_rendered_text(text_image):
    mask = text_mask(text_image)
    assert 0.05 < mask.mean() < 0.6
    assert mask[40:60, 40:300].mean() > 0.5 and mask[170:, :].mean() == 0


def test_text_mae_measures_only_inside_text(text_image):
    mask = text_mask(text_image)
    assert text_mae(text_image, text_image, mask) == 0.0
    blurred = np.asarray(Image.fromarray(text_image).filter(ImageFilter.GaussianBlur(2)))
    assert text_mae(text_image, blurred, mask) > 0.02
    assert text_mae(text_image, blurred, np.zeros_like(mask)) is None
