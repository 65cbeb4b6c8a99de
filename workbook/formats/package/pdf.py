"""The PDF evidence package: reportlab draws our pages, evidence pages are streamed in beside them."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import struct
import tempfile
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal
from xml.sax.saxutils import escape

from PIL import Image
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import drawPageNumbers

from workbook.atomic import UniqueNames, publish, safe_name
from workbook.errors import UserError
from workbook.formats.package.inputs import (
    PackageEvidence,
    PackageInput,
    PackageRequest,
    package_manifest,
    summarise,
)
from workbook.formats.sheets.cells import to_text
from workbook.formats.sheets.grid import SheetGrid, open_source
from workbook.formats.sheets.preflight import (
    OLE_MAGIC,
    ZIP_MAGIC,
    FileFacts,
    column_letter,
    preflight,
)
from workbook.jobs import CancelToken, Progress, no_progress
from workbook.resources import resource

FONT = "AuditWorkbookSans"
FONT_BOLD = "AuditWorkbookSans-Bold"
FONT_FALLBACK = "AuditWorkbookFallback"  # Droid Sans Fallback: CJK
_FONT_DIR = resource("fonts")
_BAND = 34.0  # points added below each evidence page for its stamp and footer
_TEXT_LINE_CAP = 2_000
_TEXT_BYTE_CAP = 256 * 1024
_CSV_ROW_CAP = 300
_CSV_COL_CAP = 10
_CELL_CAP = 300
_CELL_LINES = 6  # line breaks kept per table cell: a taller row than a page cannot be laid out
_SHEET_CAP = 5
_SHEET_ROW_CAP = 200
_SHEET_COL_CAP = 12
_SHEET_CELL_CAP = 200
_SHEET_READ_ROWS = 2 * _SHEET_ROW_CAP + 100  # sheet rows parsed per sheet, so blank and hidden rows fit
_SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")
_SHEET_MEDIA = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel.sheet.macroenabled.12",
        "application/vnd.ms-excel",
    }
)
_FIELD_CAP = 400
_MAX_PIXELS = 120_000_000
_CHUNK = 1 << 20
_CHUNK_PAGES = 60  # pages of ours (placeholders included) that reportlab holds at once
_APPENDIX_ROWS = 400
# Keys that make a PDF act rather than show; they never reach the package.
ACTIVE_KEYS = frozenset(
    {"/JavaScript", "/JS", "/Launch", "/OpenAction", "/AA", "/RichMedia", "/SubmitForm", "/ImportData"}
)
_ACTIVE_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/ResetForm", "/RichMediaExecute"}
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class PdfPackageResult:
    """What was written: the file's hash and counts the caller can log and check."""

    sha256: str
    pages: int
    evidence_pages: int
    attachments: int
    problems: tuple[str, ...] = ()


# ---- what each evidence file turns into


@dataclass(frozen=True)
class _PngFast:
    width: int
    height: int
    colors: int
    bits: int
    palette: bytes
    idat: tuple[tuple[int, int], ...]  # (offset, length) of each IDAT payload in the spool file


@dataclass(frozen=True)
class _JpegFast:
    width: int
    height: int
    components: int
    adobe_inverted: bool


@dataclass(frozen=True)
class _Decoded:
    width: int
    height: int


@dataclass(frozen=True)
class _ImageKind:
    data: _PngFast | _JpegFast | _Decoded
    orientation: int  # EXIF orientation 1, 3, 6 or 8


@dataclass(frozen=True)
class _PdfPageBox:
    x0: float
    y0: float
    width: float
    height: float
    rotate: int

    @property
    def shown(self) -> tuple[float, float]:
        return (self.height, self.width) if self.rotate in (90, 270) else (self.width, self.height)


@dataclass(frozen=True)
class _PdfKind:
    pages: tuple[_PdfPageBox, ...]


@dataclass(frozen=True)
class _Broken:
    reason: str


@dataclass(frozen=True)
class _TextKind:
    csv: bool


@dataclass(frozen=True)
class _SheetKind:
    kind: str  # xlsx, xlsm or xls, as preflight found it


@dataclass(frozen=True)
class _OtherKind:
    pass


_Kind = _ImageKind | _PdfKind | _Broken | _TextKind | _SheetKind | _OtherKind


@dataclass
class _Spooled:
    """One distinct evidence file on disk, what it renders as, and its attachment name."""

    path: Path
    kind: _Kind
    attachment: str
    evidence: PackageEvidence


@dataclass(frozen=True)
class _Placement:
    """A page of ours that receives an evidence page underneath its stamp."""

    sha256: str
    page_index: int  # source page for PDFs, 0 for images
    box: tuple[float, float, float, float]  # where the evidence is drawn on the page (x, y, w, h)


# ---- small helpers


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)


_covered: frozenset[int] = frozenset()
_fallback_covered: frozenset[int] | None = None


def _fallback() -> frozenset[int]:
    """Characters of the CJK fallback font, registered on first need (parsing it costs 4 MB and time)."""
    global _fallback_covered
    if _fallback_covered is None:
        font = TTFont(FONT_FALLBACK, str(_FONT_DIR / "DroidSansFallbackFull.ttf"))
        pdfmetrics.registerFont(font)
        pdfmetrics.registerFontFamily(
            FONT_FALLBACK,
            normal=FONT_FALLBACK,
            bold=FONT_FALLBACK,
            italic=FONT_FALLBACK,
            boldItalic=FONT_FALLBACK,
        )
        _fallback_covered = frozenset(c for c in font.face.charToGlyph if c <= 0xFFFF)
    return _fallback_covered


def _runs(text: str) -> list[tuple[bool, str]]:
    """Text cut into (needs the fallback font, run) pieces; a character no font has becomes [U+XXXX]."""
    text = _clean(text)
    if text.isascii() or not _covered:
        return [(False, text)]
    runs: list[tuple[bool, list[str]]] = []
    for c in text:
        code = ord(c)
        if code in _covered or c in "\n\t":
            use_fallback = False
        elif code <= 0xFFFF and code in _fallback():
            use_fallback = True
        else:
            use_fallback, c = False, f"[U+{code:04X}]"
        if runs and runs[-1][0] == use_fallback:
            runs[-1][1].append(c)
        else:
            runs.append((use_fallback, [c]))
    return [(use_fallback, "".join(chars)) for use_fallback, chars in runs]


def _markup(text: str) -> str:
    """Paragraph markup for plain text: escaped, with CJK runs set in the fallback font."""
    return "".join(
        f'<font face="{FONT_FALLBACK}">{escape(run)}</font>' if use_fallback else escape(run)
        for use_fallback, run in _runs(text)
    )


def _draw_text(
    canv: Canvas, x: float, y: float, text: str, font: str, size: float, right: bool = False
) -> None:
    """drawString with the same per-run font switch as paragraphs."""
    runs = [(FONT_FALLBACK if fb else font, run) for fb, run in _runs(text)]
    widths = [pdfmetrics.stringWidth(run, name, size) for name, run in runs]
    if right:
        x -= sum(widths)
    for (name, run), width in zip(runs, widths, strict=True):
        canv.setFont(name, size)
        canv.drawString(x, y, run)
        x += width


def _para_text(text: str, cap: int | None = None) -> str:
    """User or checklist text made safe for reportlab markup: escaped, line breaks kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if cap is not None and len(text) > cap:
        text = text[:cap] + "… [shortened; full text in the workbook]"
    return _markup(text).replace("\n", "<br/>")


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size:,} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else "—"


def _when(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def register_fonts() -> None:
    """Register the shipped DejaVu Sans once; every glyph we draw comes from it."""
    global _covered
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    regular = TTFont(FONT, str(_FONT_DIR / "DejaVuSans.ttf"))
    # WORKAROUND: reportlab writes astral characters into ToUnicode as 5-digit hex, which readers reject.
    _covered = frozenset(c for c in regular.face.charToGlyph if c <= 0xFFFF)
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(_FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, splitLongWords=True)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9),
        "mono": ParagraphStyle("mono", parent=base, fontSize=6.2, leading=8),
        "sheet": ParagraphStyle("sheet", parent=base, fontSize=6.8, leading=8.2),
        "label": ParagraphStyle(
            "label",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=8.5,
            leading=11,
            textColor=colors.HexColor("#444444"),
            spaceBefore=6,
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=24, leading=30, spaceAfter=8
        ),
        "h0": ParagraphStyle("h0", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=8),
        "h1": ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=13, leading=17, spaceAfter=6),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=11,
            leading=14,
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=1,  # a heading never ends a page without what it heads
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=9.5,
            leading=12,
            spaceBefore=8,
            spaceAfter=3,
            textColor=colors.HexColor("#1f3a5f"),
        ),
        "note": ParagraphStyle("note", parent=base, textColor=colors.HexColor("#8a4b00")),
        "toc0": ParagraphStyle("toc0", parent=base, fontName=FONT_BOLD, fontSize=9.5, leading=13),
        "toc1": ParagraphStyle("toc1", parent=base, fontSize=8.5, leading=11, leftIndent=14),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
    }


# ---- spooling and sniffing


def _spool(ev: PackageEvidence, folder: Path, index: int, cancel: CancelToken | None) -> Path:
    path = folder / f"ev{index:06d}"
    digest = hashlib.sha256()
    with path.open("wb") as fh:
        for chunk in ev.open():
            if cancel is not None:
                cancel.raise_if_cancelled()
            digest.update(chunk)
            fh.write(chunk)
    if digest.hexdigest() != ev.sha256.lower():
        raise UserError(
            f"the stored bytes of {ev.name!r} do not match its SHA-256",
            hint="run verify on the workbook and re-attach the file",
            where=ev.name,
        )
    return path


def _read_png(fh: BinaryIO) -> _PngFast | None:
    """The PNG's layout if its compressed data can go into the PDF unchanged, else None."""
    if fh.read(8) != b"\x89PNG\r\n\x1a\n":
        return None
    width = height = bits = ctype = interlace = -1
    palette = b""
    idat: list[tuple[int, int]] = []
    pos = 8
    while True:
        head = fh.read(8)
        if len(head) < 8:
            return None
        length, kind = struct.unpack(">I4s", head)
        pos += 8
        if kind == b"IHDR":
            width, height, bits, ctype, _, _, interlace = struct.unpack(">IIBBBBB", fh.read(13))
            fh.seek(length - 13 + 4, io.SEEK_CUR)
        elif kind == b"PLTE":
            palette = fh.read(length)
            fh.seek(4, io.SEEK_CUR)
        elif kind == b"IDAT":
            idat.append((pos, length))
            fh.seek(length + 4, io.SEEK_CUR)
        elif kind == b"tRNS":
            return None  # transparency needs a soft mask, so the decoded path
        elif kind == b"IEND":
            break
        else:
            fh.seek(length + 4, io.SEEK_CUR)
        pos += length + 4
    if interlace != 0 or not idat or width <= 0 or height <= 0:
        return None
    if ctype == 0 and bits in (1, 2, 4, 8, 16):
        return _PngFast(width, height, 1, bits, b"", tuple(idat))
    if ctype == 2 and bits in (8, 16):
        return _PngFast(width, height, 3, bits, b"", tuple(idat))
    if ctype == 3 and bits in (1, 2, 4, 8) and palette:
        return _PngFast(width, height, 1, bits, palette, tuple(idat))
    return None


