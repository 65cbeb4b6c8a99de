"""Requests: list and filter, read one, change owner/status/due/notes (one at a time or in bulk), comments."""

from __future__ import annotations

import builtins
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbook.errors import UserError
from workbook.filtering import matching, request_facts
from workbook.model import Actor, Changes, Comment, FieldChange, Request, RequestFilter, Status
from workbook.services.activity import record
from workbook.services.people import person_for, remove_person_if_unused
from workbook.services.previews import evidence_text_by_request
from workbook.services.sample_rows import sample_counts
from workbook.storage.database import Database
from workbook.storage.schema import CommentRow, EvidenceRow, LinkRow, PersonRow, RequestRow
from workbook.storage.values import Row

_UNSET: object = object()


def _evidence_by_request(session: Session, request_ids: Iterable[int] | None = None) -> dict[int, list[str]]:
    query = (
        select(LinkRow.request_id, EvidenceRow.name)
        .join(EvidenceRow, EvidenceRow.id == LinkRow.evidence_id)
        .where(LinkRow.current.is_(True))
        .order_by(LinkRow.id)
    )
    if request_ids is not None:
        query = query.where(LinkRow.request_id.in_(list(request_ids)))
    names: dict[int, list[str]] = defaultdict(list)
    for request_id, name in session.execute(query):
        names[request_id].append(name)
    return names


def to_request(
    row: RequestRow, owner: str, evidence: Sequence[str], samples: tuple[int, int] = (0, 0)
) -> Request:
    """The model's request, each value checked (an odd one names its table, row and column)."""
    check = Row("requests", row.id)
    return Request(
        id=row.id,
        ref=check.text("ref", row.ref),
        title=check.text("title", row.title),
        request=check.text("request_text", row.request_text),
        criteria=check.text_list("criteria", row.criteria),
        section=check.text("section", row.section),
        owner=owner,
        status=check.status("status", row.status),
        due=check.date("due", row.due),
        priority=check.text("priority", row.priority),
        notes=check.text("notes", row.notes),
        auditor_comment=check.text("auditor_comment", row.auditor_comment),
        extra=check.text_pairs("extra", row.extra),
        source_sheet=check.text("source_sheet", row.source_sheet),
        source_row=check.optional_integer("source_row", row.source_row),
        evidence_count=len(evidence),
        evidence_names=tuple(evidence),
        recheck_evidence=check.flag("recheck_evidence", row.recheck_evidence),
        archived=check.flag("archived", row.archived),
        updated_at=check.timestamp("updated_at", row.updated_at),
        position=check.integer("position", row.position),
        sample_count=samples[0],
        samples_provided=samples[1],
    )


def to_comment(row: CommentRow, ref: str) -> Comment:
    check = Row("comments", row.id)
    return Comment(
        row.id,
        ref,
        check.text("author", row.author),
        check.text("body", row.body),
        check.timestamp("created_at", row.created_at),
    )


def load_request_row(session: Session, ref: str) -> RequestRow:
    row = session.scalar(select(RequestRow).where(RequestRow.ref == ref))
    if row is None:
        raise UserError(f"no request with ref {ref!r} in this workbook", hint="list them with `items`")
    return row


