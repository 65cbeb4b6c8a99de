"""Audit cycles: next year's workbook from this one, and last period's evidence shown beside each request.

`next_period` reads the old workbook read-only (it is left untouched) and writes the new one in a single
transaction under a temporary name, renamed into place only when whole. It carries the client, people, the
stored checklists (the mapping a re-import uses), the settings, every live request with its owner (status
open, due date and notes cleared) and what each sample must provide; each request's current files (and its
samples' files) become its *prior-period evidence*: shown and openable, never counted or exported until the
user reuses one for this period. The new file starts as a byte copy of the old one, so each evidence byte is
written once (files no carried request uses are deleted from the copy, their bytes zeroed). Every
carried value is logged in the new file (request.carry, evidence.carry, …) after its first entry, which names
the old file and its log head, so verify vouches for the new file's whole state.
"""

from __future__ import annotations

import builtins
import datetime as dt
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from workbook.errors import UserError
from workbook.jobs import CancelToken, Progress, no_progress
from workbook.model import Actor, NextPeriodResult, PriorEvidence, ReuseResult
from workbook.services.activity import record
from workbook.services.evidence import evidence_flags, to_evidence
from workbook.services.replay_fields import IMPORT_FIELDS
from workbook.services.requests import load_request_row
from workbook.services.state_compare import summary_digest
from workbook.storage import cipher, evidence_sql
from workbook.storage.database import Database, create_database, driver
from workbook.storage.fileformat import SCHEMA_HEAD, SUFFIX
from workbook.storage.schema import (
    EngagementRow,
    EvidenceRow,
    ImportRow,
    LinkRow,
    MetaRow,
    PersonRow,
    PriorEvidenceRow,
    RequestRow,
    SampleEvidenceRow,
    SamplePlanRow,
    SampleRow,
)
from workbook.storage.values import Row, to_engagement

_CHUNKS = "SELECT data FROM evidence_chunks WHERE evidence_id = ? ORDER BY seq"
_INSERT_CHUNK = "INSERT INTO evidence_chunks (evidence_id, seq, data) VALUES (?, ?, ?)"
# Request columns carried as they are (the import's fields); owner, status, due and notes are the answers.
_CARRIED = IMPORT_FIELDS
_EVIDENCE_TEXT = ("description", "source_system", "shows", "population", "period_covered")


def period_words(start: dt.date | None, end: dt.date | None) -> str:
    if start is None and end is None:
        return "the previous period"
    return f"{start.isoformat() if start else '…'}..{end.isoformat() if end else '…'}"


@dataclass
class _Carried:
    requests: list[RequestRow]
    owners: dict[int, str]
    people: list[PersonRow]
    plans: dict[int, list[str]]
    # evidence id → (row, [(request id, sample code)])
    evidence: dict[int, tuple[EvidenceRow, list[tuple[int, str]]]]
    imports: list[ImportRow]
    engagement: EngagementRow
    head: str
    count: int


def _read_old(session: Session) -> _Carried:
    """What the next period carries, read (and each value checked) from the copy of the old workbook."""
    engagement = session.get(EngagementRow, 1)
    if engagement is None:
        raise UserError("the workbook has no engagement details to carry")
    to_engagement(engagement)  # every value checked before anything is written
    requests = list(
        session.scalars(
            select(RequestRow)
            .where(RequestRow.archived.is_(False))
            .order_by(RequestRow.position, RequestRow.id)
        )
    )
    live = {r.id for r in requests}
    people = list(session.scalars(select(PersonRow).order_by(PersonRow.id)))
    owners = {p.id: Row("people", p.id).text("name", p.name) for p in people}
    plans = {
        p.request_id: list(Row("sample_plans", p.request_id).text_list("required", p.required))
        for p in session.scalars(select(SamplePlanRow))
        if p.request_id in live
    }
    evidence: dict[int, tuple[EvidenceRow, list[tuple[int, str]]]] = {}
    uses = session.execute(
        select(LinkRow.request_id, LinkRow.evidence_id).where(LinkRow.current.is_(True)).order_by(LinkRow.id)
    ).all()
    sample_uses = session.execute(
        select(SampleRow.request_id, SampleEvidenceRow.evidence_id, SampleRow.code)
        .join(SampleRow, SampleRow.id == SampleEvidenceRow.sample_id)
        .order_by(SampleRow.position, SampleEvidenceRow.id)
    ).all()
    pairs: list[tuple[int, int, str]] = [(r, e, "") for r, e in uses]
    pairs += [(r, e, str(c)) for r, e, c in sample_uses]
    rows = {
        row.id: row
        for row in session.scalars(
            select(EvidenceRow)
            .options(defer(EvidenceRow.text_content), defer(EvidenceRow.thumbnail))
            .where(EvidenceRow.id.in_({e for _r, e, _c in pairs}))
        )
    }
    for request_id, evidence_id, code in pairs:
        if request_id not in live or evidence_id not in rows:
            continue
        if evidence_id not in evidence:
            to_evidence(rows[evidence_id])
            evidence[evidence_id] = (rows[evidence_id], [])
        users = evidence[evidence_id][1]
        if all(used != request_id for used, _code in users):
            users.append((request_id, code))
    imports = list(session.scalars(select(ImportRow).options(defer(ImportRow.data)).order_by(ImportRow.id)))
    head = session.get(MetaRow, "activity_head")
    count = session.get(MetaRow, "activity_count")
    return _Carried(
        requests,
        owners,
        people,
        plans,
        evidence,
        imports,
        engagement,
        head.value if head else "",
        int(count.value) if count and count.value.isdigit() else 0,
    )