def _classify(path: Path, ev: PackageEvidence) -> _Kind:
    """How the file appears, by its content rather than its name; a failure becomes a page saying so."""
    with path.open("rb") as fh:
        head = fh.read(1024)
    media = ev.media_type.lower()
    name = ev.name.lower()
    if b"%PDF-" in head[:1024] or media == "application/pdf":
        return _classify_pdf(path)
    if (
        head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM"))
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or head[:4] in (b"II*\x00", b"MM\x00*")
    ):
        return _classify_image(path)
    if name.endswith(_SHEET_SUFFIXES) or (media in _SHEET_MEDIA and head.startswith((ZIP_MAGIC, OLE_MAGIC))):
        return _classify_sheet(path, head)
    if media in ("text/csv", "application/csv") or name.endswith((".csv", ".tsv")):
        return _TextKind(csv=True)
    if media.startswith("text/") or name.endswith((".txt", ".log", ".md")):
        return _TextKind(csv=False)
    return _OtherKind()


def _classify_image(path: Path) -> _Kind:
    try:
        with path.open("rb") as fh:
            png = _read_png(fh)
        if png is not None:
            return _ImageKind(png, 1)
        with Image.open(path) as img:
            width, height = img.size
            if width * height > _MAX_PIXELS:
                return _Broken(f"the image is {width}×{height} pixels, too large to place on a page")
            orientation = 1
            with contextlib.suppress(Exception):
                orientation = int(img.getexif().get(0x0112, 1))
            orientation = orientation if orientation in (3, 6, 8) else 1
            if img.format == "JPEG" and img.mode in ("L", "RGB", "CMYK"):
                comps = {"L": 1, "RGB": 3, "CMYK": 4}[img.mode]
                return _ImageKind(_JpegFast(width, height, comps, "adobe" in img.info), orientation)
            img.load()
            return _ImageKind(_Decoded(width, height), orientation)
    except Exception as exc:  # a bad image becomes a page saying so, never a failed export
        return _Broken(f"the image could not be read ({type(exc).__name__}: {exc})"[:300])


def _classify_sheet(path: Path, head: bytes) -> _Kind:
    """The checklist reader's preflight (size, zip bombs, encryption, kind); a refusal becomes a page."""
    if not head.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return _Broken("the file is named as a spreadsheet, but its contents are not an Excel workbook")
    try:
        facts = preflight(path)
    except UserError as exc:
        return _Broken(_reason(exc))
    if facts.kind not in ("xlsx", "xlsm", "xls"):
        return _Broken("the file is not an Excel workbook")
    return _SheetKind(facts.kind)


def _reason(exc: UserError) -> str:
    """A reader's sentence as the clause that follows 'This file could not be shown:'."""
    text = exc.message.strip().rstrip(".")
    return (text[:1].lower() + text[1:])[:300]


def _classify_pdf(path: Path) -> _Kind:
    # A path would make pypdf read the whole file into memory; a handle lets it read what it needs.
    with path.open("rb") as fh:
        return _classify_pdf_stream(fh)


def _classify_pdf_stream(fh: BinaryIO) -> _Kind:
    try:
        reader = PdfReader(fh, strict=False)
        if reader.is_encrypted:
            return _Broken("the PDF is encrypted (password-protected), so its pages cannot be shown")
        root = reader.trailer["/Root"].get_object()
        assert isinstance(root, DictionaryObject)
        pages_root = root["/Pages"].get_object()
        assert isinstance(pages_root, DictionaryObject)
        declared = int(pages_root.get("/Count", 0))
        boxes: list[_PdfPageBox] = []
        copier = _Copier(None, reader)
        for page in reader.pages:
            box = page.cropbox
            x0, y0 = float(box.left), float(box.bottom)
            width, height = float(box.width), float(box.height)
            if width <= 1 or height <= 1 or width > 20_000 or height > 20_000:
                return _Broken(
                    f"page {len(boxes) + 1} has an unusable size ({width:.0f}×{height:.0f} points)"
                )
            rotate = int(page.get("/Rotate", 0) or 0) % 360
            boxes.append(_PdfPageBox(x0, y0, width, height, rotate if rotate in (0, 90, 180, 270) else 0))
            # Walk everything the page shows now, so a damaged object fails here and not mid-export.
            _page_content(page)
            copier.convert(page.get("/Resources", DictionaryObject()))
            copier.drain()
        if not boxes:
            return _Broken("the PDF has no pages that could be read")
        if declared != len(boxes):
            return _Broken(f"the PDF says it has {declared} pages but {len(boxes)} could be read")
        return _PdfKind(tuple(boxes))
    except RecursionError:
        return _Broken("the PDF is nested too deeply to read safely")
    except Exception as exc:  # a hostile or damaged PDF becomes a page saying so, never a failed export
        return _Broken(f"the PDF could not be read ({type(exc).__name__}: {exc})"[:300])


def _page_content(page: DictionaryObject) -> tuple[bytes, DictionaryObject]:
    """The page's content as one stream's raw bytes plus its filters (unchanged when it is one stream)."""
    contents = page.get("/Contents")
    if contents is None:
        return b"", DictionaryObject()
    obj = contents.get_object()
    if isinstance(obj, StreamObject):
        extra = DictionaryObject()
        for key in ("/Filter", "/DecodeParms"):
            if key in obj:
                extra[NameObject(key)] = obj[key]
        return obj._data, extra
    parts = []
    for item in obj if isinstance(obj, ArrayObject) else []:
        stream = item.get_object()
        if isinstance(stream, StreamObject):
            parts.append(stream.get_data())
    return zlib.compress(b"\n".join(parts), 6), DictionaryObject(
        {NameObject("/Filter"): NameObject("/FlateDecode")}
    )


# ---- the streaming PDF writer


