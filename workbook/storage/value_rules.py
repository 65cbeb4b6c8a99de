"""Each column's rule, from schema.py: the ORM checks each row it loads; a failed read is traced to its value.

The two rules SQLAlchemy's column types cannot say are named here: a status is one of ours, and a JSON column
whose default is a list holds a list of texts (criteria); every other JSON column holds an object.
"""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.orm import InstanceState

from workbook.errors import WorkbookDamaged
from workbook.storage.schema import Base
from workbook.storage.values import STATUSES, ColumnRule, Kind, clean, is_text_list, odd_value, problem_of

_ABSENT = object()
# What SQLAlchemy's types cannot say about a column.
_DOMAIN: dict[tuple[str, str], Kind] = {
    ("requests", "status"): Kind.STATUS,
    ("samples", "status"): Kind.STATUS,
}


def _kind_of(table: str, column: Any) -> Kind:
    if (table, column.name) in _DOMAIN:
        return _DOMAIN[(table, column.name)]
    kind = column.type
    if isinstance(kind, Boolean):
        return Kind.FLAG
    if isinstance(kind, Integer):
        return Kind.INTEGER
    if isinstance(kind, DateTime):
        return Kind.DATETIME
    if isinstance(kind, Date):
        return Kind.DATE
    if isinstance(kind, JSON):
        default = getattr(getattr(column.default, "arg", None), "__wrapped__", None)
        return Kind.TEXT_LIST if default is list else Kind.JSON_OBJECT
    if isinstance(kind, LargeBinary):
        return Kind.BYTES
    assert isinstance(kind, String | Text), f"no rule for {table}.{column.name} ({kind!r})"
    return Kind.TEXT


def _default_of(kind: Kind, column: Any) -> object:
    """What repair stores in place of an odd value: the column's default, NULL, or None (drop the row)."""
    if column.nullable:
        return None
    default = column.default
    if default is not None and default.is_scalar:
        value = default.arg
        return int(value) if isinstance(value, bool) else value
    if kind is Kind.TEXT_LIST:
        return "[]"
    if kind is Kind.JSON_OBJECT:
        return "{}"
    if kind is Kind.TEXT:
        return ""
    if kind is Kind.DATETIME:
        return "now"  # the time of the repair, filled in by `clean`
    return None  # a number, flag or bytes nobody can guess: the row cannot be kept


@functools.cache
def rules() -> dict[str, tuple[ColumnRule, ...]]:
    """Table name → its columns' rules, in schema.py's column order."""
    out: dict[str, tuple[ColumnRule, ...]] = {}
    for table in Base.metadata.sorted_tables:
        out[table.name] = tuple(
            ColumnRule(
                table.name,
                c.name,
                _kind_of(table.name, c),
                bool(c.nullable),
                bool(c.primary_key),
                _default_of(_kind_of(table.name, c), c),
            )
            for c in table.columns
        )
    return out


# The Python type the ORM hands over for each kind, and the kinds that need a closer look than their type.
_MODEL_TYPES: dict[Kind, type] = {
    Kind.INTEGER: int,
    Kind.FLAG: bool,
    Kind.TEXT: str,
    Kind.DATE: dt.date,
    Kind.DATETIME: dt.datetime,
    Kind.JSON_OBJECT: dict,
    Kind.TEXT_LIST: list,
    Kind.BYTES: bytes,
    Kind.STATUS: str,
}
_CLOSER_LOOK: dict[Kind, Callable[[object], bool]] = {
    Kind.TEXT_LIST: is_text_list,
    Kind.STATUS: lambda v: v in STATUSES,
}
_Check = tuple[str, type, bool, Callable[[object], bool] | None, Kind]


@functools.cache
def _checks_for(table: str) -> tuple[_Check, ...]:
    return tuple(
        (r.column, _MODEL_TYPES[r.kind], r.nullable, _CLOSER_LOOK.get(r.kind), r.kind) for r in rules()[table]
    )


def _row_label(table: str, values: dict[str, Any]) -> object:
    keys = [r.column for r in rules()[table] if r.primary_key]
    if len(keys) == 1:
        value = values.get(keys[0])
        return value if isinstance(value, int) else repr(value)
    return ", ".join(f"{k}={values.get(k)!r}" for k in keys)


def check_loaded(state: InstanceState[Any], _context: object = None) -> None:
    """An ORM row just loaded: each column holds what its type says, or the read stops with where and what."""
    values = state.dict
    table = str(state.mapper.local_table.name)  # type: ignore[attr-defined]
    for column, kind_type, nullable, closer, kind in _checks_for(table):
        value = values.get(column, _ABSENT)
        if type(value) is kind_type:
            if closer is None or closer(value):
                continue
        elif value is _ABSENT or (value is None and nullable):
            continue  # deferred or not selected, or an empty optional value
        raise odd_value(table, _row_label(table, values), column, problem_of(kind, value))


def _label_value(value: object) -> object:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def present_columns(con: sqlite3.Connection, table: str) -> set[str]:
    """The file's ordinary (not generated, not hidden) columns of a table, lower-cased."""
    found = con.execute(f'PRAGMA table_xinfo("{table}")')
    return {str(_label_value(row[1])).lower() for row in found if not row[6]}


def stored_select(table: str, rule_set: tuple[ColumnRule, ...], *, with_bytes: bool) -> str:
    """SELECT of typeof() and value pairs for each rule's column (bytes columns by type only unless asked)."""
    parts = []
    for rule in rule_set:
        parts.append(f'typeof("{rule.column}")')
        parts.append("NULL" if rule.kind is Kind.BYTES and not with_bytes else f'"{rule.column}"')
    return f'SELECT {", ".join(parts)} FROM "{table}"'  # noqa: S608 - names from schema.py


def pairs(values: tuple[object, ...]) -> Iterator[tuple[str, object]]:
    """(typeof, value) pairs of a row read with `stored_select` (typeof as str)."""
    for index in range(0, len(values), 2):
        storage = values[index]
        yield (storage.decode() if isinstance(storage, bytes) else str(storage)), values[index + 1]


def row_label(table: str, rule_set: tuple[ColumnRule, ...], values: tuple[object, ...]) -> object:
    """How a row read with `stored_select` is named in messages: its id (or its key columns)."""
    by_column = {r.column: _label_value(v) for r, (_s, v) in zip(rule_set, pairs(values), strict=True)}
    return _row_label(table, by_column)


def find_odd_value(con: sqlite3.Connection, tables: tuple[str, ...]) -> WorkbookDamaged | None:
    """The first stored value the model would refuse, named; None when every value is fit (a bug, then).

    Give it a read-only connection of its own: text is read as bytes, bytes columns by type only.
    """
    con.text_factory = bytes
    now = dt.datetime.now(dt.UTC)
    for table in tables:
        present = present_columns(con, table)
        rule_set = tuple(r for r in rules()[table] if r.column in present)
        if not rule_set:
            continue
        for values in con.execute(stored_select(table, rule_set, with_bytes=False)):
            for rule, (storage, raw) in zip(rule_set, pairs(values), strict=True):
                if rule.kind is Kind.BYTES:
                    fine = storage == "blob" or (storage == "null" and rule.nullable)
                    problem = "" if fine else f"stored as {storage}, not bytes"
                else:
                    problem = clean(rule, storage, raw, now).problem
                if problem:
                    return odd_value(table, row_label(table, rule_set, values), rule.column, problem)
    return None
