"""A workbook written by the previous version (schema 0001) opens in this one: backed up, then upgraded to
0002 (prior-period evidence, samples, the never-export mark) with every row and the log as they were."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from workbook.model import Actor
from workbook.services.workbook import Workbook
from workbook.storage.fileformat import APPLICATION_ID, SCHEMA_HEAD
from workbook.storage.migrate import config_for


def _made_by_the_previous_version(path: Path, actor: Actor, tmp_path: Path) -> str:
    """A 0001 file as the previous version wrote it: its tables made by migration 0001 alone, then filled
    with the rows of a workbook made here (the columns 0001 has), so its log chain is real."""
    made = tmp_path / "made.auditwb"
    with Workbook.create(made, actor, client="Acme", period_start=dt.date(2026, 1, 1)) as wb:
        wb.people.add("Ana Diaz", "ana@example.com")
        head = wb.activity.head()
    with sqlite3.connect(path) as con:
        con.execute(f"PRAGMA application_id={APPLICATION_ID}")
    engine = create_engine(f"sqlite:///{path}")
    try:
        command.upgrade(config_for(engine), "0001_initial")
    finally:
        engine.dispose()
    con = sqlite3.connect(path)
    try:
        con.execute("ATTACH DATABASE ? AS made", (str(made),))
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            if table == "alembic_version":
                continue
            columns = ", ".join(f'"{r[1]}"' for r in con.execute(f'PRAGMA main.table_info("{table}")'))
            con.execute(f'INSERT INTO main."{table}" ({columns}) SELECT {columns} FROM made."{table}"')
        con.commit()
        con.execute("DETACH DATABASE made")
    finally:
        con.close()
    return head


def test_a_0001_workbook_is_backed_up_and_upgraded_with_nothing_lost(tmp_path: Path, actor: Actor) -> None:
    path = tmp_path / "old.auditwb"
    head = _made_by_the_previous_version(path, actor, tmp_path)
    with Workbook.open(path, actor) as wb:
        assert wb.info().schema_version == SCHEMA_HEAD == "0002_cycles"
        assert wb.activity.head() == head
        assert [p.name for p in wb.people.list()] == ["Ana Diaz"]
        report = wb.verify()
        assert report.ok, report.problems
    backups = list(tmp_path.glob("old.backup-before-upgrade-*.auditwb"))
    assert len(backups) == 1
    engine = create_engine(f"sqlite:///{backups[0]}")
    try:
        with engine.connect() as con:
            assert con.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001_initial"
    finally:
        engine.dispose()


def test_a_0001_workbook_opened_read_only_is_read_upgraded_and_left_unchanged(
    tmp_path: Path, actor: Actor
) -> None:
    path = tmp_path / "old.auditwb"
    _made_by_the_previous_version(path, actor, tmp_path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with Workbook.open(path, actor, read_only=True) as wb:
        assert "older version" in wb.read_only_reason
        assert wb.info().engagement.client == "Acme"
        assert wb.samples.grids() == []
        report = wb.verify()
        assert report.ok, report.problems
        view = wb.db.real_path
        assert view != path.resolve() and view.exists()
    assert not view.exists()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert not list(tmp_path.glob("old.backup-*"))
