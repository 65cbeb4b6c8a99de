"""Previews of stored evidence (Qt-free): thumbnails, searchable text and the date a file says it is from."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import shutil
import subprocess
import tempfile
import warnings
from collections import defaultdict
from pathlib import Path
from typing import IO

from PIL import Image, ImageDraw, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbook.jobs import CancelToken, Progress, no_progress
from workbook.storage import blobs
from workbook.storage.database import Database
from workbook.storage.schema import EvidenceRow, LinkRow

THUMBNAIL_SIZE = 256
# Refuse to decode images larger than this (a 16k x 16k screenshot is already absurd); bombs stay evidence.
MAX_PREVIEW_PIXELS = 64_000_000
MAX_TEXT_CHARS = 200_000
MAX_TEXT_BYTES = 4 * 1024 * 1024
MAX_PDF_TEXT_PAGES = 30
PDFTOPPM_TIMEOUT = 30.0
# Empty bytes in `thumbnail` mean "tried, no thumbnail"; NULL means "not built yet".
NO_THUMBNAIL = b""

_TEXT_TYPES = ("text/", "application/csv", "application/json", "application/xml")
_EXIF_IFD = 0x8769
_EXIF_DATETIME_ORIGINAL = 36867
_EXIF_DATETIME = 306
_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")


def is_image(media_type: str) -> bool:
    return media_type.startswith("image/")


def is_pdf(media_type: str) -> bool:
    return media_type == "application/pdf"


def is_text(media_type: str) -> bool:
    return media_type.startswith(_TEXT_TYPES)


def _exif_date(stream: IO[bytes]) -> dt.date | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Image.open(stream) as image:
            exif = image.getexif()
            raw = exif.get_ifd(_EXIF_IFD).get(_EXIF_DATETIME_ORIGINAL) or exif.get(_EXIF_DATETIME)
    if not isinstance(raw, str):
        return None
    with contextlib.suppress(ValueError):
        return dt.datetime.strptime(raw.strip()[:19], "%Y:%m:%d %H:%M:%S").date()
    return None


def _pdf_date(stream: IO[bytes]) -> dt.date | None:
    from pypdf import PdfReader

    reader = PdfReader(stream, strict=False)
    if reader.is_encrypted:
        return None
    info = reader.trailer.get("/Info")
    if info is None:
        return None
    raw = info.get_object().get("/CreationDate")
    match = _PDF_DATE.match(str(raw or "").strip())
    if match is None:
        return None
    year, month, day = (int(g) if g else 1 for g in match.groups())
    with contextlib.suppress(ValueError):
        return dt.date(year, month, day)
    return None


def sniff_effective_date(stream: IO[bytes], media_type: str) -> dt.date | None:
    """The date the file's own metadata gives (EXIF DateTimeOriginal, PDF /CreationDate), or None."""
    try:
        stream.seek(0)
        if is_image(media_type):
            return _exif_date(stream)
        if is_pdf(media_type):
            return _pdf_date(stream)
    # Third-party parsers on hostile bytes can raise anything; a missing date is the only consequence.
    except Exception:
        return None
    return None


def _fit(image: Image.Image) -> bytes:
    image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def image_thumbnail(stream: IO[bytes]) -> bytes | None:
    """A PNG at most THUMBNAIL_SIZE on its long side, or None for unreadable or oversized images."""
    try:
        stream.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                width, height = image.size
                if width * height > MAX_PREVIEW_PIXELS or width <= 0 or height <= 0:
                    return None
                image.draft("RGB", (THUMBNAIL_SIZE, THUMBNAIL_SIZE))
                image.seek(0)
                return _fit(image.copy())
    except (Image.DecompressionBombWarning, Image.DecompressionBombError, UnidentifiedImageError):
        return None
    # Pillow raises many kinds of errors on truncated or crafted files; the evidence stays, unpreviewed.
    except Exception:
        return None


