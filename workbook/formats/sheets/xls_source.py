"""Legacy .xls through xlrd, with merged cells, hidden rows/columns and number formats."""

from __future__ import annotations

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
)
from workbook.formats.sheets.preflight import (
    FileFacts,
    place,
)


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
        except xlrd.XLRDError as exc:
            if "encrypt" in str(exc).lower():
                raise UserError(
                    "The workbook is password-protected (encrypted), so it cannot be read.",
                    where=place(facts.name),
                    hint="Open it in Excel with the password and save a copy as .xlsx without a password.",
                ) from exc
            raise _damaged(facts, str(exc)) from exc
        # xlrd reports malformed BIFF records with these plain exceptions.
        except (AssertionError, IndexError, KeyError, ValueError, struct_error(), EOFError) as exc:
            raise _damaged(facts, str(exc) or type(exc).__name__) from exc

    def close(self) -> None:
        self._book.release_resources()

    def sheets(self) -> tuple[SheetEntry, ...]:
        return tuple(
            SheetEntry(name, index, self._book.sheet_by_index(index).visibility != 0)
            for index, name in enumerate(self._book.sheet_names())
        )

    def read(self, sheet: str, max_rows: int | None = None) -> SheetGrid:
        import xlrd

        facts = self.facts
        try:
            sh = self._book.sheet_by_name(sheet)
        except xlrd.XLRDError as exc:
            raise UserError(f"There is no sheet named {sheet!r}.", where=place(facts.name)) from exc
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


def struct_error() -> type[Exception]:
    import struct

    return struct.error
