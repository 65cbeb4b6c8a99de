"""A read-only first look at a workbook with the standard library, before SQLAlchemy loads (first paint)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from workbook.errors import UserError
from workbook.model import Engagement, Request, Status
from workbook.storage.fileformat import check_workbook_file

_REQUESTS = (
    "SELECT r.id, r.ref, r.title, r.request_text, r.criteria, r.section, p.name, r.status, r.due, r.priority,"
    " r.notes, r.auditor_comment, r.extra, r.source_sheet, r.source_row, r.recheck_evidence, r.archived,"
    " r.updated_at, r.position FROM requests r LEFT JOIN people p ON p.id = r.owner_id"
    " ORDER BY r.position, r.id"
)
_EVIDENCE = (
    "SELECT l.request_id, e.name FROM links l JOIN evidence e ON e.id = l.evidence_id"
    " WHERE l.current = 1 ORDER BY l.id"
)


@dataclass(frozen=True)
class WorkbookSnapshot:
    path: Path
    engagement: Engagement
    requests: tuple[Request, ...]
    people: tuple[str, ...]
    activity_head: str


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def read_snapshot(path: Path) -> WorkbookSnapshot:
    """Live (non-archived) requests in checklist order, the engagement and the people; nothing is written.

    Every value equals what `RequestService.list()` returns (a parity test holds them together); edits still
    go through the full services once they are open.
    """
    path = Path(path)
    check_workbook_file(path)
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise UserError(f"cannot read the workbook ({exc})", where=str(path)) from exc
    try:
        con.execute("BEGIN")
        client, framework, start, end, auditor, fresh = con.execute(
            "SELECT client, framework, period_start, period_end, auditor, freshness_days FROM engagement"
        ).fetchone()
        engagement = Engagement(client, framework, _date(start), _date(end), auditor, fresh)
        names: dict[int, list[str]] = defaultdict(list)
        for request_id, name in con.execute(_EVIDENCE):
            names[request_id].append(name)
        requests = tuple(
            Request(
                id=row[0],
                ref=row[1],
                title=row[2],
                request=row[3],
                criteria=tuple(json.loads(row[4] or "[]")),
                section=row[5],
                owner=row[6] or "",
                status=Status(row[7]),
                due=_date(row[8]),
                priority=row[9],
                notes=row[10],
                auditor_comment=row[11],
                extra=tuple((str(k), str(v)) for k, v in json.loads(row[12] or "{}").items()),
                source_sheet=row[13],
                source_row=row[14],
                evidence_count=len(names.get(row[0], ())),
                evidence_names=tuple(names.get(row[0], ())),
                recheck_evidence=bool(row[15]),
                archived=bool(row[16]),
                updated_at=dt.datetime.fromisoformat(row[17]),
                position=row[18],
            )
            for row in con.execute(_REQUESTS)
            if not row[16]
        )
        people = tuple(name for (name,) in con.execute("SELECT name FROM people ORDER BY lower(name)"))
        head_row = con.execute("SELECT value FROM meta WHERE key = 'activity_head'").fetchone()
    except (sqlite3.Error, TypeError, ValueError) as exc:
        raise UserError(f"the workbook cannot be read ({exc})", where=str(path)) from exc
    finally:
        con.close()
    return WorkbookSnapshot(path, engagement, requests, people, head_row[0] if head_row else "")
