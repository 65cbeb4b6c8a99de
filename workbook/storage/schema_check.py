"""Compare a file's sqlite_master with the schema this version makes: nothing more or less, nothing run."""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateIndex, CreateTable

from workbook.storage import safety
from workbook.storage.fileformat import REPAIR_HINT, SCHEMA_HEAD, VERSION_TABLE, SchemaObject
from workbook.storage.schema import Base

# Alembic's own table as alembic.runtime.migration makes it: importing alembic to build it would add 0.25 s to
# every open (measured), so it is declared here and a test holds it to alembic's (test_schema_check.py).
VERSION_TABLE_DEFINITION = Table(
    VERSION_TABLE,
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
)
_SPACE = re.compile(r"[ \t\n\r\f]+")
_CONSTRAINT_WORDS = ("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK")
# How many differences a message names before it says "and N more".
_NAMED = 3


@dataclass(frozen=True)
class SchemaReport:
    """How a file's schema differs from this version's; `blocking` ones make even reading unsafe."""

    differences: tuple[str, ...] = ()
    blocking: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.differences

    def describe(self, items: Sequence[str] | None = None) -> str:
        shown = list(items if items is not None else self.differences)
        more = len(shown) - _NAMED
        text = "; ".join(shown[:_NAMED])
        return text + (f"; and {more} more difference(s)" if more > 0 else "")


@dataclass(frozen=True)
class _Table:
    head: str
    columns: tuple[tuple[str, str], ...]
    constraints: tuple[str, ...]
    trailer: str


def _normal(sql: str) -> str:
    return _SPACE.sub(" ", sql).strip()


def _split_top_level(body: str) -> list[str] | None:
    """The comma-separated items of a CREATE TABLE body, or None when quotes or brackets do not close."""
    items, depth, start, quote = [], 0, 0, ""
    for index, char in enumerate(body):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"`":
            quote = char
        elif char == "[":
            quote = "]"
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return None
        elif char == "," and depth == 0:
            items.append(body[start:index])
            start = index + 1
    if quote or depth:
        return None
    items.append(body[start:])
    return [_normal(item) for item in items]


def _parse_table(sql: str | None) -> _Table | None:
    """Columns in order, constraints as a set: Alembic and SQLAlchemy order table constraints differently."""
    text = _normal(sql or "")
    opening = text.find("(")
    closing = text.rfind(")")
    if opening < 0 or closing < opening:
        return None
    items = _split_top_level(text[opening + 1 : closing])
    if items is None:
        return None
    columns, constraints = [], []
    for item in items:
        first = item.split(" ", 1)[0]
        if first.upper() in _CONSTRAINT_WORDS or first.upper().startswith(("PRIMARY", "UNIQUE", "FOREIGN")):
            constraints.append(item)
        else:
            columns.append((first.strip("\"'`[]").lower(), item))
    return _Table(
        text[:opening].strip(), tuple(columns), tuple(sorted(constraints)), text[closing + 1 :].strip()
    )


def _objects_of(con: sqlite3.Connection) -> tuple[SchemaObject, ...]:
    rows = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
    return tuple(
        SchemaObject(str(t), str(n), str(tbl), None if sql is None else str(sql)) for t, n, tbl, sql in rows
    )


def _from_metadata() -> tuple[SchemaObject, ...]:
    """Build schema.py's tables and indexes (and Alembic's table) in memory; read back what SQLite keeps."""
    dialect = sqlite_dialect.dialect()
    con = sqlite3.connect(":memory:")
    try:
        for table in (*Base.metadata.sorted_tables, VERSION_TABLE_DEFINITION):
            con.execute(str(CreateTable(table).compile(dialect=dialect)))
            for index in table.indexes:
                con.execute(str(CreateIndex(index).compile(dialect=dialect)))
        return _objects_of(con)
    finally:
        con.close()


def objects_made_by_migrations(revision: str) -> tuple[SchemaObject, ...]:
    """What the shipped migrations create up to `revision`, built in memory (slow: imports Alembic)."""
    from alembic import command
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    from workbook.storage.migrate import config_for

    engine = create_engine("sqlite://", poolclass=StaticPool)
    try:
        command.upgrade(config_for(engine), revision)
        with engine.connect() as connection:
            raw = connection.connection.driver_connection
            assert isinstance(raw, safety.Connection)
            return _objects_of(raw)
    finally:
        engine.dispose()