# What the new period does not keep of the copy; evidence no carried request uses goes with its bytes
# (secure_delete zeroes them: the new file holds no byte of a file it does not carry).
_CLEAR = (
    "DELETE FROM activity",
    "DELETE FROM meta",
    "DELETE FROM comments",
    "DELETE FROM sample_evidence",
    "DELETE FROM samples",
    "DELETE FROM prior_evidence",
    "DELETE FROM links",
    "DELETE FROM sample_plans WHERE request_id IN (SELECT id FROM requests WHERE archived = 1)",
    "DELETE FROM requests WHERE archived = 1",
)


def _consistent_copy(real: Path, read: Session) -> Callable[[Path], None]:
    """Copy the old file's bytes while `read` holds SQLite's shared lock (no writer can commit meanwhile)."""

    def copy(tmp: Path) -> None:
        driver(read).execute("SELECT count(*) FROM sqlite_master").fetchone()  # the shared lock, now
        # The kernel's own copy (copy_file_range/sendfile) into the owner-only file made for it; the commit
        # that follows syncs the file, so nothing of the copy is counted on before it is on disk.
        shutil.copyfile(real, tmp)

    return copy


def next_period(
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
    """Write the next period's workbook at `dest` from the one at `source` (see the module's docstring).

    The new file starts as a byte copy of the old one (taken under SQLite's shared lock, so it is the last
    committed state), then in one transaction under a temporary name: what is not carried is deleted, the
    answers are reset, the log starts afresh with every carried value, and only then is it renamed into place.
    """
    from workbook.services.workbook import Workbook

    cancel = cancel or CancelToken()
    source, dest = Path(source), Path(dest)
    if dest.suffix.lower() != SUFFIX:
        dest = dest.with_name(dest.name + SUFFIX)
    if dest.exists():
        raise UserError("a file already exists there", where=str(dest), hint="choose a new file name")
    if period_start and period_end and period_end < period_start:
        raise UserError("the new audit period ends before it starts")
    if dest.resolve() == source.resolve():
        raise UserError("the next period needs a new file", where=str(dest), hint="choose another name")
    figures: dict[str, int] = {}
    found: list[_Carried] = []
    with Workbook.open(source, actor, read_only=True) as old:
        if old.db.schema_differences:
            raise UserError(
                "this workbook's schema is not one this version makes: no next period is started from it",
                where=str(source),
                hint="make a clean copy with `audit-workbook repair FILE OUT` and start from that",
            )
        with old.db.read() as old_session:
            old_engagement = to_engagement(old_session.get(EngagementRow, 1) or _no_engagement(source))
            if period_start and old_engagement.period_end and period_start <= old_engagement.period_end:
                old_period = period_words(old_engagement.period_start, old_engagement.period_end)
                raise UserError(
                    f"the new period starts on {period_start}, inside the old one ({old_period})",
                    hint="give the period that follows it, e.g. the next calendar year",
                )
            copy = _consistent_copy(old.db.real_path, old_session)

            def populate(session: Session) -> None:
                progress(1, 4)
                carried = _read_old(session)
                found.append(carried)
                cancel.raise_if_cancelled()
                _carry(session, carried, actor, source, period_start, period_end, auditor, figures, cancel)
                progress(3, 4)

            progress(0, 4)
            # An encrypted workbook's byte copy keeps its key: the next period's file has the same passphrase.
            passphrase = cipher.passphrase_for(old.db.real_path)
            create_database(dest, actor, populate, start_from=copy, passphrase=passphrase).close()
            progress(4, 4)
    return NextPeriodResult(
        path=dest,
        source=source,
        source_head=found[0].head,
        period_start=period_start,
        period_end=period_end,
        requests=figures["requests"],
        people=figures["people"],
        evidence_files=figures["evidence_files"],
        evidence_bytes=figures["evidence_bytes"],
        prior_links=figures["prior"],
        sample_plans=figures["sample_plans"],
    )


def _no_engagement(source: Path) -> EngagementRow:
    raise UserError("the workbook has no engagement details to carry", where=str(source))


def _carry(
    session: Session,
    carried: _Carried,
    actor: Actor,
    source: Path,
    period_start: dt.date | None,
    period_end: dt.date | None,
    auditor: str | None,
    figures: dict[str, int],
    cancel: CancelToken,
) -> None:
    """In the copy's write transaction: clear what is not carried, reset the answers, log what is."""
    con = driver(session)
    now = dt.datetime.now(dt.UTC)
    stamp = evidence_sql.stored_datetime(now)
    old_row = carried.engagement
    old_period = period_words(old_row.period_start, old_row.period_end)
    for statement in _CLEAR:
        con.execute(statement)
    keep = sorted(carried.evidence)
    marks = ",".join("?" * len(keep))
    # Chunks first: a file not carried loses its bytes with its row.
    con.execute(f"DELETE FROM evidence_chunks WHERE evidence_id NOT IN ({marks})", keep)  # noqa: S608
    con.execute(f"DELETE FROM evidence WHERE id NOT IN ({marks})", keep)  # noqa: S608
    con.execute(
        "UPDATE requests SET status = 'open', due = NULL, notes = '', recheck_evidence = 0,"
        " created_at = ?, updated_at = ?",
        (stamp, stamp),
    )
    new_auditor = auditor.strip() if auditor is not None else old_row.auditor
    con.execute(
        "UPDATE engagement SET period_start = ?, period_end = ?, auditor = ?, created_at = ? WHERE id = 1",
        (
            period_start.isoformat() if period_start else None,
            period_end.isoformat() if period_end else None,
            new_auditor,
            stamp,
        ),
    )
    con.execute("INSERT INTO meta (key, value) VALUES ('created_with', ?)", (SCHEMA_HEAD,))
    record(
        session,
        actor,
        "workbook.create",
        target=old_row.client,
        detail={
            "framework": old_row.framework,
            "period": f"{period_start}..{period_end}",
            "auditor": new_auditor,
            "from": {
                "file": source.name,
                "path": str(source.resolve()),
                "period": old_period,
                "activity_head": carried.head,
                "activity_count": carried.count,
            },
        },
    )
    from workbook.services.workbook import DEFAULT_FRESHNESS_DAYS

    if old_row.freshness_days != DEFAULT_FRESHNESS_DAYS:
        record(
            session,
            actor,
            "engagement.set",
            field="freshness_days",
            before=DEFAULT_FRESHNESS_DAYS,
            after=old_row.freshness_days,
        )
    for person in carried.people:
        record(session, actor, "person.add", target=person.name)
        if person.email:
            record(session, actor, "person.set", person.name, "email", "", person.email)
    for stored in carried.imports:
        summary = stored.summary if isinstance(stored.summary, dict) else {}
        record(
            session,
            actor,
            "checklist.carry",
            target=stored.file_name,
            detail={
                "file": stored.file_name,
                "sha256": stored.sha256,
                "size": stored.size,
                "imported_by": stored.imported_by,
                "summary_sha256": summary_digest(summary),
            },
        )
    for done, request in enumerate(carried.requests):
        if done % 500 == 0:
            cancel.raise_if_cancelled()
        values = {name: getattr(request, name) for name in _CARRIED}
        record(
            session,
            actor,
            "request.carry",
            request.ref,
            after=request.title or request.request_text[:80],
            detail={**values, "owner": carried.owners.get(request.owner_id or 0, "")},
        )
        required = carried.plans.get(request.id)
        if required is not None:
            record(
                session,
                actor,
                "sample.require",
                request.ref,
                after="; ".join(required),
                detail={"required": required},
            )
    refs = {r.id: r.ref for r in carried.requests}
    prior_rows = []
    for evidence_id, (row, users) in carried.evidence.items():
        cancel.raise_if_cancelled()
        record(
            session,
            actor,
            "evidence.carry",
            refs[users[0][0]],
            after=row.name,
            detail={
                "sha256": row.sha256,
                "size": row.size,
                "name": row.name,
                "added_by": row.added_by,
                "effective_date": row.effective_date.isoformat() if row.effective_date else None,
                **{name: getattr(row, name) for name in _EVIDENCE_TEXT},
                "never_export": bool(row.never_export),
            },
        )
        for request_id, code in users:
            prior_rows.append((request_id, evidence_id, old_period, refs[request_id], code, stamp))
            record(
                session,
                actor,
                "prior.carry",
                refs[request_id],
                after=row.name,
                detail={
                    "sha256": row.sha256,
                    "period": old_period,
                    "prior_ref": refs[request_id],
                    "sample": code,
                },
            )
    con.executemany(
        "INSERT INTO prior_evidence (request_id, evidence_id, period, prior_ref, sample, carried_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        prior_rows,
    )
    figures.update(
        prior=len(prior_rows),
        requests=len(carried.requests),
        people=len(carried.people),
        evidence_files=len(carried.evidence),
        evidence_bytes=sum(row.size for row, _users in carried.evidence.values()),
        sample_plans=len(carried.plans),
    )


def _period_of(session: Session) -> tuple[dt.date | None, dt.date | None]:
    row = session.get(EngagementRow, 1)
    return (row.period_start, row.period_end) if row else (None, None)


class PriorEvidenceService:
    """Last period's files of each request: list them, and reuse one for this period."""

    def __init__(self, db: Database, actor: Actor) -> None:
        self._db = db
        self._actor = actor

    def for_request(self, ref: str) -> builtins.list[PriorEvidence]:
        with self._db.read() as session:
            request = load_request_row(session, ref)
            return self._of(session, [request])

    def counts(self) -> dict[str, int]:
        """Ref → how many prior-period files it has (requests with none left out)."""
        with self._db.read() as session:
            out: dict[str, int] = {}
            query = select(RequestRow.ref).join(
                PriorEvidenceRow, PriorEvidenceRow.request_id == RequestRow.id
            )
            for (ref,) in session.execute(query):
                out[ref] = out.get(ref, 0) + 1
            return out

    def _of(self, session: Session, requests: Sequence[RequestRow]) -> builtins.list[PriorEvidence]:
        out = []
        for request in requests:
            current = set(
                session.scalars(
                    select(LinkRow.evidence_id).where(
                        LinkRow.request_id == request.id, LinkRow.current.is_(True)
                    )
                )
            )
            query = (
                select(PriorEvidenceRow, EvidenceRow)
                .join(EvidenceRow, EvidenceRow.id == PriorEvidenceRow.evidence_id)
                .where(PriorEvidenceRow.request_id == request.id)
                .order_by(PriorEvidenceRow.sample, PriorEvidenceRow.id)
            )
            for prior, evidence in session.execute(query):
                check = Row("prior_evidence", prior.id)
                out.append(
                    PriorEvidence(
                        evidence=to_evidence(evidence),
                        ref=request.ref,
                        period=check.text("period", prior.period),
                        prior_ref=check.text("prior_ref", prior.prior_ref),
                        sample=check.text("sample", prior.sample),
                        reused=evidence.id in current,
                    )
                )
        return out

    def reuse(self, ref: str, sha256: str, *, today: dt.date | None = None) -> ReuseResult:
        """Make a prior-period file current evidence of the request for this period (logged); its date is
        judged against the new period (the flags say what to look at)."""
        today = today or dt.date.today()
        with self._db.write() as session:
            request = load_request_row(session, ref)
            prior = session.execute(
                select(PriorEvidenceRow, EvidenceRow)
                .join(EvidenceRow, EvidenceRow.id == PriorEvidenceRow.evidence_id)
                .where(PriorEvidenceRow.request_id == request.id, EvidenceRow.sha256.startswith(sha256))
            ).all()
            if len(prior) != 1 or len(sha256) < 6:
                raise UserError(
                    f"request {ref} has no single prior-period file with SHA-256 {sha256[:12]!r}",
                    hint=f"list them with `audit-workbook prior {ref}`",
                )
            _prior, evidence_row = prior[0]
            already = evidence_sql.make_link_current(
                driver(session), request.id, evidence_row.id, linked_by=self._actor.name
            )
            if not already:
                record(
                    session,
                    self._actor,
                    "evidence.reuse",
                    ref,
                    after=evidence_row.name,
                    detail={"sha256": evidence_row.sha256, "from": _prior.period},
                )
            from workbook.services.evidence import _engagement

            evidence = to_evidence(evidence_row, (ref,))
            flags = evidence_flags(evidence, _engagement(session), today)
            return ReuseResult(evidence, ref, already, flags)
