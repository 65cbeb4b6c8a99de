"""Each evidence file spooled to disk, checked against its SHA-256 and classified by content, not name."""

from __future__ import annotations

import contextlib
import hashlib
import io
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from PIL import Image
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from workbook.errors import UserError
from workbook.formats.package.inputs import PackageEvidence
from workbook.formats.package.pdf_objects import Copier, page_content
from workbook.formats.sheets.preflight import OLE_MAGIC, ZIP_MAGIC, preflight
from workbook.jobs import CancelToken

_SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")
_SHEET_MEDIA = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel.sheet.macroenabled.12",
        "application/vnd.ms-excel",
    }
)
_MAX_PIXELS = 120_000_000


@dataclass(frozen=True)
class PngFast:
    """A PNG whose compressed data goes into the PDF unchanged."""

    width: int
    height: int
    colors: int
    bits: int
    palette: bytes
    idat: tuple[tuple[int, int], ...]  # (offset, length) of each IDAT payload in the spool file


@dataclass(frozen=True)
class JpegFast:
    """A JPEG whose bytes go into the PDF unchanged."""

    width: int
    height: int
    components: int
    adobe_inverted: bool


@dataclass(frozen=True)
class Decoded:
    """Any other image: decoded and written as deflated pixels."""

    width: int
    height: int


@dataclass(frozen=True)
class ImageKind:
    """An image drawn on a page of its own."""

    data: PngFast | JpegFast | Decoded
    orientation: int  # EXIF orientation 1, 3, 6 or 8


@dataclass(frozen=True)
class PdfPageBox:
    """One page of an evidence PDF: its crop box and rotation."""

    x0: float
    y0: float
    width: float
    height: float
    rotate: int

    @property
    def shown(self) -> tuple[float, float]:
        return (self.height, self.width) if self.rotate in (90, 270) else (self.width, self.height)


@dataclass(frozen=True)
class PdfKind:
    """A PDF whose pages are appended, each with a stamp."""

    pages: tuple[PdfPageBox, ...]


@dataclass(frozen=True)
class Broken:
    """A file that cannot be shown; the package says why and attaches it unchanged."""

    reason: str


@dataclass(frozen=True)
class TextKind:
    """Plain text, or CSV drawn as a table."""

    csv: bool


@dataclass(frozen=True)
class SheetKind:
    """An Excel workbook drawn sheet by sheet."""

    kind: str  # xlsx, xlsm or xls, as preflight found it


@dataclass(frozen=True)
class OtherKind:
    """Anything else: only attached, with a page saying so."""


FileKind = ImageKind | PdfKind | Broken | TextKind | SheetKind | OtherKind


@dataclass
class Spooled:
    """One distinct evidence file on disk, what it renders as, and its attachment name."""

    path: Path
    kind: FileKind
    attachment: str
    evidence: PackageEvidence


def spool(ev: PackageEvidence, folder: Path, index: int, cancel: CancelToken | None) -> Path:
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


def _read_png(fh: BinaryIO) -> PngFast | None:
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
        return PngFast(width, height, 1, bits, b"", tuple(idat))
    if ctype == 2 and bits in (8, 16):
        return PngFast(width, height, 3, bits, b"", tuple(idat))
    if ctype == 3 and bits in (1, 2, 4, 8) and palette:
        return PngFast(width, height, 1, bits, palette, tuple(idat))
    return None


def classify(path: Path, ev: PackageEvidence) -> FileKind:
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
        return TextKind(csv=True)
    if media.startswith("text/") or name.endswith((".txt", ".log", ".md")):
        return TextKind(csv=False)
    return OtherKind()


