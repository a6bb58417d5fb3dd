"""The ``.pico`` file format. Knows nothing of torch or of the model.

    ┌──────────────────────────── header (HEADER_FIELDS, big-endian) ─┐
    │ magic "PICO" │ version │ model id │ width │ height │ channels │ …│
    ├──────────────────────────────────────────────────────────────────┤
    │ per tile: payload length (u32), CRC32 of payload (u32)           │
    │ CRC32 of everything above (u32)                                  │
    ├──────────────────────────────────────────────────────────────────┤
    │ tile payloads, in raster order                                   │
    └──────────────────────────────────────────────────────────────────┘

Every header field is declared once below (name, struct code, allowed range); ``pack`` and
``unpack`` are the only writer and reader. Any change to the layout bumps FORMAT_VERSION.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import asdict, dataclass

from picodec.errors import PicodecError

MAGIC = b"PICO"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Field:
    name: str
    code: str            # struct format code
    lo: int | None = None
    hi: int | None = None


HEADER_FIELDS = (
    Field("magic", "4s"),
    Field("version", "B", 1, 255),
    Field("model_id", "8s"),
    Field("width", "I", 1, 1 << 20),
    Field("height", "I", 1, 1 << 20),
    Field("channels", "B", 1, 3),        # 1: grayscale output, 3: RGB
    Field("bit_depth", "B", 8, 8),
    Field("level", "B", 0, 255),
    Field("tile", "H", 64, 4096),
    Field("margin", "B", 0, 64),
)
_HEADER = struct.Struct(">" + "".join(f.code for f in HEADER_FIELDS))
_TILE_ENTRY = struct.Struct(">II")
_CRC = struct.Struct(">I")


@dataclass(frozen=True)
class Header:
    """The decoded header of a ``.pico`` file."""

    model_id: bytes
    width: int
    height: int
    channels: int
    level: int
    tile: int
    margin: int
    bit_depth: int = 8
    version: int = FORMAT_VERSION

    @property
    def grid(self) -> tuple[int, int]:
        """(rows, columns) of tiles."""
        return -(-self.height // self.tile), -(-self.width // self.tile)

    def as_dict(self) -> dict[str, object]:
        fields = asdict(self)
        fields["model_id"] = self.model_id.hex()
        fields["tiles"] = self.grid[0] * self.grid[1]
        return fields


def _check_ranges(values: dict[str, object]) -> None:
    """Every numeric header field must lie in its declared range."""
    for field in HEADER_FIELDS:
        value = values[field.name]
        if field.lo is not None and not field.lo <= int(value) <= int(field.hi):  # type: ignore[arg-type, call-overload]
            raise PicodecError(f"header field {field.name}={value} outside [{field.lo}, {field.hi}]")


def pack(header: Header, payloads: list[bytes]) -> bytes:
    """Serialise a header and its tile payloads into one ``.pico`` byte string."""
    rows, cols = header.grid
    if len(payloads) != rows * cols:
        raise PicodecError(f"{len(payloads)} payloads for a {rows}x{cols} tile grid")
    values = {**asdict(header), "magic": MAGIC}
    _check_ranges(values)
    head = _HEADER.pack(*(values[f.name] for f in HEADER_FIELDS))
    head += b"".join(_TILE_ENTRY.pack(len(p), zlib.crc32(p)) for p in payloads)
    return head + _CRC.pack(zlib.crc32(head)) + b"".join(payloads)


def unpack_header(data: bytes) -> tuple[Header, list[tuple[int, int]], int]:
    """Read and validate the header: (header, [(length, crc)] per tile, payload offset)."""
    if data[:4] != MAGIC:
        raise PicodecError("not a .pico file (bad magic bytes)")
    if len(data) < _HEADER.size:
        raise PicodecError("truncated .pico file (header cut short)")
    values = dict(zip((f.name for f in HEADER_FIELDS), _HEADER.unpack_from(data), strict=True))
    if values["version"] != FORMAT_VERSION:
        raise PicodecError(f"unsupported .pico format version {values['version']} "
                           f"(this picodec reads version {FORMAT_VERSION})")
    _check_ranges(values)
    del values["magic"]
    header = Header(**values)
    n_tiles = header.grid[0] * header.grid[1]
    table_end = _HEADER.size + n_tiles * _TILE_ENTRY.size
    if len(data) < table_end + _CRC.size:
        raise PicodecError("truncated .pico file (header cut short)")
    (crc,) = _CRC.unpack_from(data, table_end)
    if zlib.crc32(data[:table_end]) != crc:
        raise PicodecError("corrupt .pico file (header checksum mismatch)")
    entries = [_TILE_ENTRY.unpack_from(data, _HEADER.size + i * _TILE_ENTRY.size)
               for i in range(n_tiles)]
    offset = table_end + _CRC.size
    if len(data) < offset + sum(length for length, _ in entries):
        raise PicodecError("truncated .pico file (tile data cut short)")
    return header, entries, offset


def unpack(data: bytes) -> tuple[Header, list[bytes]]:
    """Read a ``.pico`` byte string; every tile's checksum is verified."""
    header, entries, offset = unpack_header(data)
    payloads = []
    for i, (length, crc) in enumerate(entries):
        payload = data[offset:offset + length]
        if zlib.crc32(payload) != crc:
            raise PicodecError(f"corrupt .pico file (tile {i} checksum mismatch)")
        payloads.append(payload)
        offset += length
    if offset != len(data):
        raise PicodecError(f"corrupt .pico file ({len(data) - offset} unexpected trailing bytes)")
    return header, payloads
