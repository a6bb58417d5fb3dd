"""Minimal ICC v2 matrix/TRC profiles built in memory, for tests that need a colour space
other than sRGB (Pillow can only create sRGB, Lab and XYZ profiles)."""

from __future__ import annotations

import struct

D50 = (0.9642, 1.0, 0.8249)
ADOBE_RGB_PRIMARIES = ((0.6097, 0.3111, 0.0195), (0.2053, 0.6257, 0.0609), (0.1492, 0.0632, 0.7446))


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(values: tuple[float, float, float]) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in values)


def _gamma_curve(gamma: float) -> bytes:
    return b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"


def make_profile(space: str = "RGB", gamma: float = 2.2,
                 primaries: tuple[tuple[float, float, float], ...] = ADOBE_RGB_PRIMARIES) -> bytes:
    """A display profile: ``space`` "RGB" (three primaries) or "GRAY", one gamma curve."""
    tags = [(b"wtpt", _xyz(D50))]
    if space == "GRAY":
        tags.append((b"kTRC", _gamma_curve(gamma)))
    else:
        tags += [(sig, _xyz(p)) for sig, p in zip((b"rXYZ", b"gXYZ", b"bXYZ"), primaries, strict=True)]
        tags += [(sig, _gamma_curve(gamma)) for sig in (b"rTRC", b"gTRC", b"bTRC")]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, data in tags:
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    head = struct.pack(">I4sI4s4s4s12s4s", size, b"\0" * 4, 0x02100000, b"mntr",
                       space.ljust(4).encode(), b"XYZ ", b"\0" * 12, b"acsp")
    head = head.ljust(68, b"\0") + b"".join(_s15(v) for v in D50)
    return head.ljust(128, b"\0") + struct.pack(">I", len(tags)) + table + body
