"""Every connection to a workbook file: SQLite's cell checks on, and a step budget no statement runs past."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

try:  # the optional extra `encryption` (workbook/storage/cipher.py)
    from sqlcipher3 import dbapi2 as _cipher
except ImportError:  # pragma: no cover - depends on the installation
    _cipher = None

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


# The errors and connections of both drivers: the standard library's, and sqlcipher3's for encrypted files.
# Type checkers see the standard library's classes (sqlcipher3's have the same shape and no stubs).
# Each is a tuple of classes: `except safety.Error`, or a module's own
# `tuple[type[Exception], ...]` of `(*safety.Error, OSError)` beside others (mypy types the starred form so).
if TYPE_CHECKING:
    Error: tuple[type[sqlite3.Error], ...]
    DatabaseError: tuple[type[sqlite3.DatabaseError], ...]
    IntegrityError: tuple[type[sqlite3.IntegrityError], ...]
    OperationalError: tuple[type[sqlite3.OperationalError], ...]
    Connection: tuple[type[sqlite3.Connection], ...]
else:

    def _both(name):
        return (getattr(sqlite3, name),) + ((getattr(_cipher, name),) if _cipher else ())

    Error = _both("Error")
    DatabaseError = _both("DatabaseError")
    IntegrityError = _both("IntegrityError")
    OperationalError = _both("OperationalError")
    Connection = _both("Connection")


def path_of(uri: str) -> Path:
    """The file a `file:` URI names."""
    return Path(unquote(urlsplit(uri).path))


def connect(uri: str, *, timeout: float = 10.0, **kwargs: Any) -> GuardedConnection:
    """A guarded connection to a `file:` URI (mode=ro or rw: never creates a file by accident).

    A file whose passphrase is in the keyring (workbook/storage/cipher.py) gets a keyed SQLCipher connection
    with the same guards; every other file the standard library's, as without encryption.
    """
    from workbook.storage import cipher

    path = path_of(uri)
    if cipher.is_keyed(path):
        keyed: GuardedConnection = cipher.connect(path, uri, timeout=timeout, **kwargs)
        return keyed
    con = sqlite3.connect(uri, uri=True, timeout=timeout, factory=GuardedConnection, **kwargs)
    assert isinstance(con, GuardedConnection)
    return con


def reset_budget(con: object) -> None:
    """A new statement starts: give it the whole budget (for connections made by `connect` or the engine)."""
    budget = getattr(con, "budget", None)
    if isinstance(budget, StatementBudget):
        budget.calls = 0


def stopped_by_budget(error: BaseException | None) -> bool:
    """The statement was stopped by the step budget (SQLITE_INTERRUPT), not by the disk or the file."""
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == SQLITE_INTERRUPT