def placeholder_thumbnail(label: str, *, width: int = 198, height: int = THUMBNAIL_SIZE) -> bytes:
    """A plain page with a label, used when a real preview cannot be made."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width - 1, height - 1), outline=(160, 160, 160))
    draw.text((12, 12), label[:12], fill=(90, 90, 90))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def pdf_thumbnail(stream: IO[bytes]) -> bytes:
    """The first page rendered by pdftoppm when it is installed, else a placeholder page."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return placeholder_thumbnail("PDF")
    with tempfile.TemporaryDirectory(prefix="awb-preview-") as tmp:
        source = Path(tmp) / "in.pdf"
        stream.seek(0)
        with source.open("wb") as out:
            shutil.copyfileobj(stream, out, 1024 * 1024)
        target = Path(tmp) / "page"
        try:
            subprocess.run(
                [
                    tool,
                    "-q",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-png",
                    "-singlefile",
                    "-scale-to",
                    str(THUMBNAIL_SIZE),
                    str(source),
                    str(target),
                ],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=PDFTOPPM_TIMEOUT,
                check=True,
            )
        except (subprocess.SubprocessError, OSError):
            return placeholder_thumbnail("PDF")
        rendered = target.with_suffix(".png")
        if not rendered.is_file():
            return placeholder_thumbnail("PDF")
        with rendered.open("rb") as handle:
            return image_thumbnail(handle) or placeholder_thumbnail("PDF")


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",):
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode(encoding)
    return data.decode("cp1252", errors="replace")


def plain_text(stream: IO[bytes]) -> str:
    stream.seek(0)
    data = stream.read(MAX_TEXT_BYTES)
    return _decode(data).replace("\x00", "")[:MAX_TEXT_CHARS]


def pdf_text(stream: IO[bytes]) -> str:
    """Text of the first pages of a PDF; empty for encrypted, corrupt or image-only PDFs."""
    from pypdf import PdfReader

    try:
        stream.seek(0)
        reader = PdfReader(stream, strict=False)
        if reader.is_encrypted:
            return ""
        parts: list[str] = []
        total = 0
        for index, page in enumerate(reader.pages):
            if index >= MAX_PDF_TEXT_PAGES or total >= MAX_TEXT_CHARS:
                break
            text = page.extract_text() or ""
            parts.append(text)
            total += len(text)
        return "\n".join(parts).replace("\x00", "")[:MAX_TEXT_CHARS]
    # pypdf raises many kinds of errors on damaged files; the evidence stays, without searchable text.
    except Exception:
        return ""


def build_preview(stream: IO[bytes], media_type: str) -> tuple[bytes, str]:
    """(thumbnail PNG or NO_THUMBNAIL, extracted text) for one file's stored bytes."""
    thumbnail = NO_THUMBNAIL
    text = ""
    if is_image(media_type):
        thumbnail = image_thumbnail(stream) or NO_THUMBNAIL
    elif is_pdf(media_type):
        thumbnail = pdf_thumbnail(stream)
        text = pdf_text(stream)
    elif is_text(media_type):
        text = plain_text(stream)
    return thumbnail, text


def build_stored_preview(session: Session, row: EvidenceRow) -> None:
    """Fill `row.thumbnail` and `row.text_content` from the bytes stored for it."""
    with blobs.ChunkReader(session, row.id) as raw, io.BufferedReader(raw, 256 * 1024) as reader:
        thumbnail, text = build_preview(reader, row.media_type)
    row.thumbnail = thumbnail
    row.text_content = text


def build_missing_previews(
    db: Database, *, progress: Progress = no_progress, cancel: CancelToken | None = None
) -> int:
    """Build previews for every evidence that has none yet, one short transaction each; returns how many."""
    cancel = cancel or CancelToken()
    with db.read() as session:
        ids = list(session.scalars(select(EvidenceRow.id).where(EvidenceRow.thumbnail.is_(None))))
    for done, evidence_id in enumerate(ids):
        cancel.raise_if_cancelled()
        with db.write() as session:
            row = session.get(EvidenceRow, evidence_id)
            if row is not None and row.thumbnail is None:
                build_stored_preview(session, row)
        progress(done + 1, len(ids))
    return len(ids)


def evidence_text_by_request(session: Session) -> dict[int, str]:
    """Request id → the extracted text of its current evidence, for the request search to include."""
    query = (
        select(LinkRow.request_id, EvidenceRow.text_content)
        .join(EvidenceRow, EvidenceRow.id == LinkRow.evidence_id)
        .where(LinkRow.current.is_(True), EvidenceRow.text_content != "")
    )
    texts: dict[int, list[str]] = defaultdict(list)
    for request_id, text in session.execute(query):
        texts[request_id].append(text)
    return {request_id: "\n".join(parts) for request_id, parts in texts.items()}
