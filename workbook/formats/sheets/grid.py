"""A sheet as a grid of display values, and the source protocol every file kind's reader follows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol, Self

from workbook.errors import UserError
from workbook.formats.sheets.cells import CellValue
from workbook.formats.sheets.preflight import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    FileFacts,
    place,
)

# A run of this many empty rows after the last value is a ghost grid: stop reading rows there.
GHOST_GAP = 2_000


@dataclass(frozen=True)
class CellRange:
    """A rectangle of cells, 1-based and inclusive."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int


@dataclass(frozen=True)
class ListValidation:
    """A dropdown (data validation of type list) and the cells it applies to."""

    ranges: tuple[CellRange, ...]
    values: tuple[str, ...]


@dataclass(frozen=True)
class SheetGrid:
    """One sheet's cells as display values; `rows[0]` is sheet row 1, rows are ragged (no trailing blanks)."""

    name: str
    rows: tuple[tuple[CellValue, ...], ...]
    hidden_rows: frozenset[int] = frozenset()
    hidden_columns: frozenset[int] = frozenset()
    merged: tuple[CellRange, ...] = ()
    validations: tuple[ListValidation, ...] = ()
    claimed_rows: int = 0
    claimed_columns: int = 0
    ghost_rows_skipped: bool = False
    complete: bool = True
    # Rows whose every filled cell is shaded grey or set in italic or grey type: how sample rows look.
    shaded_rows: frozenset[int] = frozenset()
    # Rows whose every filled cell is bold: how section headings and header rows often look.
    bold_rows: frozenset[int] = frozenset()
    # Cells holding a formula, by 1-based row: {row: (col, ...)}; their value is the cached result.
    formula_cells: Mapping[int, tuple[int, ...]] = field(default_factory=dict)

    def formula_count(self, first_row: int = 1) -> int:
        """Cells holding a formula from `first_row` down."""
        return sum(len(cols) for row, cols in self.formula_cells.items() if row >= first_row)

    @property
    def width(self) -> int:
        return max((len(row) for row in self.rows), default=0)

    def value(self, row: int, col: int) -> CellValue:
        """The value at 1-based (row, col), None outside the grid."""
        if row < 1 or row > len(self.rows):
            return None
        cells = self.rows[row - 1]
        return cells[col - 1] if 0 < col <= len(cells) else None


@dataclass(frozen=True)
class SheetEntry:
    name: str
    index: int
    hidden: bool
    kind: str = "worksheet"


class ChecklistSource(Protocol):
    """An opened checklist file: list its sheets and read one into a grid."""

    facts: FileFacts

    def sheets(self) -> tuple[SheetEntry, ...]: ...

    def read(self, sheet: str, max_rows: int | None = None) -> SheetGrid: ...

    def close(self) -> None: ...

    def __enter__(self) -> ChecklistSource: ...

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class _ClosedOnExit:
    """The context-manager half every source shares: leaving the `with` block closes the file."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_source(facts: FileFacts) -> ChecklistSource:
    """Open a preflighted file with the reader for its kind."""
    if facts.kind in ("xlsx", "xlsm"):
        from workbook.formats.sheets.xlsx_source import XlsxSource

        return XlsxSource(facts)
    if facts.kind == "xls":
        from workbook.formats.sheets.xls_source import XlsSource

        return XlsSource(facts)
    from workbook.formats.sheets.text_source import TextSource

    return TextSource(facts)


def _damaged(facts: FileFacts, detail: str, sheet: str | None = None) -> UserError:
    return UserError(
        f"The file is damaged or not a valid workbook ({detail}).",
        where=place(facts.name, sheet),
        hint="Open it in Excel and save it again, or ask the auditor to send it again.",
    )


def _unsafe(facts: FileFacts, sheet: str | None) -> UserError:
    return UserError(
        "The workbook contains unsafe XML (entity or DTD declarations), so it was not read.",
        where=place(facts.name, sheet),
        hint="Open it in Excel and save it again, then import the new copy.",
    )


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _check_text(facts: FileFacts, sheet: str, row: int, col: int, text: str) -> None:
    if len(text) > MAX_CELL_CHARS:
        raise UserError(
            f"A cell holds {len(text):,} characters; Excel cells hold at most {MAX_CELL_CHARS:,}.",
            where=place(facts.name, sheet, row, col),
            hint="Shorten that cell in a copy of the file and import the copy.",
        )


def _too_wide(facts: FileFacts, sheet: str, row: int | None, col: int) -> UserError:
    return UserError(
        f"The sheet is {col:,} columns wide; Excel sheets hold at most {MAX_COLUMNS:,} columns.",
        where=place(facts.name, sheet, row),
        hint="The file was not written by Excel; open it in Excel, save it again and import that copy.",
    )


def _too_long(facts: FileFacts, sheet: str, row: int) -> UserError:
    return UserError(
        f"The sheet has more than {MAX_ROWS:,} rows with data; a checklist should be far shorter.",
        where=place(facts.name, sheet, row),
        hint="Delete rows that are not requests from a copy of the file and import the copy.",
    )


def _too_many_cells(facts: FileFacts, sheet: str, row: int | None) -> UserError:
    return UserError(
        f"The sheet holds more than {MAX_CELLS:,} cells; a checklist is far smaller, so it was not read.",
        where=place(facts.name, sheet, row),
        hint="Delete the rows and columns that are not requests from a copy of the file and import the copy.",
    )


class _GridBuilder:
    """Collect rows into a ragged grid, dropping trailing blanks and enforcing the caps."""

    def __init__(self, facts: FileFacts, sheet: str) -> None:
        self.facts = facts
        self.sheet = sheet
        self.rows: list[tuple[CellValue, ...]] = []
        self.last_filled = 0
        self.cells = 0

    def add(self, row: int, cells: list[CellValue]) -> None:
        while cells and (cells[-1] is None or cells[-1] == ""):
            cells.pop()
        if not cells:
            return
        if len(cells) > MAX_COLUMNS:
            raise _too_wide(self.facts, self.sheet, row, len(cells))
        if row > MAX_ROWS:
            raise _too_long(self.facts, self.sheet, row)
        self.cells += len(cells)
        if self.cells > MAX_CELLS:
            raise _too_many_cells(self.facts, self.sheet, row)
        if row > len(self.rows) + 1:
            self.rows.extend(() for _ in range(row - len(self.rows) - 1))
        if row <= len(self.rows):
            self.rows[row - 1] = tuple(cells)
        else:
            self.rows.append(tuple(cells))
        self.last_filled = max(self.last_filled, row)


def cell_date(value: CellValue) -> dt.date | None:
    """The date part of a datetime/date cell; None for anything else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None
