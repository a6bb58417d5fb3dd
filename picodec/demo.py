"""``picodec demo``: compress a sample photo at a few levels and report what it cost.

The sample is the public-domain astronaut photo (NASA) that scikit-image ships in its
wheel (``pip install 'picodec[demo]'``); any other image can be passed instead.
"""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path

import numpy as np

from picodec import codec, imageio, weights
from picodec.errors import PicodecError
from picodec.eval.metrics import ms_ssim, psnr


def sample_image() -> Path:
    try:
        path = resources.files("skimage") / "data" / "astronaut.png"
    except ModuleNotFoundError as err:
        raise PicodecError("the demo image comes with scikit-image: "
                           "pip install 'picodec[demo]' (or pass an image)") from err
    return Path(str(path))


def run(image: str | None, out: Path, levels: tuple[float, ...]) -> None:
    source = Path(image) if image else sample_image()
    rgb = imageio.load(source).rgb
    out.mkdir(parents=True, exist_ok=True)
    print(f"{source.name}: {rgb.shape[1]}x{rgb.shape[0]}, default model '{weights.DEFAULT_MODEL}'")
    print(f"{'level':>5} {'bytes':>8} {'bpp':>7} {'PSNR dB':>8} {'MS-SSIM':>8} {'enc s':>6} {'dec s':>6}")
    for level in levels:
        t0 = time.perf_counter()
        data = codec.encode(rgb, level=level)
        t1 = time.perf_counter()
        decoded = np.asarray(codec.decode(data).convert("RGB"))
        t2 = time.perf_counter()
        stem = f"{source.stem}-level{level:g}"  # no with_suffix: "level2.5" has a dot
        imageio.write_atomic(out / f"{stem}.pico", data, force=True)
        imageio.write_atomic(out / f"{stem}.png", imageio.to_pil(decoded, 3), force=True)
        bpp = 8 * len(data) / (rgb.shape[0] * rgb.shape[1])
        print(f"{level:>5g} {len(data):>8} {bpp:>7.3f} {psnr(rgb, decoded):>8.2f} "
              f"{ms_ssim(rgb, decoded):>8.4f} {t1 - t0:>6.2f} {t2 - t1:>6.2f}")
    print(f"files in {out}/")
