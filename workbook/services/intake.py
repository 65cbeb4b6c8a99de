"""Taking a file in as evidence: only a whole, unchanging regular file, named safely, stored once by hash."""

from __future__ import annotations

import contextlib
import datetime as dt
import mimetypes
import os
import shutil
import stat
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from workbook.errors import StorageError, UserError
from workbook.filtering import human_size
from workbook.formats import evidence_preview
from workbook.jobs import CancelToken
from workbook.model import Evidence
from workbook.services import previews
from workbook.storage import blobs, evidence_sql
from workbook.storage.database import driver

DEFAULT_MAX_FILE_SIZE = 2 * 1024**3
# An attach needs JOURNAL_FACTOR x the file's size free beside the workbook, plus SPACE_MARGIN: the pages
# themselves, and SQLite's rollback journal, which at worst holds as many (reused free pages, moved ones).
JOURNAL_FACTOR = 2
SPACE_MARGIN = 16 * 1024**2
_PENDING_BYTES = "aw_evidence_bytes_pending"  # Session.info key: bytes stored in this unit of work so far
MAX_NAME_CHARS = 240
_MAGIC_TYPES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
)


def shown_path(path: Path) -> str:
    """The path as text an error can carry, even when the name is not valid UTF-8."""
    return str(path).encode("utf-8", "backslashreplace").decode("utf-8")


def safe_display_name(name: str) -> str:
    """The original name kept as data, minus what could mislead or break a file system or a PDF."""
    cleaned = "".join(
        ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs") and ch not in "/\\"
    ).strip()
    if not cleaned.strip(". "):
        cleaned = "unnamed" + cleaned.strip(" ")
    if len(cleaned) > MAX_NAME_CHARS:
        stem, dot, suffix = cleaned.rpartition(".")
        if dot and stem and 0 < len(suffix) <= 16:
            cleaned = f"{stem[: MAX_NAME_CHARS - len(suffix) - 2]}….{suffix}"
        else:
            cleaned = cleaned[: MAX_NAME_CHARS - 1] + "…"
    return cleaned


def media_type_for(name: str, head: bytes) -> str:
    for magic, media in _MAGIC_TYPES:
        if head.startswith(magic):
            if media == "application/zip":
                break
            return media
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


@contextlib.contextmanager
def open_regular_file(
    path: Path, *, follow_symlinks: bool = False, max_size: int
) -> Iterator[tuple[BinaryIO, os.stat_result]]:
    """Open only a regular file, without blocking on FIFOs or devices; refuse anything else with a reason."""
    where = shown_path(path)
    try:
        info = os.stat(path) if follow_symlinks else os.lstat(path)
    except FileNotFoundError as exc:
        raise UserError("the file does not exist (or vanished)", where=where) from exc
    except ValueError as exc:
        raise UserError("the file name contains a NUL character", where=repr(str(path))) from exc
    except OSError as exc:
        raise UserError(f"cannot read the file: {exc.strerror}", where=where) from exc
    if stat.S_ISLNK(info.st_mode):
        raise UserError(
            "is a symbolic link; links are followed only on request",
            where=where,
            hint="attach the file it points to, or allow following links",
        )
    if stat.S_ISDIR(info.st_mode):
        raise UserError("is a folder, not a file", where=where, hint="attach the folder with --folder")
    if not stat.S_ISREG(info.st_mode):
        raise UserError("is not a regular file (a device, pipe or socket)", where=where)
    if info.st_size > max_size:
        raise UserError(
            f"is {info.st_size:,} bytes, over the {max_size:,}-byte limit",
            where=where,
            hint="split it or raise the limit in Preferences",
        )
    if info.st_size == 0:
        raise UserError("the file is empty (0 bytes), so it proves nothing", where=where)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise UserError(f"cannot open the file: {exc.strerror}", where=where) from exc
    opened = os.fstat(fd)
    if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
        os.close(fd)
        raise UserError("the file was replaced while being opened", where=where, hint="try again")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    with os.fdopen(fd, "rb") as stream:
        yield stream, opened


def check_unchanged(stream: BinaryIO, before: os.stat_result, where: str) -> None:
    """Refuse a file written to while we read it: the stored bytes might mix two versions."""
    after = os.fstat(stream.fileno())
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise UserError(
            "the file changed while it was read", where=where, hint="attach it again once it is complete"
        )


