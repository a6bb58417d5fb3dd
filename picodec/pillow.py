"""Pillow plugin: once ``picodec`` is imported, Pillow opens and saves ``.pico`` files.

    >>> import picodec
    >>> from PIL import Image
    >>> Image.open("photo.jpg").save("photo.pico", level=4)   # model=, effort=, max_bytes=, keep_icc=, …
    >>> image.save("photo.pico", exif=exif)   # other EXIF (or xmp=) than the image's own
    >>> image = Image.open("photo.pico")   # reads the header only: size, mode, info (icc_profile, exif, xmp)
    >>> image.load()                        # decodes with the model named by the file

    Image.open ─► PicoImageFile._open ─► header: size, mode, info["level"], info["model"]
    image.load ─► PicoDecoder.decode  ─► picodec.decode(whole file) ─► pixels
    image.save ─► _save               ─► picodec.encode(image, level, model) ─► bytes

Errors in a file that starts like a ``.pico`` (truncated, corrupt, unknown version) raise
:class:`picodec.PicodecError` with the same message the command line prints.
"""

from __future__ import annotations

from typing import IO

from PIL import Image, ImageFile

from picodec import codec, container, weights
from picodec.metadata import Metadata, attach_metadata

FORMAT = "PICO"
_SAVE_OPTIONS = ("level", "model", "tile", "max_bytes", "min_quality", "keep_icc", "keep_exif",
                 "keep_xmp", "effort")


def _accept(prefix: bytes) -> bool:
    return prefix[:4] == container.MAGIC


class PicoImageFile(ImageFile.ImageFile):
    """A ``.pico`` file opened by Pillow; the network runs only when pixels are needed."""

    format = FORMAT
    format_description = "picodec learned image"

    def _open(self) -> None:
        assert self.fp is not None
        header, _, _ = container.unpack_header(self.fp.read())
        self._size = (header.width, header.height)
        self._mode = ("L" if header.channels == 1 else "RGB") + ("A" if header.alpha else "")
        self.info["level"] = header.level
        self.info["model"] = weights.name_of(header.model_id)
        if header.icc:
            self.info["icc_profile"] = header.icc
        attach_metadata(self, Metadata(header.exif, header.xmp))
        # a plain tuple, which every Pillow unpacks (ImageFile._Tile is recent and private)
        self.tile = [(FORMAT, (0, 0, *self.size), 0, ())]  # type: ignore[list-item]


class PicoDecoder(ImageFile.PyDecoder):
    """Decodes the whole file at once (its tiles are the codec's business, not Pillow's)."""

    _pulls_fd = True

    def decode(self, buffer: bytes | bytearray | memoryview | Image.SupportsArrayInterface
               ) -> tuple[int, int]:
        assert self.fd is not None
        self.set_as_raw(codec.decode(self.fd.read()).tobytes())
        return -1, 0


def _save(image: Image.Image, fp: IO[bytes], filename: str | bytes) -> None:
    options = {key: image.encoderinfo[key] for key in _SAVE_OPTIONS if key in image.encoderinfo}
    given = {key: image.encoderinfo[key] for key in ("exif", "xmp") if key in image.encoderinfo}
    if given:  # Pillow's way to save other metadata than the image's own
        if isinstance(given.get("exif"), Image.Exif):
            given["exif"] = given["exif"].tobytes()
        image = image.copy()
        image.info.update(given)
    fp.write(codec.encode(image, **options))


def register() -> None:
    """Teach Pillow the ``.pico`` format (done by ``import picodec``)."""
    Image.register_open(FORMAT, PicoImageFile, _accept)
    Image.register_decoder(FORMAT, PicoDecoder)
    Image.register_save(FORMAT, _save)
    Image.register_extension(FORMAT, ".pico")
    Image.register_mime(FORMAT, "image/x-pico")
