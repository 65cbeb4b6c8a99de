"""Fixtures for Qt-free tests: a workbook with a few requests, built in code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.workbooks import create_acme, insert_requests, sample_request

from workbook.identity import current_actor
from workbook.model import Actor
from workbook.services.workbook import Workbook


@pytest.fixture
def workbook_path(tmp_path: Path) -> Path:
    return tmp_path / "acme.auditwb"


@pytest.fixture
def workbook(workbook_path: Path, actor: Actor) -> Iterator[Workbook]:
    """Acme's workbook with four bare requests, PBC-001 to PBC-004, all in section Access."""
    wb = create_acme(workbook_path, actor)
    refs = ["PBC-001", "PBC-002", "PBC-003", "PBC-004"]
    insert_requests(
        wb, (sample_request(ref, position, section="Access") for position, ref in enumerate(refs))
    )
    yield wb
    wb.close()


@pytest.fixture
def other_actor() -> Actor:
    return current_actor("Sam Reviewer")
