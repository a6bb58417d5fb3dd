"""Reading images into 8-bit RGB arrays and writing them back, atomically.

What happens to unusual inputs:
- grayscale (L, 1-bit, 16-bit gray) is coded as RGB and decoded back to grayscale;
- an alpha channel is dropped (picodec codes colour only) with a warning;
- 16-bit samples are rounded to 8 bits with a warning;
- palette, CMYK and other modes are converted to RGB.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, UnidentifiedImageError

from picodec.errors import PicodecError

MAX_PIXELS = 100_000_000
OUTPUT_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP",
                  ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP"}
ImageLike = Image.Image | np.ndarray | str | os.PathLike | BinaryIO


def _from_pil(image: Image.Image) -> tuple[np.ndarray, int]:
    if image.width * image.height == 0:
        raise PicodecError("image has zero size")
    if image.width * image.height > MAX_PIXELS:
        raise PicodecError(f"image too large: {image.width}x{image.height} "
                           f"(at most {MAX_PIXELS:,} pixels)")
    mode = image.mode
    if "A" in mode or (mode == "P" and "transparency" in image.info):
        warnings.warn("alpha channel dropped: picodec codes colour only", stacklevel=3)
    if mode.startswith("I;16") or mode in ("I", "F"):
        warnings.warn(f"{mode} samples converted to 8 bits", stacklevel=3)
        wide = np.asarray(image, dtype=np.float64)
        scale = 255 / 65535 if wide.max() > 255 or mode.startswith("I;16") else 1.0
        gray = np.clip(np.round(wide * scale), 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2), 1
    if mode in ("1", "L", "LA"):
        gray = np.asarray(image.convert("L"))
        return np.repeat(gray[..., None], 3, axis=2), 1
    return np.asarray(image.convert("RGB")), 3


def load(source: ImageLike) -> tuple[np.ndarray, int]:
    """Any supported input -> (uint8 [H, W, 3] array, channels to restore: 1 or 3)."""
    if isinstance(source, Image.Image):
        return _from_pil(source)
    if isinstance(source, np.ndarray):
        return _from_array(source)
    name = source if isinstance(source, (str, os.PathLike)) else "the input"
    try:
        with Image.open(source) as image:
            image.load()
            return _from_pil(image)
    except FileNotFoundError as err:
        raise PicodecError(f"cannot read {name}: no such file") from err
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as err:
        raise PicodecError(f"cannot read {name}: not a readable image ({err})") from err


def _from_array(array: np.ndarray) -> tuple[np.ndarray, int]:
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise PicodecError(f"array of shape {array.shape} is not an image (H x W x 1/3/4)")
    if array.size == 0:
        raise PicodecError("image has zero size")
    if array.dtype == np.uint16:
        warnings.warn("16-bit samples converted to 8 bits", stacklevel=3)
        array = np.round(array / 257.0)
    elif array.dtype.kind == "f":
        array = np.round(np.clip(array, 0, 1) * 255)
    elif array.dtype != np.uint8:
        raise PicodecError(f"unsupported array dtype {array.dtype}")
    array = array.astype(np.uint8)
    if array.shape[0] * array.shape[1] > MAX_PIXELS:
        raise PicodecError(f"image too large ({array.shape[1]}x{array.shape[0]})")
    if array.shape[2] == 4:
        warnings.warn("alpha channel dropped: picodec codes colour only", stacklevel=3)
        array = array[..., :3]
    if array.shape[2] == 1:
        return np.repeat(array, 3, axis=2), 1
    return np.ascontiguousarray(array), 3


def to_pil(rgb: np.ndarray, channels: int) -> Image.Image:
    image = Image.fromarray(rgb, "RGB")
    return image.convert("L") if channels == 1 else image


def write_atomic(path: str | os.PathLike, data: bytes | Image.Image, force: bool = False) -> None:
    """Write bytes or an image (format from the extension) via a temporary file + rename."""
    path = Path(path)
    if path.exists() and not force:
        raise PicodecError(f"{path} exists (use --force to overwrite)")
    if isinstance(data, Image.Image):
        fmt = OUTPUT_FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise PicodecError(f"unknown output format '{path.suffix}' "
                               f"(use one of {', '.join(OUTPUT_FORMATS)})")
    if not path.parent.exists():
        raise PicodecError(f"cannot write {path}: folder does not exist")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if isinstance(data, Image.Image):
                options = {"quality": 95} if fmt in ("JPEG", "WEBP") else {}
                if fmt == "WEBP":
                    options = {"lossless": True}
                data.save(f, format=fmt, **options)
            else:
                f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
