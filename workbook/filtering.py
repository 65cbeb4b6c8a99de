"""Which requests a filter keeps: one definition for the services' queries and the window's instant search."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from workbook.model import Request, RequestFilter, Status


class RequestFacts(NamedTuple):
    """Every filterable fact of one request, casefolded once so that a keystroke only compares strings."""

    ref: str
    status: Status
    owner: str
    section: str
    overdue: bool
    missing_evidence: bool
    flagged: bool
    archived: bool
    text: str


def search_text(request: Request, evidence_text: str = "") -> str:
    """What a search looks in: ref, title, request text, notes, owner, section, criteria, evidence names and
    (when given) the text found inside the evidence files; casefolded with whitespace collapsed."""
    parts = (
        request.ref,
        request.title,
        request.request,
        request.notes,
        request.owner,
        request.section,
        *request.criteria,
        *request.evidence_names,
        evidence_text,
    )
    return " ".join(" ".join(parts).casefold().split())


def request_facts(
    request: Request, today: dt.date, evidence_text: str = "", *, date_flagged: bool = False
) -> RequestFacts:
    """The facts a filter compares. "Flagged" is the auditor's "re-check evidence" and, when the caller has
    read it (`date_flagged`: `workbook.model.has_date_flag` of the request's evidence), a date flag on its
    evidence: what the window's "Dates flagged" and the dashboard's flagged list show."""
    return RequestFacts(
        request.ref,
        request.status,
        owner_key(request.owner),
        section_key(request.section),
        request.is_overdue(today),
        request.missing_evidence,
        is_flagged(request, date_flagged),
        request.archived,
        search_text(request, evidence_text),
    )


def is_flagged(request: Request, date_flagged: bool = False) -> bool:
    """What "Dates flagged" keeps: reworded by the auditor since evidence was attached ("re-check evidence"),
    or (`date_flagged`) current evidence flagged for its date (`workbook.model.has_date_flag`)."""
    return request.recheck_evidence or date_flagged


def owner_key(name: str) -> str:
    """An owner as the filter compares it: whitespace collapsed, casefolded ("" is unassigned)."""
    return " ".join(name.split()).casefold()


def section_key(section: str) -> str:
    """A section as the filter compares it: casefolded."""
    return section.casefold()


def matching(wanted: RequestFilter, facts: Sequence[RequestFacts]) -> list[int]:
    """Indexes of the requests meeting every condition: one pass per condition, no regex."""
    rows: Iterable[int] = range(len(facts))
    if not wanted.include_archived:
        rows = [i for i in rows if not facts[i].archived]
    if wanted.statuses:
        statuses = set(wanted.statuses)
        rows = [i for i in rows if facts[i].status in statuses]
    if wanted.owners:
        owners = {owner_key(o) for o in wanted.owners}
        rows = [i for i in rows if facts[i].owner in owners]
    if wanted.sections:
        sections = {section_key(s) for s in wanted.sections}
        rows = [i for i in rows if facts[i].section in sections]
    if wanted.refs:
        refs = set(wanted.refs)
        rows = [i for i in rows if facts[i].ref in refs]
    if wanted.overdue:
        rows = [i for i in rows if facts[i].overdue]
    if wanted.missing_evidence:
        rows = [i for i in rows if facts[i].missing_evidence]
    if wanted.flagged:
        rows = [i for i in rows if facts[i].flagged]
    for word in wanted.text.casefold().split():
        rows = [i for i in rows if word in facts[i].text]
    return list(rows)


def human_size(size: int) -> str:
    """A file size as people read it: `812 bytes`, `4.2 KB`, `1.3 MB`, `2.0 GB`."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size:,} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size:,} bytes"
