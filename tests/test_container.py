"""The .pico container: fields, checksums, and clear errors on bad files."""

import struct
import zlib
from dataclasses import replace

import pytest

from picodec import container
from picodec.errors import PicodecError

HEADER = container.Header(model_id=b"12345678", width=1000, height=600, channels=3, level=5,
                          tile=504, margin=4)
PAYLOADS = [b"abcd" * (i + 1) for i in range(4)]


def test_round_trip():
    data = container.pack(HEADER, PAYLOADS)
    header, payloads = container.unpack(data)
    assert header == HEADER and payloads == PAYLOADS
    assert header.as_dict()["tiles"] == 4


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: b"JUNK" + d[4:], "not a .pico"),
    (lambda d: d[:4] + bytes([9]) + d[5:], "version 9"),
    (lambda d: d[:20], "truncated"),
    (lambda d: d[:-3], "truncated"),
    (lambda d: d[:-1] + bytes([d[-1] ^ 1]), "checksum"),
    (lambda d: d[:12] + bytes([d[12] ^ 1]) + d[13:], "checksum"),
    (lambda d: d + b"x", "trailing"),
    (lambda d: b"", "not a .pico"),
])
def test_bad_files_are_rejected_with_a_clear_message(mutate, message):
    data = container.pack(HEADER, PAYLOADS)
    with pytest.raises(PicodecError, match=message):
        container.unpack(mutate(data))


def test_out_of_range_fields_are_refused():
    with pytest.raises(PicodecError, match="channels"):
        container.pack(container.Header(b"12345678", 10, 10, 7, 0, 504, 4), [b"x"])


def test_a_colour_profile_round_trips_compressed():
    icc = b"profile " * 200
    data = container.pack(replace(HEADER, icc=icc), PAYLOADS)
    assert container.unpack(data) == (replace(HEADER, icc=icc), PAYLOADS)
    assert len(data) < len(container.pack(HEADER, PAYLOADS)) + len(icc) // 4


def test_an_undecodable_profile_is_a_clear_error():
    """A profile blob that is not zlib, under a valid checksum (a crafted file)."""
    data = bytearray(container.pack(replace(HEADER, icc=b"profile"), PAYLOADS))
    _, layout = container._layout(container.FORMAT_VERSION)
    (icc_length,) = struct.unpack_from(">I", data, layout.size - 4)
    data[layout.size:layout.size + icc_length] = b"\xff" * icc_length
    table_end = layout.size + icc_length + 8 * len(PAYLOADS)
    struct.pack_into(">I", data, table_end, zlib.crc32(data[:table_end]))
    with pytest.raises(PicodecError, match="colour profile undecodable"):
        container.unpack(bytes(data))
