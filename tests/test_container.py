"""The .pico container: fields, checksums, and clear errors on bad files."""

import struct
import sys
import zlib
from dataclasses import replace

import numpy as np
import pytest

from picodec import alpha, container
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


@pytest.mark.parametrize("section", [s for s in container.SECTIONS if s.deflated],
                         ids=lambda section: section.attribute)
def test_an_undecodable_section_is_a_clear_error(section):
    """A profile, EXIF or XMP blob that is not zlib, under a valid checksum (a crafted file)."""
    data = bytearray(container.pack(replace(HEADER, **{section.attribute: b"blob"}), PAYLOADS))
    fields, layout = container._layout(container.FORMAT_VERSION)
    length = layout.unpack_from(data)[[f.name for f in fields].index(section.length)]
    data[layout.size:layout.size + length] = b"\xff" * length
    table_end = layout.size + length + 8 * len(PAYLOADS)
    struct.pack_into(">I", data, table_end, zlib.crc32(data[:table_end]))
    with pytest.raises(PicodecError, match=f"{section.what} undecodable"):
        container.unpack(bytes(data))


def test_exif_and_xmp_follow_the_alpha_plane_and_old_versions_refuse_them():
    """Version 6: after the profile and the alpha plane, the EXIF block and then the XMP
    packet, each zlib-compressed, under the header checksum."""
    full = replace(HEADER, icc=b"icc " * 20, alpha=b"A" * 7, exif=b"MM\0*" + b"e" * 300,
                   xmp=b"<x:xmpmeta>" + b" " * 400)
    data = container.pack(full, PAYLOADS)
    assert container.unpack(data) == (full, PAYLOADS)
    exif, xmp = zlib.compress(full.exif, 9), zlib.compress(full.xmp, 9)
    header_size = container._layout(container.FORMAT_VERSION)[1].size
    start = header_size + len(zlib.compress(full.icc, 9)) + len(full.alpha)
    assert data[start:start + len(exif) + len(xmp)] == exif + xmp
    assert (full.as_dict()["exif_bytes"], full.as_dict()["xmp_bytes"]) == (304, 411)
    for field, what in (("exif", "EXIF block"), ("xmp", "XMP packet")):
        with pytest.raises(PicodecError, match=f"cannot hold the {what}"):
            container.pack(replace(HEADER, **{field: getattr(full, field)}), PAYLOADS, version=5)


def test_a_resampled_header_round_trips_and_old_versions_refuse_it():
    """Version 4 stores the model level and the coded size; the tile grid covers the latter."""
    resampled = replace(HEADER, model_level=3, coded_width=1500, coded_height=900)
    assert resampled.resampled and not HEADER.resampled
    assert resampled.grid == (2, 3) and HEADER.grid == (2, 2)
    payloads = [b"p%d" % i for i in range(6)]
    assert container.unpack(container.pack(resampled, payloads)) == (resampled, payloads)
    with pytest.raises(PicodecError, match="cannot hold a model level"):
        container.pack(resampled, payloads, version=3)


def test_version_7_holds_levels_in_hundredths_and_older_versions_whole_ones():
    between = replace(HEADER, level=4.37, model_level=4.15)
    data = container.pack(between, PAYLOADS)
    assert container.unpack(data)[0] == between and between.as_dict()["level"] == 4.37
    with pytest.raises(PicodecError, match=r"version 6 cannot hold level 4\.37"):
        container.pack(between, PAYLOADS, version=6)
    whole = container.unpack(container.pack(HEADER, PAYLOADS, version=6))[0]
    assert (whole.level, whole.model_level) == (HEADER.level, HEADER.model_level)
    with pytest.raises(PicodecError, match=r"not a multiple of 0\.01"):
        container.pack(replace(HEADER, level=4.375), PAYLOADS)


def test_version_3_files_read_with_the_model_level_and_coded_size_of_their_own():
    header, _ = container.unpack(container.pack(HEADER, PAYLOADS, version=3))
    assert (header.model_level, header.coded_width, header.coded_height) == (5, 1000, 600)
    assert header.version == 3


def test_an_alpha_plane_round_trips_and_old_versions_refuse_it():
    """Version 5 stores the compressed alpha plane, after the profile, under the checksum."""
    plane = alpha.pack(np.arange(600 * 1000, dtype=np.uint32).reshape(600, 1000).astype(np.uint8))
    transparent = replace(HEADER, alpha=plane)
    data = container.pack(transparent, PAYLOADS)
    assert container.unpack(data) == (transparent, PAYLOADS)
    assert transparent.as_dict()["alpha_bytes"] == len(plane)
    flipped = bytearray(data)
    flipped[container._layout(container.FORMAT_VERSION)[1].size + 5] ^= 1
    with pytest.raises(PicodecError, match="checksum"):
        container.unpack(bytes(flipped))
    with pytest.raises(PicodecError, match="cannot hold the alpha plane"):
        container.pack(transparent, PAYLOADS, version=4)


@pytest.mark.parametrize(("blob", "message"), [
    (b"\xff" * 20, "alpha plane undecodable"),
    (alpha.pack(np.zeros((1, 11), np.uint8)), "wrong size"),
    (alpha.pack(np.zeros((1, 13), np.uint8)), "wrong size"),
    (alpha.pack(np.zeros((3, 4), np.uint8))[:-2], "alpha plane"),
    (alpha.pack(np.zeros((3, 4), np.uint8)) + b"\x00", "alpha plane"),
])
def test_a_bad_alpha_plane_is_a_clear_error(blob, message):
    plane = np.arange(12, dtype=np.uint8).reshape(3, 4) * 21
    assert np.array_equal(alpha.unpack(alpha.pack(plane), 4, 3), plane)
    with pytest.raises(PicodecError, match=message):
        alpha.unpack(blob, 4, 3)


def test_a_python_without_lzma_gets_a_clear_error_only_for_transparency(monkeypatch):
    monkeypatch.setitem(sys.modules, "lzma", None)  # as on a Python built without liblzma
    with pytest.raises(PicodecError, match="lzma"):
        alpha.pack(np.zeros((2, 2), np.uint8))
