"""The activity log as a CSV file: one row per log entry, with its plain words and its hash."""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

from workbook.activity_words import LogLine, entry_words
from workbook.atomic import atomic_output
from workbook.csv_text import safe_cell
from workbook.errors import StorageError
from workbook.jobs import CancelToken, Progress, no_progress
from workbook.model import ActivityEntry

HEADER = (
    "Entry",
    "When (UTC)",
    "Who",
    "Login",
    "Action",
    "What",
    "Target",
    "Field",
    "Before",
    "After",
    "Hash",
)


def when_utc(entry: ActivityEntry) -> str:
    """ISO 8601 in UTC, to the microsecond: the time exactly as the log stored (and hashed) it."""
    return entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def csv_row(entry: ActivityEntry) -> list[str]:
    """One entry's cells; every text cell is safe to open in a spreadsheet (`=…` is not run)."""
    cells = (
        str(entry.id),
        when_utc(entry),
        entry.actor,
        entry.login,
        entry.action,
        entry_words(entry),
        entry.target,
        entry.field,
        entry.before,
        entry.after,
        entry.hash,
    )
    return [safe_cell(cell) for cell in cells]


def write_csv(
    lines: Sequence[LogLine],
    path: Path,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> int:
    """Write the entries of `lines` to `path` (UTF-8 with a BOM, so Excel reads names right); rows written.

    Rows follow the lines' order, a line's own entries newest first: an attach shown as one line is two
    rows (the file stored, its link), as each entry keeps its own hash.

    Written beside `path` under a temporary name and renamed into place: a cancel or failure leaves no
    half file. Raises StorageError when the folder refuses.
    """
    cancel = cancel or CancelToken()
    path = Path(path)
    rows = 0
    try:
        with atomic_output(path) as (fd, _tmp), os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(HEADER)
            for done, item in enumerate(lines):
                if done % 1000 == 0:
                    cancel.raise_if_cancelled()
                    progress(done, len(lines))
                for entry in reversed(item.entries):
                    writer.writerow(csv_row(entry))
                    rows += 1
    except OSError as exc:
        raise StorageError(
            f"could not write the CSV: {exc.strerror or exc}",
            where=str(path),
            hint="choose another folder or file name",
        ) from exc
    progress(len(lines), len(lines))
    return rows
