"""One writer, really: one lock per real file, a brief wait for it, a holder named with real values."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workbook.cli import main
from workbook.errors import StorageError, UserError
from workbook.model import Actor, FieldChange
from workbook.services.workbook import Workbook
from workbook.storage import database
from workbook.storage.fileformat import inspect_workbook_file
from workbook.storage.locking import LockHolder, parse_holder

Cli = Callable[..., Any]
SAM = Actor("Sam Reviewer", "sam")


def test_two_links_to_one_file_share_one_lock_beside_the_real_file(
    path: Path, tmp_path: Path, actor: Actor
) -> None:
    links = tmp_path / "links"
    links.mkdir()
    (links / "a.auditwb").symlink_to(path)
    (links / "b.auditwb").symlink_to(path)

    with Workbook.open(links / "a.auditwb", actor) as first:
        second = Workbook.open(links / "b.auditwb", SAM, lock_wait=0)
        try:
            assert not first.read_only
            assert second.read_only
            assert "Dana Ops (dana@" in second.read_only_reason
        finally:
            second.close()
        assert (path.parent / (path.name + ".lock")).exists()
        assert sorted(p.name for p in links.iterdir()) == ["a.auditwb", "b.auditwb"]


def test_a_link_gets_no_write_access_while_another_process_holds_the_real_file(
    path: Path, tmp_path: Path, cli: Cli
) -> None:
    link = tmp_path / "elsewhere.auditwb"
    link.symlink_to(path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from pathlib import Path
                from workbook.model import Actor
                from workbook.services.workbook import Workbook
                wb = Workbook.open(Path({str(path)!r}), Actor("Holder Person", "holder"))
                print("open", wb.read_only, flush=True)
                sys.stdin.readline()
                wb.close()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open False"
        result = cli(
            "set", str(link), "PBC-001", "--note", "via the link", env={"AUDIT_WORKBOOK_LOCK_WAIT": "0"}
        )
        assert result.code == 2
        assert "Holder Person (holder@" in result.err and "process" in result.err
    finally:
        holder.communicate("\n", timeout=30)
    with Workbook.open(path, SAM) as workbook:
        assert workbook.requests.get("PBC-001").notes == ""


def test_a_second_writer_waits_briefly_and_gets_the_lock_when_it_is_freed(path: Path, actor: Actor) -> None:
    first = Workbook.open(path, actor)
    threading.Timer(0.5, first.close).start()
    start = time.monotonic()

    with Workbook.open(path, SAM, lock_wait=10) as second:
        waited = time.monotonic() - start
        assert not second.read_only
        second.requests.set("PBC-001", FieldChange(notes="after waiting"))
    assert 0.4 < waited < 5


def test_a_second_writer_is_refused_after_the_wait_with_the_holders_name(path: Path, actor: Actor) -> None:
    told: list[str] = []
    with Workbook.open(path, actor):
        start = time.monotonic()
        db = database.open_database(
            path, SAM, lock_wait=0.5, on_lock_wait=lambda holder, wait: told.append(holder.describe())
        )
        waited = time.monotonic() - start
        try:
            assert db.read_only
            assert db.read_only_reason.startswith("in use by Dana Ops (dana@")
        finally:
            db.close()
    assert 0.4 < waited < 3
    assert len(told) == 1 and told[0].startswith("Dana Ops (dana@")


def test_the_command_line_says_on_stderr_that_it_waits(path: Path, actor: Actor, cli: Cli) -> None:
    with Workbook.open(path, actor):
        result = cli("set", str(path), "PBC-001", "--note", "x", env={"AUDIT_WORKBOOK_LOCK_WAIT": "1"})
    assert result.code == 2
    lines = result.err.splitlines()
    assert "waiting up to 1 s" in lines[0] and "Dana Ops" in lines[0]
    assert "read-only: in use by Dana Ops" in lines[1]
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("raw", "described"),
    [
        (b"", "someone unknown (the lock file does not say who)"),
        (b"\n{not json", "someone unknown (the lock file does not say who)"),
        (b'\n{"name": "", "login": null, "pid": 0}', "someone unknown (the lock file does not say who)"),
        (b'\n["a list"]', "someone unknown (the lock file does not say who)"),
        (b'\n{"name": "Dana", "pid": "12"}', "Dana"),
        (
            b'\n{"name": "Dana", "login": "dana", "host": "mac", "pid": 42, "since": "2026-01-02 10:00 UTC"}',
            "Dana (dana@mac, process 42, since 2026-01-02 10:00 UTC)",
        ),
    ],
)
def test_a_holder_is_named_with_real_values_or_plainly_unknown(raw: bytes, described: str) -> None:
    text = parse_holder(raw[1:] if raw.startswith(b"\n") else raw).describe()
    assert text == described
    assert "?" not in text and "process 0" not in text


def test_a_lock_file_left_empty_reads_as_an_unknown_holder(path: Path) -> None:
    assert LockHolder().describe() == "someone unknown (the lock file does not say who)"
    assert not LockHolder(pid=7).known


def test_a_workbook_switched_to_wal_is_switched_back_on_the_next_write_open(path: Path, actor: Actor) -> None:
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    con.close()

    with Workbook.open(path, actor) as workbook:
        workbook.requests.set("PBC-001", FieldChange(notes="written in rollback mode"))

    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        con.close()
    assert not Path(str(path) + "-wal").exists()
    assert path.read_bytes()[18:20] == b"\x01\x01"


def test_a_file_you_may_not_read_is_called_that_not_damaged(path: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("needs setpriv to run as another user")
        tmp_path.chmod(0o755)
        path.chmod(0o600)
        as_nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        result = subprocess.run(
            [*as_nobody, sys.executable, "-m", "workbook", "items", str(path)],
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parents[3],
            env={**os.environ, "HOME": str(tmp_path)},
            check=False,
        )
        if "No module named" in result.stderr or "Permission denied: '" in result.stderr:
            pytest.skip("the interpreter cannot run as another user here")
        code, err = result.returncode, result.stderr
    else:
        path.chmod(0)
        with pytest.raises(StorageError) as caught:
            inspect_workbook_file(path)
        code, err = 2, caught.value.one_line()
    assert code == 2
    assert "you may not read this file" in err
    assert "damaged" not in err and "backup" not in err


def test_a_new_workbook_on_a_full_disk_says_so_without_the_librarys_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(database, "_PRAGMAS", (*database._PRAGMAS, "PRAGMA max_page_count=4"))

    code = main(["new", str(tmp_path / "full.auditwb"), "--client", "Acme"])

    err = capsys.readouterr().err
    assert code == 2
    assert "could not create the workbook: the disk is full" in err
    assert "sqlalche" not in err and "http" not in err and "(sqlite3." not in err
    assert list(tmp_path.iterdir()) == []


def test_a_new_workbook_in_a_read_only_folder_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, actor: Actor
) -> None:
    def read_only_disk(src: object, dst: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(dst))

    monkeypatch.setattr(database.os, "replace", read_only_disk)

    with pytest.raises(StorageError) as caught:
        Workbook.create(tmp_path / "new.auditwb", actor, client="Acme")

    assert caught.value.message == "could not create the workbook: the folder is on a read-only disk"
    assert list(tmp_path.iterdir()) == []


def test_truncation_is_never_judged_while_another_process_writes(path: Path, tmp_path: Path) -> None:
    files = []
    for index in range(6):
        proof = tmp_path / f"big {index}.bin"
        proof.write_bytes(os.urandom(40 * 1024 * 1024))
        files.append(str(proof))
    writer = subprocess.Popen(
        [sys.executable, "-m", "workbook", "attach", str(path), "PBC-002", *files],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    while writer.poll() is None:
        try:
            inspect_workbook_file(path)
        except (UserError, StorageError) as error:
            seen.append(error.message)
    assert writer.wait() == 0, writer.stderr.read() if writer.stderr else ""
    assert not [m for m in seen if "truncated" in m or "damaged" in m]
