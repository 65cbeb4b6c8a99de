"""Issue 13, the disk: a full disk is said at once and in words, and whatever the app writes is owner-only.

An attach the workbook's disk cannot hold is refused before a byte is stored; a failed backup leaves neither
its copy nor SQLite's `.part-journal`; workbooks, their lock and journal files, backups, restores, repairs,
exported packages and the demo folder are created 0600 (folders 0700) whatever the umask.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbook.cli import main
from workbook.errors import StorageError
from workbook.model import Actor, ExportOptions, FieldChange
from workbook.services.exporting import ExportService
from workbook.services.workbook import Workbook
from workbook.storage import database
from workbook.storage.fileformat import check_workbook_file

MB = 1024 * 1024
REPO = Path(__file__).resolve().parents[3]
posix_only = pytest.mark.skipif(os.name == "nt", reason="Windows keeps its ACLs; no chmod there")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextlib.contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


class FakeDisk:
    """Every disk reports `free` bytes free (sizes as they are); `asked` lists the folders looked at."""

    def __init__(self) -> None:
        self.free = 0
        self.asked: list[str] = []


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> FakeDisk:
    fake = FakeDisk()
    real = shutil.disk_usage

    def disk_usage(path: str | os.PathLike[str]) -> object:
        usage = real(path)
        fake.asked.append(str(path))
        return type(usage)(usage.total, usage.used, fake.free)

    monkeypatch.setattr(shutil, "disk_usage", disk_usage)
    return fake


def _no_bytes_written(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbook.storage import blobs

    def refuse(*_args: object, **_kwargs: object) -> str:
        raise AssertionError("the file's bytes were being stored")

    monkeypatch.setattr(blobs, "write_chunks", refuse)


# --- finding 3: an attach that will not fit ---


def test_an_attach_the_disk_cannot_hold_is_refused_at_once_with_the_sizes_and_changes_nothing(
    workbook: Workbook, tmp_path: Path, disk: FakeDisk, monkeypatch: pytest.MonkeyPatch
) -> None:
    proof = tmp_path / "big export.csv"
    proof.write_bytes(os.urandom(MB))
    disk.free = 2 * MB
    head = workbook.activity.head()
    _no_bytes_written(monkeypatch)

    with pytest.raises(StorageError) as caught:
        workbook.evidence.attach("PBC-001", [proof])

    line = caught.value.one_line()
    assert line.startswith("big export.csv: not enough free disk space to attach it: it is 1.0 MB, ")
    assert "needs about 18.0 MB free beside the workbook" in line and "and 2.0 MB is free" in line
    assert line.endswith("nothing was changed")
    assert f"the disk that holds {workbook.path.parent.resolve()}" in line
    assert disk.asked == [str(workbook.path.parent.resolve())]
    assert workbook.evidence.for_request("PBC-001") == [] and workbook.activity.head() == head


def test_a_file_that_fits_with_its_journal_is_attached(
    workbook: Workbook, tmp_path: Path, disk: FakeDisk
) -> None:
    from workbook.services.intake import space_needed

    proof = tmp_path / "fits.bin"
    proof.write_bytes(os.urandom(MB))
    disk.free = space_needed(MB)

    (result,) = workbook.evidence.attach("PBC-001", [proof])

    assert result.stored_new_bytes and space_needed(MB) == 2 * MB + 16 * MB


def test_a_folder_ingest_counts_the_files_already_taken_in_its_transaction(
    workbook: Workbook, tmp_path: Path, disk: FakeDisk
) -> None:
    from workbook.services.intake import space_needed

    first, second = tmp_path / "PBC-001 a.bin", tmp_path / "PBC-002 b.bin"
    first.write_bytes(os.urandom(MB))
    second.write_bytes(os.urandom(MB))
    disk.free = space_needed(MB) + MB  # room for either file alone, not for both

    with pytest.raises(StorageError, match=r"^PBC-002 b\.bin: not enough free disk space"):
        workbook.evidence.attach_many([(["PBC-001"], first), (["PBC-002"], second)])

    assert workbook.evidence.for_request("PBC-001") == []


def test_the_command_line_says_it_in_one_line(
    workbook: Workbook, tmp_path: Path, disk: FakeDisk, capsys: pytest.CaptureFixture[str]
) -> None:
    proof = tmp_path / "big.bin"
    proof.write_bytes(os.urandom(MB))
    disk.free = MB
    path = workbook.path
    workbook.close()

    code = main(["attach", str(path), "PBC-001", str(proof)])

    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "big.bin: not enough free disk space to attach it" in err and "1.0 MB is free" in err


# --- finding 3: a failed backup ---


def test_a_failed_backup_leaves_neither_its_copy_nor_the_journal_and_says_why_in_words(
    workbook: Workbook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = database.Database.backup_to

    def full_half_way(self: database.Database, dest: Path) -> None:
        """SQLite's own state when the disk fills mid-copy: a partial copy and its rollback journal."""
        real(self, dest)
        dest.with_name(dest.name + "-journal").write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + bytes(504))
        error = sqlite3.OperationalError("database or disk is full")
        error.sqlite_errorcode = 13  # SQLITE_FULL, as the driver sets it
        raise error

    monkeypatch.setattr(database.Database, "backup_to", full_half_way)
    backups = tmp_path / "backups"
    backups.mkdir()

    with pytest.raises(StorageError) as caught:
        workbook.backup(backups / "acme.auditwb")

    assert caught.value.message == "could not write the backup: the disk is full"
    assert "free some space" in caught.value.hint and "database or disk" not in caught.value.one_line()
    assert list(backups.iterdir()) == []


