"""Files built in code: xlsx checklists, parts of one rewritten, renamed and encrypted files, PNG and PDF."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

Rows = Sequence[Sequence[Any]]

# The first worksheet's part in an xlsx openpyxl writes.
SHEET_PART = "xl/worksheets/sheet1.xml"
# The last row an Excel sheet has.
LAST_ROW = 1_048_576
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The OLE shell Excel writes around an encrypted package: enough for a reader to call it encrypted.
ENCRYPTED_SHELL = (
    OLE_MAGIC + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 1024
)
LETTER = (612, 792)


def write_xlsx(path: Path, sheets: Mapping[str, Rows], edit: Callable[[Any], None] | None = None) -> Path:
    """An xlsx, each sheet its rows from row 1 (None leaves a cell empty); `edit(book)` runs before saving."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(r, c, value)
    if edit is not None:
        edit(book)
    book.save(path)
    return path


def rewrite_member(
    path: Path, member: str, change: Callable[[bytes], bytes], method: int | None = None
) -> None:
    """Rewrite one part of a zip (an xlsx) in place; `method` recompresses that part (bzip2 for a bomb)."""
    copy = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == member:
                zout.writestr(info.filename, change(data), compress_type=method or zipfile.ZIP_DEFLATED)
            else:
                zout.writestr(info.filename, data)
    copy.replace(path)


def rewrite_member_text(path: Path, member: str, change: Callable[[str], str]) -> None:
    """`rewrite_member` for a change made on the part's text (UTF-8)."""
    rewrite_member(path, member, lambda data: change(data.decode("utf-8")).encode("utf-8"))


def ghost_rows(first: int, *, spans: bool = True) -> str:
    """Sheet XML for rows `first` to the sheet's last, each empty but formatted."""
    span = ' spans="1:26"' if spans else ""
    return "".join(f'<row r="{r}"{span} customFormat="1" s="0"/>' for r in range(first, LAST_ROW + 1))


def haunt_sheet(path: Path, first: int, member: str = SHEET_PART) -> None:
    """Formatted empty rows from `first` to 1,048,576, and no `<dimension>` tag to say how far data goes."""

    def haunt(xml: str) -> str:
        xml = re.sub(r"<dimension[^>]*/>", "", xml)
        return xml.replace("</sheetData>", ghost_rows(first) + "</sheetData>")

    rewrite_member_text(path, member, haunt)


def write_docx_renamed(path: Path) -> Path:
    """A Word document's zip under the name given (an .xlsx name in the tests)."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    return path


def encrypted_xlsx(plain: bytes, password: str = "secret") -> bytes:
    """`plain` really encrypted (msoffcrypto-tool, a test dependency); else the OLE shell Excel writes."""
    try:
        from msoffcrypto.format.ooxml import OOXMLFile  # type: ignore[import-untyped]
    except ImportError:
        return ENCRYPTED_SHELL
    sink = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt(password, sink)
    return sink.getvalue()


def png_bytes(width: int, height: int, color: str = "red", mode: str = "RGB") -> bytes:
    """A PNG of one colour."""
    out = io.BytesIO()
    Image.new(mode, (width, height), color).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes(
    pages: Iterable[Sequence[str]], *, size: tuple[float, float] = LETTER, top: float = 700
) -> bytes:
    """A PDF with real text (reportlab): each page its lines, from `top` down, 20 points apart."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=size)
    for lines in pages:
        for number, line in enumerate(lines):
            canvas.drawString(72, top - 20 * number, line)
        canvas.showPage()
    canvas.save()
    return out.getvalue()
