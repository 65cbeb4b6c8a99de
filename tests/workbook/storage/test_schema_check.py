"""A workbook's schema is read as data: anything this version does not make opens read-only and never runs."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workbook.errors import ReadOnlyError, WorkbookDamaged
from workbook.model import Actor, FieldChange, Status
from workbook.services.workbook import Workbook
from workbook.storage import schema_check
from workbook.storage.fileformat import SCHEMA_HEAD, inspect_workbook_file
from workbook.storage.snapshot import read_snapshot

Alter = Callable[[str], None]
Cli = Callable[..., Any]

EVIL_TRIGGER = (
    "CREATE TRIGGER x AFTER UPDATE ON requests BEGIN "
    "UPDATE requests SET owner_id = NULL; DELETE FROM evidence_chunks; "
    "UPDATE engagement SET auditor = 'Evil LLP'; END;"
)
FAKE_REQUESTS = (
    "ALTER TABLE requests RENAME TO requests_real;"
    "CREATE VIEW requests AS SELECT 999 AS id, 'FAKE-1' AS ref, 'fake' AS title, '' AS request_text,"
    " '[]' AS criteria, '' AS section, NULL AS owner_id, 'accepted' AS status, NULL AS due, '' AS priority,"
    " '' AS notes, '' AS auditor_comment, '{}' AS extra, '' AS source_sheet, NULL AS source_row,"
    " 0 AS position, 0 AS archived, 0 AS recheck_evidence, '2026-01-01 00:00:00' AS created_at,"
    " '2026-01-01 00:00:00' AS updated_at;"
)
ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
ENDLESS_META = f"DROP TABLE meta; CREATE VIEW meta AS {ENDLESS} SELECT 'k' || x AS key, 'v' AS value FROM c;"
ENDLESS_VERSION = (
    "DROP TABLE alembic_version;"
    f"CREATE VIEW alembic_version AS {ENDLESS} SELECT '{SCHEMA_HEAD}' AS version_num FROM c WHERE x < 0;"
)


def state(path: Path) -> tuple[object, ...]:
    con = sqlite3.connect(path)
    try:
        return (
            con.execute("SELECT auditor FROM engagement").fetchone(),
            con.execute("SELECT count(*) FROM evidence_chunks").fetchone(),
            con.execute("SELECT count(*) FROM requests WHERE owner_id IS NOT NULL").fetchone(),
        )
    finally:
        con.close()


def test_a_fresh_workbook_has_exactly_the_schema_this_version_makes(path: Path) -> None:
    assert schema_check.compare(inspect_workbook_file(path).objects).differences == ()


def test_the_expected_schema_is_what_the_migrations_and_alembic_make() -> None:
    made = schema_check.objects_made_by_migrations(SCHEMA_HEAD)

    assert schema_check.compare(made).differences == ()
    assert {o.name for o in made} == {o.name for o in schema_check.expected_objects()}


def test_a_workbook_with_a_trigger_opens_read_only_and_never_runs_it(
    path: Path, alter: Alter, actor: Actor
) -> None:
    alter(EVIL_TRIGGER)
    before = state(path)
    with Workbook.open(path, actor) as workbook:
        assert workbook.read_only
        assert "it contains a trigger 'x' on table requests" in workbook.read_only_reason
        assert "audit-workbook repair" in workbook.read_only_reason
        assert [r.ref for r in workbook.requests.list()] == ["PBC-001", "PBC-002", "PBC-003", "PBC-004"]
        with pytest.raises(ReadOnlyError):
            workbook.requests.set("PBC-001", FieldChange(status=Status.ACCEPTED))
    assert state(path) == before


def test_a_write_command_on_a_trigger_workbook_exits_2_and_names_the_trigger(
    path: Path, alter: Alter, cli: Cli
) -> None:
    alter(EVIL_TRIGGER)
    before = state(path)

    result = cli("set", str(path), "PBC-001", "--status", "accepted", "--as", "Mallory")

    assert result.code == 2
    assert "it contains a trigger 'x' on table requests" in result.err
    assert "Traceback" not in result.err and result.err.count("\n") == 1
    assert state(path) == before
    assert cli("items", str(path)).code == 0


def test_a_view_in_place_of_a_table_is_refused_and_shows_nothing_fake(
    path: Path, alter: Alter, cli: Cli
) -> None:
    alter(FAKE_REQUESTS)

    result = cli("items", str(path), "--json")

    assert result.code == 2
    assert "'requests' is a view, not the table this version makes" in result.err
    assert "FAKE-1" not in result.out
    assert "Traceback" not in result.err


@pytest.mark.parametrize("sql", [ENDLESS_META, ENDLESS_VERSION], ids=["meta", "alembic_version"])
def test_items_on_an_endless_view_ends_at_once_with_exit_2(
    path: Path, alter: Alter, cli: Cli, sql: str
) -> None:
    alter(sql)
    start = time.monotonic()

    result = cli("items", str(path), timeout=30)

    assert result.code == 2
    assert "is a view, not the table this version makes" in result.err
    # Refused from sqlite_master, well under the step budget's few seconds (the rest is interpreter start-up).
    assert time.monotonic() - start < 10


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("CREATE VIEW summary AS SELECT count(*) FROM requests", "it contains a view 'summary'"),
        ("CREATE TABLE extra (x)", "it contains a table 'extra'"),
        ("CREATE INDEX ix_mine ON requests (title)", "it contains an index 'ix_mine' on table requests"),
        ("ALTER TABLE requests ADD COLUMN secret TEXT", "table 'requests' has a column 'secret'"),
        ("CREATE VIRTUAL TABLE shadow USING rtree(id, a, b)", "it contains a virtual table 'shadow'"),
        (
            "ALTER TABLE engagement RENAME TO old;"
            "CREATE TABLE engagement (id INTEGER NOT NULL, client TEXT NOT NULL CHECK (length(client) < 500),"
            " framework TEXT NOT NULL, period_start DATE, period_end DATE, auditor TEXT NOT NULL,"
            " freshness_days INTEGER NOT NULL, created_at DATETIME NOT NULL, PRIMARY KEY (id));"
            "INSERT INTO engagement SELECT * FROM old; DROP TABLE old;",
            "column engagement.client is declared as 'client TEXT NOT NULL CHECK (length(client) < 500)'",
        ),
    ],
    ids=["view", "table", "index", "column", "virtual-table", "check-constraint"],
)
def test_anything_this_version_does_not_make_is_named_and_opens_read_only(
    path: Path, alter: Alter, actor: Actor, sql: str, words: str
) -> None:
    alter(sql)
    with Workbook.open(path, actor) as workbook:
        assert workbook.read_only
        assert words in workbook.read_only_reason


def test_a_trigger_added_while_open_is_found_before_the_next_write_runs(
    path: Path, alter: Alter, actor: Actor
) -> None:
    with Workbook.open(path, actor) as workbook:
        workbook.requests.set("PBC-003", FieldChange(notes="before"))
        alter(EVIL_TRIGGER)
        before = state(path)

        with pytest.raises(ReadOnlyError, match="a trigger 'x' on table requests"):
            workbook.requests.set("PBC-003", FieldChange(notes="after"))

        assert workbook.read_only
        assert workbook.requests.get("PBC-003").notes == "before"
    assert state(path) == before


def test_verify_names_a_schema_changed_outside_the_app(path: Path, alter: Alter, cli: Cli) -> None:
    alter(EVIL_TRIGGER)

    result = cli("verify", str(path))

    assert result.code == 1
    assert "it contains a trigger 'x' on table requests" in result.out


def test_the_first_look_reads_nothing_from_a_workbook_with_a_view(path: Path, alter: Alter) -> None:
    alter(FAKE_REQUESTS)

    with pytest.raises(WorkbookDamaged, match="view 'requests'"):
        read_snapshot(path)
