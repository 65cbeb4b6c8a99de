"""Legacy .xls through xlrd, with merged cells, hidden rows/columns and number formats."""

from __future__ import annotations

import struct
from typing import Any

from workbook.errors import UserError
from workbook.formats.sheets.cells import CellValue, general, render_number
from workbook.formats.sheets.grid import (
    CellRange,
    SheetEntry,
    SheetGrid,
    _check_text,
    _ClosedOnExit,
    _damaged,
    _GridBuilder,
    _too_many_cells,
)
from workbook.formats.sheets.preflight import (
    MAX_CELLS,
    FileFacts,
    place,
)

# BIFF records holding one cell (NUMBER, RK, LABELSST, LABEL, FORMULA, BOOLERR, BLANK, RSTRING) and the
# two holding a run of them (MULRK: 6 bytes a cell, MULBLANK: 2), counted before xlrd builds the sheet.
_ONE_CELL = frozenset({0x0203, 0x027E, 0x00FD, 0x0204, 0x0006, 0x0205, 0x0201, 0x00D6})
_MULRK, _MULBLANK, _EOF = 0x00BD, 0x00BE, 0x000A


def _xlrd_errors() -> tuple[type[BaseException], ...]:
    """What xlrd raises for malformed files: its own errors and plain ones from malformed records."""
    import xlrd
    from xlrd.compdoc import CompDocError
    from xlrd.formula import FormulaError

    return (
        xlrd.XLRDError,
        CompDocError,
        FormulaError,
        AssertionError,
        LookupError,
        ValueError,
        struct.error,
        EOFError,
        OverflowError,
        RecursionError,
        TypeError,
    )


def count_cells(book: Any, index: int, limit: int) -> int:
    """The cells a sheet's BIFF records hold, counting no further than `limit` + 1 (xlrd's internals).

    A walk over record headers: a 17 MB .xls of 2.6 million numbers took xlrd 7 s to build and our loop 20 s
    more to read; counting its records takes well under a second.
    """
    mem = book.mem
    pos = book._sh_abs_posn[index]
    end = len(mem)
    count = 0
    while pos + 4 <= end and count <= limit:
        code, length = struct.unpack_from("<HH", mem, pos)
        pos += 4 + length
        if code in _ONE_CELL:
            count += 1
        elif code == _MULRK:
            count += max(0, length - 6) // 6
        elif code == _MULBLANK:
            count += max(0, length - 6) // 2
        elif code == _EOF:
            break
    return count


class XlsSource(_ClosedOnExit):
    """Legacy .xls through xlrd, with merged cells, hidden rows/columns and number formats."""

    def __init__(self, facts: FileFacts) -> None:
        import xlrd

        self.facts = facts
        try:
            try:
                self._book: Any = xlrd.open_workbook(str(facts.path), formatting_info=True, on_demand=True)
            except NotImplementedError:
                self._book = xlrd.open_workbook(str(facts.path), on_demand=True)
        except _xlrd_errors() as exc:
            if isinstance(exc, xlrd.XLRDError) and "encrypt" in str(exc).lower():
                raise UserError(
                    "The workbook is password-protected (encrypted), so it cannot be read.",
                    where=place(facts.name),
                    hint="Open it in Excel with the password and save a copy as .xlsx without a password.",
                ) from exc
            raise _damaged(facts, str(exc) or type(exc).__name__) from exc
        if not self._book.nsheets:
            raise UserError(
                "The workbook has no sheets.",
                where=place(facts.name),
                hint="Open it in Excel and save it again, or ask the auditor to send it again.",
            )

    def close(self) -> None:
        self._book.release_resources()

    def sheets(self) -> tuple[SheetEntry, ...]:
        # Visibility comes from the workbook's sheet list (xlrd's internals): no sheet is built for it.
        hidden = list(getattr(self._book, "_sheet_visibility", ()))
        return tuple(
            SheetEntry(name, index, index < len(hidden) and hidden[index] != 0)
            for index, name in enumerate(self._book.sheet_names())
        )

    def _too_big(self, index: int, sheet: str) -> bool:
        book = self._book
        try:
            return not book.sheet_loaded(index) and count_cells(book, index, MAX_CELLS) > MAX_CELLS
        except (LookupError, struct.error) as exc:
            raise _damaged(self.facts, str(exc) or type(exc).__name__, sheet) from exc

    def read(self, sheet: str, max_rows: int | None = None) -> SheetGrid:
        import xlrd

        facts = self.facts
        names = self._book.sheet_names()
        if sheet not in names:
            raise UserError(f"There is no sheet named {sheet!r}.", where=place(facts.name))
        index = names.index(sheet)
        if self._too_big(index, sheet):
            if max_rows is None:
                raise _too_many_cells(facts, sheet, None)
            # xlrd cannot read part of a sheet: a sample of one too big to import is empty.
            return SheetGrid(name=sheet, rows=(), complete=False)
        try:
            sh = self._book.sheet_by_index(index)
        except _xlrd_errors() as exc:
            raise _damaged(facts, str(exc) or type(exc).__name__, sheet) from exc
        builder = _GridBuilder(facts, sheet)
        book = self._book
        nrows = sh.nrows if max_rows is None else min(sh.nrows, max_rows)
        for r in range(nrows):
            cells: list[CellValue] = []
            for c in range(sh.ncols):
                cell = sh.cell(r, c)
                ctype = cell.ctype
                value: CellValue = None
                if ctype == xlrd.XL_CELL_TEXT:
                    value = cell.value
                elif ctype == xlrd.XL_CELL_NUMBER:
                    fmt = None
                    if book.formatting_info:
                        xf = book.xf_list[sh.cell_xf_index(r, c)]
                        fmt_obj = book.format_map.get(xf.format_key)
                        fmt = fmt_obj.format_str if fmt_obj is not None else None
                    value = render_number(cell.value, fmt) if fmt else general(cell.value)
                elif ctype == xlrd.XL_CELL_DATE:
                    try:
                        value = xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
                    except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                        value = general(cell.value)
                elif ctype == xlrd.XL_CELL_BOOLEAN:
                    value = "TRUE" if cell.value else "FALSE"
                elif ctype == xlrd.XL_CELL_ERROR:
                    value = xlrd.error_text_from_code.get(cell.value, "#ERR")
                if isinstance(value, str):
                    _check_text(facts, sheet, r + 1, c + 1, value)
                cells.append(value)
            builder.add(r + 1, cells)
        merged = tuple(CellRange(rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in sh.merged_cells)
        hidden_cols = frozenset(c + 1 for c, info in sh.colinfo_map.items() if info.hidden)
        hidden_rows = frozenset(r + 1 for r, info in sh.rowinfo_map.items() if info.hidden)
        return SheetGrid(
            name=sheet,
            rows=tuple(builder.rows),
            hidden_rows=hidden_rows,
            hidden_columns=hidden_cols,
            merged=merged,
            claimed_rows=sh.nrows,
            claimed_columns=sh.ncols,
            complete=max_rows is None or sh.nrows <= max_rows,
        )
