"""Every connection checks cell sizes and stops a statement that runs past its step budget, in words."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from workbook.errors import WorkbookDamaged
from workbook.services.workbook import Workbook
from workbook.storage.safety import STEP, StatementBudget, connect, stopped_by_budget

ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c"
# The step budget ends an endless query in a few seconds on a developer machine; slow CI gets headroom.
FEW_SECONDS = 20


def test_an_endless_query_on_a_guarded_connection_is_stopped_within_seconds(path: Path) -> None:
    con = connect(f"{path.as_uri()}?mode=ro")
    start = time.monotonic()
    try:
        with pytest.raises(sqlite3.OperationalError) as caught:
            con.execute(ENDLESS).fetchone()
    finally:
        con.close()
    assert stopped_by_budget(caught.value)
    assert time.monotonic() - start < FEW_SECONDS


def test_an_endless_query_through_the_engine_ends_as_a_workbook_damaged_error(workbook: Workbook) -> None:
    start = time.monotonic()
    with (
        pytest.raises(WorkbookDamaged, match="ran past its step budget") as caught,
        workbook.db.read() as session,
    ):
        session.execute(text(ENDLESS)).scalar()
    assert "audit-workbook repair" in caught.value.hint
    assert caught.value.where == str(workbook.path)
    assert time.monotonic() - start < FEW_SECONDS


def test_the_budget_is_per_statement_so_many_modest_statements_all_run(path: Path) -> None:
    con = connect(f"{path.as_uri()}?mode=ro")
    con.budget = StatementBudget(budget=20 * STEP)
    con.set_progress_handler(con.budget, STEP)
    modest = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5000) SELECT max(x) FROM c"
    try:
        for _ in range(50):  # together far past the budget, each well within it
            assert con.execute(modest).fetchone() == (5000,)
        with pytest.raises(sqlite3.OperationalError):
            con.execute(modest.replace("5000", "5000000")).fetchone()
    finally:
        con.close()


def test_every_engine_connection_checks_cell_sizes(workbook: Workbook) -> None:
    with workbook.db.read() as session:
        assert session.execute(text("PRAGMA cell_size_check")).scalar() == 1
    with workbook.db.write() as session:
        assert session.execute(text("PRAGMA cell_size_check")).scalar() == 1