class _HashingFile:
    """Counts and hashes what is written so offsets and the package hash need no re-reading."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.pos = 0
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.fh.write(data)
        self.digest.update(data)
        self.pos += len(data)
        return len(data)


class _PdfOut:
    """Writes numbered objects straight to disk; only the offsets table stays in memory."""

    def __init__(self, fh: _HashingFile) -> None:
        self.fh = fh
        self.offsets = array("q", [0])  # 8 bytes an object, not a list of int objects
        fh.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def reserve(self) -> int:
        self.offsets.append(-1)
        return len(self.offsets) - 1

    def write(self, num: int, obj: PdfObject) -> None:
        self.offsets[num] = self.fh.pos
        self.fh.write(f"{num} 0 obj\n".encode())
        obj.write_to_stream(self.fh)  # type: ignore[arg-type]  # pypdf only calls write()
        self.fh.write(b"\nendobj\n")

    def add(self, obj: PdfObject) -> IndirectObject:
        num = self.reserve()
        self.write(num, obj)
        return IndirectObject(num, 0, None)

    def add_stream(self, head: DictionaryObject, chunks: Iterable[bytes]) -> IndirectObject:
        """A stream of unknown length, written as it comes; its /Length follows as its own object."""
        num = self.reserve()
        length_num = self.reserve()
        head = DictionaryObject(head)
        head[NameObject("/Length")] = IndirectObject(length_num, 0, None)
        self.offsets[num] = self.fh.pos
        self.fh.write(f"{num} 0 obj\n".encode())
        head.write_to_stream(self.fh)  # type: ignore[arg-type]  # pypdf only calls write()
        self.fh.write(b"\nstream\n")
        length = 0
        for chunk in chunks:
            self.fh.write(chunk)
            length += len(chunk)
        self.fh.write(b"\nendstream\nendobj\n")
        self.write(length_num, NumberObject(length))
        return IndirectObject(num, 0, None)

    def finish(self, root: IndirectObject, info: IndirectObject, file_id: bytes) -> None:
        start = self.fh.pos
        lines = [f"xref\n0 {len(self.offsets)}\n", "0000000000 65535 f \n"]
        for offset in self.offsets[1:]:
            lines.append(f"{max(offset, 0):010d} 00000 n \n" if offset >= 0 else "0000000000 65535 f \n")
        self.fh.write("".join(lines).encode())
        ident = file_id.hex()
        self.fh.write(
            f"trailer\n<< /Size {len(self.offsets)} /Root {root.idnum} 0 R /Info {info.idnum} 0 R "
            f"/ID [<{ident}> <{ident}>] >>\nstartxref\n{start}\n%%EOF\n".encode()
        )


class _Copier:
    """Copies objects from one source PDF into the output, renumbering and leaving active content behind."""

    def __init__(self, out: _PdfOut | None, reader: PdfReader) -> None:
        self.out = out
        self.reader = reader
        self.numbers: dict[int, int] = {}
        self.pending: list[IndirectObject] = []
        self.held: set[int] = set()  # source objects the caller writes itself
        self._fake = 0

    def number_for(self, ref: IndirectObject) -> int:
        num = self.numbers.get(ref.idnum)
        if num is None:
            if self.out is not None:
                num = self.out.reserve()
            else:
                self._fake += 1
                num = self._fake
            self.numbers[ref.idnum] = num
            if ref.idnum not in self.held:
                self.pending.append(ref)
        return num

    def convert(self, obj: Any, depth: int = 0) -> PdfObject:
        if depth > 200:
            raise RecursionError("object nesting too deep")
        if isinstance(obj, IndirectObject):
            return IndirectObject(self.number_for(obj), 0, None)
        if isinstance(obj, StreamObject):
            stream: StreamObject = EncodedStreamObject() if "/Filter" in obj else DecodedStreamObject()
            stream._data = obj._data
            for key, value in obj.items():
                if key != "/Length" and key not in ACTIVE_KEYS:
                    stream[NameObject(key)] = self.convert(value, depth + 1)
            return stream
        if isinstance(obj, DictionaryObject):
            if obj.get("/S") in _ACTIVE_ACTIONS:
                return NullObject()
            result = DictionaryObject()
            for key, value in obj.items():
                if key not in ACTIVE_KEYS:
                    result[NameObject(key)] = self.convert(value, depth + 1)
            return result
        if isinstance(obj, ArrayObject):
            return ArrayObject(self.convert(v, depth + 1) for v in obj)
        return obj  # type: ignore[no-any-return]

    def drain(self) -> None:
        guard = 0
        while self.pending:
            ref = self.pending.pop()
            guard += 1
            if guard > 2_000_000:
                raise RecursionError("too many objects")
            obj = self.reader.get_object(ref.idnum)
            converted = self.convert(obj if obj is not None else NullObject())
            if self.out is not None:
                self.out.write(self.numbers[ref.idnum], converted)
            # Forget the parsed object: a large scanned PDF must not stay in memory once copied.
            self.reader.resolved_objects.pop((0, ref.idnum), None)
            self.reader.resolved_objects.pop((ref.generation, ref.idnum), None)


# ---- our pages, drawn in bounded chunks with placeholders where evidence pages go


class _Marker(Flowable):
    """Sits on a placeholder page: records the page number and draws the stamp after the page."""

    def __init__(self, record: Callable[[Canvas], None]) -> None:
        super().__init__()
        self.record = record
        self.width = 1
        self.height = 1

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return (1, 1)

    def draw(self) -> None:
        self.record(self.canv)


class _Anchor(Flowable):
    """An invisible point that gets a bookmark, an outline entry and maybe a contents line."""

    def __init__(self, key: str, title: str, level: int) -> None:
        super().__init__()
        self.key, self.title, self.level = key, title, level
        self.width = self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return (0, 0)

    def draw(self) -> None:
        return None


@dataclass(frozen=True)
class _Mark:
    """Where an anchor landed: its outline entry and the package page it points to."""

    key: str
    title: str
    level: int
    page: int


@dataclass(frozen=True)
class _Link:
    """A contents line: the package page it sits on, its rectangle there, and the page it opens."""

    page: int
    rect: tuple[float, float, float, float]
    target: int


@dataclass(frozen=True)
class _Chunk:
    """One built part of our pages: a temporary PDF and what assembly needs to know about it."""

    path: Path
    first_page: int
    pages: int
    placements: dict[int, _Placement]
    marks: tuple[_Mark, ...]
    links: tuple[_Link, ...]
    evidence_pages: int


# One line of the contents: level, title, key of the anchor it points to.
_TocEntry = tuple[int, str, str]


class _ChunkDoc(BaseDocTemplate):
    """One part of our pages, laid out in a single pass; its first page's number in the package is known."""

    def __init__(self, path: str, pkg: PackageInput, page_size: tuple[float, float], first_page: int) -> None:
        super().__init__(
            path,
            pagesize=page_size,
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=18 * mm,
            bottomMargin=20 * mm,
            creator="Audit Workbook",
            invariant=1,
        )
        self.pkg = pkg
        self.first_page = first_page
        self.page_count = 0
        self.placements: dict[int, _Placement] = {}  # by package page number
        self.overlays: dict[int, tuple[str, str]] = {}  # by page number in this chunk
        self.marks: list[_Mark] = []
        self.links: list[_Link] = []
        self.toc: list[tuple[int, str, int]] = []  # level, title, target page: the contents lines
        self.toc_styles: list[ParagraphStyle] = []
        body = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate("body", [body], onPage=self._decorate, pagesize=page_size)])
        self._sizes: set[tuple[float, float]] = set()

    def template_for(self, size: tuple[float, float]) -> str:
        key = (round(size[0], 2), round(size[1], 2))
        name = f"ev:{key[0]}x{key[1]}"
        if key not in self._sizes:
            self._sizes.add(key)
            frame = Frame(0, 0, key[0], key[1], leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
            self.addPageTemplates([PageTemplate(name, [frame], onPageEnd=self._decorate, pagesize=key)])
        return name

    def package_page(self) -> int:
        return self.first_page + self.canv.getPageNumber() - 1

    def afterPage(self) -> None:  # noqa: N802 - reportlab's hook name
        self.page_count = max(self.page_count, self.page)

    def handle_documentBegin(self) -> None:  # noqa: N802 - reportlab's hook name
        self.canv.setNamedCB("awContentsLine", self._contents_line_end)
        super().handle_documentBegin()

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 - reportlab's hook name
        if isinstance(flowable, _Anchor):
            self.canv.bookmarkPage(flowable.key)
            self.marks.append(_Mark(flowable.key, flowable.title[:200], flowable.level, self.package_page()))

    def _contents_line_end(self, canv: Canvas, kind: str | None, label: str) -> None:
        """Dots and the page number after a contents line, and the line's link rectangle for assembly."""
        level, _, target = self.toc[int(label)]
        style = self.toc_styles[min(level, len(self.toc_styles) - 1)]
        avail = self.width - 12  # the body frame's left and right padding
        y = float(canv._curr_tx_info["cur_y"])  # type: ignore[attr-defined]  # no public getter
        drawPageNumbers(canv, style, [(target, None)], avail, 0, " . ")
        x0, y0 = canv.absolutePosition(0, y - style.fontSize * 0.3)
        x1, y1 = canv.absolutePosition(avail, y + style.fontSize)
        self.links.append(_Link(self.package_page(), (x0, y0, x1, y1), target))

    def _decorate(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        """Footer (package id, activity head), stamp on evidence pages, DRAFT; page numbers come later."""
        width, height = canv._pagesize  # type: ignore[attr-defined]  # no public getter
        page = canv.getPageNumber()
        canv.saveState()
        stamp = self.overlays.get(page)
        if stamp is not None:
            canv.setFillColor(colors.white)
            canv.rect(0, 0, width, _BAND, stroke=0, fill=1)
            canv.setStrokeColor(colors.HexColor("#999999"))
            canv.setLineWidth(0.4)
            canv.line(0, _BAND, width, _BAND)
            canv.setFillColor(colors.HexColor("#1f3a5f"))
            _draw_text(canv, 12, _BAND - 12, stamp[0][:220], FONT_BOLD, 7.5)
            if stamp[1]:
                canv.setFillColor(colors.HexColor("#333333"))
                _draw_text(canv, 28, height - 20, stamp[1][:160], FONT, 8)
        margin = 12.0 if stamp is not None else float(self.leftMargin)
        canv.setFillColor(colors.HexColor("#555555"))
        foot = f"Package {self.pkg.package_id} · activity log head {self.pkg.activity_head}"
        _draw_text(canv, margin, 10 if stamp is not None else 12 * mm, foot[:200], FONT, 6.2)
        if not self.pkg.final:
            canv.setFillColor(colors.HexColor("#cc0000"))
            canv.setFillAlpha(0.13)
            canv.setFont(FONT_BOLD, min(width, height) / 4.2)
            canv.translate(width / 2, height / 2)
            canv.rotate(35)
            canv.drawCentredString(0, -min(width, height) / 12, "DRAFT")
        canv.restoreState()


@dataclass
class _Layout:
    """State while the story is built: numbering of evidence and what each placeholder shows."""

    styles: dict[str, ParagraphStyle]
    spooled: dict[str, _Spooled]
    doc: _ChunkDoc
    problems: list[str]  # shared by every chunk of one package
    story: list[Flowable] = field(default_factory=list)
    evidence_pages: int = 0


def _kv_table(rows: list[tuple[str, str]], styles: dict[str, ParagraphStyle], width: float) -> Table:
    data = [
        [Paragraph(escape(k), styles["label"]), Paragraph(_para_text(v, _FIELD_CAP), styles["body"])]
        for k, v in rows
    ]
    table = Table(data, colWidths=[width * 0.24, width * 0.76], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dddddd")),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _grid(data: list[list[Any]], widths: list[float], header: bool = True) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 7.5),
        ("LEADING", (0, 0), (-1, -1), 9),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        style += [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
            ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
        ]
    table.setStyle(TableStyle(style))  # type: ignore[arg-type]  # the stubs want literal tuples
    return table


def _cover(pkg: PackageInput, lay: _Layout, evidence_count: int) -> None:
    s, width = lay.styles, lay.doc.width
    story = lay.story
    story.append(_Anchor("cover", "Cover", 0))
    story.append(Spacer(1, 30 * mm))
    story.append(Paragraph("Evidence package", s["h1"]))
    story.append(Paragraph(_para_text(pkg.client or "(client not set)", 300), s["title"]))
    story.append(Paragraph(_para_text(pkg.framework, 300), s["h2"]))
    story.append(Spacer(1, 8 * mm))
    local = pkg.generated_at.astimezone()
    story.append(
        _kv_table(
            [
                ("Audit period", pkg.period_text),
                ("Auditor", pkg.auditor or "—"),
                ("Prepared by", pkg.prepared_by or "—"),
                ("Generated (UTC)", pkg.generated_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")),
                ("Generated (local)", local.strftime("%Y-%m-%d %H:%M:%S %Z (UTC%z)")),
                ("Package id", pkg.package_id),
                ("Activity log head", pkg.activity_head or "—"),
                ("Scope", pkg.scope or "every request in the workbook"),
                ("Contents", f"{len(pkg.requests)} requests, {evidence_count} evidence files"),
                ("Status", "FINAL" if pkg.final else "DRAFT — not for reliance"),
            ],
            s,
            width,
        )
    )
    story.append(Spacer(1, 8 * mm))
    story.append(
        Paragraph(
            "Every evidence file is listed with its SHA-256 in the appendix and attached to this PDF as the "
            "original file, with a machine-readable manifest (manifest.json). Run "
            "<b>audit-workbook verify</b> on this file to re-check every attachment.",
            s["small"],
        )
    )
    story.append(PageBreak())


def _summary(pkg: PackageInput, lay: _Layout) -> None:
    s, width = lay.styles, lay.doc.width
    story = lay.story
    r = summarise(pkg.requests)
    story.append(_Anchor("summary", "Readiness summary", 0))
    story.append(Paragraph("Readiness summary", s["h0"]))
    story.append(
        Paragraph(
            f"{r.ready} of {r.total} requests ready ({r.ready_percent:.0f}%). "
            f"{len(r.overdue)} overdue, {len(r.missing_evidence)} without evidence.",
            s["body"],
        )
    )
    story.append(Spacer(1, 4 * mm))

    def pct(n: int, d: int) -> str:
        return f"{100 * n / d:.0f}%" if d else "—"

    story.append(Paragraph("By status", s["h2"]))
    rows: list[list[Any]] = [["Status", "Requests", "Share"]]
    rows += [[st.label, str(n), pct(n, r.total)] for st, n in r.by_status]
    story.append(_grid(rows, [width * 0.5, width * 0.225, width * 0.225]))
    for title, groups in (("By owner", r.by_owner), ("By section", r.by_section)):
        story.append(Paragraph(title, s["h2"]))
        rows = [[title[3:].capitalize(), "Requests", "Ready", "Ready %"]]
        rows += [
            [Paragraph(_para_text(k, 120), s["cell"]), str(n), str(ok), pct(ok, n)] for k, n, ok in groups
        ]
        story.append(_grid(rows, [width * 0.5, width * 0.15, width * 0.15, width * 0.15]))
    for title, items, with_due in (
        ("Overdue", r.overdue, True),
        ("Missing evidence", r.missing_evidence, False),
    ):
        story.append(Paragraph(f"{title} ({len(items)})", s["h2"]))
        if not items:
            story.append(Paragraph("None.", s["body"]))
            continue
        rows = [["Ref", "Title", "Owner", "Due" if with_due else "Status"]]
        for req in items:
            rows.append(
                [
                    Paragraph(_para_text(req.ref, 60), s["cell"]),
                    Paragraph(_para_text(req.title, 200), s["cell"]),
                    Paragraph(_para_text(req.owner, 60), s["cell"]),
                    _date(req.due) if with_due else req.status.label,
                ]
            )
        story.append(_grid(rows, [width * 0.16, width * 0.5, width * 0.18, width * 0.16]))


def _contents(lay: _Layout, lines: list[tuple[int, str, int]]) -> None:
    """The contents with real page numbers; each line's link is added when the package is assembled."""
    lay.doc.toc = lines
    lay.doc.toc_styles = [lay.styles["toc0"], lay.styles["toc1"]]
    lay.story.append(_Anchor("contents", "Contents", 0))
    lay.story.append(Paragraph("Contents", lay.styles["h0"]))
    for i, (level, title, _) in enumerate(lines):
        style = lay.doc.toc_styles[min(level, 1)]
        lay.story.append(
            Paragraph(f'{_markup(title[:160])}<onDraw name="awContentsLine" label="{i}"/>', style)
        )


def _stamp_for(
    req: PackageRequest, position: int, ev: PackageEvidence, page: int | None, pages: int | None
) -> str:
    parts = [_clean(req.ref)[:40], f"evidence {position}/{len(req.evidence)}"]
    if page is not None and pages is not None:
        parts.append(f"page {page}/{pages}")
    parts.append(f"sha256 {ev.sha256[:12]}…")
    return " · ".join(parts)


def _request_pages(req: PackageRequest, ri: int, lay: _Layout) -> None:
    s, width = lay.styles, lay.doc.width
    story = lay.story
    story.append(_Anchor(f"req-{ri}", _request_title(req), 1))
    story.append(Paragraph(f"{_para_text(req.ref, 80)} — {_para_text(req.title, 300)}", s["h1"]))
    rows = [
        ("Criteria", ", ".join(req.criteria) or "—"),
        ("Section", req.section or "—"),
        ("Owner", req.owner or "—"),
        ("Status", req.status_text + ("  · OVERDUE" if req.overdue else "")),
        ("Due", _date(req.due)),
        ("Completed", _date(req.completed)),
    ]
    story.append(_kv_table(rows, s, width))
    for label, text in (
        ("Request", req.request),
        ("Notes", req.notes),
        ("Auditor comment", req.auditor_comment),
    ):
        if text.strip():
            story.append(Paragraph(label, s["label"]))
            story.append(Paragraph(_para_text(text), s["body"]))
    if req.comments:
        story.append(Paragraph("Review comments", s["label"]))
        for c in req.comments:
            story.append(Paragraph(f"<b>{_para_text(c.author, 80)}</b> · {_when(c.at)}", s["small"]))
            story.append(Paragraph(_para_text(c.body), s["body"]))
    if req.extra:
        story.append(Paragraph("From the checklist", s["label"]))
        for header, value in req.extra:
            story.append(Paragraph(f"<b>{_para_text(header, 200)}:</b> {_para_text(value)}", s["body"]))
    story.append(Paragraph(f"Evidence ({len(req.evidence)})", s["label"]))
    if not req.evidence:
        story.append(Paragraph("No evidence attached.", s["note"]))
    else:
        rows2: list[list[Any]] = [["#", "File", "Type · size", "Effective", "Added", "SHA-256"]]
        for ei, ev in enumerate(req.evidence, 1):
            link = f'<a href="#ev-{ri}-{ei}" color="#1f3a5f">{_para_text(ev.name, 200)}</a>'
            added = f"{_para_text(ev.added_by, 60)}<br/>{_when(ev.added_at)}"
            kind = f"{_para_text(ev.media_type, 60)}<br/>{_human_size(ev.size)}"
            rows2.append(
                [
                    str(ei),
                    Paragraph(link, s["cell"]),
                    Paragraph(kind, s["cell"]),
                    _date(ev.effective_date),
                    Paragraph(added, s["cell"]),
                    Paragraph(f"{ev.sha256[:32]}<br/>{ev.sha256[32:]}", s["mono"]),
                ]
            )
        story.append(_grid(rows2, [w * width for w in (0.05, 0.25, 0.14, 0.11, 0.15, 0.30)]))
    for ei, ev in enumerate(req.evidence, 1):
        _evidence_pages(req, ri, ei, ev, lay)


def _evidence_heading(
    req: PackageRequest, ei: int, ev: PackageEvidence, anchor: _Anchor, lay: _Layout
) -> None:
    s = lay.styles
    lay.story.append(NextPageTemplate("body"))
    lay.story.append(PageBreak())
    lay.story.append(anchor)
    lay.story.append(
        Paragraph(
            f"{_para_text(req.ref, 80)} · evidence {ei}/{len(req.evidence)} — {_para_text(ev.name, 300)}",
            s["h2"],
        )
    )


def _facts(ev: PackageEvidence, spooled: _Spooled, lay: _Layout) -> None:
    rows = [
        ("File", ev.name),
        ("Type", ev.media_type or "—"),
        ("Size", _human_size(ev.size)),
        ("SHA-256", ev.sha256),
        ("Attached as", spooled.attachment),
        ("Effective date", _date(ev.effective_date)),
        ("Added", f"{ev.added_by} · {_when(ev.added_at)}"),
    ]
    rows += [
        (k, v)
        for k, v in (
            ("Description", ev.description),
            ("Source system", ev.source_system),
            ("Shows", ev.shows),
            ("Population", ev.population),
            ("Period covered", ev.period_covered),
            ("Flags", ", ".join(ev.flags)),
        )
        if v
    ]
    lay.story.append(_kv_table(rows, lay.styles, lay.doc.width))


def _evidence_pages(req: PackageRequest, ri: int, ei: int, ev: PackageEvidence, lay: _Layout) -> None:
    spooled = lay.spooled[ev.sha256.lower()]
    kind, s, doc = spooled.kind, lay.styles, lay.doc
    anchor = _Anchor(f"ev-{ri}-{ei}", f"{ei}. {_clean(ev.name)}"[:200], 2)
    if isinstance(kind, _PdfKind):
        n = len(kind.pages)
        for pi, box in enumerate(kind.pages):
            shown_w, shown_h = box.shown
            lay.story.append(NextPageTemplate(doc.template_for((shown_w, shown_h + _BAND))))
            lay.story.append(PageBreak())
            if pi == 0:
                lay.story.append(anchor)
            stamp = _stamp_for(req, ei, ev, pi + 1, n)
            lay.story.append(
                _Marker(
                    _recorder(
                        doc,
                        _Placement(spooled.evidence.sha256.lower(), pi, (0.0, _BAND, shown_w, shown_h)),
                        stamp,
                    )
                )
            )
            lay.evidence_pages += 1
        return
    if isinstance(kind, _ImageKind):
        data = kind.data
        w, h = (data.height, data.width) if kind.orientation in (6, 8) else (data.width, data.height)
        page = doc.pagesize if h >= w else landscape(doc.pagesize)
        pw, ph = page
        margin, top = 28.0, 30.0
        avail_w, avail_h = pw - 2 * margin, ph - _BAND - top - 8
        scale = min(avail_w / w, avail_h / h, 1.0 if w > 600 else 2.0)
        bw, bh = w * scale, h * scale
        spot = ((pw - bw) / 2, _BAND + 4 + (avail_h - bh), bw, bh)
        caption = f"{_clean(ev.name)[:90]} · {w}×{h} px · effective {_date(ev.effective_date)}"
        lay.story.append(NextPageTemplate(doc.template_for(page)))
        lay.story.append(PageBreak())
        lay.story.append(anchor)
        stamp = _stamp_for(req, ei, ev, None, None)
        lay.story.append(_Marker(_recorder(doc, _Placement(ev.sha256.lower(), 0, spot), stamp, caption)))
        lay.evidence_pages += 1
        return
    _evidence_heading(req, ei, ev, anchor, lay)
    if isinstance(kind, _Broken):
        lay.problems.append(f"{req.ref} · {ev.name}: {kind.reason}")
        lay.story.append(
            Paragraph(
                f"<b>This file could not be shown:</b> {_para_text(kind.reason)}. The original is attached "
                "to this PDF unchanged; check it against the SHA-256 below.",
                s["note"],
            )
        )
        _facts(ev, spooled, lay)
    elif isinstance(kind, _TextKind):
        _facts(ev, spooled, lay)
        lay.story.append(Spacer(1, 4 * mm))
        lay.story.extend(_render_text(spooled.path, kind.csv, lay))
    elif isinstance(kind, _SheetKind):
        _facts(ev, spooled, lay)
        lay.story.append(Spacer(1, 2 * mm))
        lay.story.extend(_render_sheets(spooled, kind, req, lay))
    else:
        lay.story.append(
            Paragraph(
                "This type of file is not drawn on pages. It is attached to this PDF as the original file "
                f"<b>{_para_text(spooled.attachment)}</b> (open the attachments panel of your PDF viewer).",
                s["body"],
            )
        )
        _facts(ev, spooled, lay)
    lay.story.append(Paragraph(_para_text(_stamp_for(req, ei, ev, None, None)), s["small"]))


def _recorder(
    doc: _ChunkDoc, placement: _Placement, stamp: str, caption: str = ""
) -> Callable[[Canvas], None]:
    def record(canv: Canvas) -> None:
        doc.placements[doc.package_page()] = placement
        doc.overlays[canv.getPageNumber()] = (stamp, caption)

    return record


def _cell_text(text: str, cap: int) -> str:
    """Cell text cut to `cap` characters and a few lines, escaped for a paragraph."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cut = len(text) > cap
    text = text[:cap]
    if text.count("\n") > _CELL_LINES:
        lines = text.split("\n")
        text = "\n".join(lines[:_CELL_LINES]) + " " + " ".join(lines[_CELL_LINES:])
    return _para_text(text) + (" […]" if cut else "")


def _text_table(
    rows: list[list[str]],
    lay: _Layout,
    cap: int,
    head: list[str] | None = None,
    numbers: list[int] | None = None,
) -> Table:
    """Rows of plain text as a grid; columns share the width by how much they hold.

    With `head` (column letters) the first line is that head, repeated on each page, and `numbers` (sheet
    row numbers) become a narrow first column; without it the file's own first row is the head.
    """
    s, width = lay.styles, lay.doc.width
    cols = max(len(r) for r in rows)
    rows = [r + [""] * (cols - len(r)) for r in rows]
    weights = [max(4, min(40, max(len(r[c]) for r in rows))) for c in range(cols)]
    lead = 24.0 if numbers is not None else 0.0
    share = (width - lead) / sum(weights)
    widths = [w * share for w in weights]
    style = s["sheet"] if head is not None else s["cell"]
    data: list[list[Any]] = [[Paragraph(_cell_text(v, cap), style) for v in r] for r in rows]
    if numbers is not None:
        widths.insert(0, lead)
        for line, number in zip(data, numbers, strict=True):
            line.insert(0, str(number))
    if head is not None:
        data.insert(0, ([""] if numbers is not None else []) + head)
    table = _grid(data, widths)
    if numbers is not None:
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 1), (0, -1), colors.HexColor("#f2f4f7")),
                    ("FONTSIZE", (0, 0), (-1, 0), 6.5),
                    ("FONTSIZE", (0, 1), (0, -1), 6.5),
                    ("TEXTCOLOR", (0, 1), (0, -1), colors.HexColor("#555555")),
                    ("ALIGN", (0, 0), (-1, 0), "CENTER"),
                ]
            )
        )
    return table


def _render_sheets(spooled: _Spooled, kind: _SheetKind, req: PackageRequest, lay: _Layout) -> list[Flowable]:
    """Each visible sheet as a table of the values Excel shows (cached results for formulas), capped."""
    s, ev = lay.styles, spooled.evidence
    facts = FileFacts(_with_suffix(spooled.path, kind.kind), ev.name, ev.size, ev.sha256, kind.kind)
    out: list[Flowable] = []

    def refused(what: str, reason: str) -> None:
        lay.problems.append(f"{req.ref} · {ev.name}{what}: {reason}")
        out.append(
            Paragraph(
                f"<b>{_para_text(what.lstrip(' ·') or 'This file')} could not be shown:</b> "
                f"{_para_text(reason)}. The original is attached to this PDF unchanged.",
                s["note"],
            )
        )

    try:
        with open_source(facts) as source:
            entries = source.sheets()
            shown = [e for e in entries if not e.hidden and e.kind == "worksheet"]
            skipped = [e for e in entries if e not in shown]
            notes = []
            if len(shown) > _SHEET_CAP:
                notes.append(f"the first {_SHEET_CAP} of {len(shown)} sheets are shown")
            if skipped:
                names = ", ".join(repr(_clean(e.name)[:40]) for e in skipped[:5])
                more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
                notes.append(f"hidden and chart sheets are not shown ({names}{more})")
            out.append(
                Paragraph(
                    f"Workbook with {len(entries)} sheet{'s' if len(entries) != 1 else ''}"
                    + (f"; {_para_text('; '.join(notes))}" if notes else "")
                    + ". Values are shown as Excel displays them; formulas show their last calculated "
                    "result.",
                    s["small"],
                )
            )
            if not shown:
                out.append(Paragraph("The workbook has no visible sheet with cells.", s["body"]))
            for i, entry in enumerate(shown[:_SHEET_CAP], 1):
                title = f"Sheet {i} of {len(shown)}: {_clean(entry.name)[:100]}"
                # keepWithNext would push a page-long table and its heading to the next page whole.
                out.append(CondPageBreak(60))
                out.append(Paragraph(_para_text(title), s["h3"]))
                try:
                    grid = source.read(entry.name, max_rows=_SHEET_READ_ROWS)
                except Exception as exc:  # one bad sheet is a note; the other sheets are still shown
                    refused(f" · sheet {_clean(entry.name)[:40]!r}", _failure(exc))
                    continue
                out.extend(_sheet_table(grid, lay))
    except Exception as exc:  # a hostile or broken workbook becomes a note, never a failed export
        refused("", _failure(exc))
    return out


def _with_suffix(path: Path, suffix: str) -> Path:
    """openpyxl refuses a path without an Excel suffix; a hard link (or copy) gives the spooled file one."""
    target = path.with_name(f"{path.name}.{suffix}")
    if not target.exists():
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
    return target


def _failure(exc: Exception) -> str:
    if isinstance(exc, UserError):
        return _reason(exc)
    return f"the workbook could not be read ({type(exc).__name__}: {exc})"[:300]


def _sheet_table(grid: SheetGrid, lay: _Layout) -> list[Flowable]:
    """One sheet's visible, non-empty rows and columns (row numbers and column letters kept), capped."""
    s = lay.styles
    filled = [
        (number, cells)
        for number, cells in enumerate(grid.rows, 1)
        if number not in grid.hidden_rows and any(to_text(v).strip() for v in cells)
    ]
    if not filled:
        return [Paragraph("This sheet is empty.", s["body"])]
    shown_rows = filled[:_SHEET_ROW_CAP]
    used = sorted(
        {
            c
            for _, cells in shown_rows
            for c, v in enumerate(cells, 1)
            if c not in grid.hidden_columns and to_text(v).strip()
        }
    )
    columns = used[:_SHEET_COL_CAP]
    rows = [[to_text(cells[c - 1]) if c <= len(cells) else "" for c in columns] for _, cells in shown_rows]
    table = _text_table(
        rows,
        lay,
        _SHEET_CELL_CAP,
        head=[column_letter(c) for c in columns],
        numbers=[number for number, _ in shown_rows],
    )
    cuts: list[str] = []
    if len(filled) > _SHEET_ROW_CAP or not grid.complete:
        last_read = len(grid.rows)
        if grid.complete:
            cuts.append(f"{len(shown_rows):,} of {len(filled):,} rows")
        elif grid.claimed_rows > last_read:
            # Beyond the rows read, the sheet's declared used range counts the rest.
            total = len(filled) + grid.claimed_rows - last_read
            cuts.append(f"{len(shown_rows):,} of {total:,} rows")
        else:
            cuts.append(f"the first {len(shown_rows):,} rows (more follow)")
    if len(used) > _SHEET_COL_CAP:
        cuts.append(f"{_SHEET_COL_CAP} of {len(used)} columns")
    out: list[Flowable] = [table]
    if cuts:
        out.append(Spacer(1, 2))
        out.append(
            Paragraph(f"Truncated: showing {' and '.join(cuts)}; the full file is attached.", s["note"])
        )
    return out


def _render_text(path: Path, is_csv: bool, lay: _Layout) -> list[Flowable]:
    s = lay.styles
    with path.open("rb") as fh:
        raw = fh.read(_TEXT_BYTE_CAP + 1)
    cut_bytes = len(raw) > _TEXT_BYTE_CAP
    raw = raw[:_TEXT_BYTE_CAP]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    out: list[Flowable] = []
    if is_csv:
        import csv

        delimiter = "\t" if path.suffix == ".tsv" or text[:2000].count("\t") > text[:2000].count(",") else ","
        rows: list[list[str]] = []
        total_rows = 0
        wide = False
        for row in csv.reader(io.StringIO(text.replace("\x00", "")), delimiter=delimiter):
            total_rows += 1
            wide = wide or len(row) > _CSV_COL_CAP
            if len(rows) < _CSV_ROW_CAP:
                rows.append(row[:_CSV_COL_CAP])
        if not rows:
            return [Paragraph("The file is empty.", s["body"])]
        out.append(_text_table(rows, lay, _CELL_CAP))
        if total_rows > _CSV_ROW_CAP or cut_bytes or wide:
            shown = f"first {len(rows)} rows" + (f", first {_CSV_COL_CAP} columns" if wide else "")
            more = "more rows follow" if cut_bytes else f"of {total_rows} rows"
            out.append(
                Paragraph(f"Truncated: showing the {shown} ({more}). The full file is attached.", s["note"])
            )
        return out
    lines = text.splitlines()
    cut_lines = len(lines) > _TEXT_LINE_CAP
    lines = lines[:_TEXT_LINE_CAP]
    for start in range(0, len(lines), 40):
        out.append(Paragraph(_para_text("\n".join(lines[start : start + 40])), s["mono"]))
    if cut_lines or cut_bytes:
        out.append(
            Paragraph(
                f"Truncated: showing the first {len(lines)} lines. The full file is attached.", s["note"]
            )
        )
    return out


def _appendix(lay: _Layout, rows: list[tuple[str, str, int, str]], first: bool) -> None:
    """One part of the appendix; the first part carries the heading, the others continue the table."""
    s, width = lay.styles, lay.doc.width
    story = lay.story
    if first:
        story.append(_Anchor("appendix", "Appendix — manifest", 0))
        story.append(Paragraph("Appendix — manifest of evidence files", s["h0"]))
        story.append(
            Paragraph(
                "Each file below is attached to this PDF unchanged, with <b>manifest.json</b>, which lists "
                "the same files by request with size, SHA-256, effective date and provenance. To verify: run "
                "<b>audit-workbook verify this-package.pdf</b>, which re-hashes every attachment against the "
                "manifest; or save the attachments (for example <b>pdfdetach -saveall</b> or your viewer's "
                "attachments panel) and compare <b>sha256sum</b> of each file with the list below.",
                s["body"],
            )
        )
        story.append(Spacer(1, 4 * mm))
        if not rows:
            story.append(Paragraph("No evidence files.", s["body"]))
            return
    table: list[list[Any]] = [["Ref", "File (attachment name)", "Size", "SHA-256"]]
    for ref, attachment, size, sha in rows:
        table.append(
            [
                Paragraph(_para_text(ref, 60), s["cell"]),
                Paragraph(_para_text(attachment, 200), s["cell"]),
                f"{size:,}",
                Paragraph(f"{sha[:32]}<br/>{sha[32:]}", s["mono"]),
            ]
        )
    story.append(_grid(table, [width * 0.13, width * 0.4, width * 0.12, width * 0.35]))


def _request_title(req: PackageRequest) -> str:
    return f"{_clean(req.ref)} — {_clean(req.title)}"[:200]


# A part of the request pages: (section index and title when the section starts here, request index, request).
_Part = list[tuple[tuple[int, str] | None, int, PackageRequest]]


def _sections(pkg: PackageInput) -> list[tuple[str, list[tuple[int, PackageRequest]]]]:
    sections: dict[str, list[tuple[int, PackageRequest]]] = {}
    for ri, req in enumerate(pkg.requests):
        sections.setdefault(req.section.strip(), []).append((ri, req))
    return [(_clean(title) or "Requests without a section", members) for title, members in sections.items()]


def _plan(pkg: PackageInput, spooled: dict[str, _Spooled]) -> list[_Part]:
    """Requests cut into parts of about _CHUNK_PAGES pages each, so reportlab never holds more."""
    parts: list[_Part] = []
    part: _Part = []
    weight = 0
    for si, (title, members) in enumerate(_sections(pkg)):
        for i, (ri, req) in enumerate(members):
            cost = 1
            for ev in req.evidence:
                kind = spooled[ev.sha256.lower()].kind
                if isinstance(kind, _PdfKind):
                    cost += len(kind.pages)
                elif isinstance(kind, _SheetKind):
                    cost += 12
                else:
                    cost += 6 if isinstance(kind, _TextKind) else 1
            if part and weight + cost > _CHUNK_PAGES:
                parts.append(part)
                part, weight = [], 0
            part.append(((si, title) if i == 0 else None, ri, req))
            weight += cost
    if part:
        parts.append(part)
    return parts


def _contents_lines(pkg: PackageInput) -> list[_TocEntry]:
    """Every line of the contents in order; their pages are known only once the rest is built."""
    lines: list[_TocEntry] = [(0, "Readiness summary", "summary")]
    for si, (title, members) in enumerate(_sections(pkg)):
        lines.append((0, title, f"sec-{si}"))
        lines += [(1, _request_title(req), f"req-{ri}") for ri, req in members]
    lines.append((0, "Appendix — manifest", "appendix"))
    return lines


class _Builder:
    """Builds each part of our pages as its own one-pass document in a temporary folder."""

    def __init__(self, pkg: PackageInput, spooled: dict[str, _Spooled], folder: Path) -> None:
        register_fonts()
        self.pkg = pkg
        self.spooled = spooled
        self.folder = folder
        self.page_size = A4 if pkg.page_size == "a4" else LETTER
        self.styles = _styles()
        self.problems: list[str] = []
        self._count = 0

    def build(self, first_page: int, fill: Callable[[_Layout], None]) -> _Chunk:
        self._count += 1
        path = self.folder / f"part{self._count:05d}.pdf"
        doc = _ChunkDoc(str(path), self.pkg, self.page_size, first_page)
        lay = _Layout(self.styles, self.spooled, doc, self.problems)
        fill(lay)
        doc.build(lay.story)
        chunk = _Chunk(
            path,
            first_page,
            doc.page_count,
            doc.placements,
            tuple(doc.marks),
            tuple(doc.links),
            lay.evidence_pages,
        )
        _release(doc)
        return chunk


def _release(doc: _ChunkDoc) -> None:
    """Break the cycles between a built document, its canvas, templates and flowables.

    Reference counting then frees the part at once, with no full gc.collect() holding the GIL.
    """
    canv = doc.__dict__.get("canv")
    if canv is not None:
        pdf = canv.__dict__.get("_doc")
        if pdf is not None:
            pdf.__dict__.clear()  # the saved file's objects point at each other and at the canvas
        canv.__dict__.clear()  # text objects, named callbacks and page callbacks point back at it
    for template in doc.pageTemplates:
        template.__dict__.clear()  # its onPage callbacks are bound methods of doc
    doc.__dict__.clear()


def _build_pages(
    pkg: PackageInput, spooled: dict[str, _Spooled], folder: Path, tick: Callable[[], None]
) -> tuple[list[_Chunk], list[str], int]:
    """Every page we draw, in parts; returns the parts in package order, problems and evidence pages."""
    builder = _Builder(pkg, spooled, folder)
    evidence_count = sum(len(r.evidence) for r in pkg.requests)

    def front(lay: _Layout) -> None:
        _cover(pkg, lay, evidence_count)
        _summary(pkg, lay)

    head = builder.build(1, front)
    tick()
    lines = _contents_lines(pkg)
    # The contents' length does not depend on its page numbers (they are drawn after each line).
    guess = builder.build(head.pages + 1, _contents_part([(lv, t, 0) for lv, t, _ in lines]))
    guess.path.unlink()
    contents_pages = guess.pages
    parts = _plan(pkg, spooled)
    rows = [
        (req.ref, spooled[ev.sha256.lower()].attachment, ev.size, ev.sha256)
        for req in pkg.requests
        for ev in req.evidence
    ]
    for _ in range(3):
        body: list[_Chunk] = []
        builder.problems.clear()
        next_page = head.pages + contents_pages + 1
        for part in parts:
            chunk = builder.build(next_page, _part_pages(part))
            body.append(chunk)
            next_page += chunk.pages
            tick()
        for start in range(0, max(len(rows), 1), _APPENDIX_ROWS):
            piece = rows[start : start + _APPENDIX_ROWS]
            chunk = builder.build(next_page, _appendix_part(piece, start == 0))
            body.append(chunk)
            next_page += chunk.pages
        pages = {m.key: m.page for chunk in (head, *body) for m in chunk.marks}
        pages["contents"] = head.pages + 1
        contents = builder.build(
            head.pages + 1, _contents_part([(lv, t, pages[key]) for lv, t, key in lines])
        )
        if contents.pages == contents_pages:
            return [head, contents, *body], builder.problems, sum(c.evidence_pages for c in body)
        contents_pages = contents.pages  # never seen; lay the rest out again after the longer contents
    raise RuntimeError("the contents pages did not settle")


def _part_pages(part: _Part) -> Callable[[_Layout], None]:
    def fill(lay: _Layout) -> None:
        for i, (section, ri, req) in enumerate(part):
            if i:
                lay.story.append(NextPageTemplate("body"))
                lay.story.append(PageBreak())
            if section is not None:
                lay.story.append(_Anchor(f"sec-{section[0]}", section[1], 0))
            _request_pages(req, ri, lay)

    return fill


def _contents_part(lines: list[tuple[int, str, int]]) -> Callable[[_Layout], None]:
    def fill(lay: _Layout) -> None:
        _contents(lay, lines)

    return fill


def _appendix_part(rows: list[tuple[str, str, int, str]], first: bool) -> Callable[[_Layout], None]:
    def fill(lay: _Layout) -> None:
        _appendix(lay, rows, first)

    return fill


# ---- assembly: our pages + evidence content, streamed


def _image_xobject(out: _PdfOut, spool: _Spooled, kind: _ImageKind) -> IndirectObject:
    data = kind.data
    head = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(data.width),
            NameObject("/Height"): NumberObject(data.height),
        }
    )
    if isinstance(data, _PngFast):
        if data.palette:
            space: PdfObject = ArrayObject(
                [
                    NameObject("/Indexed"),
                    NameObject("/DeviceRGB"),
                    NumberObject(len(data.palette) // 3 - 1),
                    ByteStringObject(data.palette),
                ]
            )
        else:
            space = NameObject("/DeviceGray" if data.colors == 1 else "/DeviceRGB")
        head[NameObject("/ColorSpace")] = space
        head[NameObject("/BitsPerComponent")] = NumberObject(data.bits)
        head[NameObject("/Filter")] = NameObject("/FlateDecode")
        head[NameObject("/DecodeParms")] = DictionaryObject(
            {
                NameObject("/Predictor"): NumberObject(15),
                NameObject("/Colors"): NumberObject(data.colors),
                NameObject("/BitsPerComponent"): NumberObject(data.bits),
                NameObject("/Columns"): NumberObject(data.width),
            }
        )
        return out.add_stream(head, _idat_chunks(spool.path, data.idat))
    if isinstance(data, _JpegFast):
        head[NameObject("/ColorSpace")] = NameObject(
            {1: "/DeviceGray", 3: "/DeviceRGB", 4: "/DeviceCMYK"}[data.components]
        )
        head[NameObject("/BitsPerComponent")] = NumberObject(8)
        head[NameObject("/Filter")] = NameObject("/DCTDecode")
        if data.components == 4 and data.adobe_inverted:
            head[NameObject("/Decode")] = ArrayObject([NumberObject(v) for v in (1, 0) * 4])
        return out.add_stream(head, _file_chunks(spool.path))
    with Image.open(spool.path) as img:
        img.seek(0)
        has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
        rgba = img.convert("RGBA") if has_alpha else None
        rgb = (rgba or img).convert("RGB")
        if rgba is not None:
            alpha = rgba.getchannel("A").tobytes()
            mask = DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/XObject"),
                    NameObject("/Subtype"): NameObject("/Image"),
                    NameObject("/Width"): NumberObject(data.width),
                    NameObject("/Height"): NumberObject(data.height),
                    NameObject("/ColorSpace"): NameObject("/DeviceGray"),
                    NameObject("/BitsPerComponent"): NumberObject(8),
                    NameObject("/Filter"): NameObject("/FlateDecode"),
                }
            )
            head[NameObject("/SMask")] = out.add_stream(mask, [zlib.compress(alpha, 6)])
        pixels = rgb.tobytes()
    head[NameObject("/ColorSpace")] = NameObject("/DeviceRGB")
    head[NameObject("/BitsPerComponent")] = NumberObject(8)
    head[NameObject("/Filter")] = NameObject("/FlateDecode")
    return out.add_stream(head, [zlib.compress(pixels, 6)])


def _idat_chunks(path: Path, idat: tuple[tuple[int, int], ...]) -> Iterator[bytes]:
    with path.open("rb") as fh:
        for offset, length in idat:
            fh.seek(offset)
            remaining = length
            while remaining:
                chunk = fh.read(min(remaining, _CHUNK))
                if not chunk:
                    raise OSError("PNG data ended early")
                remaining -= len(chunk)
                yield chunk


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def _image_matrix(orientation: int, box: tuple[float, float, float, float]) -> tuple[float, ...]:
    x, y, w, h = box
    if orientation == 6:
        return (0, -h, w, 0, x, y + h)
    if orientation == 3:
        return (-w, 0, 0, -h, x + w, y + h)
    if orientation == 8:
        return (0, h, -w, 0, x + w, y)
    return (w, 0, 0, h, x, y)


def _page_matrix(b: _PdfPageBox, dy: float) -> tuple[float, ...]:
    if b.rotate == 90:
        return (0, -1, 1, 0, -b.y0, b.x0 + b.width + dy)
    if b.rotate == 180:
        return (-1, 0, 0, -1, b.width + b.x0, b.height + b.y0 + dy)
    if b.rotate == 270:
        return (0, 1, -1, 0, b.height + b.y0, -b.x0 + dy)
    return (1, 0, 0, 1, -b.x0, -b.y0 + dy)


class _SourcePdf:
    """The evidence PDF currently being copied; one at a time, so memory holds one file's objects."""

    def __init__(self, out: _PdfOut, spool: _Spooled, fh: BinaryIO) -> None:
        self.reader = PdfReader(fh, strict=False)
        self.copier = _Copier(out, self.reader)
        self.out = out

    def form_for(self, index: int, box: _PdfPageBox) -> IndirectObject:
        page = self.reader.pages[index]
        data, filters = _page_content(page)
        form: StreamObject = EncodedStreamObject() if "/Filter" in filters else DecodedStreamObject()
        form._data = data
        form.update(filters)
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        form[NameObject("/BBox")] = ArrayObject(
            FloatObject(v) for v in (box.x0, box.y0, box.x0 + box.width, box.y0 + box.height)
        )
        form[NameObject("/Resources")] = self.copier.convert(page.get("/Resources", DictionaryObject()))
        if "/Group" in page:
            form[NameObject("/Group")] = self.copier.convert(page["/Group"])
        ref = self.out.add(form)
        self.copier.drain()
        return ref


def _embedded_file(out: _PdfOut, sp: _Spooled) -> IndirectObject:
    ev = sp.evidence
    compressible = ev.media_type.startswith("text/") or ev.media_type.endswith(("json", "xml", "csv"))
    head = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/EmbeddedFile"),
            NameObject("/Params"): DictionaryObject({NameObject("/Size"): NumberObject(ev.size)}),
        }
    )
    if ev.media_type:
        head[NameObject("/Subtype")] = NameObject(
            "/" + re.sub(r"[^A-Za-z0-9.+-]", lambda m: f"#{ord(m.group()):02X}", ev.media_type)
        )
    if compressible:
        head[NameObject("/Filter")] = NameObject("/FlateDecode")
        stream = out.add_stream(head, _deflate(_file_chunks(sp.path)))
    else:
        stream = out.add_stream(head, _file_chunks(sp.path))
    return _filespec(out, sp.attachment, stream, f"SHA-256 {ev.sha256} · {ev.name}")