def _classify_image(path: Path) -> FileKind:
    try:
        with path.open("rb") as fh:
            png = _read_png(fh)
        if png is not None:
            return ImageKind(png, 1)
        with Image.open(path) as img:
            width, height = img.size
            if width * height > _MAX_PIXELS:
                return Broken(f"the image is {width}×{height} pixels, too large to place on a page")
            orientation = 1
            with contextlib.suppress(Exception):
                orientation = int(img.getexif().get(0x0112, 1))
            orientation = orientation if orientation in (3, 6, 8) else 1
            if img.format == "JPEG" and img.mode in ("L", "RGB", "CMYK"):
                comps = {"L": 1, "RGB": 3, "CMYK": 4}[img.mode]
                return ImageKind(JpegFast(width, height, comps, "adobe" in img.info), orientation)
            img.load()
            return ImageKind(Decoded(width, height), orientation)
    except Exception as exc:  # a bad image becomes a page saying so, never a failed export
        return Broken(f"the image could not be read ({type(exc).__name__}: {exc})"[:300])


def _classify_sheet(path: Path, head: bytes) -> FileKind:
    """The checklist reader's preflight (size, zip bombs, encryption, kind); a refusal becomes a page."""
    if not head.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return Broken("the file is named as a spreadsheet, but its contents are not an Excel workbook")
    try:
        facts = preflight(path)
    except UserError as exc:
        return Broken(reason_clause(exc))
    if facts.kind not in ("xlsx", "xlsm", "xls"):
        return Broken("the file is not an Excel workbook")
    return SheetKind(facts.kind)


def reason_clause(exc: UserError) -> str:
    """A reader's sentence as the clause that follows 'This file could not be shown:'."""
    text = exc.message.strip().rstrip(".")
    return (text[:1].lower() + text[1:])[:300]


def _classify_pdf(path: Path) -> FileKind:
    # A path would make pypdf read the whole file into memory; a handle lets it read what it needs.
    with path.open("rb") as fh:
        return _classify_pdf_stream(fh)


def _classify_pdf_stream(fh: BinaryIO) -> FileKind:
    try:
        reader = PdfReader(fh, strict=False)
        if reader.is_encrypted:
            return Broken("the PDF is encrypted (password-protected), so its pages cannot be shown")
        root = reader.trailer["/Root"].get_object()
        assert isinstance(root, DictionaryObject)
        pages_root = root["/Pages"].get_object()
        assert isinstance(pages_root, DictionaryObject)
        declared = int(pages_root.get("/Count", 0))
        boxes: list[PdfPageBox] = []
        copier = Copier(None, reader)
        for page in reader.pages:
            box = page.cropbox
            x0, y0 = float(box.left), float(box.bottom)
            width, height = float(box.width), float(box.height)
            if width <= 1 or height <= 1 or width > 20_000 or height > 20_000:
                return Broken(f"page {len(boxes) + 1} has an unusable size ({width:.0f}×{height:.0f} points)")
            rotate = int(page.get("/Rotate", 0) or 0) % 360
            boxes.append(PdfPageBox(x0, y0, width, height, rotate if rotate in (0, 90, 180, 270) else 0))
            # Walk everything the page shows now, so a damaged object fails here and not mid-export.
            page_content(page)
            copier.convert(page.get("/Resources", DictionaryObject()))
            copier.drain()
        if not boxes:
            return Broken("the PDF has no pages that could be read")
        if declared != len(boxes):
            return Broken(f"the PDF says it has {declared} pages but {len(boxes)} could be read")
        return PdfKind(tuple(boxes))
    except RecursionError:
        return Broken("the PDF is nested too deeply to read safely")
    except Exception as exc:  # a hostile or damaged PDF becomes a page saying so, never a failed export
        return Broken(f"the PDF could not be read ({type(exc).__name__}: {exc})"[:300])


Kind = Literal["image", "pdf", "text", "spreadsheet", "attachment", "unreadable"]


def evidence_kind(path: Path, evidence: PackageEvidence) -> Kind:
    """How a file will appear in the package (for previews and tests)."""
    kind = classify(path, evidence)
    if isinstance(kind, ImageKind):
        return "image"
    if isinstance(kind, PdfKind):
        return "pdf"
    if isinstance(kind, TextKind):
        return "text"
    if isinstance(kind, SheetKind):
        return "spreadsheet"
    if isinstance(kind, Broken):
        return "unreadable"
    return "attachment"
