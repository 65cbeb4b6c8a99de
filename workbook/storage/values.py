"""Values read from a workbook, checked before they reach the model: an odd one names table, row and column.

Standard library only (the first paint reads through `Row` before SQLAlchemy loads); the rules for each column
come from schema.py in value_rules.py. Code reading rows itself converts through `Row`; repair (and the trace
of a failed read) judge stored values with `clean`.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
from dataclasses import dataclass
from typing import Protocol

from workbook.errors import WorkbookDamaged
from workbook.model import Engagement, Status
from workbook.storage.fileformat import REPAIR_HINT

STATUSES = frozenset(s.value for s in Status)
# SQLAlchemy's text form of a DateTime on SQLite (naive, microseconds): what repair writes for a fixed one.
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
# The stored forms SQLAlchemy reads back whole (its own parser accepts a prefix and silently drops the rest).
_STORED_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_STORED_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{6})?")


class Kind(enum.Enum):
    INTEGER = "a whole number"
    FLAG = "0 or 1"
    TEXT = "text"
    DATE = "a date (YYYY-MM-DD)"
    DATETIME = "a date and time"
    JSON_OBJECT = "a JSON object"
    TEXT_LIST = "a JSON list of texts"
    BYTES = "bytes"
    STATUS = "a status (" + ", ".join(s.value for s in Status) + ")"


@dataclass(frozen=True)
class ColumnRule:
    table: str
    column: str
    kind: Kind
    nullable: bool
    primary_key: bool
    default: object  # the stored form repair puts in place of an odd value (None: NULL, or drop the row)


def _shown(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def odd_value(table: str, row: object, column: str, problem: str) -> WorkbookDamaged:
    return WorkbookDamaged(
        f"the workbook holds an odd value in table {table}, row {row}, column {column}: {problem}",
        hint=REPAIR_HINT,
        table=table,
        row=row,
        column=column,
    )


def is_text_list(value: object) -> bool:
    return type(value) is list and all(type(item) is str for item in value)


def problem_of(kind: Kind, value: object) -> str:
    if value is None:
        return "no value where one is required"
    if isinstance(value, bytes) and kind is not Kind.BYTES:
        return f"bytes where {kind.value} belongs"
    return f"{_shown(value)} is not {kind.value}"


class Row:
    """Where a row came from (table and id): its values converted for the model, an odd one refused."""

    def __init__(self, table: str, row: object) -> None:
        self.table = table
        self.row = row

    def odd(self, column: str, kind: Kind, value: object) -> WorkbookDamaged:
        return odd_value(self.table, self.row, column, problem_of(kind, value))

    def text(self, column: str, value: object) -> str:
        if type(value) is not str:
            raise self.odd(column, Kind.TEXT, value)
        return value

    def integer(self, column: str, value: object) -> int:
        if type(value) is not int:
            raise self.odd(column, Kind.INTEGER, value)
        return value

    def optional_integer(self, column: str, value: object) -> int | None:
        return None if value is None else self.integer(column, value)

    def flag(self, column: str, value: object) -> bool:
        if type(value) is bool:
            return value
        if type(value) is int and value in (0, 1):
            return bool(value)
        raise self.odd(column, Kind.FLAG, value)

    def status(self, column: str, value: object) -> Status:
        if not isinstance(value, str) or value not in STATUSES:
            raise self.odd(column, Kind.STATUS, value)
        return Status(value)

    def date(self, column: str, value: object) -> dt.date | None:
        """A date, from the ORM's date or its stored text; None stays None."""
        if value is None or type(value) is dt.date:
            return value
        if isinstance(value, str) and _STORED_DATE.fullmatch(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise self.odd(column, Kind.DATE, value)

    def timestamp(self, column: str, value: object) -> dt.datetime:
        """A date and time, from the ORM's datetime or its stored ISO text."""
        if type(value) is dt.datetime:
            return value
        if isinstance(value, str):
            try:
                return dt.datetime.fromisoformat(value)
            except ValueError:
                pass
        raise self.odd(column, Kind.DATETIME, value)

    def text_list(self, column: str, value: object) -> tuple[str, ...]:
        """A list of texts, from the ORM's list or its stored JSON."""
        parsed = self._json(column, Kind.TEXT_LIST, value)
        if not isinstance(parsed, list) or not is_text_list(parsed):
            raise self.odd(column, Kind.TEXT_LIST, value)
        return tuple(parsed)

    def text_pairs(self, column: str, value: object) -> tuple[tuple[str, str], ...]:
        """A JSON object's items as text pairs (numbers and the like shown as text)."""
        parsed = self._json(column, Kind.JSON_OBJECT, value)
        if type(parsed) is not dict:
            raise self.odd(column, Kind.JSON_OBJECT, value)
        return tuple((str(k), str(v)) for k, v in parsed.items())

    def _json(self, column: str, kind: Kind, value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise self.odd(column, kind, value) from None


class EngagementFields(Protocol):
    """An engagement row as the ORM or a reader of its own holds it."""

    id: int
    client: str
    framework: str
    period_start: dt.date | None
    period_end: dt.date | None
    auditor: str
    freshness_days: int


def to_engagement(row: EngagementFields) -> Engagement:
    check = Row("engagement", row.id)
    return Engagement(
        check.text("client", row.client),
        check.text("framework", row.framework),
        check.date("period_start", row.period_start),
        check.date("period_end", row.period_end),
        check.text("auditor", row.auditor),
        check.integer("freshness_days", row.freshness_days),
    )


# Stored values, as SQLite keeps them (text read as bytes, with typeof), for the trace and for repair.


@dataclass(frozen=True)
class Cleaned:
    """A stored value fit for the current schema; for an odd original, what was wrong and what was done."""

    value: object
    problem: str = ""
    fix: str = ""
    drop_row: bool = False


def _decode(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _stored_ok(kind: Kind, text: str) -> bool:
    """Whether text stored in a column of this kind reads back as the ORM expects."""
    try:
        if kind is Kind.DATE:
            return bool(_STORED_DATE.fullmatch(text) and dt.date.fromisoformat(text))
        if kind is Kind.DATETIME:
            return bool(_STORED_DATETIME.fullmatch(text) and dt.datetime.fromisoformat(text))
        if kind is Kind.JSON_OBJECT:
            return type(json.loads(text)) is dict
        if kind is Kind.TEXT_LIST:
            return is_text_list(json.loads(text))
    except ValueError:
        return False
    return text in STATUSES if kind is Kind.STATUS else True


def _shown_stored(storage: str, raw: object) -> object:
    if storage == "text" and isinstance(raw, bytes):
        return _decode(raw) or raw
    return raw


def clean(rule: ColumnRule, storage: str, raw: object, now: dt.datetime) -> Cleaned:
    """The stored value if it is what the column holds, else a safe one (its default, NULL, or readable text).

    `storage` is SQLite's typeof(); text arrives as bytes so that text which is not UTF-8 can be seen.
    """
    kind = rule.kind
    if storage == "null":
        return Cleaned(None) if rule.nullable else _fallback(rule, problem_of(kind, None), now)
    if kind in (Kind.INTEGER, Kind.FLAG):
        if storage == "integer" and isinstance(raw, int) and (kind is Kind.INTEGER or raw in (0, 1)):
            return Cleaned(raw)
        return _fallback(rule, problem_of(kind, _shown_stored(storage, raw)), now)
    if kind is Kind.BYTES:
        if storage == "blob":
            return Cleaned(raw)
        problem = f"stored as {storage}, not bytes"
        if isinstance(raw, bytes):
            return Cleaned(raw, problem, "kept its bytes, stored as bytes")
        return _fallback(rule, problem, now)
    text = _decode(raw) if storage == "text" and isinstance(raw, bytes) else None
    if kind is Kind.TEXT:
        if text is not None:
            return Cleaned(text)
        if isinstance(raw, bytes):
            what = "text that is not valid UTF-8" if storage == "text" else "bytes where text belongs"
            return Cleaned(raw.decode("utf-8", "replace"), what, "undecodable bytes became U+FFFD")
        return Cleaned(str(raw), f"the number {raw!r} where text belongs", "kept as text")
    if text is None:
        what = "text that is not valid UTF-8" if storage == "text" else problem_of(kind, raw)
        return _fallback(rule, what, now)
    if _stored_ok(kind, text):
        return Cleaned(text)
    return _fallback(rule, problem_of(kind, text), now)


def _fallback(rule: ColumnRule, problem: str, now: dt.datetime) -> Cleaned:
    default = rule.default
    if rule.primary_key or (default is None and not rule.nullable):
        return Cleaned(None, problem, "the row was left out", drop_row=True)
    if default == "now" and rule.kind is Kind.DATETIME:
        stamp = now.strftime(DATETIME_FORMAT)
        return Cleaned(stamp, problem, f"set to the time of this repair ({stamp[:19]})")
    return Cleaned(default, problem, f"set to {'NULL' if default is None else repr(default)}")