def _deflate(chunks: Iterable[bytes]) -> Iterator[bytes]:
    comp = zlib.compressobj(6)
    for chunk in chunks:
        data = comp.compress(chunk)
        if data:
            yield data
    yield comp.flush()


def _filespec(out: _PdfOut, name: str, stream: IndirectObject, desc: str) -> IndirectObject:
    return out.add(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Filespec"),
                NameObject("/F"): TextStringObject(name),
                NameObject("/UF"): TextStringObject(name),
                NameObject("/Desc"): TextStringObject(desc[:500]),
                NameObject("/AFRelationship"): NameObject("/Source"),
                NameObject("/EF"): DictionaryObject({NameObject("/F"): stream, NameObject("/UF"): stream}),
            }
        )
    )


class _EvidenceDrawer:
    """The evidence drawn under placeholder pages; one source PDF open at a time, images written once."""

    def __init__(self, out: _PdfOut, spooled: dict[str, _Spooled]) -> None:
        self.out = out
        self.spooled = spooled
        self.images: dict[str, IndirectObject] = {}
        self.source: tuple[str, _SourcePdf, BinaryIO] | None = None

    def draw(self, place: _Placement) -> tuple[IndirectObject, bytes]:
        sp = self.spooled[place.sha256]
        kind = sp.kind
        if isinstance(kind, _PdfKind):
            if self.source is None or self.source[0] != place.sha256:
                self.close()
                fh = sp.path.open("rb")
                self.source = (place.sha256, _SourcePdf(self.out, sp, fh), fh)
            xobj = self.source[1].form_for(place.page_index, kind.pages[place.page_index])
            matrix = _page_matrix(kind.pages[place.page_index], _BAND)
        else:
            assert isinstance(kind, _ImageKind)
            if place.sha256 not in self.images:
                self.images[place.sha256] = _image_xobject(self.out, sp, kind)
            xobj = self.images[place.sha256]
            matrix = _image_matrix(kind.orientation, place.box)
        return xobj, ("q " + " ".join(f"{v:.4f}" for v in matrix) + " cm /AWEvidence Do Q\n").encode()

    def close(self) -> None:
        if self.source is not None:
            self.source[2].close()
            self.source = None


