"""Reading evidence files for previews: thumbnails, searchable text and the date a file says it is from."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from PIL import Image, ImageDraw, UnidentifiedImageError

THUMBNAIL_SIZE = 256
# Refuse to decode images larger than this (a 16k x 16k screenshot is already absurd); bombs stay evidence.
MAX_PREVIEW_PIXELS = 64_000_000
MAX_TEXT_CHARS = 200_000
MAX_TEXT_BYTES = 4 * 1024 * 1024
MAX_PDF_TEXT_PAGES = 30
PDFTOPPM_TIMEOUT = 30.0

_TEXT_TYPES = ("text/", "application/csv", "application/json", "application/xml")
_EXIF_IFD = 0x8769
_EXIF_DATETIME_ORIGINAL = 36867
_EXIF_DATETIME = 306
_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")


@dataclass(frozen=True)
class Preview:
    """What one file shows in the app: a PNG thumbnail (None when none can be made) and its text."""

    thumbnail: bytes | None
    text: str


def is_image(media_type: str) -> bool:
    return media_type.startswith("image/")


def is_pdf(media_type: str) -> bool:
    return media_type == "application/pdf"


def is_text(media_type: str) -> bool:
    return media_type.startswith(_TEXT_TYPES)


def previewable(media_type: str) -> bool:
    """True for the kinds `build_preview` can get a thumbnail or text from."""
    return is_image(media_type) or is_pdf(media_type) or is_text(media_type)


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


def build_preview(stream: IO[bytes], media_type: str) -> Preview:
    """The thumbnail and extracted text of one file's bytes (a seekable stream, read as needed)."""
    thumbnail = None
    text = ""
    if is_image(media_type):
        thumbnail = image_thumbnail(stream)
    elif is_pdf(media_type):
        thumbnail = pdf_thumbnail(stream)
        text = pdf_text(stream)
    elif is_text(media_type):
        text = plain_text(stream)
    return Preview(thumbnail, text)
