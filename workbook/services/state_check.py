"""Verify's look at the workbook's state, beyond the log's own chain and the evidence bytes.

Three checks: SQLite's integrity check (and its foreign-key check); every stored value readable as what its
column holds; and every value the activity log vouches for equal to what replaying the log gives (replay.py)
— each difference named with the value stored, the value the log gives and the entry that gave it. What the
log does not say is listed as not covered, with the reason, never passed over in silence.
"""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import sqlite3
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from workbook.errors import WorkbookDamaged, WorkbookError
from workbook.formats import evidence_preview
from workbook.formats.png_check import png_problem
from workbook.model import Problem
from workbook.services.intake import media_type_for
from workbook.services.replay import Entry, Replay, entry_detail
from workbook.services.state_compare import Comparison, StateReport, Stored, contrast, shown
from workbook.storage import blobs, integrity, safety
from workbook.storage.integrity import StoredRow
from workbook.storage.schema import EvidenceRow

if TYPE_CHECKING:
    from workbook.formats.checklist.reader import ChecklistAnalysis

_TABLES = (
    "engagement",
    "meta",
    "people",
    "requests",
    "comments",
    "evidence",
    "links",
    "imports",
    "prior_evidence",
    "sample_plans",
    "samples",
    "sample_evidence",
)
_ENTRIES = "SELECT id, actor, action, target, field, before, after, detail FROM activity ORDER BY id"
_IMPORT_ENTRIES = (
    "SELECT id, actor, action, target, field, before, after, detail FROM activity"
    " WHERE action IN ('checklist.import', 'checklist.carry') ORDER BY id"
)

# The drivers' errors (sqlite3's and sqlcipher3's) beside others, for `except`.
_UNREADABLE: tuple[type[Exception], ...] = (*safety.DatabaseError, UnicodeDecodeError)
_POLICIES: tuple[Any, ...] = (None, "merge", "suffix")


def _decode(value: object) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


# SQLite's own checks


def integrity_problems(path: Path) -> list[Problem]:
    """SQLite's integrity and foreign-key checks of the file, one problem per message."""
    try:
        messages = integrity.integrity_messages(path)
    except _UNREADABLE as error:
        messages = [f"it could not finish ({error})"]
    return [Problem("damage", "database file", f"SQLite's integrity check: {m}") for m in messages]


# The checklists imports stored, read again


class _Checklists:
    """Each import's stored checklist read again with what its log entry names; every reading kept once."""

    def __init__(self) -> None:
        self.stored: list[StoredRow] = []

    def warm(self, path: Path) -> None:
        """Read the checklists outside the main read, so no write waits while they are parsed."""
        with integrity.reading(path) as con:
            self.stored = list(integrity.rows(con, "imports", with_bytes=("data",), order_by="id"))
            entries = list(_entries(con, _IMPORT_ENTRIES))
        for index, entry in enumerate(entries):
            if entry.action == "checklist.carry":
                continue  # carried from the previous period: the replay does not read it again
            candidates, _why = self(index, entry)
            next(iter(candidates), None)

    def __call__(self, index: int, entry: Entry) -> tuple[Iterable[ChecklistAnalysis], str]:
        if index >= len(self.stored):
            return (), "the workbook does not hold its copy"
        row = self.stored[index]
        data = row.values.get("data")
        if not isinstance(data, bytes):
            return (), "its stored copy cannot be read"
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry.text("sha256"):
            return (), "its stored copy is not the file the log recorded"
        return self._readings(digest, data, row, entry), "this version cannot read it"

    def _readings(
        self, digest: str, data: bytes, row: StoredRow, entry: Entry
    ) -> Iterator[ChecklistAnalysis]:
        detail = entry.detail or {}
        summary = row.values.get("summary")
        # What the entry names wins; older entries leave the sheets and rows brought back to the summary.
        summary = {**(summary if isinstance(summary, dict) else {}), **detail}
        sheets = summary.get("sheets")
        sheet: object = sheets if isinstance(sheets, list) and sheets else detail.get("sheet")
        include = summary.get("included_rows")
        arguments = {
            "sheet": sheet if isinstance(sheet, str | list) else None,
            "header_row": detail.get("header_row") if isinstance(detail.get("header_row"), int) else None,
            "mapping": detail.get("mapping") if isinstance(detail.get("mapping"), dict) else None,
            "include_rows": [n for n in include if isinstance(n, int)] if isinstance(include, list) else [],
        }
        name = str(row.values.get("file_name") or entry.text("file") or "checklist")
        suffix = Path(name).suffix if Path(name).suffix.isascii() else ""
        logged = detail.get("duplicates", "unknown")
        policies = (logged,) if logged in _POLICIES else _POLICIES
        for policy in policies:
            found = _read_checklist(digest, data, suffix, arguments, policy)
            if found is not None:
                yield found


# The last few readings, by the checklist's SHA-256 and how it was read: the app verifies each workbook it
# opens, and a stored checklist reads the same every time.
_READINGS: OrderedDict[str, ChecklistAnalysis | None] = OrderedDict()
_READINGS_KEPT = 4
_READINGS_LOCK = threading.Lock()


def _read_checklist(
    digest: str, data: bytes, suffix: str, arguments: dict[str, Any], policy: object
) -> ChecklistAnalysis | None:
    key = json.dumps([digest, arguments, policy, suffix], sort_keys=True, default=str)
    with _READINGS_LOCK:
        if key in _READINGS:
            _READINGS.move_to_end(key)
            return _READINGS[key]
    found = _reading(data, suffix, arguments, policy)
    with _READINGS_LOCK:
        _READINGS[key] = found
        while len(_READINGS) > _READINGS_KEPT:
            _READINGS.popitem(last=False)
    return found


