"""Reading images into 8-bit RGB arrays and writing them back, atomically.

What happens to unusual inputs:
- grayscale (L, 1-bit, 16-bit gray) is coded as RGB and decoded back to grayscale;
- transparency (RGBA, LA, a palette's transparent entry) is kept exactly beside the colour
  (``picodec.alpha``) and comes back as RGBA or LA; an opaque alpha channel is not stored;
- 16-bit samples are rounded to 8 bits with a warning;
- palette, CMYK and other modes are converted to RGB;
- of an animation or a multi-page file, the first frame is coded, with a warning;
- a colour profile is kept (``picodec.colour``);
- the EXIF orientation is applied, and EXIF and XMP are kept (``picodec.metadata``).
"""

from __future__ import annotations

import importlib
import os
import tempfile
import warnings
from functools import cache
from pathlib import Path
from typing import BinaryIO, NamedTuple

import numpy as np
from PIL import Image, UnidentifiedImageError

from picodec import colour
from picodec.errors import PicodecError
from picodec.metadata import (
    NO_METADATA,
    Metadata,
    attach_metadata,
    metadata_save_options,
    read_metadata,
    upright,
)

MAX_PIXELS = 100_000_000
OUTPUT_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP",
                  ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP", ".ppm": "PPM", ".pnm": "PPM"}
IMAGE_SUFFIXES = frozenset(OUTPUT_FORMATS)  # the images a folder holds for bench and training
ImageLike = Image.Image | np.ndarray | str | os.PathLike | BinaryIO
_PROFILE_FORMATS = ("PNG", "JPEG", "WEBP", "TIFF")
_ALPHA_FORMATS = ("PNG", "WEBP", "TIFF")


class Pixels(NamedTuple):
    """What the codec takes from an input image."""

    rgb: np.ndarray      # uint8 [H, W, 3]
    channels: int        # to restore on decode: 1 (grayscale) or 3
    icc: bytes = b""     # colour profile to carry; empty means sRGB
    alpha: np.ndarray | None = None  # uint8 [H, W] where the image has transparency
    metadata: Metadata = NO_METADATA  # EXIF and XMP to carry


def check_size(width: int, height: int) -> None:
    """The sizes picodec codes: at least one pixel, at most MAX_PIXELS."""
    if width * height == 0:
        raise PicodecError("image has zero size")
    if width * height > MAX_PIXELS:
        raise PicodecError(f"image too large: {width}x{height} (at most {MAX_PIXELS:,} pixels)")


def _from_pil(image: Image.Image, keep: Keep) -> Pixels:
    check_size(image.width, image.height)
    frames = getattr(image, "n_frames", 1)
    if frames > 1:
        warnings.warn(f"only the first of {frames} frames is coded", stacklevel=3)
    image = upright(image)
    icc = colour.profile_to_keep(image) if keep.icc else b""
    alpha = _alpha_of(image)
    metadata = read_metadata(image, keep.exif, keep.xmp)
    mode = image.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        warnings.warn(f"{mode} samples converted to 8 bits", stacklevel=3)
        wide = np.asarray(image, dtype=np.float64)
        scale = 255 / 65535 if wide.max() > 255 or mode.startswith("I;16") else 1.0
        gray = np.clip(np.round(wide * scale), 0, 255).astype(np.uint8)
        return Pixels(np.repeat(gray[..., None], 3, axis=2), 1, icc, metadata=metadata)
    if mode in ("1", "L", "LA", "La"):
        gray = np.asarray(image.convert("L"))
        return Pixels(np.repeat(gray[..., None], 3, axis=2), 1, icc, alpha, metadata)
    return Pixels(np.asarray(image.convert("RGB")), 3, icc, alpha, metadata)


def _alpha_of(image: Image.Image) -> np.ndarray | None:
    """The image's alpha plane, or None where it has none or it is opaque everywhere."""
    bands = image.getbands()
    if "a" in bands or (image.mode == "P" and "transparency" in image.info):
        image, bands = image.convert("RGBA"), ("R", "G", "B", "A")  # premultiplied or a palette's
    if "A" not in bands:
        return None
    alpha = np.asarray(image.getchannel("A"))
    return None if alpha.min() == 255 else alpha


class Keep(NamedTuple):
    """What of an input's own description to store beside its pixels."""

    icc: bool = True
    exif: bool = True
    xmp: bool = True


KEEP_ALL = Keep()


class _Plugin(NamedTuple):
    """An optional Pillow plugin for an input format."""

    module: str
    register: str         # the module's function that registers it; "" if importing does
    reads: str
    distribution: str
    suffixes: tuple[str, ...]


_PLUGINS = (_Plugin("pillow_heif", "register_heif_opener", "HEIC/HEIF", "pillow-heif",
                    (".heic", ".heif", ".hif")),
            _Plugin("pillow_jxl", "", "JPEG XL", "pillow-jxl-plugin", (".jxl",)))


