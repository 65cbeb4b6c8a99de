"""Fixtures for Qt-free tests: a workbook with a few requests, built in code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbook.identity import current_actor
from workbook.model import Actor
from workbook.services.workbook import Workbook
from workbook.storage.schema import RequestRow


def add_requests(workbook: Workbook, refs: list[str], *, section: str = "Access") -> None:
    """Insert bare requests directly (the importer has its own tests)."""
    now = dt.datetime.now(dt.UTC)
    with workbook.db.write() as session:
        for position, ref in enumerate(refs):
            session.add(
                RequestRow(
                    ref=ref,
                    title=f"Title of {ref}",
                    request_text=f"Provide the evidence for {ref}.",
                    criteria=["CC6.1", "CC6.2"] if position % 2 == 0 else ["CC7.1"],
                    section=section,
                    position=position,
                    created_at=now,
                    updated_at=now,
                )
            )


@pytest.fixture
def actor() -> Actor:
    return Actor(name="Dana Ops", login="dana")


@pytest.fixture
def workbook_path(tmp_path: Path) -> Path:
    return tmp_path / "acme.auditwb"


@pytest.fixture
def workbook(workbook_path: Path, actor: Actor) -> Iterator[Workbook]:
    wb = Workbook.create(
        workbook_path,
        actor,
        client="Acme Cloud, Inc.",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 6, 30),
        auditor="Northbridge Assurance LLP",
    )
    add_requests(wb, ["PBC-001", "PBC-002", "PBC-003", "PBC-004"])
    yield wb
    wb.close()


@pytest.fixture
def other_actor() -> Actor:
    return current_actor("Sam Reviewer")