def _reading(data: bytes, suffix: str, arguments: dict[str, Any], policy: object) -> ChecklistAnalysis | None:
    from workbook.formats.checklist.reader import analyse_sheet

    with tempfile.TemporaryDirectory(prefix="awb-verify-") as folder:
        path = Path(folder) / f"checklist{suffix}"
        path.write_bytes(data)
        try:
            return analyse_sheet(path, duplicates=policy, **arguments)  # type: ignore[arg-type]
        except WorkbookError:
            return None
        except Exception:  # the reader's own failure on a stored file is "cannot read", never a crash
            return None


# Reading the file


def _entries(con: sqlite3.Connection, query: str = _ENTRIES) -> Iterator[Entry]:
    for row in con.execute(query):
        if not isinstance(row[0], int):
            continue
        actor, action, target, name, before, after, detail = (_decode(value) for value in row[1:])
        yield Entry(row[0], actor, action, target, name, before, after, entry_detail(detail))


def _read_stored(con: sqlite3.Connection, report: StateReport) -> Stored:
    stored = Stored()
    for table in _TABLES:
        try:
            stored.tables[table] = list(
                integrity.rows(
                    con,
                    table,
                    with_bytes=("data",) if table == "imports" else (),
                    leave_out=("text_content",) if table == "evidence" else (),
                    order_by="id" if table == "imports" else "rowid",
                )
            )
        except _UNREADABLE as error:
            stored.unreadable.add(table)
            report.problems.append(
                Problem("damage", f"table {table}", f"the table {table} cannot be read whole ({error})")
            )
            continue
        for row in stored.tables[table]:
            for column, problem in row.odd:
                report.problems.append(
                    Problem(
                        "damage",
                        f"table {table}, row {row.label}",
                        f"column {column} holds an odd value: {problem}",
                    )
                )
    return stored


def check_state(path: Path, *, freshness_days: int) -> StateReport:
    """Replay the log and compare what it gives with what the file holds (see the module's docstring)."""
    report = StateReport()
    checklists = _Checklists()
    try:
        checklists.warm(path)
        with integrity.reading(path) as con:
            stored = _read_stored(con, report)
            checklists.stored = stored.get("imports")
            replay = Replay(checklists, freshness_days=freshness_days)
            for entry in _entries(con):
                replay.feed(entry)
    except _UNREADABLE as error:
        report.problems.append(
            Problem(
                "damage",
                "database file",
                f"the workbook could not be read whole ({error}): its state was not compared with the log",
            )
        )
        return report
    Comparison(stored, replay, report).run()
    return report


# One evidence file's cached previews, checked beside its bytes (in verify's per-file read)

# The built-in table of media types by name (a system's own table may say more, or otherwise).
_BUILT_IN_TYPES = mimetypes.MimeTypes(filenames=())


def _media_types(name: str, head: bytes) -> set[str]:
    """What the app may have called a file with this name and first bytes (its own guess, on any system)."""
    return {
        media_type_for(name, head),
        _BUILT_IN_TYPES.guess_type(name)[0] or "application/octet-stream",
        "application/octet-stream",
    }


def _one_spot(stored: str, derived: str) -> bool:
    """Whether two texts differ as one changed byte makes them: same length, at most two characters apart."""
    return len(stored) == len(derived) and sum(a != b for a, b in zip(stored, derived, strict=True)) <= 2


def evidence_problems(session: Session, row: EvidenceRow, not_covered: list[str]) -> list[Problem]:
    """Its media type, thumbnail and search text against its stored bytes (all three derive from them)."""
    name = row.name
    where = name
    problems: list[Problem] = []
    with blobs.ChunkReader(session, row.id) as raw, io.BufferedReader(raw, 256 * 1024) as reader:
        head = reader.read(16)
        if row.media_type not in _media_types(name, head):
            problems.append(
                Problem(
                    "state",
                    where,
                    f"evidence {name!r} is marked {shown(row.media_type)}, which its name and first bytes "
                    f"never give ({media_type_for(name, head)!r})",
                )
            )
        thumbnail = row.thumbnail
        if thumbnail:
            broken = png_problem(bytes(thumbnail))
            if broken:
                problems.append(
                    Problem("damage", where, f"the thumbnail kept for evidence {name!r} is damaged: {broken}")
                )
        if thumbnail is None:
            derived = ""
        elif evidence_preview.is_text(row.media_type):
            derived = evidence_preview.plain_text(reader)
        elif evidence_preview.is_pdf(row.media_type):
            derived = evidence_preview.pdf_text(reader)
            if derived != row.text_content and not _one_spot(row.text_content, derived):
                not_covered.append(
                    f"the search text of {name!r}: this version's PDF reader extracts other text from it"
                )
                return problems
        else:
            derived = ""
    if row.text_content != derived:
        shown_stored, shown_derived = contrast(row.text_content, derived)
        problems.append(
            Problem(
                "state",
                where,
                f"the search text kept for {name!r} is {shown_stored}, its bytes give {shown_derived}",
            )
        )
    return problems


def damaged_evidence(error: WorkbookDamaged) -> list[Problem]:
    """An evidence row the model refuses: its previews named here (check_state names its other columns)."""
    if error.column not in ("thumbnail", "text_content"):
        return []
    return [Problem("damage", f"table evidence, row {error.row}", error.message)]
