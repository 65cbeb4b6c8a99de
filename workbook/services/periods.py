"""Audit cycles: next year's workbook from this one, and last period's evidence shown beside each request.

`next_period` reads the old workbook read-only (it is left untouched) and writes the new one in a single
transaction under a temporary name, renamed into place only when whole. It carries the client, people, the
stored checklists (the mapping a re-import uses), the settings, every live request with its owner (status
open, due date and notes cleared) and what each sample must provide; each request's current files (and its
samples' files) become its *prior-period evidence*: shown and openable, never counted or exported until the
user reuses one for this period. Evidence bytes are copied once each, by SHA-256, re-hashed on the way. Every
carried value is logged in the new file (request.carry, evidence.carry, …) after its first entry, which names
the old file and its log head, so verify vouches for the new file's whole state.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbook.errors import UserError, WorkbookDamaged
from workbook.jobs import CancelToken, Progress, no_progress
from workbook.model import Actor, NextPeriodResult, PriorEvidence, ReuseResult
from workbook.services.activity import record
from workbook.services.evidence import evidence_flags, to_evidence
from workbook.services.requests import load_request_row
from workbook.services.state_compare import summary_digest
from workbook.storage import evidence_sql
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
_CARRIED = (
    "title",
    "request_text",
    "criteria",
    "section",
    "priority",
    "auditor_comment",
    "extra",
    "source_sheet",
    "source_row",
    "position",
)
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
    for request_id, evidence_id, code in pairs:
        if request_id not in live:
            continue
        if evidence_id not in evidence:
            row = session.get(EvidenceRow, evidence_id)
            if row is None:
                continue
            to_evidence(row)
            evidence[evidence_id] = (row, [])
        users = evidence[evidence_id][1]
        if all(used != request_id for used, _code in users):
            users.append((request_id, code))
    imports = list(session.scalars(select(ImportRow).order_by(ImportRow.id)))
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
    """Write the next period's workbook at `dest` from the one at `source` (see the module's docstring)."""
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
    with Workbook.open(source, actor, read_only=True) as old, old.db.read() as old_session:
        carried = _read_old(old_session)
        old_period = period_words(carried.engagement.period_start, carried.engagement.period_end)
        if period_start and carried.engagement.period_end and period_start <= carried.engagement.period_end:
            raise UserError(
                f"the new period starts on {period_start}, inside the old one ({old_period})",
                hint="give the period that follows it, e.g. the next calendar year",
            )
        total_bytes = sum(row.size for row, _users in carried.evidence.values()) or 1
        done_bytes = 0
        figures: dict[str, int] = {}

        def populate(session: Session) -> None:
            nonlocal done_bytes
            con = driver(session)
            old_con = driver(old_session)
            now = dt.datetime.now(dt.UTC)
            old_row = carried.engagement
            new_auditor = auditor.strip() if auditor is not None else old_row.auditor
            session.add(
                EngagementRow(
                    id=1,
                    client=old_row.client,
                    framework=old_row.framework,
                    period_start=period_start,
                    period_end=period_end,
                    auditor=new_auditor,
                    freshness_days=old_row.freshness_days,
                    created_at=now,
                )
            )
            session.add(MetaRow(key="created_with", value=SCHEMA_HEAD))
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
            person_ids: dict[int, int] = {}
            for person in carried.people:
                new_person = PersonRow(name=person.name, email="", created_at=now)
                session.add(new_person)
                session.flush()
                person_ids[person.id] = new_person.id
                record(session, actor, "person.add", target=person.name)
                if person.email:
                    record(session, actor, "person.set", person.name, "email", "", person.email)
                    new_person.email = person.email
            for stored in carried.imports:
                cancel.raise_if_cancelled()
                summary = stored.summary if isinstance(stored.summary, dict) else {}
                session.add(
                    ImportRow(
                        file_name=stored.file_name,
                        sha256=stored.sha256,
                        size=stored.size,
                        data=stored.data,
                        sheet=stored.sheet,
                        header_row=stored.header_row,
                        mapping=dict(stored.mapping),
                        status_vocabulary=dict(stored.status_vocabulary),
                        header_signature=stored.header_signature,
                        summary=summary,
                        imported_by=stored.imported_by,
                        imported_at=stored.imported_at,
                    )
                )
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
            request_ids: dict[int, int] = {}
            for done, old_request in enumerate(carried.requests):
                if done % 500 == 0:
                    cancel.raise_if_cancelled()
                owner = carried.owners.get(old_request.owner_id or 0, "")
                values = {name: getattr(old_request, name) for name in _CARRIED}
                new_request = RequestRow(
                    ref=old_request.ref,
                    owner_id=person_ids.get(old_request.owner_id or 0),
                    status="open",
                    due=None,
                    notes="",
                    archived=False,
                    recheck_evidence=False,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
                session.add(new_request)
                session.flush()
                request_ids[old_request.id] = new_request.id
                record(
                    session,
                    actor,
                    "request.carry",
                    old_request.ref,
                    after=old_request.title or old_request.request_text[:80],
                    detail={**values, "owner": owner},
                )
                required = carried.plans.get(old_request.id)
                if required is not None:
                    session.add(SamplePlanRow(request_id=new_request.id, required=required))
                    record(
                        session,
                        actor,
                        "sample.require",
                        old_request.ref,
                        after="; ".join(required),
                        detail={"required": required},
                    )
            refs = {r.id: r.ref for r in carried.requests}
            for old_row_evidence, users in carried.evidence.values():
                cancel.raise_if_cancelled()
                new_id = _copy_evidence(session, con, old_con, old_row_evidence, now, cancel)
                done_bytes += old_row_evidence.size
                progress(done_bytes, total_bytes)
                record(
                    session,
                    actor,
                    "evidence.carry",
                    refs[users[0][0]],
                    after=old_row_evidence.name,
                    detail={
                        "sha256": old_row_evidence.sha256,
                        "size": old_row_evidence.size,
                        "name": old_row_evidence.name,
                        "added_by": old_row_evidence.added_by,
                        "effective_date": (
                            old_row_evidence.effective_date.isoformat()
                            if old_row_evidence.effective_date
                            else None
                        ),
                        **{name: getattr(old_row_evidence, name) for name in _EVIDENCE_TEXT},
                        "never_export": bool(old_row_evidence.never_export),
                    },
                )
                for request_id, code in users:
                    session.add(
                        PriorEvidenceRow(
                            request_id=request_ids[request_id],
                            evidence_id=new_id,
                            period=old_period,
                            prior_ref=refs[request_id],
                            sample=code,
                            carried_at=now,
                        )
                    )
                    record(
                        session,
                        actor,
                        "prior.carry",
                        refs[request_id],
                        after=old_row_evidence.name,
                        detail={
                            "sha256": old_row_evidence.sha256,
                            "period": old_period,
                            "prior_ref": refs[request_id],
                            "sample": code,
                        },
                    )
                    figures["prior"] = figures.get("prior", 0) + 1
            session.flush()

        create_database(dest, actor, populate).close()
    return NextPeriodResult(
        path=dest,
        source=source,
        source_head=carried.head,
        period_start=period_start,
        period_end=period_end,
        requests=len(carried.requests),
        people=len(carried.people),
        evidence_files=len(carried.evidence),
        evidence_bytes=sum(row.size for row, _users in carried.evidence.values()),
        prior_links=figures.get("prior", 0),
        sample_plans=len(carried.plans),
    )


def _copy_evidence(
    session: Session,
    con: object,
    old_con: object,
    row: EvidenceRow,
    now: dt.datetime,
    cancel: CancelToken,
) -> int:
    """Copy one file's row and bytes into the new workbook, re-hashing them; the new row's id."""
    import sqlite3

    assert isinstance(con, sqlite3.Connection) and isinstance(old_con, sqlite3.Connection)
    new = EvidenceRow(
        sha256=row.sha256,
        size=row.size,
        name=row.name,
        media_type=row.media_type,
        effective_date=row.effective_date,
        description=row.description,
        source_system=row.source_system,
        shows=row.shows,
        population=row.population,
        period_covered=row.period_covered,
        added_by=row.added_by,
        added_at=row.added_at,
        text_content=row.text_content,
        thumbnail=row.thumbnail,
        never_export=bool(row.never_export),
    )
    session.add(new)
    session.flush()
    digest, size = hashlib.sha256(), 0
    for seq, (data,) in enumerate(old_con.execute(_CHUNKS, (row.id,))):
        if seq % 64 == 0:
            cancel.raise_if_cancelled()
        if not isinstance(data, bytes):
            raise WorkbookDamaged(
                f"the stored bytes of evidence {row.name!r} are damaged", where="evidence_chunks"
            )
        digest.update(data)
        size += len(data)
        con.execute(_INSERT_CHUNK, (new.id, seq, data))
    if digest.hexdigest() != row.sha256 or size != row.size:
        raise UserError(
            f"evidence {row.name!r} no longer matches its SHA-256 in the old workbook",
            hint="run `audit-workbook verify` on it and restore a backup before starting the next period",
        )
    return new.id


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