@functools.cache
def expected_objects(revision: str = SCHEMA_HEAD) -> tuple[SchemaObject, ...]:
    """The schema a file at `revision` must have: schema.py's metadata for the head, else the migrations'."""
    return _from_metadata() if revision == SCHEMA_HEAD else objects_made_by_migrations(revision)


def table_names(revision: str = SCHEMA_HEAD) -> tuple[str, ...]:
    return tuple(o.name for o in expected_objects(revision) if o.type == "table")


def _what(obj: SchemaObject) -> str:
    if obj.type == "trigger":
        return f"a trigger {obj.name!r} on table {obj.table}"
    if obj.type == "view":
        return f"a view {obj.name!r}"
    if obj.type == "index":
        return f"an index {obj.name!r} on table {obj.table}"
    if not obj.is_plain_table:
        return f"a virtual table {obj.name!r}"
    return f"a table {obj.name!r}"


def _kind(obj: SchemaObject) -> str:
    return "virtual table" if obj.type == "table" and not obj.is_plain_table else obj.type


def _table_differences(name: str, expected: SchemaObject, found: SchemaObject) -> list[str]:
    want, got = _parse_table(expected.sql), _parse_table(found.sql)
    assert want is not None, f"schema.py's table {name} did not parse"
    if got is None:
        return [f"table {name!r} is declared in a form this version does not make"]
    out = []
    if got.head.lower() != want.head.lower() or got.trailer != want.trailer:
        out.append(f"table {name!r} is declared as {got.head} (…) {got.trailer}".rstrip())
    wanted, found_columns = dict(want.columns), dict(got.columns)
    for column, text in want.columns:
        if column not in found_columns:
            out.append(f"table {name!r} has no column {column!r}")
        elif found_columns[column] != text:
            out.append(f"column {name}.{column} is declared as {found_columns[column]!r}, not {text!r}")
    out.extend(
        f"table {name!r} has a column {column!r} this version does not make"
        for column, _text in got.columns
        if column not in wanted
    )
    common = [c for c, _t in got.columns if c in wanted]
    if not out and common != [c for c, _t in want.columns]:
        out.append(f"the columns of table {name!r} are in another order")
    out.extend(
        f"table {name!r} has a constraint this version does not make ({c})"
        for c in got.constraints
        if c not in want.constraints
    )
    out.extend(
        f"table {name!r} lacks its constraint ({c})" for c in want.constraints if c not in got.constraints
    )
    return out


def compare(objects: Iterable[SchemaObject], revision: str = SCHEMA_HEAD) -> SchemaReport:
    """Every way the file's schema differs from the one this version makes at `revision`, in words."""
    expected = {o.name.lower(): o for o in expected_objects(revision)}
    found = {o.name.lower(): o for o in objects}
    differences: list[str] = []
    blocking: list[str] = []
    for key, want in expected.items():
        got = found.get(key)
        if got is None:
            line = f"{want.type} {want.name!r} is missing"
            differences.append(line)
            if want.type == "table":
                blocking.append(line)
        elif want.type == "table" and not got.is_plain_table:
            line = f"{got.name!r} is a {_kind(got)}, not the table this version makes"
            differences.append(line)
            blocking.append(line)
        elif got.type != want.type:
            differences.append(f"{got.name!r} is a {_kind(got)}, not the {want.type} this version makes")
        elif want.type == "table":
            differences.extend(_table_differences(want.name, want, got))
        elif _normal(got.sql or "") != _normal(want.sql or "") or got.table.lower() != want.table.lower():
            differences.append(f"index {want.name!r} is defined differently")
    for key, got in found.items():
        if key not in expected:
            differences.append(f"it contains {_what(got)}")
    return SchemaReport(tuple(differences), tuple(blocking))


def read_only_reason(report: SchemaReport) -> str:
    """Why a workbook with this schema opens read-only, on one line, with what to do."""
    return f"its schema is not one this version makes: {report.describe()} — {REPAIR_HINT}"
