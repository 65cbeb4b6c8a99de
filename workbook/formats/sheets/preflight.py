"""Checks a checklist file must pass before any parser touches it: size, kind, zip shape and XML safety."""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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
# Filled cells one sheet may hold: 100,000 requests of 20 columns. Every value costs parse time and memory.
MAX_CELLS = 2_000_000
# The zip's central directory: 5,000 parts with long names fit in well under 1 MB.
MAX_DIRECTORY_BYTES = 4 * 1024 * 1024
# openpyxl loads these whole (styles, workbook, relationships, theme): real ones are a few megabytes.
MAX_XML_PART_BYTES = 64 * 1024 * 1024
# The shared-string table is held in memory for the whole read; each string costs ~60 bytes on top.
MAX_SHARED_STRINGS_BYTES = 128 * 1024 * 1024
MAX_SHARED_STRINGS = MAX_CELLS

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


def zip_directory(fh: IO[bytes]) -> tuple[int, int] | None:
    """(parts, bytes) a zip's end record declares for its central directory, read before zipfile parses it.

    zipfile reads the whole directory into memory and makes an object per entry: a few megabytes of
    directory is a million entries, so the declared size is checked first. None when there is no end record.
    """
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    start = max(0, size - (0xFFFF + 22))
    fh.seek(start)
    tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    entries, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
    locator = tail[at - 20 : at] if at >= 20 else b""
    if locator[:4] == b"PK\x06\x07":
        (offset,) = struct.unpack("<Q", locator[8:16])
        if offset < size:
            fh.seek(offset)
            record = fh.read(56)
            if record[:4] == b"PK\x06\x06" and len(record) == 56:
                entries, directory = struct.unpack("<QQ", record[32:48])
    fh.seek(0)
    return entries, directory


def _damaged_zip(name: str) -> UserError:
    return UserError(
        "The file is damaged: its zip container cannot be read (it may be truncated).",
        where=name,
        hint="Ask the auditor to send the file again, or open and re-save it in Excel.",
    )


def _zip_kind(path: Path) -> str:
    name = path.name
    with path.open("rb") as fh:
        declared = zip_directory(fh)
        if declared is not None and (declared[1] > MAX_DIRECTORY_BYTES or declared[0] > 10 * MAX_ZIP_MEMBERS):
            raise UserError(
                f"The workbook's zip directory declares {declared[0]:,} internal parts in "
                f"{declared[1]:,} bytes (the limit is {MAX_ZIP_MEMBERS:,} parts).",
                where=name,
                hint="Save a copy with only the checklist sheet and import that.",
            )
        try:
            archive = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, struct.error) as exc:
            raise _damaged_zip(name) from exc
        with archive:
            return _zip_parts_kind(path, archive)


def _zip_parts_kind(path: Path, archive: zipfile.ZipFile) -> str:
    name = path.name
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
    for info in infos:
        _check_part(archive, info, name)
    macro = "xl/vbaProject.bin" in names or path.suffix.lower() == ".xlsm"
    return "xlsm" if macro else "xlsx"


_NOT_PARSED_WHOLE = ("xl/worksheets/", "xl/media/", "xl/embeddings/")


def _check_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    """Size budgets for the parts read whole, and no DTD before the root of any part but a sheet.

    Sheets are parsed with defusedxml, which names the sheet when it refuses one; openpyxl parses the other
    parts with lxml (when installed), which only declines to resolve entities. Images and embedded files are
    never parsed.
    """
    part = info.filename
    lowered = part.lower()
    if lowered.startswith(_NOT_PARSED_WHOLE) or lowered.endswith(("/", ".bin")):
        return
    if "sharedstrings" in lowered:
        limit = MAX_SHARED_STRINGS_BYTES
        words = "The workbook's shared-string table"
    else:
        limit = MAX_XML_PART_BYTES
        words = f"The workbook part {part}"
    if info.file_size > limit:
        raise UserError(
            f"{words} unpacks to {info.file_size / 1048576:.0f} MB (the limit is {limit // 1048576} MB), "
            "more than a checklist needs; it was not read.",
            where=name,
            hint="Open it in Excel, save a copy with only the checklist sheet and import that.",
        )
    try:
        unsafe = declares_dtd(archive, info)
        strings = 0
        if limit == MAX_SHARED_STRINGS_BYTES and info.file_size > MAX_SHARED_STRINGS * 5:
            with archive.open(info) as fh:
                strings = count_tags(fh, _SHARED_STRING, MAX_SHARED_STRINGS)
    except (
        zipfile.BadZipFile,
        zlib.error,  # a part whose compressed bytes are damaged (found by the fuzz run)
        struct.error,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise _damaged_zip(name) from exc
    if strings > MAX_SHARED_STRINGS:
        raise UserError(
            f"The workbook holds more than {MAX_SHARED_STRINGS:,} distinct texts; a checklist holds far "
            "fewer, so it was not read.",
            where=name,
            hint="Save a copy with only the checklist sheet and import that.",
        )
    if unsafe:
        raise UserError(
            f"The workbook contains unsafe XML (entity or DTD declarations in {part}), so it was not read.",
            where=name,
            hint="Open it in Excel and save it again, then import the new copy.",
        )


# A shared string starts `<si>` (or `<x:si ` …); the smallest, `<si/>`, is five bytes.
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")


def count_tags(source: IO[bytes], tag: re.Pattern[bytes], limit: int) -> int:
    """How many times `tag` occurs in a part, counting no further than `limit` + 1 (a byte search, no parse).

    Hundreds of megabytes a second, so a part too big to read is refused before it is parsed: 2.1 million
    shared strings took 15 s to parse and refuse, 23 million cells 600 s; counting takes about a second.
    """
    count = 0
    carry = b""
    while chunk := source.read(1 << 20):
        data = carry + chunk
        count += sum(1 for found in tag.finditer(data) if found.end() > len(carry))
        if count > limit:
            return count
        carry = data[-64:]
    return count


_BOM_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)
# "<?xm" in EBCDIC, which libxml2 also reads.
_EBCDIC_XML = b"\x4c\x6f\xa7\x94"
_SCAN_CHUNK = 64 * 1024


def declares_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether an XML part has a `<!DOCTYPE` (or any `<!` declaration) before its root element.

    Reads only the prolog: the XML declaration, comments and processing instructions, however long, in
    one pass over the bytes (a comment of hundreds of megabytes costs one read, not one search per chunk).
    """
    with archive.open(info) as fh:
        first = fh.read(_SCAN_CHUNK)
        if first.startswith(_EBCDIC_XML):
            return True
        encoding = next((enc for bom, enc in _BOM_ENCODINGS if first.startswith(bom)), "utf-8")
        decoder = codecs.getincrementaldecoder(encoding)("replace")
        text = decoder.decode(first).lstrip("\ufeff")
        eof = len(first) == 0
        inside = ""  # the end marker of the comment or instruction being skipped
        while True:
            if inside:
                found = text.find(inside)
                if found >= 0:
                    text, inside = text[found + len(inside) :], ""
                    continue
                text = text[-len(inside) :]
            else:
                text = text.lstrip(" \t\r\n")
                if len(text) >= 4 or (eof and text):
                    if text.startswith("<!--"):
                        text, inside = text[4:], "-->"
                        continue
                    if text.startswith("<?"):
                        text, inside = text[2:], "?>"
                        continue
                    return text.startswith("<!")
            if eof:
                return False
            chunk = fh.read(_SCAN_CHUNK)
            eof = not chunk
            text += decoder.decode(chunk, final=eof)


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
