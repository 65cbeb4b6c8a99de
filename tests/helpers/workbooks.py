"""Workbooks built in code: Acme's engagement, requests inserted directly, a read-only reopen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from workbook.model import Actor
from workbook.services.workbook import Workbook
from workbook.storage.schema import RequestRow

ACME = {
    "client": "Acme Cloud, Inc.",
    "period_start": dt.date(2026, 1, 1),
    "period_end": dt.date(2026, 6, 30),
    "auditor": "Northbridge Assurance LLP",
}


def create_acme(path: Path, actor: Actor) -> Workbook:
    """A new workbook for Acme Cloud's first half of 2026, audited by Northbridge (open: close it)."""
    return Workbook.create(path, actor, **ACME)


def sample_request(ref: str, position: int, **fields: Any) -> dict[str, Any]:
    """A request's fields as the fixtures make them: title and text from the ref, criteria by position."""
    values: dict[str, Any] = {
        "ref": ref,
        "title": f"Title of {ref}",
        "request_text": f"Provide the evidence for {ref}.",
        "criteria": ["CC6.1", "CC6.2"] if position % 2 == 0 else ["CC7.1"],
    }
    values.update(fields)
    return values


def insert_requests(workbook: Workbook, rows: Iterable[Mapping[str, Any]], *, start: int = 0) -> list[str]:
    """Insert request rows directly, positions from `start` (tests only: the importer has its own tests)."""
    now = dt.datetime.now(dt.UTC)
    refs = []
    with workbook.db.write() as session:
        for position, fields in enumerate(rows, start=start):
            session.add(RequestRow(**fields, position=position, created_at=now, updated_at=now))
            refs.append(str(fields["ref"]))
    return refs


def reopen(path: Path, actor: Actor) -> Workbook:
    """The workbook at `path` opened read-only: what was saved, seen from outside the window."""
    return Workbook.open(path, actor, read_only=True)
