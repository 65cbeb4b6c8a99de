"""A read-only first look at a workbook with the standard library, before SQLAlchemy loads (first paint)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from workbook.errors import UserError, WorkbookDamaged
from workbook.model import Engagement, Request
from workbook.storage import safety
from workbook.storage.fileformat import REPAIR_HINT, check_revision, inspect_workbook_file
from workbook.storage.safety import connect
from workbook.storage.values import Row

_REQUESTS = (
    "SELECT r.id, r.ref, r.title, r.request_text, r.criteria, r.section, p.name, r.status, r.due, r.priority,"
    " r.notes, r.auditor_comment, r.extra, r.source_sheet, r.source_row, r.recheck_evidence, r.archived,"
    " r.updated_at, r.position, p.id FROM requests r LEFT JOIN people p ON p.id = r.owner_id"
    " ORDER BY r.position, r.id"
)
_EVIDENCE = (
    "SELECT l.request_id, e.name FROM links l JOIN evidence e ON e.id = l.evidence_id"
    " WHERE l.current = 1 ORDER BY l.id"
)

# The drivers' errors (sqlite3's and sqlcipher3's) beside others, for `except`.
_READ_ERRORS: tuple[type[Exception], ...] = (*safety.Error, TypeError, ValueError)


@dataclass(frozen=True)
class WorkbookSnapshot:
    path: Path
    engagement: Engagement
    requests: tuple[Request, ...]
    people: tuple[str, ...]
    activity_head: str


def _request(row: tuple[object, ...], names: dict[int, list[str]]) -> Request:
    """One row of _REQUESTS, each value checked as the services check it."""
    check = Row("requests", row[0])
    request_id = check.integer("id", row[0])
    evidence = tuple(names.get(request_id, ()))
    return Request(
        id=request_id,
        ref=check.text("ref", row[1]),
        title=check.text("title", row[2]),
        request=check.text("request_text", row[3]),
        criteria=check.text_list("criteria", row[4]),
        section=check.text("section", row[5]),
        owner="" if row[19] is None else Row("people", row[19]).text("name", row[6]),
        status=check.status("status", row[7]),
        due=check.date("due", row[8]),
        priority=check.text("priority", row[9]),
        notes=check.text("notes", row[10]),
        auditor_comment=check.text("auditor_comment", row[11]),
        extra=check.text_pairs("extra", row[12]),
        source_sheet=check.text("source_sheet", row[13]),
        source_row=check.optional_integer("source_row", row[14]),
        evidence_count=len(evidence),
        evidence_names=evidence,
        recheck_evidence=check.flag("recheck_evidence", row[15]),
        archived=check.flag("archived", row[16]),
        updated_at=check.timestamp("updated_at", row[17]),
        position=check.integer("position", row[18]),
    )


def read_snapshot(path: Path) -> WorkbookSnapshot:
    """Live (non-archived) requests in checklist order, the engagement and the people; nothing is written.

    Every value equals what `RequestService.list()` returns (a parity test holds them together); edits still
    go through the full services once they are open.
    """
    path = Path(path)
    facts = inspect_workbook_file(path)
    check_revision(facts.revision, str(path))
    foreign = facts.foreign_objects()
    if foreign:
        # The full open compares the whole schema and says what differs; this first look reads nothing then.
        raise WorkbookDamaged(
            f"the workbook holds a {foreign[0].type} {foreign[0].name!r} this version does not make",
            where=str(path),
            hint=REPAIR_HINT,
        )
    try:
        con = connect(f"{path.resolve().as_uri()}?mode=ro")
    except safety.Error as exc:
        raise UserError(f"cannot read the workbook ({exc})", where=str(path)) from exc
    try:
        con.execute("BEGIN")
        found = con.execute(
            "SELECT id, client, framework, period_start, period_end, auditor, freshness_days FROM engagement"
        ).fetchone()
        if found is None:
            raise UserError("the workbook has no engagement details", where=str(path))
        check = Row("engagement", found[0])
        engagement = Engagement(
            check.text("client", found[1]),
            check.text("framework", found[2]),
            check.date("period_start", found[3]),
            check.date("period_end", found[4]),
            check.text("auditor", found[5]),
            check.integer("freshness_days", found[6]),
        )
        names: dict[int, list[str]] = defaultdict(list)
        for request_id, name in con.execute(_EVIDENCE):
            names[request_id].append(Row("evidence", "linked").text("name", name))
        requests = tuple(_request(row, names) for row in con.execute(_REQUESTS) if not row[16])
        people = tuple(
            Row("people", person_id).text("name", name)
            for person_id, name in con.execute("SELECT id, name FROM people ORDER BY lower(name)")
        )
        head_row = con.execute("SELECT value FROM meta WHERE key = 'activity_head'").fetchone()
    except WorkbookDamaged as exc:
        exc.where = str(path)
        raise
    except _READ_ERRORS as exc:
        raise UserError(f"the workbook cannot be read ({exc})", where=str(path)) from exc
    finally:
        con.close()
    return WorkbookSnapshot(path, engagement, requests, people, head_row[0] if head_row else "")
