"""Codecs under evaluation, behind one interface: real encoders, real files, real decoders.

Every codec turns an 8-bit RGB array into bytes at one point of its quality knob and back;
the rate is always the length of those bytes (container and headers included).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from PIL import Image


class Codec(Protocol):
    name: str
    points: tuple[int, ...]  # the quality knob's values swept, low to high rate

    def encode(self, rgb: np.ndarray, point: int) -> bytes: ...
    def decode(self, data: bytes) -> np.ndarray: ...


@dataclass(frozen=True)
class PillowJpeg:
    """libjpeg(-turbo) through Pillow, 4:2:0 chroma subsampling (Pillow's default)."""

    name: str = "jpeg"
    points: tuple[int, ...] = (5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 95)

    def encode(self, rgb: np.ndarray, point: int) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(rgb).save(buffer, format="JPEG", quality=point, subsampling="4:2:0")
        return buffer.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@dataclass(frozen=True)
class Picodec:
    """picodec with one of its shipped models; the knob is the quality level."""

    model: str = "mse"
    points: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6, 7)

    @property
    def name(self) -> str:
        return f"picodec-{self.model}"

    def encode(self, rgb: np.ndarray, point: int) -> bytes:
        import picodec

        return picodec.encode(rgb, level=point, model=self.model)

    def decode(self, data: bytes) -> np.ndarray:
        import picodec

        return np.asarray(picodec.decode(data).convert("RGB"))
