"""Codecs under evaluation, behind one interface: real encoders, real files, real decoders.

Every codec turns an 8-bit RGB array into bytes at one point of its quality knob and back;
the rate is always the length of those bytes (container and headers included).

| name      | encoder (package)                  | settings                          |
|-----------|------------------------------------|-----------------------------------|
| jpeg      | libjpeg-turbo (Pillow)             | 4:2:0, optimised Huffman off      |
| webp      | libwebp (Pillow)                   | method 6, 4:2:0 (lossy WebP)      |
| avif      | libavif + libaom (Pillow)          | speed 6, 4:2:0                    |
| avif-slow | libavif + libaom (Pillow)          | speed 2, 4:2:0 (best effort)      |
| jpegli    | jpegli (pyjpegli), libjpeg decoder | 4:2:0 (its default), an extra JPEG anchor |
| jxl       | libjxl (pillow-jxl-plugin)         | effort 7, XYB                     |
| heic      | libheif + x265 (pillow-heif)       | 4:2:0, x265 preset default        |
| picodec-* | this package, a shipped model      | the quality level                 |
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from PIL import Image, features

from picodec.weights import DEFAULT_MODEL


class Codec(Protocol):
    name: str
    settings: str
    points: tuple[int, ...]  # the quality knob's values swept, low to high rate

    def encode(self, rgb: np.ndarray, point: int) -> bytes: ...
    def decode(self, data: bytes) -> np.ndarray: ...


def _decode_with_pillow(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


@dataclass(frozen=True)
class PillowCodec:
    """Any lossy format Pillow writes, with fixed options and a quality sweep."""

    name: str
    format: str
    settings: str
    points: tuple[int, ...]
    options: dict[str, object] = field(default_factory=dict)

    def encode(self, rgb: np.ndarray, point: int) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(rgb).save(buffer, format=self.format, quality=point, **self.options)
        return buffer.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        return _decode_with_pillow(data)


def PillowJpeg(points: tuple[int, ...] = (1, 3, 5, 10, 20, 30, 50, 70, 90, 95)) -> PillowCodec:
    return PillowCodec("jpeg", "JPEG", "libjpeg-turbo via Pillow, 4:2:0", points,
                       {"subsampling": "4:2:0"})


@dataclass(frozen=True)
class Picodec:
    """picodec with one of its shipped models; the knob is the quality level.

    ``tile`` forces a tile size (default: the encoder's choice), e.g. to put seams into
    small images when measuring tiling artefacts; ``effort`` is the encoder's effort.
    """

    model: str = DEFAULT_MODEL
    points: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6, 7)
    tile: int | None = None
    effort: int = 0

    @property
    def name(self) -> str:
        return (f"picodec-{self.model}" + (f"+e{self.effort}" if self.effort else "")
                + (f"@{self.tile}" if self.tile else ""))

    @property
    def settings(self) -> str:
        tiles = f"tile {self.tile}" if self.tile else "default tiling"
        effort = f", effort {self.effort}" if self.effort else ""
        return f"shipped model '{self.model}', levels {self.points[0]}-{self.points[-1]}, {tiles}{effort}"

    def encode(self, rgb: np.ndarray, point: int) -> bytes:
        import picodec

        return picodec.encode(rgb, level=point, model=self.model, tile=self.tile, effort=self.effort)

    def decode(self, data: bytes) -> np.ndarray:
        import picodec

        return np.asarray(picodec.decode(data).convert("RGB"))


@dataclass(frozen=True)
class Jpegli:
    """Google's jpegli JPEG encoder (pyjpegli); the files are plain JPEGs, decoded by Pillow."""

    name: str = "jpegli"
    settings: str = "jpegli via pyjpegli, 4:2:0 (its default), decoded with libjpeg-turbo"
    points: tuple[int, ...] = (1, 5, 15, 30, 50, 70, 80)

    def encode(self, rgb: np.ndarray, point: int) -> bytes:
        import pyjpegli

        rgb = np.ascontiguousarray(rgb)
        return pyjpegli.encode(rgb.tobytes(), rgb.shape[1], rgb.shape[0], point)

    def decode(self, data: bytes) -> np.ndarray:
        return _decode_with_pillow(data)


def _jpegli() -> Jpegli:
    import pyjpegli  # noqa: F401  (fail early when the package is missing)

    return Jpegli()


def _jxl() -> PillowCodec:
    import pillow_jxl  # noqa: F401  (registers the JXL format with Pillow)

    return PillowCodec("jxl", "JXL", "libjxl via pillow-jxl-plugin, effort 7",
                       (1, 5, 15, 30, 50, 70, 85), {"effort": 7})


def _heic() -> PillowCodec:
    import pillow_heif

    pillow_heif.register_heif_opener()
    return PillowCodec("heic", "HEIF", "x265 via pillow-heif, 4:2:0",
                       (5, 10, 20, 30, 45, 60), {"chroma": 420})


def _avif(speed: int) -> PillowCodec:
    if not features.check("avif"):
        raise ImportError("this Pillow has no AVIF support")
    name = "avif" if speed == 6 else "avif-slow"
    return PillowCodec(name, "AVIF", f"libavif/libaom via Pillow, speed {speed}, 4:2:0",
                       (5, 15, 25, 40, 55, 65, 75), {"speed": speed, "subsampling": "4:2:0"})


FACTORIES: dict[str, Callable[[], Codec]] = {
    "jpeg": PillowJpeg,
    "webp": lambda: PillowCodec("webp", "WEBP", "libwebp via Pillow, method 6, 4:2:0",
                                (0, 5, 15, 30, 50, 70, 85), {"method": 6}),
    "avif": lambda: _avif(6),
    "avif-slow": lambda: _avif(2),
    "jpegli": _jpegli,
    "jxl": _jxl,
    "heic": _heic,
}


def get(name: str) -> Codec:
    """A codec by name: a reference codec above, or ``picodec[-MODEL][+eEFFORT][@TILE]``."""
    if name == "picodec" or name.startswith(("picodec-", "picodec@", "picodec+")):
        spec, _, tile = name.partition("@")
        spec, _, effort = spec.partition("+e")
        return Picodec(spec.partition("-")[2] or DEFAULT_MODEL, tile=int(tile) if tile else None,
                       effort=int(effort) if effort else 0)
    if name not in FACTORIES:
        raise ValueError(f"unknown codec '{name}' (known: picodec, {', '.join(FACTORIES)})")
    return FACTORIES[name]()
