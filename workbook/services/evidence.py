"""Evidence: attach files (hashed and stored once), link, unlink, replace, versions, dates, flags, purge."""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import datetime as dt
import io
import mimetypes
import os
import sqlite3
import stat
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workbook.errors import StorageError, UserError
from workbook.jobs import Cancelled, CancelToken, Progress, no_progress
from workbook.model import Actor, AttachResult, Changes, Engagement, Evidence, EvidenceLink
from workbook.services import previews
from workbook.services.activity import record
from workbook.services.requests import load_request_row
from workbook.storage import blobs
from workbook.storage.database import Database, driver
from workbook.storage.schema import EngagementRow, EvidenceChunkRow, EvidenceRow, LinkRow, RequestRow

DEFAULT_MAX_FILE_SIZE = 2 * 1024**3
MAX_NAME_CHARS = 240
_MAGIC_TYPES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
)

# Flags a link can carry; the GUI and the package show them beside the evidence.
FLAG_OUTSIDE_PERIOD = "outside_period"
FLAG_STALE = "stale"
FLAG_UNDATED = "undated"
FLAG_PROVENANCE_MISSING = "provenance_missing"
# Plain driver SQL on the attach path: ORM flushes and statement building cost more than the writes.
_EVIDENCE_FIELDS = (
    "id, sha256, size, name, media_type, effective_date, description, source_system, shows, population,"
    " period_covered, added_by, added_at"
)
_EVIDENCE_BY_SHA = f"SELECT {_EVIDENCE_FIELDS} FROM evidence WHERE sha256 = ?"  # noqa: S608 - constant columns
_INSERT_EVIDENCE = (
    "INSERT INTO evidence (sha256, size, name, media_type, effective_date, description, source_system, shows,"
    " population, period_covered, added_by, added_at, text_content, thumbnail)"
    " VALUES (?, ?, ?, ?, ?, ?, '', '', '', '', ?, ?, '', ?)"
)
_SET_EVIDENCE_HASH = "UPDATE evidence SET sha256 = ?, effective_date = ? WHERE id = ?"
_DELETE_EVIDENCE = "DELETE FROM evidence WHERE id = ?"
_NEEDS_PREVIEW = "SELECT thumbnail IS NULL FROM evidence WHERE id = ?"
_REQUEST_BY_REF = "SELECT id FROM requests WHERE ref = ?"
_LINK_STATE = "SELECT id, current FROM links WHERE request_id = ? AND evidence_id = ?"
_INSERT_LINK = (
    "INSERT INTO links (request_id, evidence_id, current, replaced_by, linked_by, linked_at)"
    " VALUES (?, ?, 1, NULL, ?, ?)"
)
_MAKE_LINK_CURRENT = "UPDATE links SET current = 1, replaced_by = NULL WHERE id = ?"
_TOUCH_REQUEST = "UPDATE requests SET updated_at = ? WHERE id = ?"
_CURRENT_REFS = (
    "SELECT requests.ref FROM requests JOIN links ON links.request_id = requests.id"
    " WHERE links.evidence_id = ? AND links.current = 1 ORDER BY requests.position"
)
# SQLAlchemy's SQLite DateTime text form (naive, microseconds), so ORM reads of these rows parse them alike.
_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

FLAG_LABELS = {
    FLAG_OUTSIDE_PERIOD: "dated outside the audit period",
    FLAG_STALE: "older than the freshness window",
    FLAG_UNDATED: "no effective date",
    FLAG_PROVENANCE_MISSING: "screenshot without source system or what it shows",
}


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


def evidence_flags(evidence: Evidence, engagement: Engagement | None, today: dt.date) -> tuple[str, ...]:
    """What an auditor would question about this evidence: its date against the period and freshness."""
    flags: list[str] = []
    date = evidence.effective_date
    if date is None:
        flags.append(FLAG_UNDATED)
    elif engagement is not None:
        start, end = engagement.period_start, engagement.period_end
        if (start is not None and date < start) or (end is not None and date > end):
            flags.append(FLAG_OUTSIDE_PERIOD)
        # Freshness counts back from the end of the audit period once it is over (else from today): a
        # policy approved at the start of a Type II period is not stale because the report is written later.
        as_of = min(today, end) if end is not None else today
        if engagement.freshness_days > 0 and date < as_of - dt.timedelta(days=engagement.freshness_days):
            flags.append(FLAG_STALE)
    if previews.is_image(evidence.media_type) and not (evidence.source_system and evidence.shows):
        flags.append(FLAG_PROVENANCE_MISSING)
    return tuple(flags)


