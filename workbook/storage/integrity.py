"""What verify reads of the file itself: SQLite's integrity check, and every row as stored, each value judged.

Read on connections of their own (read-only, guarded, text read as bytes) so that a value the model would
refuse is named and the reading goes on to the next; only the app's own tables are read, nothing of the file's
schema is run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from workbook.storage import safety, value_rules
from workbook.storage.safety import BUDGET, STEP, StatementBudget, connect
from workbook.storage.values import STATUSES, ColumnRule, Kind, clean, is_text_list

# SQLite's integrity check walks every page once: its steps grow with the file, never without end.
_STEPS_PER_PAGE = 20_000
# Messages past this many say nothing new: the file is damaged and a backup is the way back.
MAX_INTEGRITY_MESSAGES = 20


@dataclass(frozen=True)
class StoredRow:
    """One row as stored: each column's value as the model holds it, or None where it is odd (see `odd`)."""

    table: str
    label: object
    values: dict[str, object]
    odd: tuple[tuple[str, str], ...] = ()

    @property
    def odd_columns(self) -> frozenset[str]:
        return frozenset(column for column, _ in self.odd) if self.odd else frozenset()

    def integer(self, column: str) -> int | None:
        value = self.values.get(column)
        return value if type(value) is int else None

    def text(self, column: str) -> str | None:
        value = self.values.get(column)
        return value if isinstance(value, str) else None


def _text(raw: object) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def integrity_messages(path: Path) -> list[str]:
    """SQLite's integrity and foreign-key checks of the file: [] when both pass, else their messages."""
    con = connect(f"{path.resolve().as_uri()}?mode=ro")
    con.text_factory = bytes
    try:
        (pages,) = con.execute("PRAGMA page_count").fetchone()
        con.set_progress_handler(StatementBudget(BUDGET + _STEPS_PER_PAGE * int(pages)), STEP)
        found = [_text(row[0]) for row in con.execute(f"PRAGMA integrity_check({MAX_INTEGRITY_MESSAGES})")]
        if found == ["ok"]:
            found = []
        for table, row, parent, _key in con.execute("PRAGMA foreign_key_check").fetchmany(
            MAX_INTEGRITY_MESSAGES
        ):
            found.append(f"{_text(table)} row {row} points at a row of {_text(parent)} that does not exist")
    finally:
        con.close()
    return found


@contextlib.contextmanager
def reading(path: Path) -> Iterator[sqlite3.Connection]:
    """One read transaction on a connection of its own: a consistent view of the whole file."""
    con = connect(f"{path.resolve().as_uri()}?mode=ro")
    con.text_factory = bytes
    try:
        con.execute("BEGIN")
        yield con
    finally:
        with contextlib.suppress(*safety.Error):
            con.execute("ROLLBACK")
        con.close()


_SLOW = object()
_STORAGE = {b"text": "text", b"integer": "integer", b"real": "real", b"blob": "blob", b"null": "null"}


def _quick(rule: ColumnRule, storage: str, raw: object) -> object:
    """The model's value when it is plainly fit (most are), else _SLOW: `clean` judges it and words why."""
    kind = rule.kind
    if storage == "null":
        return None if rule.nullable else _SLOW
    if storage == "integer":
        if kind is Kind.INTEGER:
            return raw
        return bool(raw) if kind is Kind.FLAG and raw in (0, 1) else _SLOW
    if storage != "text" or not isinstance(raw, bytes) or kind in (Kind.DATE, Kind.DATETIME):
        return _SLOW
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _SLOW
    if kind is Kind.TEXT:
        return text
    if kind is Kind.STATUS:
        return text if text in STATUSES else _SLOW
    try:
        value = json.loads(text)
    except ValueError:
        return _SLOW
    fit = type(value) is dict if kind is Kind.JSON_OBJECT else is_text_list(value)
    return value if fit else _SLOW


def _model_value(rule: ColumnRule, stored: object) -> object:
    """A stored value `clean` found fit, as the model holds it (dates and times stay ISO text)."""
    if stored is None:
        return None
    if rule.kind is Kind.FLAG:
        return bool(stored)
    if rule.kind in (Kind.JSON_OBJECT, Kind.TEXT_LIST):
        return json.loads(_text(stored))
    return stored


def rows(
    con: sqlite3.Connection,
    table: str,
    *,
    with_bytes: Sequence[str] = (),
    leave_out: Sequence[str] = (),
    order_by: str = "rowid",
) -> Iterator[StoredRow]:
    """Every row of one of the app's tables: bytes columns only if in `with_bytes`, none in `leave_out`.

    A value the model would refuse (text that is not UTF-8, a date that is no date) is left out of `values`
    as None and named in `odd`; the reading goes on. SQLite's own errors (a page it cannot read) propagate.
    """
    present = value_rules.present_columns(con, table)
    rule_set = tuple(
        r
        for r in value_rules.rules()[table]
        if r.column in present
        and r.column not in leave_out
        and (r.kind is not Kind.BYTES or r.column in with_bytes)
    )
    columns = ", ".join(f'typeof("{r.column}"), "{r.column}"' for r in rule_set)
    now = dt.datetime.now(dt.UTC)
    keys = [r for r in rule_set if r.primary_key]
    for stored in con.execute(f'SELECT {columns} FROM "{table}" ORDER BY {order_by}'):  # noqa: S608 - schema.py's names
        values: dict[str, object] = {}
        odd: list[tuple[str, str]] = []
        for index, rule in enumerate(rule_set):
            kind, raw = stored[2 * index], stored[2 * index + 1]
            storage = (_STORAGE.get(kind) if isinstance(kind, bytes) else None) or _text(kind)
            if rule.kind is Kind.BYTES:
                fine = storage == "blob" or (storage == "null" and rule.nullable)
                values[rule.column] = bytes(raw) if fine and raw is not None else None
                if not fine:
                    odd.append((rule.column, f"stored as {storage}, not bytes"))
                continue
            quick = _quick(rule, storage, raw)
            if quick is not _SLOW:
                values[rule.column] = quick
                continue
            judged = clean(rule, storage, raw, now)
            if judged.problem:
                values[rule.column] = None
                odd.append((rule.column, judged.problem))
            else:
                values[rule.column] = _model_value(rule, judged.value)
        label: object = (
            values.get(keys[0].column)
            if len(keys) == 1
            else ", ".join(f"{k.column}={values.get(k.column)!r}" for k in keys)
        )
        yield StoredRow(table, label, values, tuple(odd))
