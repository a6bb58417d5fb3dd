"""The ``.pico`` file format. Knows nothing of torch or of the model.

    ┌──────────────────────────── header (HEADER_FIELDS, big-endian) ──┐
    │ magic "PICO" │ version │ model id │ width │ height │ … alpha len │
    ├──────────────────────────────────────────────────────────────────┤
    │ ICC colour profile, zlib-compressed (empty: sRGB)                │
    │ alpha plane, compressed by picodec.alpha (empty: opaque)         │
    │ EXIF (TIFF stream), then XMP packet, each zlib-compressed        │
    │ per tile: payload length (u32), CRC32 of payload (u32)           │
    │ CRC32 of everything above (u32)                                  │
    ├──────────────────────────────────────────────────────────────────┤
    │ tile payloads, in raster order                                   │
    └──────────────────────────────────────────────────────────────────┘

Every header field is declared once below (name, struct code, allowed range); ``pack`` and
``unpack`` are the only writer and reader. Any change to the layout bumps FORMAT_VERSION;
a field records the version that added it, so older files stay readable:

    version 1   (picodec 0.1-0.3)  no colour profile
    version 2   (picodec 0.4)      + ICC length and profile
    version 3   (picodec 0.5)      same header; tile payloads escape-code latent symbols
                                   beyond their table (ESCAPES_SINCE) instead of clamping
    version 4   (picodec 0.7)      + model level and coded size: the tiles code the image
                                   resampled to the coded size (``picodec.resample``)
    version 5   (picodec 0.8)      + alpha length and plane: transparency, kept exactly
    version 6   (picodec 0.9)      + EXIF and XMP lengths and blobs (picodec.metadata)
    version 7   (picodec 0.10)     level and model level in hundredths (picodec.levels), two
                                   bytes each: levels between the trained ones
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import asdict, dataclass, replace
from functools import cache
from typing import Any

from picodec import levels
from picodec.errors import PicodecError

MAGIC = b"PICO"
FORMAT_VERSION = 7
ESCAPES_SINCE = 3
MAX_BLOB = 1 << 24  # the most a profile, EXIF or XMP blob may hold


@dataclass(frozen=True)
class Field:
    name: str
    code: str            # struct format code
    lo: int | None = None
    hi: int | None = None
    since: int = 1       # the format version that added it
    until: int = 255     # the last format version that has it


HEADER_FIELDS = (
    Field("magic", "4s"),
    Field("version", "B", 1, 255),
    Field("model_id", "8s"),
    Field("width", "I", 1, 1 << 20),
    Field("height", "I", 1, 1 << 20),
    Field("channels", "B", 1, 3),        # 1: grayscale output, 3: RGB
    Field("bit_depth", "B", 8, 8),
    Field("level", "B", 0, 255, until=6),          # a whole level
    Field("level_steps", "H", 0, 65535, since=7),  # in hundredths (picodec.levels)
    Field("tile", "H", 64, 4096),
    Field("margin", "B", 0, 64),
    Field("icc_length", "I", 0, MAX_BLOB, since=2),
    Field("model_level", "B", 0, 255, since=4, until=6),  # the level the network is run at
    Field("model_level_steps", "H", 0, 65535, since=7),
    Field("coded_width", "I", 1, 1 << 20, since=4),   # the size the tiles cover
    Field("coded_height", "I", 1, 1 << 20, since=4),
    Field("alpha_length", "I", 0, 1 << 31, since=5),
    Field("exif_length", "I", 0, MAX_BLOB, since=6),
    Field("xmp_length", "I", 0, MAX_BLOB, since=6),
)


@dataclass(frozen=True)
class Section:
    """A variable-length part of the header, after the fixed fields, in file order."""

    attribute: str   # the Header field holding its (uncompressed) bytes
    length: str      # the header field with its length in the file
    what: str        # for messages
    deflated: bool   # zlib-compressed in the file (picodec.alpha compresses its own)


SECTIONS = (Section("icc", "icc_length", "colour profile", True),
            Section("alpha", "alpha_length", "alpha plane", False),
            Section("exif", "exif_length", "EXIF block", True),
            Section("xmp", "xmp_length", "XMP packet", True))

# version 4's fields, and the field each one equals when unset (and in versions 1-3)
_DERIVED = {"model_level": "level", "coded_width": "width", "coded_height": "height"}
_UNSET = {"model_level": -1, "coded_width": 0, "coded_height": 0}
_TILE_ENTRY = struct.Struct(">II")
_CRC = struct.Struct(">I")


@cache
def _layout(version: int) -> tuple[tuple[Field, ...], struct.Struct]:
    """The header fields of one format version and their struct."""
    fields = tuple(f for f in HEADER_FIELDS if f.since <= version <= f.until)
    return fields, struct.Struct(">" + "".join(f.code for f in fields))


@dataclass(frozen=True)
class Header:
    """The decoded header of a ``.pico`` file."""

    model_id: bytes
    width: int
    height: int
    channels: int
    level: float         # in hundredths (picodec.levels); whole in versions 1-6
    tile: int
    margin: int
    icc: bytes = b""     # ICC profile of the pixels; empty means sRGB
    alpha: bytes = b""   # the compressed alpha plane (picodec.alpha); empty means opaque
    exif: bytes = b""    # EXIF as a TIFF stream (picodec.metadata); empty means none
    xmp: bytes = b""     # XMP packet; empty means none
    bit_depth: int = 8
    version: int = FORMAT_VERSION
    model_level: float = -1  # -1 (and in versions 1-3): the same as level
    coded_width: int = 0    # 0 (and in versions 1-3): the same as width
    coded_height: int = 0

    def __post_init__(self) -> None:
        for name, source in _DERIVED.items():
            if getattr(self, name) == _UNSET[name]:
                object.__setattr__(self, name, getattr(self, source))

    @property
    def resampled(self) -> bool:
        return (self.coded_width, self.coded_height) != (self.width, self.height)

    @property
    def grid(self) -> tuple[int, int]:
        """(rows, columns) of tiles over the coded image."""
        return -(-self.coded_height // self.tile), -(-self.coded_width // self.tile)

    def as_dict(self) -> dict[str, object]:
        fields = asdict(self)
        fields["model_id"] = self.model_id.hex()
        fields["icc_profile_bytes"] = len(fields.pop("icc"))
        fields["alpha_bytes"] = len(fields.pop("alpha"))
        fields["exif_bytes"] = len(fields.pop("exif"))
        fields["xmp_bytes"] = len(fields.pop("xmp"))
        fields["tiles"] = self.grid[0] * self.grid[1]
        return fields


def _check_ranges(values: dict[str, object], fields: tuple[Field, ...]) -> None:
    """Every numeric header field must lie in its declared range."""
    for field in fields:
        value = values[field.name]
        if field.lo is not None and not field.lo <= int(value) <= int(field.hi):  # type: ignore[arg-type, call-overload]
            raise PicodecError(f"header field {field.name}={value} outside [{field.lo}, {field.hi}]")


def pack(header: Header, payloads: list[bytes], version: int = FORMAT_VERSION) -> bytes:
    """Serialise a header and its tile payloads into one ``.pico`` byte string.

    ``version`` lays the header out as an older version did (the golden files of the tests);
    the caller vouches that the payloads mean the same in it."""
    rows, cols = header.grid
    if len(payloads) != rows * cols:
        raise PicodecError(f"{len(payloads)} payloads for a {rows}x{cols} tile grid")
    values = {**asdict(header), "magic": MAGIC, "version": version}
    fields, layout = _layout(version)
    names = {f.name for f in fields}
    held = {name.removesuffix("_steps") for name in names}  # the values it holds, in any unit
    for name in ("level", "model_level"):
        steps = _steps(values[name])
        if f"{name}_steps" in names:
            values[f"{name}_steps"] = steps
        elif steps % levels.STEPS:
            raise PicodecError(f"format version {version} cannot hold level {values[name]:g}")
        else:
            values[name] = steps // levels.STEPS
    sections = b""
    for section in SECTIONS:
        blob = getattr(header, section.attribute)
        blob = zlib.compress(blob, 9) if blob and section.deflated else blob
        if blob and section.length not in held:
            raise PicodecError(f"format version {version} cannot hold the {section.what}")
        values[section.length] = len(blob)
        sections += blob
    if any(values[name] != values[source] for name, source in _DERIVED.items() if name not in held):
        raise PicodecError(f"format version {version} cannot hold a model level or coded size")
    _check_ranges(values, fields)
    head = layout.pack(*(values[f.name] for f in fields)) + sections
    head += b"".join(_TILE_ENTRY.pack(len(p), zlib.crc32(p)) for p in payloads)
    return head + _CRC.pack(zlib.crc32(head)) + b"".join(payloads)


def unpack_header(data: bytes) -> tuple[Header, list[tuple[int, int]], int]:
    """Read and validate the header: (header, [(length, crc)] per tile, payload offset)."""
    if data[:4] != MAGIC:
        raise PicodecError("not a .pico file (bad magic bytes)")
    if len(data) < 5:
        raise PicodecError("truncated .pico file (header cut short)")
    if not 1 <= data[4] <= FORMAT_VERSION:
        raise PicodecError(f"unsupported .pico format version {data[4]} "
                           f"(this picodec reads versions 1 to {FORMAT_VERSION})")
    fields, layout = _layout(data[4])
    if len(data) < layout.size:
        raise PicodecError("truncated .pico file (header cut short)")
    values = dict(zip((f.name for f in fields), layout.unpack_from(data), strict=True))
    _check_ranges(values, fields)
    del values["magic"]
    for name in ("level", "model_level"):
        if f"{name}_steps" in values:
            values[name] = levels.from_steps(values.pop(f"{name}_steps"))
    lengths = [values.pop(section.length, 0) for section in SECTIONS]
    header = Header(**values)
    sections_end = layout.size + sum(lengths)
    n_tiles = header.grid[0] * header.grid[1]
    table_end = sections_end + n_tiles * _TILE_ENTRY.size
    if len(data) < table_end + _CRC.size:
        raise PicodecError("truncated .pico file (header cut short)")
    (crc,) = _CRC.unpack_from(data, table_end)
    if zlib.crc32(data[:table_end]) != crc:
        raise PicodecError("corrupt .pico file (header checksum mismatch)")
    start = layout.size
    blobs: dict[str, Any] = {}  # attribute: its bytes
    for section, length in zip(SECTIONS, lengths, strict=True):
        blob = data[start:start + length]
        start += length
        blobs[section.attribute] = _inflate(blob, section.what) if blob and section.deflated else blob
    header = replace(header, **blobs)
    entries = [_TILE_ENTRY.unpack_from(data, sections_end + i * _TILE_ENTRY.size)
               for i in range(n_tiles)]
    offset = table_end + _CRC.size
    if len(data) < offset + sum(length for length, _ in entries):
        raise PicodecError("truncated .pico file (tile data cut short)")
    return header, entries, offset


def _steps(level: float) -> int:
    try:
        return levels.to_steps(level)
    except ValueError as err:
        raise PicodecError(str(err)) from err


def _inflate(blob: bytes, what: str) -> bytes:
    """Decompress a stored section, refusing anything over MAX_BLOB or not one whole stream."""
    inflater = zlib.decompressobj()
    try:
        inflated = inflater.decompress(blob, MAX_BLOB)
    except zlib.error as err:
        raise PicodecError(f"corrupt .pico file ({what} undecodable: {err})") from err
    if not inflater.eof or inflater.unconsumed_tail or inflater.unused_data:
        raise PicodecError(f"corrupt .pico file ({what} undecodable)")
    return inflated


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