def _engagement(session: Session) -> Engagement | None:
    row = session.get(EngagementRow, 1)
    if row is None:
        return None
    return Engagement(
        row.client, row.framework, row.period_start, row.period_end, row.auditor, row.freshness_days
    )


@contextlib.contextmanager
def open_regular_file(
    path: Path, *, follow_symlinks: bool = False, max_size: int
) -> Iterator[tuple[BinaryIO, os.stat_result]]:
    """Open only a regular file, without blocking on FIFOs or devices; refuse anything else with a reason."""
    where = str(path).encode("utf-8", "backslashreplace").decode("utf-8")
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


def _check_unchanged(stream: BinaryIO, before: os.stat_result, where: str) -> None:
    """Refuse a file written to while we read it: the stored bytes might mix two versions."""
    after = os.fstat(stream.fileno())
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise UserError(
            "the file changed while it was read", where=where, hint="attach it again once it is complete"
        )


class EvidenceService:
    def __init__(
        self,
        db: Database,
        actor: Actor,
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
        *,
        build_previews: bool = True,
    ) -> None:
        self._db = db
        self._actor = actor
        self.max_file_size = max_file_size
        self.build_previews = build_previews

    @contextlib.contextmanager
    def _write(self) -> Iterator[Session]:
        """One unit of work; driver-SQL errors read as the ORM's do (disk full, locked: StorageError)."""
        try:
            with self._db.write() as session:
                yield session
        except sqlite3.OperationalError as error:
            raise StorageError(f"could not write the workbook: {error}", where=str(self._db.path)) from error

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
    ) -> builtins.list[AttachResult]:
        """Attach each file in its own transaction: a cancel or failure leaves earlier files whole."""
        cancel = cancel or CancelToken()
        results = []
        for done, path in enumerate(paths):
            cancel.raise_if_cancelled()
            results.append(
                self.attach_one(
                    ref,
                    Path(path),
                    effective_date=effective_date,
                    description=description,
                    follow_symlinks=follow_symlinks,
                    cancel=cancel,
                )
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
        return self.attach_to_refs(
            [ref],
            path,
            name=name,
            effective_date=effective_date,
            description=description,
            follow_symlinks=follow_symlinks,
            cancel=cancel,
        )[0]

    def attach_to_refs(
        self,
        refs: Sequence[str],
        path: Path,
        *,
        name: str | None = None,
        effective_date: dt.date | None = None,
        description: str = "",
        follow_symlinks: bool = False,
        cancel: CancelToken | None = None,
    ) -> builtins.list[AttachResult]:
        """Store one file once and link it to every ref, all in one transaction."""
        cancel = cancel or CancelToken()
        path = Path(path)
        original = name if name is not None else path.name
        with self._write() as session:
            results = self._attach_in(
                session, refs, path, original, effective_date, description, follow_symlinks, cancel
            )
            evidence_id = results[0].evidence.id
            wants_preview = self._wants_preview(session, evidence_id)
        if wants_preview:
            self._preview(evidence_id)
        return results

    def attach_many(
        self,
        items: Sequence[tuple[Sequence[str], Path]],
        *,
        follow_symlinks: bool = False,
        cancel: CancelToken | None = None,
        on_file: Callable[[int, builtins.list[AttachResult] | UserError], None] | None = None,
    ) -> tuple[builtins.list[builtins.list[AttachResult] | UserError], bool]:
        """Attach several files in one commit, each file inside its own savepoint.

        A file that fails or is cancelled mid-way is rolled back whole; the files before it are kept.
        Returns (per-file results or the UserError that refused it, cancelled). One commit for many small
        files spares one disk flush per file, which dominates a bulk ingest.
        """
        cancel = cancel or CancelToken()
        outcomes: builtins.list[builtins.list[AttachResult] | UserError] = []
        cancelled = False
        with self._write() as session:
            con = driver(session)
            for index, (refs, path) in enumerate(items):
                if cancel.cancelled:
                    cancelled = True
                    break
                outcome: builtins.list[AttachResult] | UserError
                try:
                    with _savepoint(con):
                        outcome = self._attach_in(
                            session, refs, Path(path), Path(path).name, None, "", follow_symlinks, cancel
                        )
                except UserError as exc:
                    outcome = exc
                except Cancelled:
                    cancelled = True
                    break
                outcomes.append(outcome)
                if on_file is not None:
                    on_file(index, outcome)
            ids = [o[0].evidence.id for o in outcomes if isinstance(o, list) and o]
            wanted = [i for i in ids if self._wants_preview(session, i)]
        for evidence_id in wanted:
            self._preview(evidence_id)
        return outcomes, cancelled

    def _attach_in(
        self,
        session: Session,
        refs: Sequence[str],
        path: Path,
        original: str,
        effective_date: dt.date | None,
        description: str,
        follow_symlinks: bool,
        cancel: CancelToken,
    ) -> builtins.list[AttachResult]:
        if not refs:
            raise UserError("attach needs at least one request ref", where=str(path))
        con = driver(session)
        requests = [(_request_id(con, ref), ref) for ref in refs]
        evidence, new = self._store_file(
            session, path, original, effective_date, description, follow_symlinks, cancel
        )
        out = []
        stored = new
        for request_id, ref in requests:
            already = self._link_and_record(
                session, request_id, ref, evidence, new, source=str(path), original=original
            )
            out.append((ref, already))
            new = False
        linked = self._with_refs(session, evidence)
        return [
            AttachResult(linked, ref, stored and index == 0, already)
            for index, (ref, already) in enumerate(out)
        ]

    def attach_bytes(self, ref: str, data: bytes, name: str, *, description: str = "") -> AttachResult:
        """Attach in-memory bytes (a pasted screenshot) the same way as a file."""
        if not data:
            raise UserError("nothing to attach: the data is empty", where=name)
        with self._write() as session:
            request_id = _request_id(driver(session), ref)
            now = dt.datetime.now(dt.UTC)
            evidence, new = self._store(
                session,
                io.BytesIO(data),
                len(data),
                now.timestamp(),
                name,
                None,
                description,
                CancelToken(),
            )
            already = self._link_and_record(
                session, request_id, ref, evidence, new, source="clipboard", original=name
            )
            result = AttachResult(
                self._with_refs(session, evidence),
                ref,
                new,
                already,
            )
            evidence_id = evidence.id
            wants_preview = self._wants_preview(session, evidence_id)
        if wants_preview:
            self._preview(evidence_id)
        return result

    def _with_refs(self, session: Session, evidence: Evidence) -> Evidence:
        """The evidence as returned to callers: with every request it is now current evidence of."""
        return dataclasses.replace(evidence, refs=tuple(self._refs_of(session, evidence.id)))

    def _wants_preview(self, session: Session, evidence_id: int) -> bool:
        """Decided inside the unit of work; the preview itself is built after the commit."""
        return self.build_previews and _needs_preview(session, evidence_id)

    def _store_file(
        self,
        session: Session,
        path: Path,
        original: str,
        effective_date: dt.date | None,
        description: str,
        follow_symlinks: bool,
        cancel: CancelToken,
    ) -> tuple[Evidence, bool]:
        where = str(path).encode("utf-8", "backslashreplace").decode("utf-8")
        with open_regular_file(path, follow_symlinks=follow_symlinks, max_size=self.max_file_size) as (
            stream,
            info,
        ):
            try:
                evidence, new = self._store(
                    session,
                    stream,
                    info.st_size,
                    info.st_mtime,
                    original,
                    effective_date,
                    description,
                    cancel,
                )
            except blobs.SizeChanged as exc:
                raise UserError(
                    f"the file changed while it was read ({exc})",
                    where=where,
                    hint="attach it again once it is complete",
                ) from exc
            _check_unchanged(stream, info, where)
        return evidence, new

    def _store(
        self,
        session: Session,
        stream: blobs.Readable,
        size: int,
        mtime: float,
        original: str,
        effective_date: dt.date | None,
        description: str,
        cancel: CancelToken,
    ) -> tuple[Evidence, bool]:
        """Store the bytes unless the same SHA-256 is already there; (evidence, stored_new_bytes)."""
        con = driver(session)
        head = stream.read(16)
        _rewind(stream)
        if blobs.size_is_known(con, size):
            sha = blobs.hash_stream(stream, size, cancel.raise_if_cancelled)
            existing = _evidence_by_sha(con, sha)
            if existing is not None:
                return existing, False
            _rewind(stream)
        display = safe_display_name(original)
        media_type = media_type_for(display, head)
        added_at = dt.datetime.now(dt.UTC)
        inserted = con.execute(
            _INSERT_EVIDENCE,
            (
                f"pending-{os.getpid()}-{id(stream)}",
                size,
                display,
                media_type,
                effective_date.isoformat() if effective_date else None,
                description,
                self._actor.name,
                _stored_datetime(added_at),
                None if self._previewable(media_type) else previews.NO_THUMBNAIL,
            ),
        )
        evidence_id = inserted.lastrowid
        assert evidence_id is not None
        sha = blobs.write_chunks(con, evidence_id, stream, size, cancel.raise_if_cancelled)
        existing = _evidence_by_sha(con, sha)
        if existing is not None:
            blobs.delete_chunks(con, evidence_id)
            con.execute(_DELETE_EVIDENCE, (evidence_id,))
            return existing, False
        if effective_date is None:
            effective_date = (
                self._metadata_date(session, evidence_id, media_type)
                or dt.datetime.fromtimestamp(mtime).date()
            )
        con.execute(_SET_EVIDENCE_HASH, (sha, effective_date.isoformat(), evidence_id))
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
            added_by=self._actor.name,
            added_at=added_at,
        )
        return evidence, True

    def _previewable(self, media_type: str) -> bool:
        return previews.is_image(media_type) or previews.is_pdf(media_type) or previews.is_text(media_type)

    def _metadata_date(self, session: Session, evidence_id: int, media_type: str) -> dt.date | None:
        if not (previews.is_image(media_type) or previews.is_pdf(media_type)):
            return None
        with blobs.ChunkReader(session, evidence_id) as raw, io.BufferedReader(raw, 256 * 1024) as reader:
            return previews.sniff_effective_date(reader, media_type)

    def _preview(self, evidence_id: int) -> None:
        """Thumbnail and text in their own short transaction, so a slow preview never holds the evidence."""
        with self._write() as session:
            row = session.get(EvidenceRow, evidence_id)
            if row is not None and row.thumbnail is None:
                previews.build_stored_preview(session, row)

    def _link_and_record(
        self,
        session: Session,
        request_id: int,
        ref: str,
        evidence: Evidence,
        new: bool,
        *,
        source: str,
        original: str = "",
    ) -> bool:
        already = self._link(session, request_id, evidence.id)
        if new:
            detail: dict[str, object] = {
                "sha256": evidence.sha256,
                "size": evidence.size,
                "source": source.encode("utf-8", "backslashreplace").decode("utf-8"),
            }
            if original and original != evidence.name:
                # The name as given is kept in the log, escaped, so nothing of the original is lost.
                detail["original_name"] = original.encode("unicode_escape").decode("ascii")
            record(session, self._actor, "evidence.add", target=ref, after=evidence.name, detail=detail)
        if not already:
            record(
                session,
                self._actor,
                "evidence.link",
                target=ref,
                after=evidence.name,
                detail={"sha256": evidence.sha256},
            )
        return already

    def _link(self, session: Session, request_id: int, evidence_id: int) -> bool:
        """Make the evidence current on the request; True when it already was."""
        con = driver(session)
        link = con.execute(_LINK_STATE, (request_id, evidence_id)).fetchone()
        if link is not None and link[1]:
            return True
        now = _stored_datetime(dt.datetime.now(dt.UTC))
        if link is None:
            con.execute(_INSERT_LINK, (request_id, evidence_id, self._actor.name, now))
        else:
            con.execute(_MAKE_LINK_CURRENT, (link[0],))
        con.execute(_TOUCH_REQUEST, (now, request_id))
        return False

    def _refs_of(self, session: Session, evidence_id: int) -> builtins.list[str]:
        return [ref for (ref,) in driver(session).execute(_CURRENT_REFS, (evidence_id,))]

    def _evidence_row(self, session: Session, sha256: str) -> EvidenceRow:
        row = blobs.find_by_sha(session, sha256) if len(sha256) == 64 else None
        if row is None:
            matches = list(session.scalars(select(EvidenceRow).where(EvidenceRow.sha256.startswith(sha256))))
            if len(matches) != 1 or len(sha256) < 6:
                raise UserError(f"no single evidence file with SHA-256 {sha256!r}")
            row = matches[0]
        return row

    def link(self, ref: str, sha256: str) -> Changes:
        with self._write() as session:
            request = load_request_row(session, ref)
            evidence = self._evidence_row(session, sha256)
            if not self._link(session, request.id, evidence.id):
                record(
                    session,
                    self._actor,
                    "evidence.link",
                    target=request.ref,
                    after=evidence.name,
                    detail={"sha256": evidence.sha256},
                )
            return Changes(refs=frozenset([ref]), evidence=True)

    def unlink(self, ref: str, sha256: str) -> Changes:
        """Remove the link only: the bytes stay in the workbook until purged."""
        with self._write() as session:
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
            record(
                session,
                self._actor,
                "evidence.unlink",
                target=request.ref,
                before=evidence.name,
                detail={"sha256": evidence.sha256},
            )
            return Changes(refs=frozenset([ref]), evidence=True)

    def replace(
        self,
        ref: str,
        old_sha256: str,
        new_path: Path,
        *,
        effective_date: dt.date | None = None,
        description: str = "",
        follow_symlinks: bool = False,
        cancel: CancelToken | None = None,
    ) -> AttachResult:
        """Make a newer file the current version; the old one stays in the request's history."""
        cancel = cancel or CancelToken()
        new_path = Path(new_path)
        with self._write() as session:
            request = load_request_row(session, ref)
            old = self._evidence_row(session, old_sha256)
            old_link = self._link_row(session, request.id, old.id)
            if old_link is None or not old_link.current:
                raise UserError(
                    f"{old.name!r} is not current evidence of {request.ref}",
                    hint="replace one of the files the request shows now",
                )
            evidence, new = self._store_file(
                session, new_path, new_path.name, effective_date, description, follow_symlinks, cancel
            )
            if evidence.id == old.id:
                raise UserError(
                    "the new file has exactly the same bytes as the current version",
                    where=str(new_path),
                    hint="nothing to replace",
                )
            already = self._link_and_record(
                session, request.id, request.ref, evidence, new, source=str(new_path), original=new_path.name
            )
            new_link = self._link_row(session, request.id, evidence.id)
            assert new_link is not None
            old_link.current = False
            old_link.replaced_by = new_link.id
            record(
                session,
                self._actor,
                "evidence.replace",
                target=request.ref,
                before=old.name,
                after=evidence.name,
                detail={"old_sha256": old.sha256, "new_sha256": evidence.sha256},
            )
            session.flush()
            result = AttachResult(
                self._with_refs(session, evidence),
                request.ref,
                new,
                already,
            )
            evidence_id = evidence.id
            wants_preview = self._wants_preview(session, evidence_id)
        if wants_preview:
            self._preview(evidence_id)
        return result

    def history(self, ref: str) -> builtins.list[EvidenceLink]:
        """Every version the request has had, current and replaced, oldest first."""
        return self.for_request(ref, include_history=True)

    def restore_version(self, ref: str, sha256: str) -> Changes:
        """Make an older version current again; the version that replaced it goes into history."""
        with self._write() as session:
            request = load_request_row(session, ref)
            evidence = self._evidence_row(session, sha256)
            link = self._link_row(session, request.id, evidence.id)
            if link is None:
                raise UserError(f"{evidence.name!r} was never evidence of {request.ref}")
            if link.current:
                raise UserError(f"{evidence.name!r} is already current evidence of {request.ref}")
            successor = self._current_successor(session, link)
            link.current = True
            link.replaced_by = None
            if successor is not None:
                successor.current = False
                successor.replaced_by = link.id
            request.updated_at = dt.datetime.now(dt.UTC)
            record(
                session,
                self._actor,
                "evidence.restore",
                target=request.ref,
                before=successor_name(session, successor),
                after=evidence.name,
                detail={"sha256": evidence.sha256},
            )
            return Changes(refs=frozenset([request.ref]), evidence=True)

    def _link_row(self, session: Session, request_id: int, evidence_id: int) -> LinkRow | None:
        return session.scalar(
            select(LinkRow).where(LinkRow.request_id == request_id, LinkRow.evidence_id == evidence_id)
        )

    def _current_successor(self, session: Session, link: LinkRow) -> LinkRow | None:
        """Follow replaced_by to the version that is current now (None if the chain was unlinked)."""
        seen = {link.id}
        step = link.replaced_by
        while step is not None and step not in seen:
            seen.add(step)
            row = session.get(LinkRow, step)
            if row is None:
                return None
            if row.current:
                return row
            step = row.replaced_by
        return None

    def set_details(
        self,
        sha256: str,
        *,
        effective_date: dt.date | None = None,
        description: str | None = None,
        source_system: str | None = None,
        shows: str | None = None,
        population: str | None = None,
        period_covered: str | None = None,
        clear_effective_date: bool = False,
    ) -> Changes:
        """Edit an evidence's date and provenance; None leaves a field as is, "" clears a text; logged.

        `clear_effective_date` removes the date (so adding one to an undated file can be undone).
        """
        wanted: dict[str, object] = {
            "effective_date": effective_date,
            "description": description,
            "source_system": source_system,
            "shows": shows,
            "population": population,
            "period_covered": period_covered,
        }
        with self._write() as session:
            row = self._evidence_row(session, sha256)
            changed = False
            for field, value in wanted.items():
                clearing = field == "effective_date" and clear_effective_date
                if value is None and not clearing:
                    continue
                if isinstance(value, str):
                    value = value.strip()
                before = getattr(row, field)
                if before == value:
                    continue
                record(
                    session,
                    self._actor,
                    "evidence.set",
                    target=row.name,
                    field=field,
                    before=before,
                    after=value,
                    detail={"sha256": row.sha256},
                )
                setattr(row, field, value)
                changed = True
            refs = self._refs_of(session, row.id)
            return Changes(refs=frozenset(refs) if changed else frozenset(), evidence=changed)

    def for_request(
        self, ref: str, include_history: bool = False, *, today: dt.date | None = None
    ) -> builtins.list[EvidenceLink]:
        today = today or dt.date.today()
        with self._db.read() as session:
            request = load_request_row(session, ref)
            engagement = _engagement(session)
            query = (
                select(LinkRow, EvidenceRow)
                .join(EvidenceRow, EvidenceRow.id == LinkRow.evidence_id)
                .where(LinkRow.request_id == request.id)
                .order_by(LinkRow.id)
            )
            if not include_history:
                query = query.where(LinkRow.current.is_(True))
            out = []
            for link, ev in session.execute(query):
                evidence = to_evidence(ev, self._refs_of(session, ev.id))
                out.append(
                    EvidenceLink(
                        evidence,
                        request.ref,
                        link.linked_by,
                        link.linked_at,
                        link.current,
                        link.replaced_by,
                        evidence_flags(evidence, engagement, today) if link.current else (),
                    )
                )
            return out

    def flagged(self, *, today: dt.date | None = None) -> dict[str, builtins.list[EvidenceLink]]:
        """Ref → its current evidence that carries a flag, in checklist order; unflagged requests omitted."""
        today = today or dt.date.today()
        with self._db.read() as session:
            engagement = _engagement(session)
            query = (
                select(LinkRow, EvidenceRow, RequestRow.ref)
                .join(EvidenceRow, EvidenceRow.id == LinkRow.evidence_id)
                .join(RequestRow, RequestRow.id == LinkRow.request_id)
                .where(LinkRow.current.is_(True))
                .order_by(RequestRow.position, RequestRow.id, LinkRow.id)
            )
            out: dict[str, builtins.list[EvidenceLink]] = {}
            for link, ev, ref in session.execute(query):
                evidence = to_evidence(ev, self._refs_of(session, ev.id))
                flags = evidence_flags(evidence, engagement, today)
                if flags:
                    out.setdefault(ref, []).append(
                        EvidenceLink(
                            evidence, ref, link.linked_by, link.linked_at, True, link.replaced_by, flags
                        )
                    )
            return out

    def list(self) -> builtins.list[Evidence]:
        with self._db.read() as session:
            return [
                to_evidence(row, self._refs_of(session, row.id))
                for row in session.scalars(select(EvidenceRow).order_by(EvidenceRow.id))
            ]

    def get(self, sha256: str) -> Evidence:
        with self._db.read() as session:
            row = self._evidence_row(session, sha256)
            return to_evidence(row, self._refs_of(session, row.id))

    def thumbnail(self, sha256: str) -> bytes | None:
        """The cached PNG thumbnail, or None when the file has none (not an image or PDF, or refused)."""
        with self._db.read() as session:
            data = self._evidence_row(session, sha256).thumbnail
            return bytes(data) if data else None

    def text_content(self, sha256: str) -> str:
        with self._db.read() as session:
            return self._evidence_row(session, sha256).text_content

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

    def unlinked(self) -> builtins.list[Evidence]:
        """Evidence no request uses (not even as an older version), with its size: what a purge would free."""
        with self._db.read() as session:
            linked = select(LinkRow.evidence_id)
            return [
                to_evidence(r)
                for r in session.scalars(
                    select(EvidenceRow).where(EvidenceRow.id.not_in(linked)).order_by(EvidenceRow.id)
                )
            ]

    def purge_unlinked(self) -> tuple[int, int]:
        """Delete the bytes of evidence no request uses (on purpose only); returns (files, bytes)."""
        with self._write() as session:
            linked = select(LinkRow.evidence_id)
            rows = list(session.scalars(select(EvidenceRow).where(EvidenceRow.id.not_in(linked))))
            total = sum(r.size for r in rows)
            for row in rows:
                blobs.delete_chunks(driver(session), row.id)
                record(
                    session,
                    self._actor,
                    "evidence.purge",
                    before=row.name,
                    detail={"sha256": row.sha256, "size": row.size},
                )
                session.delete(row)
            return len(rows), total

    def stored_bytes(self) -> int:
        with self._db.read() as session:
            return int(session.scalar(select(func.coalesce(func.sum(EvidenceRow.size), 0))) or 0)

    def chunk_rows(self) -> int:
        with self._db.read() as session:
            return int(session.scalar(select(func.count()).select_from(EvidenceChunkRow)) or 0)


