"""Where each answer goes on its sheet: its own column, an appended one, or a redirect column, and why."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from workbook.errors import UserError
from workbook.formats.package.inputs import (
    ANSWER_FIELDS,
    AnswerColumn,
    AnswerValue,
    Redirect,
    SheetAnswers,
    WritebackAnswer,
    WritebackInput,
)
from workbook.formats.sheets.grid import CellRange
from workbook.formats.sheets.preflight import MAX_CELL_CHARS, MAX_COLUMNS, column_letter, place

REDIRECT_SUFFIX = " (Audit Workbook)"
# Everything XML 1.0 forbids: C0 controls but tab/LF/CR, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_EXCEL_MAX_ROW = 1_048_576
_DEFAULT_HEADERS = dict(ANSWER_FIELDS)


def clean_text(value: str) -> str:
    """Text every spreadsheet keeps: no characters XML forbids, at most Excel's 32,767 per cell."""
    text = _NOT_XML.sub("", value)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


def value_text(value: AnswerValue) -> str:
    return value.isoformat() if isinstance(value, dt.date) else clean_text(value)


@dataclass(frozen=True)
class SheetShape:
    """What planning must know of a sheet: its last used column, merged ranges and formula cells."""

    last_column: int
    merged: tuple[CellRange, ...] = ()
    holds_formula: Callable[[int, int], bool] = lambda row, col: False


@dataclass(frozen=True)
class PlannedCell:
    row: int
    col: int
    value: AnswerValue
    appended: bool  # in a column write-back added (styled like the sheet's last column)
    header: bool = False


@dataclass(frozen=True)
class SheetPlan:
    sheet: str
    cells: tuple[PlannedCell, ...]
    appended: tuple[tuple[str, str, str, str], ...]  # (sheet, field, column letter, header)
    appended_columns: tuple[int, ...]
    redirects: tuple[Redirect, ...]
    written: int


def group_answers(
    data: WritebackInput, sheet_names: Sequence[str], resolve: Callable[[str], str | None] | None = None
) -> dict[str, tuple[SheetAnswers, list[WritebackAnswer]]]:
    """Answers by the file's own sheet name, once each sheet is found and each row is below its header.

    `resolve` maps a name the file lacks onto one it has (a CSV's single sheet); None means there is none.
    """

    def file_sheet(name: str) -> str:
        found = name if name in sheet_names else (resolve(name) if resolve else None)
        if found is None:
            raise UserError(
                f"The checklist has no sheet named {name!r}, so the answers cannot be written back.",
                where=place(data.file_name),
                hint=f"Its sheets are: {', '.join(repr(n) for n in sheet_names)}. Import the checklist "
                "again so that the answers point at the right sheet.",
            )
        return found

    grouped: dict[str, tuple[SheetAnswers, list[WritebackAnswer]]] = {}
    specs: dict[str, SheetAnswers] = {}
    for spec in data.sheets:
        name = file_sheet(spec.sheet)
        if not 1 <= spec.header_row < _EXCEL_MAX_ROW:
            raise UserError(
                f"The header row {spec.header_row} is not a row of the sheet.",
                where=place(data.file_name, name),
                hint="Import the checklist again, then export.",
            )
        specs[spec.sheet] = spec
        grouped[name] = (spec, [])
    for answer in data.answers:
        spec_for = specs.get(answer.sheet)
        if spec_for is None:
            raise ValueError(f"answer {answer.ref!r} names sheet {answer.sheet!r}, which has no SheetAnswers")
        name = file_sheet(answer.sheet)
        if not spec_for.header_row < answer.row <= _EXCEL_MAX_ROW:
            raise UserError(
                f"The answer for {answer.ref!r} points at row {answer.row}, which is not below the header "
                f"row ({spec_for.header_row}); writing it would change the sheet's headings.",
                where=place(data.file_name, name, answer.row),
                hint="Import the checklist again so that the rows line up, then export.",
            )
        grouped[name][1].append(answer)
    return grouped


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split()).casefold()


def _quoted(text: str) -> str:
    one_line = " ".join(text.split())
    return "'" + (one_line if len(one_line) <= 60 else one_line[:59] + "…") + "'"


def is_blank(value: AnswerValue) -> bool:
    """An empty answer leaves the cell as the auditor left it."""
    return isinstance(value, str) and not clean_text(value).strip()