def _extended(copier: _Copier, value: Any, name: str, ref: PdfObject) -> DictionaryObject:
    """A copy of a resource dictionary (inline or indirect) with one more entry."""
    result = copier.convert(value.get_object()) if value is not None else DictionaryObject()
    assert isinstance(result, DictionaryObject)
    result[NameObject(name)] = ref
    return result


def _page_number_stream(page: int, total: int, right: float, stamped: bool) -> StreamObject:
    """'Page N of M' at the footer's right end, drawn once the total is known."""
    text = f"Page {page} of {total}"
    margin, y = (12.0, 10.0) if stamped else (18 * mm, 12 * mm)
    x = right - margin - pdfmetrics.stringWidth(text, "Helvetica", 6.2)
    return _flate_stream(
        f"q BT /AWPageNo 6.2 Tf 0.3333 0.3333 0.3333 rg {x:.2f} {y:.2f} Td ({text}) Tj ET Q\n".encode()
    )


def _dest(page: int, page_nums: list[int]) -> ArrayObject:
    return ArrayObject([IndirectObject(page_nums[page - 1], 0, None), NameObject("/Fit")])


def _link(link: _Link, page_nums: list[int]) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject(FloatObject(round(v, 2)) for v in link.rect),
            NameObject("/Border"): ArrayObject([NumberObject(0)] * 3),
            NameObject("/Dest"): _dest(link.target, page_nums),
        }
    )