def _needs_preview(session: Session, evidence_id: int) -> bool:
    found = driver(session).execute(_NEEDS_PREVIEW, (evidence_id,)).fetchone()
    return found is not None and bool(found[0])


@contextlib.contextmanager
def _savepoint(con: sqlite3.Connection) -> Iterator[None]:
    """One file's statements, undone whole when it fails or is cancelled (no ORM state to expire here)."""
    con.execute("SAVEPOINT aw_file")
    try:
        yield
    except BaseException:
        # SQLite may have rolled the whole transaction back already (disk full): nothing left to undo.
        if con.in_transaction:
            con.execute("ROLLBACK TO aw_file")
            con.execute("RELEASE aw_file")
        raise
    con.execute("RELEASE aw_file")


def _stored_datetime(value: dt.datetime) -> str:
    return value.strftime(_DATETIME_FORMAT)


def _request_id(con: sqlite3.Connection, ref: str) -> int:
    """The id of the request with this ref (what `load_request_row` finds, without loading the row)."""
    found = con.execute(_REQUEST_BY_REF, (ref,)).fetchone()
    if found is None:
        raise UserError(f"no request with ref {ref!r} in this workbook", hint="list them with `items`")
    return int(found[0])


def _evidence_by_sha(con: sqlite3.Connection, sha256: str) -> Evidence | None:
    found = con.execute(_EVIDENCE_BY_SHA, (sha256,)).fetchone()
    if found is None:
        return None
    effective, added_at = found[5], found[12]
    return Evidence(
        id=found[0],
        sha256=found[1],
        size=found[2],
        name=found[3],
        media_type=found[4],
        effective_date=dt.date.fromisoformat(effective) if effective else None,
        description=found[6],
        source_system=found[7],
        shows=found[8],
        population=found[9],
        period_covered=found[10],
        added_by=found[11],
        added_at=dt.datetime.fromisoformat(added_at),
    )


def successor_name(session: Session, link: LinkRow | None) -> str:
    if link is None:
        return ""
    row = session.get(EvidenceRow, link.evidence_id)
    return row.name if row else ""


def _rewind(stream: blobs.Readable) -> None:
    seek = getattr(stream, "seek", None)
    if seek is None:
        raise UserError("the data cannot be read twice")
    seek(0)
