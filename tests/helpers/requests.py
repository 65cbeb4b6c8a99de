"""`Request` values built in memory, for tests of rules that take requests (filters, readiness, the table)."""

from __future__ import annotations

import datetime as dt

from workbook.model import Request, Status


def make_request(ref: str, **changes: object) -> Request:
    """An open request of section Access owned by Dana Ops, no evidence; `changes` sets any field."""
    values: dict[str, object] = {
        "id": 1,
        "ref": ref,
        "title": f"Title {ref}",
        "request": "Provide the list",
        "criteria": ("CC6.1",),
        "section": "Access",
        "owner": "Dana Ops",
        "status": Status.OPEN,
        "due": None,
        "priority": "",
        "notes": "",
        "auditor_comment": "",
        "extra": (),
        "source_sheet": "PBC",
        "source_row": 2,
        "evidence_count": 0,
        "evidence_names": (),
        "recheck_evidence": False,
        "archived": False,
        "updated_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "position": 0,
    }
    values.update(changes)
    return Request(**values)  # type: ignore[arg-type]