def _outline(out: _PdfOut, marks: list[_Mark], page_nums: list[int]) -> IndirectObject:
    """The bookmarks: sections and front matter open, each request closed over its evidence files."""
    root = out.reserve()
    nums = [out.reserve() for _ in marks]
    parents: list[int] = []  # index of each mark's parent, -1 for the top
    children: dict[int, list[int]] = {-1: []}
    stack: list[int] = []
    for i, mark in enumerate(marks):
        del stack[min(mark.level, len(stack)) :]
        parent = stack[-1] if stack else -1
        parents.append(parent)
        children[parent].append(i)
        children[i] = []
        stack.append(i)

    def shown(i: int) -> int:  # entries visible below i when it is open
        return sum(1 + (shown(c) if marks[c].level < 1 else 0) for c in children[i])

    for i, mark in enumerate(marks):
        item = DictionaryObject(
            {
                NameObject("/Title"): TextStringObject(mark.title),
                NameObject("/Parent"): IndirectObject(nums[parents[i]] if parents[i] >= 0 else root, 0, None),
                NameObject("/Dest"): _dest(mark.page, page_nums),
            }
        )
        siblings = children[parents[i]]
        at = siblings.index(i)
        if at > 0:
            item[NameObject("/Prev")] = IndirectObject(nums[siblings[at - 1]], 0, None)
        if at + 1 < len(siblings):
            item[NameObject("/Next")] = IndirectObject(nums[siblings[at + 1]], 0, None)
        if children[i]:
            item[NameObject("/First")] = IndirectObject(nums[children[i][0]], 0, None)
            item[NameObject("/Last")] = IndirectObject(nums[children[i][-1]], 0, None)
            count = shown(i)
            item[NameObject("/Count")] = NumberObject(count if mark.level < 1 else -count)
        out.write(nums[i], item)
    top = children[-1]
    head = DictionaryObject({NameObject("/Type"): NameObject("/Outlines")})
    if top:
        head[NameObject("/First")] = IndirectObject(nums[top[0]], 0, None)
        head[NameObject("/Last")] = IndirectObject(nums[top[-1]], 0, None)
        head[NameObject("/Count")] = NumberObject(shown(-1))
    out.write(root, head)
    return IndirectObject(root, 0, None)


