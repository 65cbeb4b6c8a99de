"""Automatic backups: before each re-import, once a day, rotated; a damaged file names the latest good one."""

from __future__ import annotations

import datetime as dt
import shutil
import stat
from pathlib import Path

import pytest
from helpers.files import write_xlsx
from helpers.workbooks import create_acme

from workbook.errors import WorkbookError
from workbook.model import Actor
from workbook.services import backups
from workbook.services.workbook import Workbook

ROWS = [("Ref", "Request", "Owner"), ("PBC-1", "Access review", "Ann"), ("PBC-2", "Backups", "Bo")]


def checklist(tmp_path: Path, rows: list[tuple[str, str, str]], name: str = "pbc.xlsx") -> Path:
    return write_xlsx(tmp_path / name, {"PBC": rows})


def test_a_reimport_keeps_the_state_before_it_and_a_first_import_needs_none(
    tmp_path: Path, actor: Actor
) -> None:
    path = tmp_path / "acme.auditwb"
    with create_acme(path, actor) as workbook:
        workbook.imports().import_checklist(checklist(tmp_path, ROWS))
        assert backups.existing(path) == []
        changed = [*ROWS[:2], ("PBC-2", "Backups, restored quarterly", "Bo"), ("PBC-3", "New", "Cy")]
        workbook.imports().import_checklist(checklist(tmp_path, changed, "pbc-v2.xlsx"))
        assert len(workbook.requests.list()) == 3
    taken = backups.existing(path)
    assert [b.kind for b in taken] == ["before-import"]
    assert stat.S_IMODE(taken[0].path.parent.stat().st_mode) == 0o700
    with Workbook.open(taken[0].path, actor, read_only=True) as before:
        assert [r.ref for r in before.requests.list()] == ["PBC-1", "PBC-2"]


def test_daily_backups_are_taken_once_a_day_and_only_the_newest_are_kept(
    tmp_path: Path, actor: Actor
) -> None:
    path = tmp_path / "acme.auditwb"
    with create_acme(path, actor) as workbook:
        first = workbook.daily_backup(keep=3)
        assert first is not None and first.exists()
        assert workbook.daily_backup(keep=3) is None  # one a day
        folder = backups.folder_for(path)
        for days in range(1, 6):  # five older daily backups, as if taken on earlier days
            old = dt.datetime.now() - dt.timedelta(days=days)
            shutil.copy(first, folder / f"acme-{old:%Y%m%d-%H%M%S}-daily.auditwb")
        (folder / "notes.txt").write_text("not ours")
        backups.prune(path, backups.DAILY, 3)
    kept = backups.existing(path)
    assert len(kept) == 3 and kept[0].path == first
    assert (folder / "notes.txt").exists()


def test_two_backups_in_one_second_never_overwrite_each_other(tmp_path: Path, actor: Actor) -> None:
    path = tmp_path / "acme.auditwb"
    now = dt.datetime(2026, 3, 1, 9, 30, 0)
    with create_acme(path, actor) as workbook:
        one = backups.take(workbook.db, path, backups.BEFORE_IMPORT, now=now)
        two = backups.take(workbook.db, path, backups.BEFORE_IMPORT, now=now)
    assert one != two and one.exists() and two.exists()


def test_a_damaged_workbook_names_its_latest_good_backup_and_how_to_restore_it(
    tmp_path: Path, actor: Actor
) -> None:
    path = tmp_path / "acme.auditwb"
    with create_acme(path, actor) as workbook:
        good = workbook.daily_backup(keep=7)
    assert good is not None
    data = bytearray(path.read_bytes())
    data[:16] = b"not sqlite at al"
    path.write_bytes(bytes(data))
    with pytest.raises(WorkbookError) as caught:
        Workbook.open(path, actor)
    assert str(good) in caught.value.hint
    assert "audit-workbook restore" in caught.value.hint


def test_what_a_killed_backup_left_is_removed_by_the_next_one(tmp_path: Path, actor: Actor) -> None:
    # Found by the crash harness (import-io-15): an import killed while writing its backup left these.
    path = tmp_path / "acme.auditwb"
    folder = backups.folder_for(path)
    folder.mkdir()
    left = [
        folder / "acme-20260301-093000-before-import.auditwb.part",
        folder / "acme-20260301-093000-before-import.auditwb.part-journal",
    ]
    for stale in left:
        stale.write_bytes(b"half a copy")
    other = folder / "other-20260301-093000-daily.auditwb.part"  # another workbook's: not ours
    other.write_bytes(b"x")
    with create_acme(path, actor) as workbook:
        taken = backups.take(workbook.db, path, backups.BEFORE_IMPORT)
    assert taken.exists()
    assert not any(p.exists() for p in left)
    assert other.exists()
