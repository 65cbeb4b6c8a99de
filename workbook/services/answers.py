"""Which answers go back into the auditor's checklist: only those that differ from what the file said."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from workbook.formats.checklist.status_words import map_status_word
from workbook.formats.package.inputs import (
    ANSWER_FIELDS,
    AnswerColumn,
    AnswerValue,
    SheetAnswers,
    WritebackAnswer,
    WritebackInput,
)
from workbook.formats.sheets.cells import read_date
from workbook.model import Request, Status
from workbook.services.importing import OriginalChecklist

# A due date is the auditor's: written into their column when they have one, never appended.
_NEVER_APPENDED = frozenset({"due"})
_SUFFIXES = {".xlsx": "xlsx", ".xlsm": "xlsm", ".xls": "xls", ".csv": "csv", ".tsv": "tsv", ".txt": "csv"}


def checklist_kind(original: OriginalChecklist) -> str:
    if original.kind:
        return original.kind
    if original.data[:4] == b"PK\x03\x04":
        return "xlsm" if original.file_name.lower().endswith(".xlsm") else "xlsx"
    if original.data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    return _SUFFIXES.get(Path(original.file_name).suffix.lower(), "csv")


def answered_name(file_name: str, kind: str) -> str:
    """`PBC list.xlsm` → `PBC list (answered).xlsm`; xls and csv come back as .xlsx."""
    stem = Path(file_name).stem or "checklist"
    return f"{stem} (answered).{'xlsm' if kind == 'xlsm' else 'xlsx'}"


def _layouts(original: OriginalChecklist) -> list[dict[str, Any]]:
    """Per sheet: header row, answer columns (1-based) and dropdowns, as confirmed at import.

    Imports made before answer columns were confirmed stored only the mapping: its status and owner
    columns are found among the stored headers, and nothing else is assumed.
    """
    if original.layouts:
        return list(original.layouts)
    columns: dict[str, int] = {}
    for field in ("status", "owner"):
        header = original.mapping.get(field)
        if header and header in original.headers:
            columns[field] = original.headers.index(header) + 1
    return [{"sheet": original.sheet, "header_row": original.header_row, "answer_columns": columns}]


def _sheet_answers(layout: Mapping[str, Any], headers: Sequence[str]) -> SheetAnswers:
    columns_of = layout.get("answer_columns") or {}
    dropdowns = layout.get("dropdowns") or {}
    columns = []
    for field, default in ANSWER_FIELDS:
        column = columns_of.get(field)
        if isinstance(column, int) and column >= 1:
            header = headers[column - 1] if column - 1 < len(headers) and headers[column - 1] else default
            allowed = tuple(str(v) for v in dropdowns[field]) if field in dropdowns else None
            columns.append(AnswerColumn(field, column, header, allowed))
        elif field not in _NEVER_APPENDED:
            columns.append(AnswerColumn(field, None, default))
    return SheetAnswers(str(layout.get("sheet") or ""), int(layout.get("header_row") or 1), tuple(columns))


def _status_at_import(text: str, vocabulary: Mapping[str, str]) -> Status:
    if not text.strip():
        return Status.OPEN
    if text.strip() in vocabulary:
        return Status(vocabulary[text.strip()])
    return map_status_word(text) or Status.OPEN


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _changed(
    request: Request,
    at_import: Mapping[str, str] | None,
    words: Mapping[Status, str],
    vocabulary: Mapping[str, str],
) -> tuple[tuple[str, AnswerValue], ...]:
    """The answers of one request that go into its row.

    Only what differs from what the row said at import (an answer column the file lacked said nothing), so
    rows nobody touched come back exactly as sent; imports made before this was recorded write every answer.
    """
    ours: dict[str, AnswerValue] = {
        "status": words.get(request.status, request.status.label),
        "owner": request.owner,
        "response": request.notes,
        "evidence": "\n".join(request.evidence_names),
    }
    if request.due is not None:
        ours["due"] = request.due
    values: list[tuple[str, AnswerValue]] = []
    for field, value in ours.items():
        if value in ("", None):
            continue  # an empty answer never blanks what the checklist said
        if at_import is not None:
            said = at_import.get(field, "")
            if field == "status" and request.status == _status_at_import(said, vocabulary):
                continue
            if field == "due" and isinstance(value, dt.date) and read_date(said).date == value:
                continue
            if isinstance(value, str) and field != "status" and _same_text(value, said):
                continue
        values.append((field, value))
    return tuple(values)


def writeback_input(
    original: OriginalChecklist, requests: Sequence[Request], words: Mapping[Status, str]
) -> WritebackInput:
    """What write-back needs: the original file, where answers go per sheet, and the answers that changed."""
    sheets = {s.sheet: s for s in (_sheet_answers(layout, original.headers) for layout in _layouts(original))}
    answers = []
    for request in requests:
        sheet = sheets.get(request.source_sheet or "")
        if request.source_row is None or sheet is None or request.archived:
            continue
        if request.source_row <= sheet.header_row:
            continue
        at_import = original.at_import.get((sheet.sheet, request.source_row)) if original.at_import else None
        values = _changed(request, at_import, words, original.vocabulary)
        if values:
            answers.append(WritebackAnswer(sheet.sheet, request.source_row, request.ref, values))
    return WritebackInput(
        original_bytes=original.data,
        file_name=original.file_name,
        kind=checklist_kind(original),
        sheets=tuple(sheets.values()),
        answers=tuple(answers),
    )
