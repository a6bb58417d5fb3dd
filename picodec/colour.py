"""Colour profiles (ICC): what the pixel numbers of a photo mean.

picodec codes pixel numbers as they are. A file read as sRGB needs nothing more; a photo
in another colour space (a phone's Display P3, Adobe RGB) keeps its look only if its
profile travels with it, as cjxl and avifenc carry it:

    input profile ─┬─ none, or sRGB in all but name ─► nothing stored (sRGB is assumed)
                   ├─ RGB or gray, matching the image ─► stored in the .pico, attached on decode
                   └─ unreadable, or CMYK and others ─► ignored with a warning

A profile counts as sRGB when it maps a 17x17x17 grid of colours (or a gray ramp) to
sRGB within one level: many files carry a 0.5-3 kB copy of sRGB that would cost bytes and
say nothing. Orientation, EXIF and XMP are ``picodec.metadata``'s business.
"""

from __future__ import annotations

import io
import warnings
from functools import cache

import numpy as np
from PIL import Image, ImageCms

RGB_MODES = frozenset({"RGB", "RGBA", "RGBX", "RGBa", "P", "PA"})
GRAY_MODES = frozenset({"1", "L", "LA", "La", "I", "F", "I;16", "I;16B", "I;16L", "I;16N"})


@cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _read_profile(icc: bytes) -> ImageCms.ImageCmsProfile | None:
    try:
        return ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (OSError, ValueError, ImageCms.PyCMSError):
        return None


def _probe(gray: bool) -> np.ndarray:
    """Every colour a profile is tried on: a gray ramp, or a 17-step grid of RGB."""
    if gray:
        return np.arange(256, dtype=np.uint8)[None, :]
    steps = np.linspace(0, 255, 17).round().astype(np.uint8)
    return np.stack(np.meshgrid(steps, steps, steps, indexing="ij"), axis=-1).reshape(1, -1, 3)


def is_srgb(profile: ImageCms.ImageCmsProfile, gray: bool) -> bool:
    """Does ``profile`` map colours to sRGB within one level (i.e. say nothing new)?"""
    probe = _probe(gray)
    image = Image.fromarray(probe, "L" if gray else "RGB")
    try:
        seen = ImageCms.profileToProfile(image, profile, _srgb(), outputMode="RGB")
    except ImageCms.PyCMSError:
        return False
    expected = probe[..., None] if gray else probe
    return int(np.abs(np.asarray(seen, dtype=np.int16) - expected).max()) <= 1


def profile_to_keep(image: Image.Image) -> bytes:
    """The ICC profile to store with ``image``'s pixels; b"" when there is nothing to keep."""
    icc = image.info.get("icc_profile") or b""
    if not icc:
        return b""
    profile = _read_profile(icc)
    if profile is None:
        warnings.warn("unreadable colour profile ignored (pixels read as sRGB)", stacklevel=4)
        return b""
    space = profile.profile.xcolor_space.strip()
    gray = image.mode in GRAY_MODES
    if space != ("GRAY" if gray else "RGB") or not (gray or image.mode in RGB_MODES):
        warnings.warn(f"{space} colour profile of a {image.mode} image ignored", stacklevel=4)
        return b""
    return b"" if is_srgb(profile, gray) else icc


def describe(icc: bytes) -> str:
    """A profile's own name, for ``picodec info``."""
    if not icc:
        return "sRGB (none stored)"
    profile = _read_profile(icc)
    name = (profile.profile.profile_description or "").strip() if profile else ""
    return f"{name or 'unnamed'} ({len(icc)} bytes)"
