"""An odd value in a row is refused in one line naming its table, row and column: never a traceback."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workbook.errors import WorkbookDamaged
from workbook.model import Actor, FieldChange, Status
from workbook.services.workbook import Workbook
from workbook.storage.values import Row

Alter = Callable[[str], None]
Cli = Callable[..., Any]


@pytest.mark.parametrize(
    ("sql", "command", "where"),
    [
        (
            "UPDATE requests SET status = 'bogus' WHERE id = 3",
            ["items"],
            "table requests, row 3, column status",
        ),
        ("UPDATE requests SET due = 'notadate' WHERE id = 3", ["items"], "table requests, row 3, column due"),
        (
            "UPDATE requests SET criteria = '{not json' WHERE id = 3",
            ["items", "--json"],
            "table requests, row 3, column criteria",
        ),
        (
            "UPDATE requests SET updated_at = 'garbage' WHERE id = 3",
            ["items"],
            "table requests, row 3, column updated_at",
        ),
        ("UPDATE activity SET at = 'garbage' WHERE id = 2", ["log"], "table activity, row 2, column at"),
        (
            "UPDATE requests SET title = CAST(X'FFFE41' AS TEXT) WHERE id = 3",
            ["items"],
            "table requests, row 3, column title",
        ),
        (
            "UPDATE evidence_chunks SET data = CAST(data AS TEXT)",
            ["verify"],
            "table evidence_chunks, row evidence_id=1, seq=0, column data",
        ),
        (
            "UPDATE requests SET status = 'bogus' WHERE id = 3",
            ["set", "{path}", "PBC-003", "--note", "x"],
            "table requests, row 3, column status",
        ),
        (
            "UPDATE people SET name = X'00FF' WHERE id = 1",
            ["set", "{path}", "PBC-001", "--owner", "Sam"],
            "table people, row 1, column name",
        ),
        (
            "CREATE TRIGGER boom BEFORE UPDATE ON requests BEGIN SELECT RAISE(ABORT, 'boom'); END;",
            ["set", "{path}", "PBC-001", "--note", "x"],
            "it contains a trigger 'boom' on table requests",
        ),
    ],
    ids=[
        "status",
        "due",
        "criteria",
        "timestamp",
        "log-timestamp",
        "not-utf8",
        "chunk-as-text",
        "set-on-odd-row",
        "bytes-as-name",
        "raising-trigger",
    ],
)
def test_an_odd_value_exits_2_with_one_line_naming_where_it_is(
    path: Path, alter: Alter, cli: Cli, sql: str, command: list[str], where: str
) -> None:
    alter(sql)
    argv = [arg.replace("{path}", str(path)) for arg in command]
    if "{path}" not in command:
        argv.insert(1, str(path))

    result = cli(*argv)

    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    assert result.err.count("\n") == 1
    assert where in result.err
    assert "audit-workbook repair" in result.err


def test_an_odd_value_read_through_the_services_is_a_workbook_damaged_error(
    path: Path, alter: Alter, actor: Actor
) -> None:
    alter("UPDATE requests SET due = '2026-13-45' WHERE id = 2")
    with Workbook.open(path, actor, read_only=True) as workbook, pytest.raises(WorkbookDamaged) as caught:
        workbook.requests.list()
    error = caught.value
    assert (error.table, error.row, error.column) == ("requests", 2, "due")
    assert error.where == str(path)


def test_other_rows_still_read_and_write_around_an_odd_one(path: Path, alter: Alter, actor: Actor) -> None:
    alter("UPDATE requests SET status = 'bogus' WHERE id = 3")
    with Workbook.open(path, actor) as workbook:
        workbook.requests.set("PBC-001", FieldChange(status=Status.ACCEPTED))
        assert workbook.requests.get("PBC-001").status is Status.ACCEPTED
        with pytest.raises(WorkbookDamaged, match="row 3, column status"):
            workbook.requests.get("PBC-003")


@pytest.mark.parametrize(
    ("convert", "value", "expected"),
    [
        (lambda r, v: r.status("status", v), "accepted", Status.ACCEPTED),
        (lambda r, v: r.date("due", v), "2026-02-03", dt.date(2026, 2, 3)),
        (lambda r, v: r.date("due", v), None, None),
        (lambda r, v: r.text_list("criteria", v), '["CC6.1", "CC6.2"]', ("CC6.1", "CC6.2")),
        (lambda r, v: r.text_pairs("extra", v), '{"Owner": 5}', (("Owner", "5"),)),
        (lambda r, v: r.flag("archived", v), 1, True),
    ],
)
def test_a_fit_value_is_converted_for_the_model(convert: Any, value: object, expected: object) -> None:
    assert convert(Row("requests", 7), value) == expected


@pytest.mark.parametrize(
    ("convert", "value", "words"),
    [
        (lambda r, v: r.status("status", v), "bogus", "'bogus' is not a status"),
        (lambda r, v: r.date("due", v), "2026-W01-1", "is not a date (YYYY-MM-DD)"),
        (lambda r, v: r.text_list("criteria", v), '{"a": 1}', "is not a JSON list of texts"),
        (lambda r, v: r.text_list("criteria", v), "[1, 2]", "is not a JSON list of texts"),
        (lambda r, v: r.text_pairs("extra", v), "[]", "is not a JSON object"),
        (lambda r, v: r.text("title", v), b"\xff", "bytes where text belongs"),
        (lambda r, v: r.flag("archived", v), 7, "is not 0 or 1"),
        (lambda r, v: r.timestamp("updated_at", v), "yesterday", "is not a date and time"),
    ],
)
def test_an_odd_value_names_table_row_and_column(convert: Any, value: object, words: str) -> None:
    with pytest.raises(WorkbookDamaged, match=re.escape(words)) as caught:
        convert(Row("requests", 7), value)
    assert "table requests, row 7" in caught.value.message
