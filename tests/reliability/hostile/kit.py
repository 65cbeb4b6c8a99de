"""Small writers for hostile files: an xlsx from raw XML parts, zips with lying headers, streamed padding."""

from __future__ import annotations

import random
import struct
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
HEADER = ["Request ID", "Request", "Owner"]
REQUEST = ["PBC-001", "Provide the user access review.", "Ann"]
SHEET = "xl/worksheets/sheet1.xml"
SHARED = "xl/sharedStrings.xml"

Part = bytes | Callable[[IO[bytes]], None]

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "{shared}</Types>"
)
SHARED_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
    f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
    '<sheets><sheet name="PBC" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
    f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
    "{shared}</Relationships>"
)
SHARED_REL = f'<Relationship Id="rId9" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def row(number: int, values: list[str]) -> str:
    cells = "".join(cell(f"{chr(65 + i)}{number}", v) for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def sheet_xml(rows_xml: str = "", *, before: str = "", after: str = "", prolog: str = "") -> bytes:
    """A worksheet: `before` goes ahead of sheetData, `after` behind it, `prolog` ahead of the root."""
    head = prolog or '<?xml version="1.0" encoding="UTF-8"?>'
    body = f"{before}<sheetData>{rows_xml}</sheetData>{after}"
    return f'{head}<worksheet xmlns="{MAIN_NS}">{body}</worksheet>'.encode()


def checklist_rows(requests: int = 1) -> str:
    body = [row(1, HEADER)]
    for i in range(1, requests + 1):
        body.append(row(i + 1, [f"PBC-{i:03d}", f"Provide evidence for control {i}.", "Ann"]))
    return "".join(body)


def xlsx_parts(
    sheet: Part | None = None, *, shared: Part | None = None, extra: Mapping[str, Part | None] | None = None
) -> dict[str, Part | None]:
    """The parts of a one-sheet workbook; `extra` replaces or adds parts (None drops one)."""
    parts: dict[str, Part | None] = {
        "[Content_Types].xml": CONTENT_TYPES.format(
            shared=SHARED_TYPE if shared is not None else ""
        ).encode(),
        "_rels/.rels": ROOT_RELS.encode(),
        "xl/workbook.xml": WORKBOOK.encode(),
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS.format(
            shared=SHARED_REL if shared is not None else ""
        ).encode(),
        SHEET: sheet if sheet is not None else sheet_xml(checklist_rows()),
    }
    if shared is not None:
        parts[SHARED] = shared
    parts.update(extra or {})
    return parts


def write_zip(
    path: Path,
    parts: Mapping[str, Part | None],
    *,
    methods: Mapping[str, int] | None = None,
    level: int | None = None,
) -> Path:
    """Write the parts (None drops one); a callable part streams its bytes (gigabytes never sit in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in parts.items():
            if data is None:
                continue
            info = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
            info.compress_type = (methods or {}).get(name, zipfile.ZIP_DEFLATED)
            if callable(data):
                with zf.open(info, "w", force_zip64=True) as fh:
                    data(fh)
            else:
                zf.writestr(info, data)
    return path


def xlsx(
    path: Path,
    sheet: Part | None = None,
    *,
    shared: Part | None = None,
    extra: Mapping[str, Part | None] | None = None,
    methods: Mapping[str, int] | None = None,
) -> Path:
    return write_zip(path, xlsx_parts(sheet, shared=shared, extra=extra), methods=methods)


def with_member(path: Path, name: str, data: Part | None, method: int = zipfile.ZIP_DEFLATED) -> Path:
    """Copy a zip in place, replacing (or with None, dropping) one member."""
    with zipfile.ZipFile(path) as zin:
        parts: dict[str, Part | None] = {info.filename: zin.read(info) for info in zin.infolist()}
    parts[name] = data
    return write_zip(path, parts, methods={name: method})


def padding(
    size: int, unit: bytes = b" ", head: bytes = b"", tail: bytes = b""
) -> Callable[[IO[bytes]], None]:
    """A streamed part: head, `size` bytes of repeated `unit`, tail."""

    def write(fh: IO[bytes]) -> None:
        fh.write(head)
        block = (unit * (1 << 20 // max(1, len(unit)) + 1))[: 1 << 20]
        left = size
        while left > 0:
            fh.write(block[: min(left, len(block))])
            left -= len(block)
        fh.write(tail)

    return write


def noise(size: int, seed: int = 7, alphabet: bytes = b"ab", rare: float = 0.02) -> bytes:
    """Text that deflate packs about 30 times: mostly one letter, sometimes another."""
    rnd = random.Random(seed)
    block = bytes(
        rnd.choices(
            alphabet, weights=[1 - rare, *([rare / (len(alphabet) - 1)] * (len(alphabet) - 1))], k=1 << 16
        )
    )
    return (block * (size // len(block) + 1))[:size]


def set_declared_size(path: Path, member: str, size: int) -> Path:
    """Make the zip's local and central headers claim `member` unpacks to `size` bytes (a lie)."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + name_len]) == name:
            struct.pack_into("<I", data, at + 24, size)
            local = struct.unpack_from("<I", data, at + 42)[0]
            struct.pack_into("<I", data, local + 22, size)
        at += 4
    path.write_bytes(bytes(data))
    return path


def set_directory(path: Path, entries: int | None = None, size: int | None = None) -> Path:
    """Make the zip's end record claim `entries` files and a `size`-byte central directory."""
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x05\x06")
    if entries is not None:
        struct.pack_into("<HH", data, at + 8, min(entries, 0xFFFF), min(entries, 0xFFFF))
    if size is not None:
        struct.pack_into("<I", data, at + 12, min(size, 0xFFFFFFFF))
    path.write_bytes(bytes(data))
    return path


def set_method(path: Path, member: str, method: int, flags: int | None = None) -> Path:
    """Rewrite a member's compression method (and general-purpose flags) in both headers."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + name_len]) == name:
            local = struct.unpack_from("<I", data, at + 42)[0]
            struct.pack_into("<H", data, at + 10, method)
            struct.pack_into("<H", data, local + 8, method)
            if flags is not None:
                struct.pack_into("<H", data, at + 8, flags)
                struct.pack_into("<H", data, local + 6, flags)
        at += 4
    path.write_bytes(bytes(data))
    return path