def needed_rows(spec: SheetAnswers, answers: Iterable[WritebackAnswer]) -> set[int]:
    return {spec.header_row, *(a.row for a in answers)}


def plan_sheet(
    sheet: str, spec: SheetAnswers, answers: Sequence[WritebackAnswer], shape: SheetShape, where: str
) -> SheetPlan:
    """Decide every cell write-back fills on one sheet; the caller turns the plan into bytes."""
    columns = {c.field: c for c in spec.columns}
    order = [c.field for c in spec.columns] + [f for f, _ in ANSWER_FIELDS if f not in columns]
    # (answer, field, value, column); column None means the field's appended column.
    writes: list[tuple[WritebackAnswer, str, AnswerValue, int | None]] = []
    redirects: list[tuple[WritebackAnswer, str, AnswerValue, str]] = []
    taken: dict[tuple[int, int], str] = {}
    for answer in answers:
        for fld, value in answer.values:
            if is_blank(value):
                continue
            column = columns.get(fld) or AnswerColumn(fld, None, _DEFAULT_HEADERS.get(fld, fld.title()))
            if fld not in columns:
                columns[fld] = column
                if fld not in order:
                    order.append(fld)
            if column.column is None:
                writes.append((answer, fld, value, None))
                continue
            target, reason, value = _in_place(answer.row, column, value, shape, taken)
            if reason is None:
                taken[target] = fld
                writes.append((answer, fld, value, target[1]))
            else:
                redirects.append((answer, fld, value, reason))
    next_col = shape.last_column + 1
    cells: list[PlannedCell] = []
    appended: list[tuple[str, str, str, str]] = []
    placed: dict[tuple[str, bool], int] = {}
    used_appended = {fld for _, fld, _, col in writes if col is None}
    used_redirect = {fld for _, fld, _, _ in redirects}
    for redirect in (False, True):
        for fld in order:
            if fld not in (used_redirect if redirect else used_appended):
                continue
            base = columns[fld].header or _DEFAULT_HEADERS.get(fld, fld.title())
            header = base + REDIRECT_SUFFIX if redirect else base
            if next_col > MAX_COLUMNS:
                raise UserError(
                    "The sheet has no free column left for the answers (Excel stops at column XFD).",
                    where=where,
                    hint="Delete unused columns at the sheet's right in Excel, import it again, then export.",
                )
            placed[(fld, redirect)] = next_col
            heading = PlannedCell(spec.header_row, next_col, clean_text(header), appended=True, header=True)
            cells.append(heading)
            appended.append((sheet, fld, column_letter(next_col), header))
            next_col += 1
    for answer, fld, value, col in writes:
        is_appended = col is None
        cells.append(PlannedCell(answer.row, col or placed[(fld, False)], value, appended=is_appended))
    found: list[Redirect] = []
    for answer, fld, value, reason in redirects:
        col = placed[(fld, True)]
        cells.append(PlannedCell(answer.row, col, value, appended=True))
        found.append(Redirect(sheet, answer.row, answer.ref, fld, reason, column_letter(col)))
    return SheetPlan(
        sheet=sheet,
        cells=tuple(cells),
        appended=tuple(appended),
        appended_columns=tuple(sorted(placed.values())),
        redirects=tuple(found),
        written=len(writes) + len(redirects),
    )


def _in_place(
    row: int, column: AnswerColumn, value: AnswerValue, shape: SheetShape, taken: dict[tuple[int, int], str]
) -> tuple[tuple[int, int], str | None, AnswerValue]:
    """The cell an answer goes into and the value it takes, or the reason it must go elsewhere."""
    assert column.column is not None
    target = (row, column.column)
    if column.column < 1 or column.column > MAX_COLUMNS:
        return target, f"column {column.column} is outside the sheet", value
    if column.allowed is not None:
        text = value_text(value)
        offered = {_norm(a): a for a in reversed(column.allowed)}
        if _norm(text) not in offered:
            return target, f"the column's dropdown does not offer {_quoted(text)}", value
        # The dropdown's own spelling, so that the cell holds exactly one of its entries.
        value = offered[_norm(text)]
    for rng in shape.merged:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= column.column <= rng.max_col:
            if rng.min_row != rng.max_row:
                return target, "the cell is merged with rows above or below it", value
            target = (row, rng.min_col)
            break
    if shape.holds_formula(*target):
        return target, "the cell holds a formula", value
    if target in taken:
        return target, f"the cell already takes the {taken[target]} answer", value
    return target, None, value