_KILLED_BACKUP = textwrap.dedent(
    """
    import os, signal, sqlite3, sys

    source = sqlite3.connect(sys.argv[1])
    copy = sqlite3.connect(sys.argv[2])

    def killed(status, remaining, total):
        if remaining < total // 2:
            os.kill(os.getpid(), signal.SIGKILL)

    source.backup(copy, pages=1, progress=killed)
    """
)


@posix_only
def test_a_backup_after_a_killed_one_clears_what_it_left(workbook: Workbook, tmp_path: Path) -> None:
    dest = tmp_path / "backups" / "acme.auditwb"
    dest.parent.mkdir()
    part, journal = dest.with_name(dest.name + ".part"), dest.with_name(dest.name + ".part-journal")
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_BACKUP, str(workbook.path), str(part)],
        check=False,
        capture_output=True,
    )
    assert killed.returncode == -signal.SIGKILL
    assert part.exists() and journal.exists()

    assert workbook.backup(dest) == dest

    check_workbook_file(dest)
    assert [p.name for p in dest.parent.iterdir()] == [dest.name]


# --- finding 4: owner-only files ---


@posix_only
def test_a_new_workbook_its_lock_file_and_its_journal_are_owner_only(tmp_path: Path, actor: Actor) -> None:
    path = tmp_path / "acme.auditwb"
    with _umask(0o022), Workbook.create(path, actor, client="Acme") as workbook:
        assert _mode(path) == 0o600
        assert _mode(path.with_name(path.name + ".lock")) == 0o600
        with workbook.db.write() as session:
            session.connection().exec_driver_sql("UPDATE engagement SET auditor = 'Example CPA LLP'")
            assert _mode(path.with_name(path.name + "-journal")) == 0o600


@posix_only
def test_backups_restores_repairs_and_the_demo_are_owner_only(tmp_path: Path, actor: Actor) -> None:
    from workbook.services.demo import build_demo

    with _umask(0o022):
        with Workbook.create(tmp_path / "acme.auditwb", actor, client="Acme") as workbook:
            backup = workbook.backup(tmp_path / "backup.auditwb")
        assert main(["restore", str(backup), str(tmp_path / "restored.auditwb")]) == 0
        repaired = Workbook.repair(backup, tmp_path / "repaired.auditwb", actor).path
        demo = build_demo(tmp_path / "new folder" / "demo", actor)

    assert [_mode(p) for p in (backup, tmp_path / "restored.auditwb", repaired, demo)] == [0o600] * 4
    assert _mode(demo.parent) == 0o700


@posix_only
def test_every_exported_file_is_owner_only_even_where_a_readable_one_was_replaced(
    tmp_path: Path, actor: Actor
) -> None:
    from workbook.services.importing import ImportService

    source = tmp_path / "pbc.csv"
    source.write_text("Ref,Request,Status\r\nPBC-1,Access review,Open\r\n", "utf-8")
    outputs = {kind: tmp_path / "out" / f"package.{kind}" for kind in ("pdf", "zip", "xlsx")}
    outputs["pdf"].parent.mkdir()
    outputs["pdf"].write_bytes(b"last week's package")
    outputs["pdf"].chmod(0o644)
    with _umask(0o022), Workbook.create(tmp_path / "w.auditwb", actor, client="Acme") as workbook:
        ImportService(workbook.db, actor, profiles_path=tmp_path / "p.json").import_checklist(source)
        workbook.requests.set("PBC-1", FieldChange(owner="Dana Ops"))
        ExportService(workbook).export(
            ExportOptions(pdf=outputs["pdf"], zip=outputs["zip"], xlsx=outputs["xlsx"])
        )
        answered_csv = tmp_path / "out" / "answered.csv"
        from workbook.formats.package.writeback import write_back

        checklist = ExportService(workbook).package_input(ExportOptions()).checklist
        assert checklist is not None
        write_back(checklist, answered_csv)

    assert {kind: _mode(path) for kind, path in outputs.items()} == dict.fromkeys(outputs, 0o600)
    assert _mode(answered_csv) == 0o600
    assert sorted(p.name for p in outputs["pdf"].parent.iterdir()) == [
        "answered.csv",
        "package.pdf",
        "package.xlsx",
        "package.zip",
    ]