class RequestService:
    def __init__(self, db: Database, actor: Actor) -> None:
        self._db = db
        self._actor = actor

    def list(self, wanted: RequestFilter | None = None) -> builtins.list[Request]:
        """Requests in checklist order, filtered."""
        wanted = wanted or RequestFilter()
        today = wanted.today or dt.date.today()
        with self._db.read() as session:
            owners = {pid: name for pid, name in session.execute(select(PersonRow.id, PersonRow.name))}
            evidence = _evidence_by_request(session)
            samples = sample_counts(session)
            rows = session.scalars(select(RequestRow).order_by(RequestRow.position, RequestRow.id))
            out = [
                to_request(
                    row,
                    owners.get(row.owner_id or -1, ""),
                    evidence.get(row.id, ()),
                    samples.get(row.id, (0, 0)),
                )
                for row in rows
            ]
            texts = evidence_text_by_request(session) if wanted.text else {}
            facts = [request_facts(r, today, texts.get(r.id, "")) for r in out]
            return [out[i] for i in matching(wanted, facts)]

    def get(self, ref: str) -> Request:
        with self._db.read() as session:
            row = load_request_row(session, ref)
            owner = session.get(PersonRow, row.owner_id) if row.owner_id else None
            return to_request(
                row,
                owner.name if owner else "",
                _evidence_by_request(session, [row.id])[row.id],
                sample_counts(session, [row.id]).get(row.id, (0, 0)),
            )

    def sections(self) -> builtins.list[str]:
        with self._db.read() as session:
            rows = session.scalars(
                select(RequestRow.section).where(RequestRow.archived.is_(False)).distinct()
            )
            return sorted(s for s in rows if s)

    def set(self, ref: str, change: FieldChange) -> Changes:
        return self.bulk_set([ref], change)

    def bulk_set(self, refs: Sequence[str], change: FieldChange) -> Changes:
        """Apply the same change to every ref, all or none, one activity entry per field changed."""
        return self.apply_changes([(refs, change)])

    def apply_changes(
        self, changes: Sequence[tuple[Sequence[str], FieldChange]], *, remove_if_unused: Sequence[str] = ()
    ) -> Changes:
        """Several field changes (and removals of people left without requests) as one unit of work.

        An undo that puts back each request's own earlier values is one of these: all or nothing.
        """
        if not any(refs for refs, _ in changes) and not remove_if_unused:
            return Changes()
        with self._db.write() as session:
            changed: set[str] = set()
            created: set[str] = set()
            now = dt.datetime.now(dt.UTC)
            for refs, change in changes:
                for ref in refs:
                    row = load_request_row(session, ref)
                    if self._apply(session, row, change, created):
                        row.updated_at = now
                        changed.add(ref)
            session.flush()
            removed = [
                name for name in remove_if_unused if remove_person_if_unused(session, self._actor, name)
            ]
            people = any(change.owner is not None for _, change in changes) or bool(removed)
            return Changes(refs=frozenset(changed), people=people, created_people=frozenset(created))

    def _apply(
        self, session: Session, row: RequestRow, change: FieldChange, created: builtins.set[str]
    ) -> bool:
        dirty = False
        if change.owner is not None:
            old = session.get(PersonRow, row.owner_id) if row.owner_id else None
            new = person_for(session, self._actor, change.owner, created)
            if (old.id if old else None) != (new.id if new else None):
                record(
                    session,
                    self._actor,
                    "request.set",
                    row.ref,
                    "owner",
                    old.name if old else "",
                    new.name if new else "",
                )
                row.owner_id = new.id if new else None
                dirty = True
        if change.status is not None and change.status.value != row.status:
            record(session, self._actor, "request.set", row.ref, "status", row.status, change.status.value)
            row.status = change.status.value
            dirty = True
        new_due = None if change.clear_due else change.due
        if (change.clear_due or change.due is not None) and new_due != row.due:
            record(session, self._actor, "request.set", row.ref, "due", row.due, new_due)
            row.due = new_due
            dirty = True
        if change.notes is not None and change.notes != row.notes:
            record(session, self._actor, "request.set", row.ref, "notes", row.notes, change.notes)
            row.notes = change.notes
            dirty = True
        return dirty

    def add_comment(self, ref: str, body: str) -> Comment:
        body = body.strip()
        if not body:
            raise UserError("the comment is empty")
        with self._db.write() as session:
            row = load_request_row(session, ref)
            comment = CommentRow(
                request_id=row.id, author=self._actor.name, body=body, created_at=dt.datetime.now(dt.UTC)
            )
            session.add(comment)
            session.flush()
            record(session, self._actor, "comment.add", row.ref, after=body)
            return to_comment(comment, row.ref)

    def record_verdict(self, ref: str, *, accepted: bool, comment: str = "", auditor: str = "") -> Changes:
        """The auditor's verdict in review, in one transaction: status Accepted, or Follow-up with a comment.

        Logged as the status change and the comment it makes ("Accepted by Northbridge." / "Follow-up from
        Northbridge: the list misses Q2"), by the person at the keyboard, with the time.
        """
        comment = comment.strip()
        if not accepted and not comment:
            raise UserError("a follow-up needs a comment", hint="say what the auditor still needs")
        who = " ".join(auditor.split())
        if accepted:
            body = f"Accepted by {who}." if who else "Accepted by the auditor."
            body += f" {comment}" if comment else ""
        else:
            body = f"Follow-up from {who or 'the auditor'}: {comment}"
        status = Status.ACCEPTED if accepted else Status.FOLLOW_UP
        with self._db.write() as session:
            row = load_request_row(session, ref)
            if self._apply(session, row, FieldChange(status=status), set()):
                row.updated_at = dt.datetime.now(dt.UTC)
            session.add(
                CommentRow(
                    request_id=row.id, author=self._actor.name, body=body, created_at=dt.datetime.now(dt.UTC)
                )
            )
            session.flush()
            record(session, self._actor, "comment.add", row.ref, after=body)
            return Changes(refs=frozenset([row.ref]))

    def comments(self, ref: str) -> builtins.list[Comment]:
        with self._db.read() as session:
            row = load_request_row(session, ref)
            rows = session.scalars(
                select(CommentRow).where(CommentRow.request_id == row.id).order_by(CommentRow.id)
            )
            return [to_comment(c, ref) for c in rows]
