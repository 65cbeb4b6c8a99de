"""Automatic backups beside the workbook: one before every re-import, one a day while it is used, rotated.

They go to `NAME.backups/` beside `NAME.auditwb` (owner-only), through SQLite's online backup API like
`audit-workbook backup`, and are named `NAME-YYYYMMDD-HHMMSS-KIND.auditwb` (KIND: `daily`, `before-import`).
Only this app's own files in that folder are ever removed, oldest first, beyond the count kept.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from workbook.atomic import owner_only_folder
from workbook.errors import WorkbookError
from workbook.storage import safety
from workbook.storage.database import Database, new_file_failed
from workbook.storage.fileformat import SUFFIX, check_workbook_file

# The drivers' errors (sqlite3's and sqlcipher3's) beside others, for `except`.
_COPY_ERRORS: tuple[type[Exception], ...] = (OSError, *safety.Error)

DAILY = "daily"
BEFORE_IMPORT = "before-import"
KINDS = (DAILY, BEFORE_IMPORT)
DEFAULT_DAILY_KEPT = 7
BEFORE_IMPORT_KEPT = 5
_NAME = re.compile(r"^(?P<stem>.+)-(?P<when>\d{8}-\d{6})-(?P<kind>daily|before-import)\.auditwb$")
_PART = re.compile(r"^(?P<stem>.+)-\d{8}-\d{6}-(?:daily|before-import)\.auditwb\.part(?:-journal)?$")
# Backups this process is writing now: a sweep never removes their `.part` (only this process writes a
# workbook's backups: the other processes have it read-only and take none).
_WRITING: set[Path] = set()
_WRITING_LOCK = threading.Lock()


@dataclass(frozen=True)
class Backup:
    path: Path
    kind: str
    taken: dt.datetime


def folder_for(workbook_path: Path) -> Path:
    return workbook_path.with_name(workbook_path.stem + ".backups")


def existing(workbook_path: Path) -> list[Backup]:
    """This workbook's automatic backups, newest first (files of other names in the folder are not ours)."""
    folder = folder_for(workbook_path)
    found: list[Backup] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for entry in entries:
        match = _NAME.match(entry.name)
        if match is None or match["stem"] != workbook_path.stem or not entry.is_file() or entry.is_symlink():
            continue
        taken = dt.datetime.strptime(match["when"], "%Y%m%d-%H%M%S")
        found.append(Backup(entry, match["kind"], taken))
    return sorted(found, key=lambda b: b.taken, reverse=True)


def take(db: Database, workbook_path: Path, kind: str, *, now: dt.datetime | None = None) -> Path:
    """A backup of the open database into the workbook's backup folder; a failure raises in words."""
    if kind not in KINDS:
        raise ValueError(kind)
    folder = folder_for(workbook_path)
    now = now or dt.datetime.now()
    dest = folder / f"{workbook_path.stem}-{now:%Y%m%d-%H%M%S}-{kind}{SUFFIX}"
    while dest.exists():  # two in one second: the later one is named a second on, never over the first
        now += dt.timedelta(seconds=1)
        dest = folder / f"{workbook_path.stem}-{now:%Y%m%d-%H%M%S}-{kind}{SUFFIX}"
    tmp = dest.with_name(dest.name + ".part")
    with _WRITING_LOCK:
        _WRITING.add(tmp)
    try:
        made = not folder.exists()
        folder.mkdir(mode=0o700, exist_ok=True)
        if made or os.name != "nt":
            owner_only_folder(folder)
        sweep_parts(workbook_path)
        return db.copy_to(dest, check_workbook_file)
    except _COPY_ERRORS as error:
        raise new_file_failed(error, dest, "could not write the automatic backup") from error
    finally:
        with _WRITING_LOCK:
            _WRITING.discard(tmp)


def sweep_parts(workbook_path: Path) -> list[Path]:
    """Remove what backups killed mid-write left (`….auditwb.part` and its journal); the removed paths."""
    removed = []
    try:
        entries = list(folder_for(workbook_path).iterdir())
    except OSError:
        return []
    with _WRITING_LOCK:
        writing = {p.name for p in _WRITING} | {p.name + "-journal" for p in _WRITING}
    for entry in entries:
        match = _PART.match(entry.name)
        if (
            match is None
            or match["stem"] != workbook_path.stem
            or entry.name in writing
            or entry.is_symlink()
        ):
            continue
        try:
            entry.unlink()
            removed.append(entry)
        except OSError:
            continue
    return removed


def prune(workbook_path: Path, kind: str, keep: int) -> list[Path]:
    """Remove this kind's backups beyond the `keep` newest; the removed paths."""
    removed = []
    for backup in [b for b in existing(workbook_path) if b.kind == kind][max(0, keep) :]:
        try:
            backup.path.unlink()
            removed.append(backup.path)
        except OSError:
            continue
    return removed


def daily_if_due(db: Database, workbook_path: Path, keep: int = DEFAULT_DAILY_KEPT) -> Path | None:
    """Today's daily backup unless one exists; then only the `keep` newest daily backups stay."""
    today = dt.date.today()
    if keep <= 0:
        return None
    if any(b.kind == DAILY and b.taken.date() == today for b in existing(workbook_path)):
        return None
    path = take(db, workbook_path, DAILY)
    prune(workbook_path, DAILY, keep)
    return path


def before_import(db: Database, workbook_path: Path) -> Path:
    path = take(db, workbook_path, BEFORE_IMPORT)
    prune(workbook_path, BEFORE_IMPORT, BEFORE_IMPORT_KEPT)
    return path


def latest_good(workbook_path: Path) -> Path | None:
    """The newest automatic backup that is a whole workbook this version opens (None: there is none)."""
    for backup in existing(workbook_path):
        try:
            check_workbook_file(backup.path)
        except (WorkbookError, OSError):
            continue
        return backup.path
    return None
