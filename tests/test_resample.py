"""The quality ladder and the resampling around the network."""

import itertools
from fractions import Fraction

import numpy as np
from PIL import Image

from picodec import resample
from picodec.eval.metrics import psnr
from tests.conftest import photo_like


def test_the_ladder_reuses_middle_model_levels_on_resized_images():
    rungs = [resample.rung(level * 100, 8, 512, 768) for level in range(8)]  # levels in hundredths
    assert rungs[:2] == [(100, Fraction(3, 4)), (200, Fraction(3, 4))]
    assert rungs[2:5] == [(level * 100, 1) for level in range(2, 5)]
    assert rungs[5:] == [(280, Fraction(4, 3)), (360, Fraction(4, 3)), (400, Fraction(4, 3))]
    assert resample.rung(537, 6, 512, 768) == (537, 1)  # models with other level counts are not resampled


def test_between_rungs_the_model_level_rises_along_one_scale():
    assert resample.rung(50, 8, 512, 768) == (150, Fraction(3, 4))
    assert resample.rung(150, 8, 512, 768) == (275, Fraction(3, 4))  # level 1 goes on at its scale to 3.5
    assert resample.rung(250, 8, 512, 768) == (250, 1)
    assert resample.rung(450, 8, 512, 768) == (425, 1)             # level 4 goes on at its scale to 4.5
    assert resample.rung(550, 8, 512, 768) == (320, Fraction(4, 3))  # halfway from 2.8 to 3.6
    assert resample.rung(637, 8, 512, 768) == (375, Fraction(4, 3))  # 3.6 + 0.37 · 0.4, at level 7's scale
    for whole in range(7):
        path = [resample.rung(100 * whole + step, 8, 512, 768) for step in range(1, 100)]
        assert len({scale for _, scale in path}) == 1
        assert all(a[0] <= b[0] for a, b in itertools.pairwise(path))


def test_small_images_are_not_reduced_where_padding_eats_the_saving():
    """The network pads what it codes to multiples of 64: 3/4 of 128x192 pads back to
    128x192, and of 256x384 to 192x320 (62.5 %), against 56 % for a large photo."""
    assert resample.reduction_pays(512, 768, Fraction(3, 4))
    assert resample.reduction_pays(3000, 4000, Fraction(3, 4))
    assert not resample.reduction_pays(128, 192, Fraction(3, 4))
    assert not resample.reduction_pays(256, 384, Fraction(3, 4))
    assert resample.rung(50, 8, 256, 384) == (50, 1)  # the network at the level itself
    assert resample.rung(700, 8, 256, 384) == (400, Fraction(4, 3))  # enlargements stay


def test_coded_size_rounds_and_never_reaches_zero():
    assert resample.coded_size(512, 768, Fraction(3, 2)) == (768, 1152)
    assert resample.coded_size(1, 1, Fraction(5, 4)) == (1, 1)
    assert resample.coded_size(3, 5, Fraction(3, 2)) == (4, 8)  # round half to even


def test_back_projection_makes_the_reduction_invert_the_enlargement():
    image = photo_like(120, 160, seed=9)
    enlarged = resample.to_coded(image, 180, 240)
    assert enlarged.shape == (180, 240, 3) and enlarged.dtype == np.uint8
    plain = np.asarray(Image.fromarray(image).resize((240, 180), resample.LANCZOS))
    back, plain_back = (resample.resize(e, 120, 160) for e in (enlarged, plain))
    assert psnr(image, back) > psnr(image, plain_back) + 5


def test_a_reduction_is_plain_lanczos():
    image = photo_like(120, 160, seed=9)
    reduced = resample.to_coded(image, 90, 120)
    plain = np.asarray(Image.fromarray(image).resize((120, 90), resample.LANCZOS))
    assert reduced.shape == (90, 120, 3) and np.abs(reduced.astype(int) - plain).max() <= 1


def test_strips_resample_as_the_whole_image_does(monkeypatch):
    """Memory follows a strip of rows; the strips join without seams (a few pixels at most
    move by one level, where Pillow's filter positions round differently)."""
    image, coded = photo_like(300, 200, seed=4), photo_like(400, 267)
    steps = ((resample.to_coded, image, 400, 267), (resample.to_coded, image, 225, 150),
             (resample.resize, coded, 300, 200))
    whole = [step(rgb, h, w) for step, rgb, h, w in steps]
    monkeypatch.setattr(resample, "STRIP", 24)
    strips = [step(rgb, h, w) for step, rgb, h, w in steps]
    for a, b in zip(whole, strips, strict=True):
        assert a.shape == b.shape
        difference = np.abs(a.astype(int) - b)
        assert difference.max() <= 1 and (difference > 0).mean() < 1e-3


def test_lanczos_weights_are_pillows_resize():
    plane = np.random.default_rng(0).random((90, 40)).astype(np.float32)
    for size, out in ((90, 67), (90, 120)):
        pillow = np.asarray(Image.fromarray(plane, mode="F").resize((40, out), resample.LANCZOS))
        assert np.abs(resample.lanczos_weights(size, out, 0, out) @ plane - pillow).max() < 1e-5


def test_a_tile_reaches_the_picture_samples_centred_in_its_own():
    rows, weights = resample.onto_picture((64, 128), (60, 132), 200, 150)
    centres = (np.arange(rows.start, rows.stop) + 0.5) * 200 / 150
    assert centres.min() >= 64 and centres.max() < 128 and (rows.start - 1 + 0.5) * 200 / 150 < 64
    assert weights.shape == (rows.stop - rows.start, 72) and np.allclose(weights.sum(axis=1), 1)
    assert np.abs(weights[:, :4]).sum() > 0 and np.abs(weights[:, -4:]).sum() > 0  # into the margins
