"""Every connection to a workbook file: SQLite's cell checks on, and a step budget no statement runs past."""

from __future__ import annotations

import sqlite3
from typing import Any

# Virtual-machine steps between two budget checks: stops a runaway within milliseconds, costs nothing.
STEP = 10_000
# 12x the biggest real statement measured (4.2M steps: a 300,000-entry log); ends endless CTEs in 2-7 s
BUDGET = 50_000_000
# SQLite's result code for a statement stopped by its progress handler.
SQLITE_INTERRUPT = 9


class StatementBudget:
    """A progress handler: stops the running statement once it passes BUDGET steps since the last reset."""

    def __init__(self, budget: int = BUDGET) -> None:
        self.limit = max(1, budget // STEP)
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return 1 if self.calls > self.limit else 0

    def reset(self) -> None:
        self.calls = 0


class GuardedConnection(sqlite3.Connection):
    """A sqlite3 connection whose every statement runs with cell checks and within the step budget.

    Statements run through `execute` start a fresh budget; SQLAlchemy's cursors reset it from an engine event.
    """

    budget: StatementBudget

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget = StatementBudget()
        self.set_progress_handler(self.budget, STEP)
        super().execute("PRAGMA cell_size_check=ON")

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        self.budget.calls = 0
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        self.budget.calls = 0
        return super().executemany(sql, parameters)


def connect(uri: str, *, timeout: float = 10.0) -> GuardedConnection:
    """A guarded stdlib connection to a `file:` URI (mode=ro or rw: never creates a file by accident)."""
    con = sqlite3.connect(uri, uri=True, timeout=timeout, factory=GuardedConnection)
    assert isinstance(con, GuardedConnection)
    return con


def reset_budget(con: object) -> None:
    """A new statement starts: give it the whole budget (for connections made by `connect` or the engine)."""
    if isinstance(con, GuardedConnection):
        con.budget.calls = 0


def stopped_by_budget(error: BaseException | None) -> bool:
    """The statement was stopped by the step budget (SQLITE_INTERRUPT), not by the disk or the file."""
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == SQLITE_INTERRUPT