@cache
def _register_optional_formats() -> dict[str, str]:
    """Teach Pillow the formats whose plugins are installed (``picodec[formats]``): HEIC
    (phone photos) and JPEG XL; Pillow reads AVIF itself. Returns, for each suffix whose
    plugin is missing, what to install."""
    missing: dict[str, str] = {}
    for plugin in _PLUGINS:
        try:
            module = importlib.import_module(plugin.module)
        except ImportError:
            hint = f"{plugin.reads} needs {plugin.distribution} (pip install 'picodec[formats]')"
            missing |= dict.fromkeys(plugin.suffixes, hint)
            continue
        if plugin.register:
            getattr(module, plugin.register)()
    return missing


def load(source: ImageLike, keep: Keep = KEEP_ALL) -> Pixels:
    """Any supported input -> its 8-bit RGB pixels, channel count, colour profile, alpha
    plane and metadata."""
    if isinstance(source, Image.Image):
        return _from_pil(source, keep)
    if isinstance(source, np.ndarray):
        return _from_array(source)
    name = source if isinstance(source, (str, os.PathLike)) else "the input"
    missing = _register_optional_formats()
    try:
        with Image.open(source) as image:
            image.load()
            return _from_pil(image, keep)
    except FileNotFoundError as err:
        raise PicodecError(f"cannot read {name}: no such file") from err
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as err:
        why = missing.get(Path(name).suffix.lower(), f"not a readable image ({err})")
        raise PicodecError(f"cannot read {name}: {why}") from err


def _from_array(array: np.ndarray) -> Pixels:
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise PicodecError(f"array of shape {array.shape} is not an image (H x W x 1/3/4)")
    check_size(array.shape[1], array.shape[0])
    if array.dtype == np.uint16:
        warnings.warn("16-bit samples converted to 8 bits", stacklevel=3)
        array = np.round(array / 257.0)
    elif array.dtype.kind == "f":
        array = np.round(np.clip(array, 0, 1) * 255)
    elif array.dtype != np.uint8:
        raise PicodecError(f"unsupported array dtype {array.dtype}")
    array = array.astype(np.uint8)
    alpha = None
    if array.shape[2] == 4:
        alpha = array[..., 3] if array[..., 3].min() < 255 else None
        array = array[..., :3]
    if array.shape[2] == 1:
        return Pixels(np.repeat(array, 3, axis=2), 1)
    return Pixels(np.ascontiguousarray(array), 3, alpha=alpha)


def to_pil(rgb: np.ndarray, channels: int, icc: bytes = b"", alpha: np.ndarray | None = None,
           metadata: Metadata = NO_METADATA) -> Image.Image:
    image = Image.fromarray(rgb, "RGB")
    image = image.convert("L") if channels == 1 else image
    if alpha is not None:
        image.putalpha(Image.fromarray(alpha, "L"))
    if icc:
        image.info["icc_profile"] = icc
    attach_metadata(image, metadata)
    return image


def _save_options(image: Image.Image, fmt: str) -> dict[str, object]:
    """Near-lossless settings, and the colour profile, EXIF and XMP wherever the format can
    carry them."""
    near_lossless: dict[str, dict[str, object]] = {"JPEG": {"quality": 95},
                                                   "WEBP": {"lossless": True, "exact": True}}
    options = dict(near_lossless.get(fmt, {}))
    options |= metadata_save_options(image, fmt)
    icc = image.info.get("icc_profile")
    if icc and fmt in _PROFILE_FORMATS:
        options["icc_profile"] = icc
    elif icc:
        warnings.warn(f"{fmt} cannot carry the colour profile; it is dropped", stacklevel=4)
    return options


def _without_alpha(image: Image.Image, fmt: str) -> Image.Image:
    """``image`` for a format with no transparency: its colour, with a warning if it had alpha."""
    if "A" not in image.getbands():
        return image
    warnings.warn(f"{fmt} cannot carry the alpha channel; it is dropped", stacklevel=4)
    opaque = image.convert("L" if image.mode == "LA" else "RGB")
    opaque.info.update(image.info)
    return opaque


def save(image: Image.Image, file: BinaryIO, fmt: str) -> None:
    """Write ``image`` as ``fmt`` (a Pillow format name), with as much of its transparency,
    colour profile and metadata as the format can carry."""
    image = _without_alpha(image, fmt) if fmt not in _ALPHA_FORMATS else image
    image.save(file, format=fmt, **_save_options(image, fmt))


def write_atomic(path: str | os.PathLike, data: bytes | Image.Image, force: bool = False) -> None:
    """Write bytes or an image (format from the extension) via a temporary file + rename."""
    path = Path(path)
    if path.exists() and not force:
        raise PicodecError(f"{path} exists (use --force to overwrite)")
    fmt = OUTPUT_FORMATS.get(path.suffix.lower(), "")
    if isinstance(data, Image.Image) and not fmt:
        raise PicodecError(f"unknown output format '{path.suffix}' "
                           f"(use one of {', '.join(OUTPUT_FORMATS)})")
    if not path.parent.exists():
        raise PicodecError(f"cannot write {path}: folder does not exist")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if isinstance(data, Image.Image):
                save(data, f, fmt)
            else:
                f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
