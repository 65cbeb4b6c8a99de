"""Hostile CSV/TSV and legacy .xls checklists given to `import`."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

from hostile.case import Case
from hostile.kit import noise

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CSV_HEADER = b"Request ID,Request,Owner\n"


def _write(name: str, data: bytes | Callable[[], bytes]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data() if callable(data) else data)
        return path

    return build


def _sparse(name: str, size: int) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        with path.open("wb") as fh:
            fh.write(CSV_HEADER)
            fh.truncate(size)
        return path

    return build


def text_case(name: str, file: str, data: bytes | Callable[[], bytes], says: str = "", **kw: bool) -> Case:
    return Case("csv", name, _write(file, data), "import", says=says, **kw)


def _rows(count: int, line: bytes) -> Callable[[], bytes]:
    return lambda: CSV_HEADER + line * count


def _xls(rows: list[list[object]]) -> bytes:
    import io

    import xlwt  # type: ignore[import-untyped]

    book = xlwt.Workbook()
    sheet = book.add_sheet("PBC")
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xls_good() -> bytes:
    return _xls([["Request ID", "Request", "Owner"], ["PBC-001", "Provide the access review.", "Ann"]])


def _xls_header_only() -> bytes:
    return _xls([["Request ID", "Request", "Owner"]])


def _xls_truncated() -> bytes:
    data = _xls_good()
    return data[: len(data) // 2]


def _xls_fat_loop() -> bytes:
    """The compound file's directory chain points at itself: a reader that follows it never ends."""
    data = bytearray(_xls_good())
    sector_shift = struct.unpack_from("<H", data, 0x1E)[0]
    sector = 1 << sector_shift
    directory = struct.unpack_from("<I", data, 0x30)[0]
    first_fat = struct.unpack_from("<I", data, 0x4C)[0]
    fat_at = 512 + first_fat * sector
    struct.pack_into("<I", data, fat_at + 4 * directory, directory)
    return bytes(data)


def _xls_bad_records() -> bytes:
    """Every BIFF record length in the workbook stream past the globals set to 0xFFFF."""
    data = bytearray(_xls_good())
    at = data.find(b"\x09\x08", 512)  # the first BOF record of the Workbook stream
    at = data.find(b"\x09\x08", at + 4)  # the sheet's BOF
    if at > 0:
        for offset in range(at + 20, min(len(data) - 4, at + 400), 7):
            data[offset : offset + 2] = b"\xff\xff"
    return bytes(data)


def _xls_many_blanks() -> bytes:
    """2.1 million formatted blank cells (MULBLANK, 2 bytes a cell): xlrd would build a cell for each."""
    import io

    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("PBC")
    for col, title in enumerate(["Request ID", "Request", "Owner"]):
        sheet.write(0, col, title)
    shaded = xlwt.easyxf("pattern: pattern solid")
    for r in range(1, 8_300):
        sheet.row(r).set_cell_mulblanks(0, 255, shaded)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls_case(name: str, file: str, data: bytes | Callable[[], bytes], says: str = "", **kw: bool) -> Case:
    return Case("xls", name, _write(file, data), "import", says=says, **kw)


CASES: list[Case] = [
    text_case("empty", "empty.csv", b"", "empty"),
    text_case(
        "binary_garbage",
        "garbage.csv",
        lambda: noise(20_000, alphabet=bytes(range(256)), rare=0.99),
        "not text",
        fast=True,
    ),
    text_case("nul_bytes", "nul.csv", CSV_HEADER + b"PBC-001,\x00\x00\x00,Ann\n" * 50, "not text"),
    text_case("header_only", "header.csv", CSV_HEADER, "No requests"),
    text_case("only_delimiters", "commas-only.csv", b",,,,,,\n" * 10_000, "empty"),
    text_case(
        "one_line_of_60_mb",
        "line.csv",
        lambda: CSV_HEADER + b'PBC-001,"' + noise(60 << 20) + b"\n",
        "field larger",
        fast=True,
    ),
    text_case(
        "sixty_mb_of_commas", "commas.csv", lambda: CSV_HEADER + b"," * (60 << 20) + b"\n", "columns wide"
    ),
    text_case(
        "tabs_past_16384_columns", "wide.tsv", lambda: b"a\tb\n" + b"\t" * 20_000 + b"x\n", "columns wide"
    ),
    text_case("rows_past_200000", "long.csv", _rows(200_001, b"PBC,x,y\n"), "200,000 rows"),
    text_case(
        "rows_past_200000_with_cr", "long-cr.csv", lambda: b"a,b,c\r" + b"PBC,x,y\r" * 200_001, "200,000 rows"
    ),
    text_case(
        "cells_past_2000000",
        "cells.csv",
        _rows(100_000, b"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21\n"),
        "2,000,000 cells",
    ),
    text_case(
        "cell_over_32767_characters",
        "long-cell.csv",
        lambda: CSV_HEADER + b"PBC-001," + b"x" * 40_000 + b",Ann\n",
        "32,767",
    ),
    text_case(
        "quote_never_closed",
        "quote.csv",
        lambda: CSV_HEADER + b'PBC-001,"' + b"x\n" * 100_000,
        "field larger",
    ),
    text_case(
        "utf16_without_bom_garbage",
        "utf16.csv",
        lambda: "Request ID,Request\n".encode("utf-16-le") + b"\x00\xd8" * 5000,
        "No requests",
    ),
    text_case(
        "bom_then_garbage",
        "bom.csv",
        lambda: b"\xef\xbb\xbf" + noise(20_000, alphabet=bytes(range(256)), rare=0.99),
        "not text",
    ),
    text_case("larger_than_64_mb", "big.csv", b"", "too large"),
    xls_case("truncated", "cut.xls", _xls_truncated, "not an Excel workbook", fast=True),
    xls_case(
        "ole_magic_then_noise",
        "noise.xls",
        lambda: OLE_MAGIC + noise(30_000, alphabet=bytes(range(256)), rare=0.99),
        "",
    ),
    xls_case("ole_without_workbook", "doc.xls", lambda: OLE_MAGIC + b"\x00" * 2048, "not an Excel workbook"),
    xls_case(
        "encrypted_package",
        "locked.xls",
        lambda: OLE_MAGIC + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 1024,
        "password",
    ),
    xls_case("header_only", "header.xls", _xls_header_only, "No requests"),
    xls_case("directory_chain_loops", "loop.xls", _xls_fat_loop, "damaged"),
    xls_case("record_lengths_garbage", "records.xls", _xls_bad_records, ""),
    xls_case("blank_cells_past_2000000", "blanks.xls", _xls_many_blanks, "2,000,000 cells"),
    xls_case("renamed_xlsx_text", "text.xls", b"Request ID,Request\nPBC-001,x\n", "not a spreadsheet"),
]

# The sparse file needs its own builder (64 MB + 1 of holes, written in no time).
CASES[CASES.index(next(c for c in CASES if c.name == "larger_than_64_mb"))] = Case(
    "csv", "larger_than_64_mb", _sparse("big.csv", (64 << 20) + 1), "import", says="too large"
)