def _assemble(
    pkg: PackageInput,
    chunks: list[_Chunk],
    spooled: dict[str, _Spooled],
    fh: _HashingFile,
    manifest: bytes,
    tick: Callable[[], None],
) -> tuple[int, int]:
    out = _PdfOut(fh)
    total = sum(c.pages for c in chunks)
    page_nums = [out.reserve() for _ in range(total)]
    pages_ref = IndirectObject(out.reserve(), 0, None)
    font = out.add(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    save = out.add(_flate_stream(b"q\n"))
    restore = out.add(_flate_stream(b"\nQ\n"))
    links: dict[int, list[_Link]] = {}
    for chunk in chunks:
        for link in chunk.links:
            links.setdefault(link.page, []).append(link)
    drawer = _EvidenceDrawer(out, spooled)
    try:
        for chunk in chunks:
            with chunk.path.open("rb") as part_fh:  # a path would make pypdf read the whole file
                reader = PdfReader(part_fh, strict=False)
                copier = _Copier(out, reader)
                for i, src_page in enumerate(reader.pages):
                    ref = src_page.indirect_reference
                    assert ref is not None
                    copier.held.add(ref.idnum)
                    copier.numbers[ref.idnum] = page_nums[chunk.first_page - 1 + i]
                for i, src_page in enumerate(reader.pages):
                    number = chunk.first_page + i
                    place = chunk.placements.get(number)
                    src_res = src_page.get("/Resources")
                    src_res = src_res.get_object() if src_res is not None else DictionaryObject()
                    resources = DictionaryObject(
                        {
                            NameObject(k): copier.convert(v)
                            for k, v in src_res.items()
                            if k not in ("/Font", "/XObject")
                        }
                    )
                    resources[NameObject("/Font")] = _extended(
                        copier, src_res.get("/Font"), "/AWPageNo", font
                    )
                    streams: list[PdfObject] = []
                    if place is not None:
                        xobj, draw = drawer.draw(place)
                        streams.append(out.add(_flate_stream(draw)))
                        xobjects = _extended(copier, src_res.get("/XObject"), "/AWEvidence", xobj)
                        resources[NameObject("/XObject")] = xobjects
                    elif "/XObject" in src_res:
                        resources[NameObject("/XObject")] = copier.convert(src_res["/XObject"])
                    new_page = DictionaryObject()
                    for key, value in src_page.items():
                        if key not in ("/Parent", "/Resources", "/Contents", "/Annots"):
                            new_page[NameObject(key)] = copier.convert(value)
                    contents = src_page.get("/Contents")
                    items = [] if contents is None else contents.get_object()
                    items = list(items) if isinstance(items, ArrayObject) else [contents]
                    streams += [save, *(copier.convert(item) for item in items), restore]
                    right = float(src_page.mediabox.right)
                    streams.append(out.add(_page_number_stream(number, total, right, place is not None)))
                    new_page[NameObject("/Contents")] = ArrayObject(streams)
                    new_page[NameObject("/Resources")] = resources
                    new_page[NameObject("/Parent")] = pages_ref
                    annots = src_page.get("/Annots")
                    annots = copier.convert(annots.get_object()) if annots is not None else ArrayObject()
                    assert isinstance(annots, ArrayObject)
                    annots.extend(_link(link, page_nums) for link in links.get(number, ()))
                    if annots:
                        new_page[NameObject("/Annots")] = annots
                    out.write(page_nums[number - 1], new_page)
                    copier.drain()
                    if place is not None:
                        tick()
                del reader, copier
            chunk.path.unlink()  # disk space back as soon as the part is copied
    finally:
        drawer.close()
    out.write(
        pages_ref.idnum,
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Pages"),
                NameObject("/Kids"): ArrayObject(IndirectObject(n, 0, None) for n in page_nums),
                NameObject("/Count"): NumberObject(total),
            }
        ),
    )
    outline = _outline(out, [m for chunk in chunks for m in chunk.marks], page_nums)
    names: list[tuple[str, IndirectObject]] = []
    for sp in spooled.values():
        names.append((sp.attachment, _embedded_file(out, sp)))
        tick()
    manifest_stream = out.add_stream(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/EmbeddedFile"),
                NameObject("/Subtype"): NameObject("/application#2Fjson"),
                NameObject("/Filter"): NameObject("/FlateDecode"),
                NameObject("/Params"): DictionaryObject({NameObject("/Size"): NumberObject(len(manifest))}),
            }
        ),
        [zlib.compress(manifest, 6)],
    )
    names.append(("manifest.json", _filespec(out, "manifest.json", manifest_stream, "The package manifest")))
    names.sort(key=lambda item: TextStringObject(item[0]).get_original_bytes())
    flat: list[PdfObject] = []
    for name, ref in names:
        flat += [TextStringObject(name), ref]
    root_ref = out.add(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Catalog"),
                NameObject("/Pages"): pages_ref,
                NameObject("/Outlines"): outline,
                NameObject("/PageMode"): NameObject("/UseOutlines"),
                NameObject("/Names"): DictionaryObject(
                    {
                        NameObject("/EmbeddedFiles"): DictionaryObject(
                            {NameObject("/Names"): ArrayObject(flat)}
                        )
                    }
                ),
                NameObject("/AF"): ArrayObject(ref for _, ref in names),
            }
        )
    )
    info = out.add(
        DictionaryObject(
            {
                NameObject("/Title"): TextStringObject(f"Evidence package — {_clean(pkg.client)}"),
                NameObject("/Author"): TextStringObject(_clean(pkg.prepared_by)),
                NameObject("/Creator"): TextStringObject("Audit Workbook"),
                NameObject("/Producer"): TextStringObject("Audit Workbook"),
                NameObject("/Subject"): TextStringObject(
                    f"package {pkg.package_id} · activity head {pkg.activity_head}"
                ),
                NameObject("/CreationDate"): TextStringObject(
                    pkg.generated_at.astimezone(dt.UTC).strftime("D:%Y%m%d%H%M%SZ")
                ),
            }
        )
    )
    out.finish(root_ref, info, hashlib.md5(pkg.package_id.encode(), usedforsecurity=False).digest())
    return total, len(names)


