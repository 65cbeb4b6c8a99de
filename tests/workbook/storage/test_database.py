"""The .auditwb file: pragmas, refusal of bad files, one writer, migrations, durability."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workbook.errors import ReadOnlyError, StorageError, UserError
from workbook.model import Actor, FieldChange
from workbook.services.workbook import Workbook
from workbook.storage.fileformat import KNOWN_REVISIONS, SCHEMA_HEAD
from workbook.storage.migrate import head_revision

REPO = Path(__file__).resolve().parents[3]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_schema_head_constant_matches_the_shipped_migrations() -> None:
    assert head_revision() == SCHEMA_HEAD
    assert SCHEMA_HEAD in KNOWN_REVISIONS


def test_new_workbook_uses_rollback_journal_and_is_marked_as_a_workbook(workbook: Workbook) -> None:
    con = sqlite3.connect(workbook.path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x41574231
    finally:
        con.close()
    assert not Path(str(workbook.path) + "-wal").exists()


def test_every_connection_runs_with_the_durability_pragmas(workbook: Workbook) -> None:
    with workbook.db.read() as session:
        conn = session.connection()
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA trusted_schema").scalar() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"hello, this is not a database at all" * 10, "not an Audit Workbook file"),
        (os.urandom(4096), "not an Audit Workbook file"),
    ],
)
def test_opening_a_file_that_is_not_a_workbook_is_refused_and_leaves_it_unchanged(
    tmp_path: Path, actor: Actor, content: bytes, message: str
) -> None:
    path = tmp_path / "odd.auditwb"
    path.write_bytes(content)
    before = sha(path)
    with pytest.raises(UserError, match=message):
        Workbook.open(path, actor)
    assert sha(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd.auditwb"]


def test_a_plain_sqlite_database_is_not_taken_for_a_workbook(tmp_path: Path, actor: Actor) -> None:
    path = tmp_path / "other.auditwb"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(UserError, match="not an Audit Workbook file"):
        Workbook.open(path, actor)


@pytest.mark.parametrize("keep", [0.5, 0.05])
def test_a_truncated_workbook_is_refused_and_left_unchanged(
    workbook: Workbook, tmp_path: Path, actor: Actor, keep: float
) -> None:
    workbook.close()
    data = workbook.path.read_bytes()
    truncated = tmp_path / "truncated.auditwb"
    truncated.write_bytes(data[: int(len(data) * keep)])
    before = sha(truncated)
    with pytest.raises(UserError, match="truncated"):
        Workbook.open(truncated, actor)
    assert sha(truncated) == before


def test_a_workbook_from_a_newer_version_is_refused_and_left_unchanged(
    workbook: Workbook, actor: Actor
) -> None:
    workbook.close()
    con = sqlite3.connect(workbook.path)
    con.execute("UPDATE alembic_version SET version_num = '9999_future'")
    con.commit()
    con.close()
    before = sha(workbook.path)
    with pytest.raises(UserError, match="newer version"):
        Workbook.open(workbook.path, actor)
    assert sha(workbook.path) == before


def test_a_second_opener_gets_the_file_read_only_with_the_holders_name(workbook: Workbook) -> None:
    second = Workbook.open(workbook.path, Actor("Sam", "sam"))
    try:
        assert second.read_only
        assert "Dana Ops" in second.db.read_only_reason
        assert [r.ref for r in second.requests.list()] == ["PBC-001", "PBC-002", "PBC-003", "PBC-004"]
        with pytest.raises(ReadOnlyError):
            second.requests.set("PBC-001", FieldChange(notes="x"))
    finally:
        second.close()
    workbook.requests.set("PBC-001", FieldChange(notes="still writable"))
    assert workbook.requests.get("PBC-001").notes == "still writable"


def test_the_lock_is_released_on_close_so_the_next_opener_can_write(workbook: Workbook, actor: Actor) -> None:
    workbook.close()
    reopened = Workbook.open(workbook.path, actor)
    try:
        assert not reopened.read_only
    finally:
        reopened.close()


def test_a_second_process_is_read_only_and_nothing_is_corrupted(workbook: Workbook) -> None:
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from workbook.model import Actor
        from workbook.services.workbook import Workbook
        wb = Workbook.open(Path({str(workbook.path)!r}), Actor("Other", "other"))
        print(wb.read_only, wb.db.read_only_reason)
        print(len(wb.requests.list()))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[0].startswith("True in use by Dana Ops")
    assert out.splitlines()[1] == "4"
    assert workbook.verify().ok


def test_kill_during_a_write_leaves_the_last_committed_state(workbook: Workbook, actor: Actor) -> None:
    workbook.requests.set("PBC-001", FieldChange(notes="committed"))
    workbook.close()
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from pathlib import Path
        from workbook.model import Actor
        from workbook.services.workbook import Workbook
        from workbook.storage.schema import RequestRow
        from sqlalchemy import select
        wb = Workbook.open(Path({str(workbook.path)!r}), Actor("Killer", "k"))
        with wb.db.write() as session:
            for row in session.scalars(select(RequestRow)):
                row.notes = "half written"
            session.flush()
            print("flushed", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == -signal.SIGKILL
    assert "flushed" in result.stdout
    reopened = Workbook.open(workbook.path, actor)
    try:
        assert not reopened.read_only
        notes = {r.ref: r.notes for r in reopened.requests.list()}
        assert notes == {"PBC-001": "committed", "PBC-002": "", "PBC-003": "", "PBC-004": ""}
        assert reopened.verify().ok
    finally:
        reopened.close()


def test_backup_is_a_complete_workbook(workbook: Workbook, tmp_path: Path, actor: Actor) -> None:
    workbook.requests.set("PBC-002", FieldChange(owner="Priya"))
    dest = workbook.backup(tmp_path / "copy.auditwb")
    copy = Workbook.open(dest, actor)
    try:
        assert copy.requests.get("PBC-002").owner == "Priya"
        assert copy.verify().ok
    finally:
        copy.close()


def test_opening_an_older_schema_makes_a_backup_before_upgrading(
    workbook: Workbook, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbook.storage import database, fileformat

    workbook.close()
    monkeypatch.setattr(database, "SCHEMA_HEAD", "0002_pretend_newer")
    monkeypatch.setattr(fileformat, "KNOWN_REVISIONS", (*KNOWN_REVISIONS, "0002_pretend_newer"))
    upgraded: list[str] = []
    monkeypatch.setattr(
        "workbook.storage.migrate.upgrade", lambda engine: upgraded.append(engine.url.database)
    )
    reopened = Workbook.open(workbook.path, actor)
    reopened.close()
    backups = list(workbook.path.parent.glob("acme.backup-before-upgrade-*.auditwb"))
    assert len(backups) == 1
    assert len(upgraded) == 1
    assert workbook.path.resolve().as_uri() in upgraded[0]
    assert Workbook.open(backups[0], actor, read_only=True).requests.get("PBC-001").ref == "PBC-001"


def test_a_deleted_lock_file_leaves_one_writer_and_the_other_read_only(workbook: Workbook) -> None:
    lock = workbook.path.with_name(workbook.path.name + ".lock")
    lock.unlink()
    second = Workbook.open(workbook.path, Actor("Sam", "sam"))
    try:
        assert not second.read_only
        # Dana's next write finds her lock file gone and replaced by Sam's: she is told, nothing is written.
        with pytest.raises(ReadOnlyError, match="Sam"):
            workbook.requests.set("PBC-001", FieldChange(notes="from Dana"))
        assert workbook.read_only
        second.requests.set("PBC-001", FieldChange(notes="from Sam"))
        assert second.requests.get("PBC-001").notes == "from Sam"
    finally:
        second.close()


def test_a_holder_whose_lock_file_was_deleted_takes_it_again_on_the_next_write(workbook: Workbook) -> None:
    lock = workbook.path.with_name(workbook.path.name + ".lock")
    lock.unlink()
    workbook.requests.set("PBC-001", FieldChange(notes="still mine"))
    assert lock.exists()
    other = Workbook.open(workbook.path, Actor("Sam", "sam"))
    try:
        assert other.read_only
    finally:
        other.close()


def test_after_kill_during_a_write_read_only_commands_still_work(workbook: Workbook, actor: Actor) -> None:
    workbook.close()
    script = textwrap.dedent(
        f"""
        import os, signal, sqlite3
        con = sqlite3.connect({str(workbook.path)!r}, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        con.execute("UPDATE requests SET notes = 'half written'")
        con.execute("PRAGMA cache_spill=1")
        for i in range(2000):
            con.execute(
                "INSERT INTO comments (request_id, author, body, created_at) VALUES (1, 'x', ?, '2026')",
                ("y" * 2000,),
            )
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    subprocess.run([sys.executable, "-c", script], check=False)
    assert Path(str(workbook.path) + "-journal").exists()
    reopened = Workbook.open(workbook.path, actor, read_only=True)
    try:
        assert {r.notes for r in reopened.requests.list()} == {""}
        assert reopened.verify().ok
    finally:
        reopened.close()
    assert not list(workbook.path.parent.glob("*backup-before-upgrade*"))


def test_closing_removes_the_lock_file(workbook: Workbook) -> None:
    lock = workbook.path.with_name(workbook.path.name + ".lock")
    assert lock.exists()
    workbook.close()
    assert not lock.exists()


def test_backing_up_a_workbook_deleted_while_open_fails_and_creates_nothing(
    workbook: Workbook, tmp_path: Path
) -> None:
    workbook.path.unlink()
    with pytest.raises(StorageError, match="moved or deleted"):
        workbook.backup(tmp_path / "copy.auditwb")
    assert not workbook.path.exists()
    assert not (tmp_path / "copy.auditwb").exists()


def test_a_failed_create_leaves_no_file_behind(
    tmp_path: Path, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbook.services import workbook as workbook_module

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(workbook_module, "record", broken)
    with pytest.raises(RuntimeError):
        Workbook.create(tmp_path / "new.auditwb", actor, client="Acme")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    Workbook.create(tmp_path / "new.auditwb", actor, client="Acme").close()


def test_a_full_disk_is_named_as_such_and_nothing_is_written(workbook: Workbook) -> None:
    from sqlalchemy import text

    from workbook.errors import StorageError

    before = [r.ref for r in workbook.requests.list()]
    with pytest.raises(StorageError, match="the disk is full") as caught, workbook.db.write() as session:
        pages = session.execute(text("PRAGMA page_count")).scalar_one()
        session.execute(text(f"PRAGMA max_page_count = {pages}"))
        session.execute(text("UPDATE requests SET notes = :n"), {"n": "x" * 200_000})
    assert caught.value.hint == "free some space and try again; nothing was changed"
    assert [r.ref for r in workbook.requests.list()] == before


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (5, "another program is writing"),
        (8, "cannot be written"),
        (11, "damaged"),
        (26, "not an Audit Workbook"),
    ],
)
def test_sqlite_errors_are_told_apart_by_their_code_not_their_message(code: int, words: str) -> None:
    import sqlite3

    from sqlalchemy import exc

    from workbook.storage.database import storage_error

    original = sqlite3.OperationalError("some message")
    original.sqlite_errorcode = code | 0x100  # an extended code keeps its primary code in the low byte
    error = storage_error(exc.OperationalError("SELECT 1", {}, original), Path("w.auditwb"), "read")
    assert words in error.message
