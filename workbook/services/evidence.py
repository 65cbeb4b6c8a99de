"""Evidence use cases: attach (stored once per SHA-256), link, replace, restore, details, flags, purge."""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import datetime as dt
import io
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from sqlalchemy import CompoundSelect, func, select, union
from sqlalchemy.orm import Session

from workbook.errors import StorageError, UserError
from workbook.formats import evidence_preview
from workbook.jobs import Cancelled, CancelToken, Progress, no_progress
from workbook.model import Actor, AttachResult, Changes, Engagement, Evidence, EvidenceFlag, EvidenceLink
from workbook.services import evidence_versions as versions
from workbook.services import intake, previews
from workbook.services.activity import record
from workbook.services.intake import DEFAULT_MAX_FILE_SIZE
from workbook.services.replay import NEVER_EXPORT_ON
from workbook.services.requests import load_request_row
from workbook.storage import blobs, evidence_sql, safety
from workbook.storage.database import Database, driver
from workbook.storage.schema import (
    EngagementRow,
    EvidenceChunkRow,
    EvidenceRow,
    LinkRow,
    PriorEvidenceRow,
    RequestRow,
    SampleEvidenceRow,
)
from workbook.storage.values import Row, to_engagement


def to_evidence(row: EvidenceRow, refs: Sequence[str] = ()) -> Evidence:
    """The model's evidence, each value checked (an odd one names its table, row and column)."""
    check = Row("evidence", row.id)
    return Evidence(
        id=row.id,
        sha256=check.text("sha256", row.sha256),
        name=check.text("name", row.name),
        media_type=check.text("media_type", row.media_type),
        size=check.integer("size", row.size),
        effective_date=check.date("effective_date", row.effective_date),
        description=check.text("description", row.description),
        source_system=check.text("source_system", row.source_system),
        shows=check.text("shows", row.shows),
        population=check.text("population", row.population),
        period_covered=check.text("period_covered", row.period_covered),
        added_by=check.text("added_by", row.added_by),
        added_at=check.timestamp("added_at", row.added_at),
        refs=tuple(refs),
        never_export=check.flag("never_export", row.never_export),
    )


def to_link(link: LinkRow, evidence: Evidence, ref: str, flags: tuple[str, ...]) -> EvidenceLink:
    check = Row("links", link.id)
    return EvidenceLink(
        evidence,
        ref,
        check.text("linked_by", link.linked_by),
        check.timestamp("linked_at", link.linked_at),
        check.flag("current", link.current),
        check.optional_integer("replaced_by", link.replaced_by),
        flags,
    )


def evidence_flags(evidence: Evidence, engagement: Engagement | None, today: dt.date) -> tuple[str, ...]:
    """What an auditor would question about this evidence: its date against the period and freshness."""
    flags: list[str] = []
    date = evidence.effective_date
    if date is None:
        flags.append(EvidenceFlag.UNDATED)
    elif engagement is not None:
        start, end = engagement.period_start, engagement.period_end
        if (start is not None and date < start) or (end is not None and date > end):
            flags.append(EvidenceFlag.OUTSIDE_PERIOD)
        # Freshness counts back from the end of the audit period once it is over (else from today): a
        # policy approved at the start of a Type II period is not stale because the report is written later.
        as_of = min(today, end) if end is not None else today
        if engagement.freshness_days > 0 and date < as_of - dt.timedelta(days=engagement.freshness_days):
            flags.append(EvidenceFlag.STALE)
    if evidence_preview.is_image(evidence.media_type) and not (evidence.source_system and evidence.shows):
        flags.append(EvidenceFlag.PROVENANCE_MISSING)
    return tuple(flags)