class _Unchanging:
    """A file read for storing that stops at the first read after its size or time changes.

    Checked once per chunk (an fstat, about a microsecond): a file being written to is refused within one
    chunk instead of after all of it was copied into the workbook (a growing file took 7.5 s to refuse).
    """

    def __init__(self, stream: BinaryIO, before: os.stat_result) -> None:
        self._stream = stream
        self._before = (before.st_size, before.st_mtime_ns)

    def read(self, size: int = -1, /) -> bytes:
        now = os.fstat(self._stream.fileno())
        if (now.st_size, now.st_mtime_ns) != self._before:
            was = self._before[0]
            raise blobs.SizeChanged(
                f"it was written to; {now.st_size:,} bytes now, {was:,} when opened"
                if now.st_size != was
                else "it was written to while being read"
            )
        return self._stream.read(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._stream.seek(offset, whence)


@contextlib.contextmanager
def intake_file(
    path: Path, *, follow_symlinks: bool, max_size: int
) -> Iterator[tuple[_Unchanging, os.stat_result]]:
    """A regular file opened for storing; a file that grows, shrinks or is rewritten meanwhile is refused."""
    where = shown_path(path)
    with open_regular_file(path, follow_symlinks=follow_symlinks, max_size=max_size) as (stream, info):
        try:
            yield _Unchanging(stream, info), info
        except blobs.SizeChanged as exc:
            raise UserError(
                f"the file changed while it was read ({exc})",
                where=where,
                hint="attach it again once it is complete",
            ) from exc
        check_unchanged(stream, info, where)


def space_needed(size: int) -> int:
    """Free bytes a file of `size` needs beside the workbook: itself, its journal at worst, and a margin."""
    return JOURNAL_FACTOR * size + SPACE_MARGIN


def check_free_space(session: Session, size: int, name: str) -> None:
    """Refuse at once, before a byte is written, a file the workbook's disk has no room for.

    Bytes already stored in this unit of work (a folder ingest commits once) count too: SQLite may still
    hold them in its page cache, so the disk does not show them yet.
    """
    (_seq, _schema, file), *_ = driver(session).execute("PRAGMA database_list").fetchall()
    if not file:
        return
    folder = Path(file).parent
    pending = int(session.info.get(_PENDING_BYTES, 0))
    needed = space_needed(pending + size)
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return  # the write itself will say what is wrong
    if free < needed:
        raise StorageError(
            f"not enough free disk space to attach it: it is {human_size(size)}, storing it needs about "
            f"{human_size(needed)} free beside the workbook (twice its size for SQLite's journal, plus "
            f"{human_size(SPACE_MARGIN)}), and {human_size(free)} is free",
            where=name,
            hint=f"free some space on the disk that holds {shown_path(folder)}, or move the workbook to "
            "a larger disk; nothing was changed",
        )
    session.info[_PENDING_BYTES] = pending + size


def rewind(stream: blobs.Readable) -> None:
    """Back to the start for a second read (hash first, then store); in-memory data and files can seek."""
    seek = getattr(stream, "seek", None)
    if seek is None:
        raise UserError("the data cannot be read twice")
    seek(0)


def store_file(
    session: Session,
    path: Path,
    original: str,
    effective_date: dt.date | None,
    description: str,
    *,
    follow_symlinks: bool,
    max_size: int,
    added_by: str,
    cancel: CancelToken,
) -> tuple[Evidence, bool]:
    """Take in the file at `path` (refusing what `intake_file` refuses) and store it as `store` does."""
    with intake_file(path, follow_symlinks=follow_symlinks, max_size=max_size) as (stream, info):
        return store(
            session,
            stream,
            info.st_size,
            info.st_mtime,
            original,
            effective_date,
            description,
            added_by=added_by,
            cancel=cancel,
        )


def store(
    session: Session,
    stream: blobs.Readable,
    size: int,
    mtime: float,
    original: str,
    effective_date: dt.date | None,
    description: str,
    *,
    added_by: str,
    cancel: CancelToken,
) -> tuple[Evidence, bool]:
    """Store the bytes unless the same SHA-256 is already there; (evidence, stored_new_bytes)."""
    con = driver(session)
    head = stream.read(16)
    rewind(stream)
    # Hash before writing only when a stored file has this size: only then can these bytes be stored already.
    if blobs.size_is_known(con, size):
        sha = blobs.hash_stream(stream, size, cancel.raise_if_cancelled)
        existing = evidence_sql.evidence_by_sha(con, sha)
        if existing is not None:
            return existing, False
        rewind(stream)
    display = safe_display_name(original)
    check_free_space(session, size, display)
    media_type = media_type_for(display, head)
    added_at = dt.datetime.now(dt.UTC)
    evidence_id = evidence_sql.insert_pending_evidence(
        con,
        placeholder_sha=f"pending-{os.getpid()}-{id(stream)}",
        size=size,
        name=display,
        media_type=media_type,
        effective_date=effective_date,
        description=description,
        added_by=added_by,
        added_at=added_at,
        thumbnail=None if evidence_preview.previewable(media_type) else previews.NO_THUMBNAIL,
    )
    sha = blobs.write_chunks(con, evidence_id, stream, size, cancel.raise_if_cancelled)
    existing = evidence_sql.evidence_by_sha(con, sha)
    if existing is not None:
        evidence_sql.discard_evidence(con, evidence_id)
        return existing, False
    if effective_date is None:
        # The file's own date (EXIF, PDF creation date) or none: a file's mtime is when it was saved or
        # downloaded, which stamped fresh evidence "outside the audit period"; the app asks instead.
        effective_date = previews.stored_effective_date(session, evidence_id, media_type)
    if effective_date is not None:
        evidence_sql.set_evidence_hash(con, evidence_id, sha, effective_date)
    else:
        # storage's set_evidence_hash takes a date only (it is being edited elsewhere): the hash alone here.
        con.execute("UPDATE evidence SET sha256 = ? WHERE id = ?", (sha, evidence_id))
    evidence = Evidence(
        id=evidence_id,
        sha256=sha,
        name=display,
        media_type=media_type,
        size=size,
        effective_date=effective_date,
        description=description,
        source_system="",
        shows="",
        population="",
        period_covered="",
        added_by=added_by,
        added_at=added_at,
    )
    return evidence, True
