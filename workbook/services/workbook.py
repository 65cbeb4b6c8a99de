"""The workbook as a whole: create, open, describe, edit engagement details, verify, back up."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workbook.errors import UserError, WorkbookDamaged, WorkbookError
from workbook.jobs import CancelToken, Progress, no_progress
from workbook.model import (
    Actor,
    Changes,
    Engagement,
    NextPeriodResult,
    Problem,
    Status,
    VerifyReport,
    WorkbookInfo,
)
from workbook.services.activity import ActivityService, check_chain, record
from workbook.services.evidence import EvidenceService
from workbook.services.people import PeopleService
from workbook.services.periods import PriorEvidenceService
from workbook.services.requests import RequestService
from workbook.services.samples import SampleService
from workbook.storage import blobs, cipher, safety
from workbook.storage.database import (
    Database,
    create_database,
    driver,
    new_file_failed,
    open_database,
    roll_back_interrupted_write,
)
from workbook.storage.fileformat import SCHEMA_HEAD, SUFFIX, check_workbook_file
from workbook.storage.schema import (
    ActivityRow,
    EngagementRow,
    EvidenceRow,
    LinkRow,
    MetaRow,
    PriorEvidenceRow,
    RequestRow,
    SampleEvidenceRow,
)
from workbook.storage.values import to_engagement

# The drivers' errors (sqlite3's and sqlcipher3's) beside others, for `except`.
_COPY_ERRORS: tuple[type[Exception], ...] = (OSError, *safety.Error)

READY = tuple(s.value for s in Status if s.is_ready)
# Evidence older than this before the period's end (or today) is flagged: the annual-review rule of thumb.
DEFAULT_FRESHNESS_DAYS = 365


@dataclass(frozen=True)
class _LoggedEvidence:
    added: dict[str, int]
    entries: dict[str, str]
    purged: frozenset[str]


def _logged_evidence(session: Session) -> _LoggedEvidence:
    """What the hash-chained log says was added (sha256 → size) and purged."""
    added: dict[str, int] = {}
    entries: dict[str, str] = {}
    purged: set[str] = set()
    query = select(ActivityRow.id, ActivityRow.action, ActivityRow.after, ActivityRow.detail).where(
        ActivityRow.action.in_(("evidence.add", "evidence.carry", "evidence.purge"))
    )
    for entry_id, action, after, detail in session.execute(query):
        try:
            facts = json.loads(detail) if detail else {}
        except ValueError:
            continue
        sha = str(facts.get("sha256", ""))
        if action == "evidence.purge":
            purged.add(sha)
        else:
            added[sha] = int(facts.get("size", -1))
            verb = "carried from the previous period" if action == "evidence.carry" else "added"
            entries[sha] = f"evidence {after!r} {verb} at activity entry #{entry_id}"
    return _LoggedEvidence(added, entries, frozenset(purged))


def _engagement(row: EngagementRow) -> Engagement:
    return to_engagement(row)


if TYPE_CHECKING:
    from workbook.services.importing import ImportService
    from workbook.storage.repair import RepairReport


class Workbook:
    """One open .auditwb file and the services that work on it."""

    def __init__(self, db: Database, actor: Actor) -> None:
        self.db = db
        self.actor = actor
        self.path = db.path
        self.requests = RequestService(db, actor)
        self.people = PeopleService(db, actor)
        self.evidence = EvidenceService(db, actor)
        self.activity = ActivityService(db)
        self.samples = SampleService(db, actor)
        self.prior = PriorEvidenceService(db, actor)

    @property
    def read_only_reason(self) -> str:
        """Why this workbook is open read-only (who holds it), or "" when it can be changed."""
        return self.db.read_only_reason or ""

    def imports(self, profiles_path: Path | None = None) -> ImportService:
        """The checklist importer for this workbook (`profiles_path`: where confirmed mappings are kept)."""
        from workbook.services.importing import ImportService

        return ImportService(self.db, self.actor, profiles_path)

    @classmethod
    def create(
        cls,
        path: Path,
        actor: Actor,
        *,
        client: str,
        framework: str = "SOC 2 Type II",
        period_start: dt.date | None = None,
        period_end: dt.date | None = None,
        auditor: str = "",
        passphrase: str | None = None,
    ) -> Workbook:
        """A new workbook; with `passphrase`, encrypted at rest (SQLCipher, docs/encryption.md)."""
        path = Path(path)
        if path.suffix.lower() != SUFFIX:
            path = path.with_name(path.name + SUFFIX)
        if not client.strip():
            raise UserError("a workbook needs the client's name", hint="pass --client NAME")
        if period_start and period_end and period_end < period_start:
            raise UserError("the audit period ends before it starts")
        now = dt.datetime.now(dt.UTC)

        def populate(session: Session) -> None:
            session.add(
                EngagementRow(
                    id=1,
                    client=client.strip(),
                    framework=framework.strip(),
                    period_start=period_start,
                    period_end=period_end,
                    auditor=auditor.strip(),
                    freshness_days=DEFAULT_FRESHNESS_DAYS,
                    created_at=now,
                )
            )
            session.add(MetaRow(key="created_with", value=SCHEMA_HEAD))
            record(
                session,
                actor,
                "workbook.create",
                target=client.strip(),
                detail={
                    "framework": framework,
                    "period": f"{period_start}..{period_end}",
                    "auditor": auditor,
                },
            )

        return cls(create_database(path, actor, populate, passphrase=passphrase), actor)

    @classmethod
    def open(
        cls,
        path: Path,
        actor: Actor,
        *,
        read_only: bool = False,
        lock_wait: float | None = None,
        passphrase: str | None = None,
    ) -> Workbook:
        """Open a workbook; a second writer waits `lock_wait` s for the lock (default 3, or as configured).

        A file found damaged names its latest good automatic backup, and how to restore it, in the hint. An
        encrypted workbook needs its `passphrase` (a wrong one is refused and nothing is changed); a plain
        workbook opens as it is whatever passphrase is given.
        """
        unlocked = passphrase is not None and cipher.unlock(Path(path), passphrase)
        try:
            opened = cls(open_database(Path(path), actor, read_only=read_only, lock_wait=lock_wait), actor)
        except BaseException as error:
            if unlocked:
                cipher.forget(Path(path))  # a wrong passphrase is not kept for the next try
            if not isinstance(error, WorkbookError):
                raise
            if "damaged" in error.message or "not an Audit Workbook" in error.message:
                from workbook.services import backups

                # An encrypted workbook's backups do not open without its passphrase either: a good one
                # found means a plain workbook, damaged (its header too, so it looked encrypted).
                good = backups.latest_good(Path(path).resolve())
                if good is not None:
                    error.hint = (
                        f"the latest good automatic backup is {good}: restore it to a new file with "
                        f"`audit-workbook restore {good} NEW.auditwb` (File → Open it to look first)"
                    )
            raise
        if not opened.read_only:
            from workbook.services.exporting import reconcile_interrupted

            # An export stopped between logging its intent and its outputs: log what was published. A
            # failure leaves the log as it is; the next open tries again.
            with contextlib.suppress(WorkbookError):
                reconcile_interrupted(opened)
            from workbook.services import backups

            # What an automatic backup killed mid-write left beside the workbook.
            backups.sweep_parts(opened.db.real_path)
        return opened

    @staticmethod
    def needs_passphrase(path: Path) -> bool:
        """An encrypted workbook whose passphrase this process does not hold yet (the window asks for it)."""
        return cipher.available() and not cipher.is_keyed(Path(path)) and cipher.looks_encrypted(Path(path))

    @classmethod
    def next_period(
        cls,
        source: Path,
        dest: Path,
        actor: Actor,
        *,
        period_start: dt.date | None,
        period_end: dt.date | None,
        auditor: str | None = None,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> NextPeriodResult:
        """Start the next audit period's workbook at `dest` from `source`, which is left untouched."""
        from workbook.services.periods import next_period

        return next_period(
            source,
            dest,
            actor,
            period_start=period_start,
            period_end=period_end,
            auditor=auditor,
            progress=progress,
            cancel=cancel,
        )

    @classmethod
    def repair(cls, source: Path, dest: Path, actor: Actor) -> RepairReport:
        """Write a clean copy of `source` at `dest`: this version's schema, every value checked, nothing run.

        Odd values are replaced (each with a line saying so), evidence is re-hashed against its SHA-256, the
        activity log is copied as it is, and the repair itself is logged when the log ends where it should.
        """
        from workbook.storage import repair

        source, dest = Path(source), Path(dest)
        if dest.suffix.lower() != SUFFIX:
            dest = dest.with_name(dest.name + SUFFIX)
        if dest.exists():
            raise UserError("the destination exists", where=str(dest), hint="repair to a new file name")
        facts = repair.read_source(source, lambda real: roll_back_interrupted_write(real.resolve(), actor))
        copied: list[RepairReport] = []

        def populate(session: Session) -> None:
            result = repair.copy_clean(source, facts, driver(session))
            notes = list(result.notes)
            if result.log_intact:
                record(
                    session,
                    actor,
                    "workbook.repair",
                    target=source.name,
                    detail={"from": str(source), "changes": len(notes)},
                )
            else:
                notes.append("the repair was not added to the log, which does not end where it should")
            copied.append(repair.RepairReport(dest, tuple(notes), tuple(sorted(result.copied.items()))))

        # An encrypted workbook's clean copy is encrypted with the same passphrase.
        create_database(dest, actor, populate, passphrase=cipher.passphrase_for(source)).close()
        return copied[0]

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.close()

    @property
    def read_only(self) -> bool:
        return self.db.read_only

    def engagement(self) -> Engagement:
        with self.db.read() as session:
            row = session.get(EngagementRow, 1)
            if row is None:
                raise UserError("the workbook has no engagement details", where=str(self.path))
            return _engagement(row)

    def info(self, today: dt.date | None = None) -> WorkbookInfo:
        today = today or dt.date.today()
        with self.db.read() as session:
            row = session.get(EngagementRow, 1)
            if row is None:
                raise UserError("the workbook has no engagement details", where=str(self.path))
            live = select(func.count()).select_from(RequestRow).where(RequestRow.archived.is_(False))
            total = session.scalar(live) or 0
            ready = session.scalar(live.where(RequestRow.status.in_(READY))) or 0
            overdue = session.scalar(live.where(RequestRow.due < today, RequestRow.status.not_in(READY))) or 0
            # Last period's files count only once reused for this one (or given for a sample).
            prior_only = select(PriorEvidenceRow.evidence_id).where(
                PriorEvidenceRow.evidence_id.not_in(select(LinkRow.evidence_id)),
                PriorEvidenceRow.evidence_id.not_in(select(SampleEvidenceRow.evidence_id)),
            )
            this_period = EvidenceRow.id.not_in(prior_only)
            evidence_count = (
                session.scalar(select(func.count()).select_from(EvidenceRow).where(this_period)) or 0
            )
            evidence_bytes = (
                session.scalar(select(func.coalesce(func.sum(EvidenceRow.size), 0)).where(this_period)) or 0
            )
            head = session.get(MetaRow, "activity_head")
            return WorkbookInfo(
                path=str(self.path),
                engagement=_engagement(row),
                schema_version=SCHEMA_HEAD,
                read_only=self.db.read_only,
                read_only_reason=self.db.read_only_reason,
                request_count=total,
                ready_count=ready,
                overdue_count=overdue,
                evidence_count=evidence_count,
                evidence_bytes=int(evidence_bytes),
                activity_head=head.value if head else "",
                created_at=row.created_at,
            )

    def update_engagement(
        self,
        *,
        client: str | None = None,
        framework: str | None = None,
        period_start: dt.date | None = None,
        period_end: dt.date | None = None,
        auditor: str | None = None,
        freshness_days: int | None = None,
    ) -> Changes:
        with self.db.write() as session:
            row = session.get(EngagementRow, 1)
            assert row is not None
            wanted = {
                "client": client,
                "framework": framework,
                "period_start": period_start,
                "period_end": period_end,
                "auditor": auditor,
                "freshness_days": freshness_days,
            }
            for field, value in wanted.items():
                if value is None or getattr(row, field) == value:
                    continue
                record(
                    session,
                    self.actor,
                    "engagement.set",
                    field=field,
                    before=getattr(row, field),
                    after=value,
                )
                setattr(row, field, value)
            if row.period_start and row.period_end and row.period_end < row.period_start:
                raise UserError("the audit period ends before it starts")
            return Changes(engagement=True)

    def verify(
        self,
        *,
        expect_head: str | None = None,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> VerifyReport:
        """Re-hash every evidence file, re-check the activity chain, SQLite's integrity and the state the log
        gives (services/state_check.py); name whatever was altered, and list what could not be compared."""
        from workbook.services import state_check

        cancel = cancel or CancelToken()
        problems: list[Problem] = []
        not_covered: list[str] = []
        with self.db.read() as session:
            ids = list(session.scalars(select(EvidenceRow.id).order_by(EvidenceRow.id)))
            logged = _logged_evidence(session)
        seen: set[str] = set()
        for done, evidence_id in enumerate(ids):
            cancel.raise_if_cancelled()
            # Each file's row and bytes are read in one transaction: a purge running meanwhile is no alarm.
            with self.db.read() as session:
                try:
                    row = session.get(EvidenceRow, evidence_id)
                except WorkbookDamaged as damaged:
                    problems.extend(state_check.damaged_evidence(damaged))
                    continue
                if row is None:
                    continue
                name, sha, size = row.name, row.sha256, row.size
                actual, actual_size = blobs.rehash_in(session, evidence_id)
                if actual == sha and actual_size == size and logged.added.get(sha) == size:
                    problems.extend(state_check.evidence_problems(session, row, not_covered))
            seen.add(sha)
            if actual != sha or actual_size != size:
                problems.append(
                    Problem(
                        "evidence",
                        name,
                        f"evidence {name!r} (sha256 {sha[:12]}…) no longer "
                        "matches its hash: its stored bytes were altered",
                    )
                )
            elif logged.added.get(sha) != size:
                problems.append(
                    Problem(
                        "evidence",
                        name,
                        f"evidence {name!r} (sha256 {sha[:12]}…) is not the "
                        "file the activity log recorded: it was swapped or added outside the app",
                    )
                )
            progress(done + 1, len(ids) + 1)
        with self.db.read() as session:
            # Read again: a purge during the pass above is logged now, and its file is legitimately gone.
            logged = _logged_evidence(session)
            present = set(session.scalars(select(EvidenceRow.sha256)))
        for sha, entry in logged.entries.items():
            if sha not in present and sha not in logged.purged:
                problems.append(
                    Problem(
                        "evidence",
                        entry,
                        f"{entry} is missing from the workbook and was never "
                        "purged: it was deleted outside the app",
                    )
                )
        try:
            with self.db.read() as session:
                count, head, chain = check_chain(session, expect_head)
        except safety.DatabaseError as exc:
            raise UserError(f"the activity log cannot be read ({exc})", where=str(self.path)) from exc
        problems.extend(chain)
        problems.extend(
            Problem("schema", "schema", f"the file's schema was changed outside the app: {difference}")
            for difference in self.db.schema_differences
        )
        problems.extend(state_check.integrity_problems(self.db.real_path))
        state = state_check.check_state(self.db.real_path, freshness_days=DEFAULT_FRESHNESS_DAYS)
        problems.extend(state.problems)
        not_covered.extend(state.not_covered)
        progress(len(ids) + 1, len(ids) + 1)
        return VerifyReport(len(seen), count, head, tuple(problems), tuple(not_covered))

    def daily_backup(self, keep: int) -> Path | None:
        """Today's automatic backup in `NAME.backups/` unless taken already; only the `keep` newest stay."""
        if self.read_only:
            return None
        from workbook.services import backups

        return backups.daily_if_due(self.db, self.db.real_path, keep)

    def backup(self, dest: Path) -> Path:
        """A consistent copy through SQLite's online backup API (never a file copy), renamed into place."""
        dest = Path(dest)
        if dest.is_dir():
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            dest = dest / f"{self.path.stem}-{stamp}{SUFFIX}"
        if dest.exists():
            raise UserError("the backup destination already exists", where=str(dest))
        if not dest.parent.is_dir():
            raise UserError("the backup folder does not exist", where=str(dest.parent))
        try:
            return self.db.copy_to(dest, check_workbook_file)
        except _COPY_ERRORS as exc:
            raise new_file_failed(exc, dest, "could not write the backup") from exc