def _flate_stream(data: bytes) -> StreamObject:
    stream = EncodedStreamObject()
    stream._data = zlib.compress(data)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    return stream


def write_pdf_package(
    pkg: PackageInput,
    out_path: Path,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> PdfPackageResult:
    """Write the bound package to `out_path` (temp file + rename); evidence is streamed, never held."""
    out_path = Path(out_path)
    distinct: dict[str, PackageEvidence] = {}
    for req in pkg.requests:
        for ev in req.evidence:
            distinct.setdefault(ev.sha256.lower(), ev)
    total = 2 * len(distinct) + 2
    done = 0

    def tick(step: int = 1) -> None:
        nonlocal done
        if cancel is not None:
            cancel.raise_if_cancelled()
        done += step
        progress(min(done, total), total)

    with tempfile.TemporaryDirectory(prefix=".auditwb-pdf-") as work:
        folder = Path(work)
        spooled: dict[str, _Spooled] = {}
        names = UniqueNames()
        names.claim("manifest.json")
        attach_of: dict[str, str] = {}
        for req in pkg.requests:
            for ev in req.evidence:
                key = ev.sha256.lower()
                if key not in attach_of:
                    attach_of[key] = names.claim(safe_name(f"{req.ref} - {ev.name}"))
        for i, (key, ev) in enumerate(distinct.items()):
            path = _spool(ev, folder, i, cancel)
            spooled[key] = _Spooled(path, _classify(path, ev), attach_of[key], ev)
            tick()
        parts = folder / "parts"
        parts.mkdir()
        chunks, problems, evidence_pages = _build_pages(pkg, spooled, parts, tick)
        locations = {
            (req.ref, i): {"attachment": spooled[ev.sha256.lower()].attachment}
            for req in pkg.requests
            for i, ev in enumerate(req.evidence)
        }
        manifest = json.dumps(package_manifest(pkg, locations), indent=2, ensure_ascii=False).encode("utf-8")
        total += sum(len(c.placements) for c in chunks)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".part", dir=out_path.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb", buffering=_CHUNK) as raw:
                hashing = _HashingFile(raw)
                page_count, attachments = _assemble(pkg, chunks, spooled, hashing, manifest, tick)
            _check_pages(tmp, page_count)
            publish(tmp, out_path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    progress(total, total)
    return PdfPackageResult(
        hashing.digest.hexdigest(), page_count, evidence_pages, attachments, tuple(problems)
    )


def _check_pages(path: Path, expected: int) -> None:
    """A PDF library can silently drop pages; count what a reader finds in the file we wrote.

    The page tree is walked one node at a time and each parsed node is dropped again, so the check
    holds no more than the file's cross-reference table (pypdf's `pages` would keep every page).
    """
    with path.open("rb") as fh:  # a path would make pypdf read the whole file into memory
        reader = PdfReader(fh, strict=False)
        root = reader.trailer["/Root"].get_object()
        assert isinstance(root, DictionaryObject)
        found = 0
        todo: list[Any] = [root.raw_get("/Pages")]
        while todo:
            ref = todo.pop()
            node = ref.get_object()
            if isinstance(ref, IndirectObject):
                reader.resolved_objects.pop((ref.generation, ref.idnum), None)
            if not isinstance(node, DictionaryObject):
                continue
            if node.get("/Type") == "/Pages":
                kids = node.get("/Kids")
                todo.extend(reversed(kids.get_object().copy()) if kids is not None else [])
            elif node.get("/Type") == "/Page":
                found += 1
    if found != expected:
        raise RuntimeError(f"the package has {found} pages, expected {expected}")


Kind = Literal["image", "pdf", "text", "spreadsheet", "attachment", "unreadable"]


def evidence_kind(path: Path, evidence: PackageEvidence) -> Kind:
    """How a file will appear in the package (for previews and tests)."""
    kind = _classify(path, evidence)
    if isinstance(kind, _ImageKind):
        return "image"
    if isinstance(kind, _PdfKind):
        return "pdf"
    if isinstance(kind, _TextKind):
        return "text"
    if isinstance(kind, _SheetKind):
        return "spreadsheet"
    if isinstance(kind, _Broken):
        return "unreadable"
    return "attachment"
