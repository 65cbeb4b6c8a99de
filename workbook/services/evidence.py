"""Evidence: attach files (hashed and stored once), link, unlink, replace, list, read back, purge."""

from __future__ import annotations

import contextlib
import datetime as dt
import mimetypes
import os
import stat
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workbook.errors import UserError
from workbook.jobs import CancelToken, Progress, no_progress
from workbook.model import Actor, AttachResult, Changes, Evidence, EvidenceLink
from workbook.services.activity import record
from workbook.services.requests import load_request_row
from workbook.storage import blobs
from workbook.storage.database import Database
from workbook.storage.schema import EvidenceChunkRow, EvidenceRow, LinkRow, RequestRow

DEFAULT_MAX_FILE_SIZE = 2 * 1024**3
_MAGIC_TYPES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
)


def safe_display_name(name: str) -> str:
    """The original name kept as data, minus what could mislead or break a file system or a PDF."""
    cleaned = "".join(
        ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs") and ch not in "/\\"
    ).strip()
    return (cleaned or "unnamed")[:240]


def media_type_for(name: str, head: bytes) -> str:
    for magic, media in _MAGIC_TYPES:
        if head.startswith(magic):
            if media == "application/zip":
                break
            return media
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def to_evidence(row: EvidenceRow, refs: Sequence[str] = ()) -> Evidence:
    return Evidence(
        id=row.id,
        sha256=row.sha256,
        name=row.name,
        media_type=row.media_type,
        size=row.size,
        effective_date=row.effective_date,
        description=row.description,
        source_system=row.source_system,
        shows=row.shows,
        population=row.population,
        period_covered=row.period_covered,
        added_by=row.added_by,
        added_at=row.added_at,
        refs=tuple(refs),
    )


@contextlib.contextmanager
def open_regular_file(path: Path, *, follow_symlinks: bool = False, max_size: int) -> Iterator[
    tuple[BinaryIO, os.stat_result]
]:
    """Open only a regular file, without blocking on FIFOs or devices; refuse anything else with a reason."""
    where = str(path)
    try:
        info = os.stat(path) if follow_symlinks else os.lstat(path)
    except FileNotFoundError as exc:
        raise UserError("the file does not exist (or vanished)", where=where) from exc
    except OSError as exc:
        raise UserError(f"cannot read the file: {exc.strerror}", where=where) from exc
    if stat.S_ISLNK(info.st_mode):
        raise UserError("is a symbolic link; links are followed only on request", where=where,
                        hint="attach the file it points to, or allow following links")
    if stat.S_ISDIR(info.st_mode):
        raise UserError("is a folder, not a file", where=where, hint="attach the folder with --folder")
    if not stat.S_ISREG(info.st_mode):
        raise UserError("is not a regular file (a device, pipe or socket)", where=where)
    if info.st_size > max_size:
        raise UserError(
            f"is {info.st_size:,} bytes, over the {max_size:,}-byte limit", where=where,
            hint="split it or raise the limit in Preferences",
        )
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