def _engagement(session: Session) -> Engagement | None:
    row = session.get(EngagementRow, 1)
    return None if row is None else to_engagement(row)


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
        except safety.OperationalError as error:
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
                    with evidence_sql.savepoint(con):
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
        evidence, new = intake.store_file(
            session,
            path,
            original,
            effective_date,
            description,
            follow_symlinks=follow_symlinks,
            max_size=self.max_file_size,
            added_by=self._actor.name,
            cancel=cancel,
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
            evidence, new = intake.store(
                session,
                io.BytesIO(data),
                len(data),
                now.timestamp(),
                name,
                None,
                description,
                added_by=self._actor.name,
                cancel=CancelToken(),
            )
            already = self._link_and_record(
                session, request_id, ref, evidence, new, source="clipboard", original=name
            )
            result = AttachResult(self._with_refs(session, evidence), ref, new, already)
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
        return self.build_previews and evidence_sql.needs_preview(driver(session), evidence_id)

    def _preview(self, evidence_id: int) -> None:
        """Thumbnail and text in their own short transaction, so a slow preview never holds the evidence."""
        with self._write() as session:
            previews.build_preview_if_missing(session, evidence_id)

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
        already = evidence_sql.make_link_current(
            driver(session), request_id, evidence.id, linked_by=self._actor.name
        )
        if new:
            log_added(session, self._actor, ref, evidence, source=source, original=original)
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

    def _refs_of(self, session: Session, evidence_id: int) -> builtins.list[str]:
        return evidence_sql.current_refs(driver(session), evidence_id)

    def _evidence_row(self, session: Session, sha256: str) -> EvidenceRow:
        row = blobs.find_by_sha(session, sha256) if len(sha256) == 64 else None
        if row is None:
            matches = list(session.scalars(select(EvidenceRow).where(EvidenceRow.sha256.startswith(sha256))))
            if len(matches) != 1 or len(sha256) < 6:
                raise UserError(f"no single evidence file with SHA-256 {sha256!r}")
            row = matches[0]
        return row

    def link(self, ref: str, sha256: str) -> Changes:
        return self.link_all(ref, [sha256])

    def link_all(self, ref: str, sha256s: Sequence[str]) -> Changes:
        """Make stored files current evidence of `ref`: all of them or, on any error, none."""
        with self._write() as session:
            request = load_request_row(session, ref)
            for sha256 in sha256s:
                versions.link(session, self._actor, request, self._evidence_row(session, sha256))
            return Changes(refs=frozenset([ref]), evidence=True)

    def unlink(self, ref: str, sha256: str) -> Changes:
        """Remove the link only: the bytes stay in the workbook until purged."""
        return self.unlink_all(ref, [sha256])

    def unlink_all(self, ref: str, sha256s: Sequence[str]) -> Changes:
        """Remove several links in one transaction (the bytes stay): all of them or none."""
        with self._write() as session:
            request = load_request_row(session, ref)
            for sha256 in sha256s:
                versions.unlink(session, self._actor, request, self._evidence_row(session, sha256))
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
            old_link = versions.current_link(session, request, old)
            evidence, new = intake.store_file(
                session,
                new_path,
                new_path.name,
                effective_date,
                description,
                follow_symlinks=follow_symlinks,
                max_size=self.max_file_size,
                added_by=self._actor.name,
                cancel=cancel,
            )
            versions.check_new_bytes(old, evidence, new_path)
            already = self._link_and_record(
                session, request.id, request.ref, evidence, new, source=str(new_path), original=new_path.name
            )
            versions.supersede(session, self._actor, request, old, old_link, evidence)
            result = AttachResult(self._with_refs(session, evidence), request.ref, new, already)
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
            demoted = versions.restore(session, self._actor, request, evidence)
            return Changes(
                refs=frozenset([request.ref]),
                evidence=True,
                demoted=frozenset([demoted] if demoted else []),
            )

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

    def set_never_export(self, sha256: str, never: bool) -> Changes:
        """Mark a file never to be exported (kept in the workbook, left out of every output), or unmark it."""
        with self._write() as session:
            row = self._evidence_row(session, sha256)
            if bool(row.never_export) == never:
                return Changes()
            words = {True: NEVER_EXPORT_ON, False: "exported"}
            record(
                session,
                self._actor,
                "evidence.set",
                target=row.name,
                field="never_export",
                before=words[bool(row.never_export)],
                after=words[never],
                detail={"sha256": row.sha256},
            )
            row.never_export = never
            return Changes(refs=frozenset(self._refs_of(session, row.id)), evidence=True)

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
                flags = evidence_flags(evidence, engagement, today) if link.current else ()
                out.append(to_link(link, evidence, request.ref, flags))
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
                    out.setdefault(ref, []).append(to_link(link, evidence, ref, flags))
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

    def read_at_most(self, sha256: str, limit: int) -> bytes:
        """The file's bytes to show in memory; b"" when it holds more than `limit` (reading stops there)."""
        data = bytearray()
        for chunk in self.open_chunks(sha256):
            data.extend(chunk)
            if len(data) > limit:
                return b""
        return bytes(data)

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
        """Evidence nothing uses (no request, sample or prior-period link, not even an older version): what a
        purge would free."""
        with self._db.read() as session:
            linked = _in_use()
            return [
                to_evidence(r)
                for r in session.scalars(
                    select(EvidenceRow).where(EvidenceRow.id.not_in(linked)).order_by(EvidenceRow.id)
                )
            ]

    def purge_unlinked(self) -> tuple[int, int]:
        """Delete the bytes of evidence no request uses (on purpose only); returns (files, bytes)."""
        with self._write() as session:
            linked = _in_use()
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


def log_added(
    session: Session, actor: Actor, ref: str, evidence: Evidence, *, source: str, original: str = ""
) -> None:
    """Log newly stored bytes (evidence.add) with what was given at attach, so verify vouches for them."""
    detail: dict[str, object] = {
        "sha256": evidence.sha256,
        "size": evidence.size,
        "source": source.encode("utf-8", "backslashreplace").decode("utf-8"),
        "effective_date": evidence.effective_date.isoformat() if evidence.effective_date else None,
        "description": evidence.description,
    }
    if original and original != evidence.name:
        # The name as given is kept in the log, escaped, so nothing of the original is lost.
        detail["original_name"] = original.encode("unicode_escape").decode("ascii")
    record(session, actor, "evidence.add", target=ref, after=evidence.name, detail=detail)


def _in_use() -> CompoundSelect[tuple[int]]:
    """The ids of evidence a request, a sample or a request's prior period uses: never purged."""
    return union(
        select(LinkRow.evidence_id),
        select(SampleEvidenceRow.evidence_id),
        select(PriorEvidenceRow.evidence_id),
    )


def _request_id(con: sqlite3.Connection, ref: str) -> int:
    """The id of the request with this ref (what `load_request_row` finds, without loading the row)."""
    found = evidence_sql.request_id(con, ref)
    if found is None:
        raise UserError(f"no request with ref {ref!r} in this workbook", hint="list them with `items`")
    return found
