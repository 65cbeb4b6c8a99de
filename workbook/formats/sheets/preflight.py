"""Checks a checklist file must pass before any parser touches it: size, kind, zip shape and XML safety."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from workbook.errors import UserError

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ZIP_MEMBERS = 5_000
MAX_UNCOMPRESSED_BYTES = 768 * 1024 * 1024
# Real sheet XML compresses 5-40x; ghost grids of empty styled rows reach ~100x; bombs go far beyond.
MAX_COMPRESSION_RATIO = 250
RATIO_CHECK_FLOOR = 4 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 16_384
MAX_CELL_CHARS = 32_767

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"

SPREADSHEET_KINDS = ("xlsx", "xlsm", "xls", "csv", "tsv")
TEXT_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".tab": "tsv"}


@dataclass(frozen=True)
class FileFacts:
    """What preflight learned about a checklist file: enough for the activity log and the reader."""

    path: Path
    name: str
    size: int
    sha256: str
    kind: str


def place(file: str, sheet: str | None = None, row: int | None = None, column: int | None = None) -> str:
    """Name a spot in a checklist the way messages show it: `file.xlsx, sheet 'PBC', row 12, column C`."""
    parts = [file]
    if sheet is not None:
        parts.append(f"sheet {sheet!r}")
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column {column_letter(column)}")
    return ", ".join(parts)


def column_letter(index: int) -> str:
    """1 → A, 28 → AB (bijective base 26, as Excel names columns)."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def ensure_defusedxml() -> None:
    """Refuse to parse spreadsheet XML unless defusedxml is importable: openpyxl only uses it when present."""
    try:
        import defusedxml.ElementTree  # noqa: F401
    except ImportError as exc:
        raise UserError(
            "The safe XML parser (defusedxml) is missing, so spreadsheets cannot be opened safely.",
            hint="Reinstall Audit Workbook; defusedxml is a required dependency.",
        ) from exc
    import openpyxl

    if not openpyxl.DEFUSEDXML:
        raise UserError(
            "openpyxl did not pick up defusedxml, so spreadsheets cannot be opened safely.",
            hint="Reinstall Audit Workbook so that defusedxml is installed before openpyxl is imported.",
        )


def preflight(path: Path | str) -> FileFacts:
    """Check size, kind and container shape; raise UserError for anything we will not parse."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UserError(f"Cannot read the file: {exc.strerror}.", where=name, hint="Check the path.") from exc
    if not path.is_file():
        raise UserError("This is not a file.", where=name, hint="Choose the checklist spreadsheet itself.")
    if size == 0:
        raise UserError("The file is empty (0 bytes).", where=name, hint="Ask the auditor to send it again.")
    if size > MAX_FILE_BYTES:
        raise UserError(
            f"The file is too large for a checklist ({size / 1048576:.0f} MB; the limit is "
            f"{MAX_FILE_BYTES // 1048576} MB).",
            where=name,
            hint="Delete unrelated sheets or images from a copy and import that.",
        )
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        head = fh.read(8)
        digest.update(head)
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    kind = _kind(path, head)
    return FileFacts(path=path, name=name, size=size, sha256=digest.hexdigest(), kind=kind)


def _kind(path: Path, head: bytes) -> str:
    name = path.name
    suffix = path.suffix.lower()
    if head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC):
        return _zip_kind(path)
    if head.startswith(OLE_MAGIC):
        return _ole_kind(path)
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods", ".numbers"):
        raise UserError(
            f"This file is named {suffix} but its contents are not a spreadsheet.",
            where=name,
            hint="Open it in Excel and save it again as .xlsx, or ask the auditor for the original.",
        )
    if suffix in TEXT_SUFFIXES:
        return TEXT_SUFFIXES[suffix]
    raise UserError(
        "This is not a file type Audit Workbook can import.",
        where=name,
        hint="Import the checklist as .xlsx, .xlsm, .xls, .csv or .tsv.",
    )


def _zip_kind(path: Path) -> str:
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UserError(
            "The file is damaged: its zip container cannot be read (it may be truncated).",
            where=name,
            hint="Ask the auditor to send the file again, or open and re-save it in Excel.",
        ) from exc
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "Index/Document.iwa" in names or any(n.startswith("Index/") and n.endswith(".iwa") for n in names):
            raise UserError(
                "This is an Apple Numbers file.",
                where=name,
                hint="In Numbers choose File › Export To › Excel, then import the .xlsx.",
            )
        if "mimetype" in names and "content.xml" in names:
            raise UserError(
                "This is an OpenDocument (.ods) spreadsheet.",
                where=name,
                hint="Open it in LibreOffice or Excel and save it as .xlsx, then import that.",
            )
        if "word/document.xml" in names:
            raise UserError(
                "This is a Word document, not a spreadsheet (only its name ends in .xlsx).",
                where=name,
                hint="Ask the auditor for the checklist spreadsheet itself.",
            )
        if "ppt/presentation.xml" in names:
            raise UserError(
                "This is a PowerPoint file, not a spreadsheet.",
                where=name,
                hint="Ask the auditor for the checklist spreadsheet itself.",
            )
        if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
            raise UserError(
                "This zip file is not an Excel workbook.",
                where=name,
                hint="Import the checklist as .xlsx, .xlsm, .xls, .csv or .tsv.",
            )
        if "xl/workbook.bin" in names:
            raise UserError(
                "This is a binary Excel workbook (.xlsb), which cannot be imported.",
                where=name,
                hint="Open it in Excel and save it as .xlsx, then import that.",
            )
        if len(infos) > MAX_ZIP_MEMBERS:
            raise UserError(
                f"The workbook holds {len(infos)} internal parts (the limit is {MAX_ZIP_MEMBERS}).",
                where=name,
                hint="Save a copy with only the checklist sheet and import that.",
            )
        total = 0
        for info in infos:
            total += info.file_size
            big = info.file_size > RATIO_CHECK_FLOOR
            if big and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
                raise UserError(
                    f"The workbook part {info.filename} expands "
                    f"{info.file_size // max(info.compress_size, 1)}"
                    " times when unpacked; that is how zip bombs look, so it was not opened.",
                    where=name,
                    hint="If the file is genuine, open it in Excel, save it again and import the new copy.",
                )
        if total > MAX_UNCOMPRESSED_BYTES:
            raise UserError(
                f"The workbook unpacks to {total / 1048576:.0f} MB (the limit is "
                f"{MAX_UNCOMPRESSED_BYTES // 1048576} MB).",
                where=name,
                hint="Save a copy with only the checklist sheet and import that.",
            )
        macro = "xl/vbaProject.bin" in names or path.suffix.lower() == ".xlsm"
    return "xlsm" if macro else "xlsx"


def _ole_kind(path: Path) -> str:
    name = path.name
    data = path.read_bytes()
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise UserError(
            "The workbook is password-protected (encrypted), so it cannot be read.",
            where=name,
            hint="Open it in Excel with the password and save a copy as .xlsx without a password, "
            "then import that copy.",
        )
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    raise UserError(
        "This is an old Office file but not an Excel workbook (it may be a .doc renamed).",
        where=name,
        hint="Ask the auditor for the checklist spreadsheet itself.",
    )