class EvidenceService:
    def __init__(self, db: Database, actor: Actor, max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> None:
        self._db = db
        self._actor = actor
        self.max_file_size = max_file_size

    def attach(
        self,
        ref: str,
        paths: Sequence[Path],
        *,
        effective_date: dt.date | None = None,
        description: str = "",
        follow_symlinks: bool = False,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> list[AttachResult]:
        """Attach each file in its own transaction: a cancel or failure leaves earlier files whole, none half."""
        cancel = cancel or CancelToken()
        results = []
        for done, path in enumerate(paths):
            cancel.raise_if_cancelled()
            results.append(
                self.attach_one(ref, Path(path), effective_date=effective_date, description=description,
                                follow_symlinks=follow_symlinks, cancel=cancel)
            )
            progress(done + 1, len(paths))
        return results

    def attach_one(
        self,
        ref: str,
        path: Path,
        *,
        name: str | None = None,
        effective_date: dt.date | None = None,
        description: str = "",
        follow_symlinks: bool = False,
        cancel: CancelToken | None = None,
    ) -> AttachResult:
        cancel = cancel or CancelToken()
        display = safe_display_name(name or path.name)
        with (
            open_regular_file(path, follow_symlinks=follow_symlinks, max_size=self.max_file_size) as (stream, info),
            self._db.write() as session,
        ):
            request = load_request_row(session, ref)
            try:
                evidence, new = self._store(session, stream, info, display, effective_date, description, cancel)
            except blobs.SizeChanged as exc:
                raise UserError(f"the file changed while it was read ({exc})", where=str(path),
                                hint="attach it again once it is complete") from exc
            already = self._link(session, request, evidence)
            if new:
                record(session, self._actor, "evidence.add", target=request.ref, after=display,
                       detail={"sha256": evidence.sha256, "size": evidence.size, "source": str(path)})
            if not already:
                record(session, self._actor, "evidence.link", target=request.ref, after=display,
                       detail={"sha256": evidence.sha256})
            refs = self._refs_of(session, evidence.id)
            return AttachResult(to_evidence(evidence, refs), request.ref, new, already)

    def attach_bytes(self, ref: str, data: bytes, name: str, *, description: str = "") -> AttachResult:
        """Attach in-memory bytes (a pasted screenshot) the same way as a file."""
        import io

        display = safe_display_name(name)
        with self._db.write() as session:
            request = load_request_row(session, ref)
            stream = io.BytesIO(data)
            fake = os.stat_result((stat.S_IFREG, 0, 0, 1, 0, 0, len(data), 0, int(dt.datetime.now().timestamp()), 0))
            evidence, new = self._store(session, stream, fake, display, None, description, CancelToken())
            already = self._link(session, request, evidence)
            if new:
                record(session, self._actor, "evidence.add", target=request.ref, after=display,
                       detail={"sha256": evidence.sha256, "size": evidence.size, "source": "clipboard"})
            if not already:
                record(session, self._actor, "evidence.link", target=request.ref, after=display,
                       detail={"sha256": evidence.sha256})
            return AttachResult(to_evidence(evidence, self._refs_of(session, evidence.id)), request.ref, new, already)

    def _store(
        self,
        session: Session,
        stream: BinaryIO,
        info: os.stat_result,
        display: str,
        effective_date: dt.date | None,
        description: str,
        cancel: CancelToken,
    ) -> tuple[EvidenceRow, bool]:
        """Store the bytes unless the same SHA-256 is already there; (row, stored_new_bytes)."""
        head = stream.read(16)
        stream.seek(0)
        if blobs.size_is_known(session, info.st_size):
            sha = blobs.hash_stream(stream, info.st_size, cancel.raise_if_cancelled)
            existing = blobs.find_by_sha(session, sha)
            if existing is not None:
                return existing, False
            stream.seek(0)
        now = dt.datetime.now(dt.UTC)
        row = EvidenceRow(
            sha256=f"pending-{os.getpid()}-{id(stream)}",
            size=info.st_size,
            name=display,
            media_type=media_type_for(display, head),
            effective_date=effective_date or dt.datetime.fromtimestamp(info.st_mtime).date(),
            description=description,
            added_by=self._actor.name,
            added_at=now,
        )
        session.add(row)
        session.flush()
        sha = blobs.write_chunks(session, row.id, stream, info.st_size, cancel.raise_if_cancelled)
        existing = blobs.find_by_sha(session, sha)
        if existing is not None:
            blobs.delete_chunks(session, row.id)
            session.delete(row)
            return existing, False
        row.sha256 = sha
        return row, True

    def _link(self, session: Session, request: RequestRow, evidence: EvidenceRow) -> bool:
        """Make `evidence` current on `request`; True when it already was."""
        link = session.scalar(
            select(LinkRow).where(LinkRow.request_id == request.id, LinkRow.evidence_id == evidence.id)
        )
        if link is not None and link.current:
            return True
        if link is None:
            session.add(LinkRow(request_id=request.id, evidence_id=evidence.id, current=True,
                                linked_by=self._actor.name, linked_at=dt.datetime.now(dt.UTC)))
        else:
            link.current = True
            link.replaced_by = None
        request.updated_at = dt.datetime.now(dt.UTC)
        session.flush()
        return False

    def _refs_of(self, session: Session, evidence_id: int) -> list[str]:
        return list(
            session.scalars(
                select(RequestRow.ref)
                .join(LinkRow, LinkRow.request_id == RequestRow.id)
                .where(LinkRow.evidence_id == evidence_id, LinkRow.current.is_(True))
                .order_by(RequestRow.position)
            )
        )

    def _evidence_row(self, session: Session, sha256: str) -> EvidenceRow:
        row = blobs.find_by_sha(session, sha256) if len(sha256) == 64 else None
        if row is None:
            matches = list(session.scalars(select(EvidenceRow).where(EvidenceRow.sha256.startswith(sha256))))
            if len(matches) != 1 or len(sha256) < 6:
                raise UserError(f"no single evidence file with SHA-256 {sha256!r}")
            row = matches[0]
        return row

    def link(self, ref: str, sha256: str) -> Changes:
        with self._db.write() as session:
            request = load_request_row(session, ref)
            evidence = self._evidence_row(session, sha256)
            if not self._link(session, request, evidence):
                record(session, self._actor, "evidence.link", target=request.ref, after=evidence.name,
                       detail={"sha256": evidence.sha256})
            return Changes(refs=frozenset([ref]), evidence=True)

    def unlink(self, ref: str, sha256: str) -> Changes:
        """Remove the link only: the bytes stay in the workbook until purged."""
        with self._db.write() as session:
            request = load_request_row(session, ref)
            evidence = self._evidence_row(session, sha256)
            link = session.scalar(
                select(LinkRow).where(LinkRow.request_id == request.id, LinkRow.evidence_id == evidence.id)
            )
            if link is None:
                raise UserError(f"{evidence.name!r} is not linked to {ref}")
            for older in session.scalars(select(LinkRow).where(LinkRow.replaced_by == link.id)):
                older.replaced_by = None
            session.delete(link)
            request.updated_at = dt.datetime.now(dt.UTC)
            record(session, self._actor, "evidence.unlink", target=request.ref, before=evidence.name,
                   detail={"sha256": evidence.sha256})
            return Changes(refs=frozenset([ref]), evidence=True)

    def for_request(self, ref: str, include_history: bool = False) -> list[EvidenceLink]:
        with self._db.read() as session:
            request = load_request_row(session, ref)
            query = (
                select(LinkRow, EvidenceRow)
                .join(EvidenceRow, EvidenceRow.id == LinkRow.evidence_id)
                .where(LinkRow.request_id == request.id)
                .order_by(LinkRow.id)
            )
            if not include_history:
                query = query.where(LinkRow.current.is_(True))
            return [
                EvidenceLink(to_evidence(ev, self._refs_of(session, ev.id)), ref, link.linked_by, link.linked_at,
                             link.current, link.replaced_by)
                for link, ev in session.execute(query).tuples()
            ]

    def list(self) -> list[Evidence]:
        with self._db.read() as session:
            return [to_evidence(row, self._refs_of(session, row.id))
                    for row in session.scalars(select(EvidenceRow).order_by(EvidenceRow.id))]

    def open_chunks(self, sha256: str) -> Iterator[bytes]:
        with self._db.read() as session:
            evidence_id = self._evidence_row(session, sha256).id
        return blobs.iter_chunks(self._db, evidence_id)

    def export_original(self, sha256: str, dest: Path) -> Path:
        """Write the stored bytes to `dest` (a temporary name first, then renamed into place)."""
        tmp = dest.with_name(dest.name + ".part")
        try:
            with tmp.open("wb") as out:
                for chunk in self.open_chunks(sha256):
                    out.write(chunk)
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
        return dest

    def unlinked(self) -> list[Evidence]:
        with self._db.read() as session:
            linked = select(LinkRow.evidence_id)
            return [to_evidence(r) for r in session.scalars(select(EvidenceRow).where(EvidenceRow.id.not_in(linked)))]

    def purge_unlinked(self) -> tuple[int, int]:
        """Delete the bytes of evidence no request uses (on purpose only); returns (files, bytes)."""
        with self._db.write() as session:
            linked = select(LinkRow.evidence_id)
            rows = list(session.scalars(select(EvidenceRow).where(EvidenceRow.id.not_in(linked))))
            total = sum(r.size for r in rows)
            for row in rows:
                blobs.delete_chunks(session, row.id)
                record(session, self._actor, "evidence.purge", before=row.name,
                       detail={"sha256": row.sha256, "size": row.size})
                session.delete(row)
            return len(rows), total

    def stored_bytes(self) -> int:
        with self._db.read() as session:
            return int(session.scalar(select(func.coalesce(func.sum(EvidenceRow.size), 0))) or 0)

    def chunk_rows(self) -> int:
        with self._db.read() as session:
            return int(session.scalar(select(func.count()).select_from(EvidenceChunkRow)) or 0)
