"""The import wizard's steps, and the words more than one step says (rows accounted for, answer columns)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ui.dialogs.mapping_preview import FIELD_LABELS

if TYPE_CHECKING:
    from workbook.formats.checklist.reader import ChecklistAnalysis, Decision

CHECKLIST_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
PREVIEW_ROWS = 60
SHEET_PREVIEW_ROWS = 12
PAGE_FILE, PAGE_SHEET, PAGE_MAPPING, PAGE_PROBLEMS, PAGE_CHANGES, PAGE_SUMMARY = range(6)
DuplicatePolicy = Literal["merge", "suffix"]
# Our answers, in the order write-back fills them; a field with no column of its own gets one appended.
ANSWER_FIELDS = ("status", "owner", "due", "response", "evidence")
# Decisions about rows, answered on the problems step rather than on the grid.
ROW_DECISIONS = ("rows left out", "rows joined")


def column_width(field: str | None, hidden: bool) -> int:
    """Room by what a column holds: the request text most, hidden columns least."""
    if hidden:
        return 110
    return {"request": 320, "title": 240, "section": 200, "comment": 220, "response": 220}.get(
        field or "", 160
    )


def is_checklist(path: Path) -> bool:
    return path.suffix.lower() in CHECKLIST_SUFFIXES


def column_letter(number: int) -> str:
    """The spreadsheet's name of the 1-based column `number`: 1 → A, 27 → AA."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def rows_line(non_empty: int, imported: int, merged: int, left_out: int, *, where: str = "") -> str:
    """ "33 rows with content below the header: 30 imported, 0 merged, 3 left out"."""
    return (
        f"{plural(non_empty, 'row')} with content{where}: {imported} imported, {merged} merged, "
        f"{left_out} left out"
    )


def analysis_rows_line(analysis: ChecklistAnalysis) -> str:
    return rows_line(
        analysis.non_empty_rows,
        analysis.imported_rows,
        len(analysis.merged),
        len(analysis.skipped),
        where=" below the header",
    )


def answers_line(analysis: ChecklistAnalysis) -> str:
    """Where write-back puts our answers: the columns confirmed for them, new columns for the rest."""
    placed = [(field, analysis.field_column(field)) for field in ANSWER_FIELDS]
    mapped = [f"{FIELD_LABELS[field]} → column {column.letter}" for field, column in placed if column]
    if not mapped:
        fields = "status, owner, due date, response, evidence"
        return f"Your answers ({fields}) get new columns at the end of the sheet."
    others = "; the others get new columns at the end of the sheet" if len(mapped) < len(placed) else ""
    return f"Your answers go to: {', '.join(mapped)}{others}."


def decision_words(decision: Decision, analysis: ChecklistAnalysis) -> str:
    """One doubtful decision as a person reads it: "Owner (column D): header 'Lead'; names in most rows"."""
    subject = decision.subject
    if subject in FIELD_LABELS:
        column = analysis.field_column(subject)
        name = FIELD_LABELS[subject] + (f" (column {column.letter})" if column else "")
    else:
        name = subject[:1].upper() + subject[1:]
    return f"{name}: {decision.reason}"
