"""`repair` writes a clean copy: this version's schema, every value checked, nothing of the source run."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workbook.errors import UserError
from workbook.model import Actor, Status
from workbook.services.workbook import Workbook
from workbook.storage import schema_check
from workbook.storage.fileformat import inspect_workbook_file

Alter = Callable[[str], None]
Cli = Callable[..., Any]
REFS = ["PBC-001", "PBC-002", "PBC-003", "PBC-004"]
TRIGGER = "CREATE TRIGGER x AFTER UPDATE ON requests BEGIN UPDATE engagement SET auditor = 'Evil LLP'; END;"
ENDLESS_META = (
    "DROP TABLE meta; CREATE VIEW meta AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
    " SELECT 'k' || x AS key, 'v' AS value FROM c;"
)


def refs(cli: Cli, path: Path) -> list[str]:
    result = cli("items", str(path), "--json")
    assert result.code == 0, result.err
    return [item["ref"] for item in json.loads(result.out)]


def log_rows(path: Path) -> list[tuple[object, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT * FROM activity ORDER BY id").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize(("sql", "said"), [(TRIGGER, "a trigger 'x'"), (ENDLESS_META, "'meta' is a view")])
def test_repair_writes_a_clean_copy_that_verify_accepts_and_holds_every_request(
    path: Path, tmp_path: Path, alter: Alter, cli: Cli, sql: str, said: str
) -> None:
    alter(sql)
    out = tmp_path / "clean.auditwb"

    result = cli("repair", str(path), str(out), timeout=30)

    assert result.code == 0, result.err
    assert said in result.out
    assert f"wrote {out}" in result.out
    assert schema_check.compare(inspect_workbook_file(out).objects).ok
    assert cli("verify", str(out)).code == 0
    assert refs(cli, out) == REFS
    assert cli("set", str(out), "PBC-001", "--status", "accepted").code == 0


def test_repair_copies_the_log_as_it_is_and_logs_itself(path: Path, tmp_path: Path, actor: Actor) -> None:
    before = log_rows(path)

    report = Workbook.repair(path, tmp_path / "clean.auditwb", actor)

    after = log_rows(report.path)
    assert after[: len(before)] == before
    assert [row[4] for row in after[len(before) :]] == ["workbook.repair"]
    assert report.notes == ()
    with Workbook.open(report.path, actor, read_only=True) as copy:
        assert copy.verify().ok
        assert copy.evidence.list()[0].name == "okta users.csv"


def test_repair_replaces_each_odd_value_and_says_so_in_one_line(
    path: Path, tmp_path: Path, alter: Alter, actor: Actor
) -> None:
    alter(
        "UPDATE requests SET status = 'bogus', due = 'notadate' WHERE id = 2;"
        "UPDATE requests SET criteria = '{not json', title = CAST(X'41FF42' AS TEXT) WHERE id = 3;"
        "UPDATE evidence_chunks SET data = CAST(data AS TEXT);"
    )

    report = Workbook.repair(path, tmp_path / "clean.auditwb", actor)

    lines = "\n".join(report.notes)
    assert "requests row 2, column status: 'bogus' is not a status" in lines and "set to 'open'" in lines
    assert "requests row 2, column due: 'notadate' is not a date (YYYY-MM-DD) — set to NULL" in lines
    assert "requests row 3, column criteria: '{not json' is not a JSON list of texts — set to '[]'" in lines
    assert "requests row 3, column title: text that is not valid UTF-8 — undecodable bytes" in lines
    assert "evidence_chunks row evidence_id=1, seq=0, column data: stored as text" in lines
    assert len(report.notes) == 5
    with Workbook.open(report.path, actor) as copy:
        two, three = copy.requests.get("PBC-002"), copy.requests.get("PBC-003")
        assert (two.status, two.due) == (Status.OPEN, None)
        assert (three.criteria, three.title) == ((), "A\ufffdB")
        assert copy.verify().ok  # the chunk's bytes were kept, only their type was wrong


def test_repair_reports_evidence_whose_bytes_no_longer_match(
    path: Path, tmp_path: Path, alter: Alter, actor: Actor
) -> None:
    alter("UPDATE evidence_chunks SET data = X'00' || substr(data, 2)")

    report = Workbook.repair(path, tmp_path / "clean.auditwb", actor)

    assert any("'okta users.csv'" in n and "do not match its SHA-256" in n for n in report.notes)
    with Workbook.open(report.path, actor, read_only=True) as copy:
        assert [p.where for p in copy.verify().problems] == ["okta users.csv"]


def test_repair_clears_an_owner_who_is_gone_and_drops_links_to_missing_evidence(
    path: Path, tmp_path: Path, alter: Alter, actor: Actor
) -> None:
    alter("PRAGMA foreign_keys = OFF; DELETE FROM people; DELETE FROM evidence_chunks; DELETE FROM evidence;")

    report = Workbook.repair(path, tmp_path / "clean.auditwb", actor)

    assert any(
        "requests row 2, column owner_id: points at a missing people row — cleared" in n for n in report.notes
    )
    assert any(n.startswith("links row 1 was left out") for n in report.notes)
    with Workbook.open(report.path, actor, read_only=True) as copy:
        assert copy.requests.get("PBC-002").owner == ""
        assert copy.requests.get("PBC-001").evidence_count == 0


def test_repair_never_overwrites_and_leaves_the_source_unchanged(path: Path, actor: Actor) -> None:
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    with pytest.raises(UserError, match="the destination exists"):
        Workbook.repair(path, path, actor)

    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
