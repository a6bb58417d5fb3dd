"""Orientation, EXIF and XMP: what a photo says about itself travels with it, as cjxl and
avifenc keep it.

    input image ─► upright (EXIF orientation applied) ─► EXIF tags, less the image-structure
              │                                          ones ─► TIFF stream ─► .pico "exif"
              └─► XMP packet (its orientation cleared) ──────────────────────► .pico "xmp"

    .pico ─► image.info["exif"] (with Pillow's "Exif\\0\\0" prefix), image.info["xmp"]
          ─► written into PNG (eXIf, iTXt), JPEG (APP1), WebP and TIFF outputs

The EXIF orientation is applied to the pixels (a .pico has no orientation field, so the
decoded image stands the right way up everywhere) and the Orientation tag dropped (a viewer
would turn them again), and with it the tags that describe a file's own pixel layout (size, strips,
compression...): they belong to the file written, not to the photo. What stays is the
photo's: camera, lens, exposure, capture time, GPS position, copyright. Pillow writes the
EXIF stream again from its tags, so the embedded thumbnail (IFD1) is not kept, and a maker
note that points outside itself may no longer be readable by other tools. EXIF that
Pillow cannot parse is dropped with a warning; it never stops a photo from being coded.
"""

from __future__ import annotations

import struct
import warnings
from typing import NamedTuple

from PIL import ExifTags, Image, ImageOps, PngImagePlugin

from picodec.errors import PicodecError

EXIF_PREFIX = b"Exif\x00\x00"  # how JPEG (and Pillow's info["exif"]) frame a TIFF stream
_DIRECTORIES = frozenset(ExifTags.IFD)  # tags that point to a sub-directory
_LAYOUT_TAGS = frozenset(getattr(ExifTags.Base, name) for name in (
    "NewSubfileType", "SubfileType", "ImageWidth", "ImageLength", "BitsPerSample", "Compression",
    "PhotometricInterpretation", "FillOrder", "StripOffsets", "Orientation", "SamplesPerPixel",
    "RowsPerStrip", "StripByteCounts", "PlanarConfiguration", "TransferFunction", "Predictor",
    "ColorMap", "TileWidth", "TileLength", "TileOffsets", "TileByteCounts", "ExtraSamples",
    "SampleFormat", "JpegIFOffset", "JpegIFByteCount", "YCbCrCoefficients", "YCbCrSubSampling",
    "YCbCrPositioning", "XMLPacket", "InterColorProfile"))  # XMP and ICC travel on their own


class Metadata(NamedTuple):
    """A photo's metadata as stored: an EXIF TIFF stream and an XMP packet (either empty)."""

    exif: bytes = b""
    xmp: bytes = b""


NO_METADATA = Metadata()


_UNPARSEABLE = (SyntaxError, ValueError, OSError, struct.error)  # what Pillow raises on bad EXIF


def exif_of(image: Image.Image) -> Image.Exif:
    """``image.getexif()``, or no tags (with a warning) where its EXIF cannot be parsed."""
    try:
        return image.getexif()
    except _UNPARSEABLE as err:
        warnings.warn(f"unreadable EXIF ignored ({err})", stacklevel=4)
        return Image.Exif()


def _parsed(exif: bytes) -> Image.Exif | None:
    """The tags of an EXIF stream, its Exif and GPS directories read; None where it cannot
    be parsed (a crafted file)."""
    tags = Image.Exif()
    try:
        tags.load(exif)
        for directory in (ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo):
            tags.get_ifd(directory)
    except _UNPARSEABLE:
        return None
    return tags


def upright(image: Image.Image) -> Image.Image:
    """The image turned by its EXIF orientation (the same image when it has none)."""
    if exif_of(image).get(ExifTags.Base.Orientation, 1) == 1:
        return image
    return ImageOps.exif_transpose(image)


def read_metadata(image: Image.Image, keep_exif: bool = True, keep_xmp: bool = True) -> Metadata:
    """The metadata of an upright image (``upright``) to store with it."""
    return Metadata(_exif_to_store(image) if keep_exif else b"", _xmp_to_store(image) if keep_xmp else b"")


def _exif_to_store(image: Image.Image) -> bytes:
    exif = exif_of(image)
    for tag in _LAYOUT_TAGS & exif.keys():
        del exif[tag]
    return exif.tobytes().removeprefix(EXIF_PREFIX) if len(exif) else b""


def _xmp_to_store(image: Image.Image) -> bytes:
    xmp = image.info.get("xmp") or b""
    return xmp.encode() if isinstance(xmp, str) else xmp


def exif_tag_names(exif: bytes) -> list[str]:
    """The names of the tags in a stored EXIF stream (its first, Exif and GPS directories),
    e.g. ["Make", "DateTimeOriginal", "GPSLatitude"]: what ``picodec info`` shows."""
    tags = _parsed(exif)
    if tags is None:
        raise PicodecError("corrupt .pico file (EXIF block unreadable)")
    names = [ExifTags.TAGS.get(tag, hex(tag)) for tag in tags if tag not in _DIRECTORIES]
    names += [ExifTags.TAGS.get(tag, hex(tag)) for tag in tags.get_ifd(ExifTags.IFD.Exif)]
    names += [ExifTags.GPSTAGS.get(tag, hex(tag)) for tag in tags.get_ifd(ExifTags.IFD.GPSInfo)]
    return names


def attach_metadata(image: Image.Image, metadata: Metadata) -> None:
    """Put stored metadata where Pillow keeps it: ``info["exif"]``, ``info["xmp"]``."""
    if metadata.exif:
        image.info["exif"] = EXIF_PREFIX + metadata.exif
    if metadata.xmp:
        image.info["xmp"] = metadata.xmp


_JPEG_SEGMENT = 65_533  # the most bytes one JPEG marker segment holds (Pillow refuses more)
_JPEG_XMP_NAMESPACE = 29  # b"http://ns.adobe.com/xap/1.0/\0" opens an XMP segment
_TIFF_XMP_TAG = 700


def metadata_save_options(image: Image.Image, fmt: str) -> dict[str, object]:
    """Pillow's options to write ``image``'s EXIF and XMP into a ``fmt`` file; what that
    format cannot hold is dropped with a warning."""
    exif, xmp = image.info.get("exif", b""), image.info.get("xmp", b"")
    fits = {"PNG": (True, True), "WEBP": (True, True), "TIFF": (True, True),
            "JPEG": (len(exif) <= _JPEG_SEGMENT, len(xmp) <= _JPEG_SEGMENT - _JPEG_XMP_NAMESPACE)}
    exif_fits, xmp_fits = fits.get(fmt, (False, False))
    for blob, fit, what in ((exif, exif_fits, "EXIF"), (xmp, xmp_fits, "XMP")):
        if blob and not fit:
            warnings.warn(f"{fmt} cannot carry this image's {what} ({len(blob):,} bytes); "
                          "it is dropped", stacklevel=5)
    exif, xmp = (exif if exif_fits else b""), (xmp if xmp_fits else b"")
    if fmt == "TIFF":  # both are tags of the file's own first directory
        tags = _parsed(exif) or Image.Exif()
        if xmp:
            tags[_TIFF_XMP_TAG] = xmp
        return {"exif": tags} if len(tags) else {}
    options: dict[str, object] = {"exif": exif} if exif else {}
    if xmp and fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_itxt("XML:com.adobe.xmp", xmp)
        options["pnginfo"] = text
    elif xmp:
        options["xmp"] = xmp
    return options
