"""Whether bytes are one whole PNG: its signature, then every chunk's length and CRC-32, up to IEND.

Each chunk carries a CRC-32 of its type and data, so any one changed byte of a PNG shows here without
decoding the image.
"""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HEAD = struct.Struct(">I4s")


def png_problem(data: bytes) -> str:
    """What is wrong with these bytes as a PNG, in words; "" when every chunk is whole."""
    if not data.startswith(SIGNATURE):
        return "it does not start as a PNG does"
    at = len(SIGNATURE)
    first = True
    while at + 12 <= len(data):
        length, kind = _HEAD.unpack_from(data, at)
        end = at + 12 + length
        name = kind.decode("ascii", "replace")
        if end > len(data):
            return f"its {name!r} chunk runs past the end"
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(data[at + 4 : end - 4]) != crc:
            return f"the checksum of its {name!r} chunk does not match"
        if first and kind != b"IHDR":
            return "it does not start with a header chunk"
        first = False
        at = end
        if kind == b"IEND":
            return "" if at == len(data) else f"{len(data) - at} bytes follow its end"
    return "it is cut off before its end chunk"
