"""xlsx/xlsm: one streaming pass per sheet reads values as shown, merges, hidden rows, dropdowns."""

from __future__ import annotations

import re
import warnings
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.parsers import expat

from workbook.errors import UserError
from workbook.formats.sheets.cells import CellValue, clean_text
from workbook.formats.sheets.grid import (
    CellRange,
    ListValidation,
    SheetEntry,
    SheetGrid,
    _caused_by,
    _ClosedOnExit,
    _damaged,
    _too_many_cells,
    _unsafe,
)
from workbook.formats.sheets.preflight import (
    MAX_CELLS,
    MAX_SHARED_STRINGS,
    FileFacts,
    count_tags,
    ensure_defusedxml,
    place,
)
from workbook.formats.sheets.xlsx_parts import (
    MAX_STRETCH,
    ForbiddenMarkup,
    SharedStringsUnsafe,
    StretchTooLong,
    TooManySharedStrings,
    read_shared_strings,
)
from workbook.formats.sheets.xlsx_sheet import SheetReader, SheetStyles, parse_ranges

# A cell's value: `<v>` or an inline string's `<is>` (with any prefix).
_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:v|is)>")
# The fewest bytes a filled cell takes in sheet XML (`<c><v>1</v></c>`): smaller parts cannot be over budget.
_MIN_CELL_BYTES = 15
# A dropdown's source range is read when it spans at most this many rows; at most _LISTS distinct sources.
_LIST_ROWS = 5_000
_LISTS = 200
# What openpyxl raises for malformed workbook parts (lxml's XMLSyntaxError is a SyntaxError).
_MALFORMED = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    SyntaxError,
    LookupError,
    ValueError,
    TypeError,
    AttributeError,
    OverflowError,
    RecursionError,
    NotImplementedError,
    RuntimeError,
    expat.ExpatError,
)


class XlsxSource(_ClosedOnExit):
    """xlsx/xlsm via openpyxl's read-only loader; one streaming pass per sheet reads values and structure."""

    def __init__(self, facts: FileFacts) -> None:
        ensure_defusedxml()
        from defusedxml import DefusedXmlException

        self.facts = facts
        self._grids: dict[str, SheetGrid] = {}
        self._values: dict[str, int] = {}
        try:
            wb: Any = _load_workbook_lazily(facts.path)
        except (DefusedXmlException, SharedStringsUnsafe) as exc:
            raise _unsafe(facts, None) from exc
        except TooManySharedStrings as exc:
            raise UserError(
                f"The workbook holds more than {MAX_SHARED_STRINGS:,} distinct texts; a checklist holds far "
                "fewer, so it was not read.",
                where=place(facts.name),
                hint="Save a copy with only the checklist sheet and import that.",
            ) from exc
        except _MissingSheetPart as exc:
            raise _damaged(facts, f"the part {exc.part} of this sheet is missing", exc.sheet) from exc
        # openpyxl reports malformed workbook parts with these plain exceptions, some wrapping the cause.
        except _MALFORMED as exc:
            if _caused_by(exc, DefusedXmlException):
                raise _unsafe(facts, None) from exc
            raise _damaged(facts, _detail(exc)) from exc
        if not wb.worksheets and not wb.chartsheets:
            wb.close()
            raise UserError(
                "The workbook has no sheets.",
                where=place(facts.name),
                hint="Open it in Excel and save it again, or ask the auditor to send it again.",
            )
        self._wb: Any = wb
        self._styles: list[Any] = list(wb._cell_styles)
        self._formats: dict[int, str | None] = {}
        self._shaded: frozenset[int] | None = None
        self._bold: frozenset[str] | None = None
        self._cell_styles: SheetStyles | None = None
        self._list_sources: dict[str, SheetGrid] = {}

    def close(self) -> None:
        self._wb.close()

    def sheets(self) -> tuple[SheetEntry, ...]:
        entries = []
        for index, ws in enumerate(self._wb.worksheets):
            entries.append(SheetEntry(ws.title, index, getattr(ws, "sheet_state", "visible") != "visible"))
        for sheet in self._wb.chartsheets:
            entries.append(SheetEntry(sheet.title, len(entries), True, kind="chartsheet"))
        return tuple(entries)

    def _number_format(self, style_id: int) -> str | None:
        if style_id in self._formats:
            return self._formats[style_id]
        from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

        fmt: str | None = None
        if 0 <= style_id < len(self._styles):
            fmt_id = self._styles[style_id].numFmtId
            if fmt_id < BUILTIN_FORMATS_MAX_SIZE:
                fmt = BUILTIN_FORMATS.get(fmt_id, "General")
            else:
                custom = self._wb._number_formats
                index = fmt_id - BUILTIN_FORMATS_MAX_SIZE
                fmt = custom[index] if 0 <= index < len(custom) else None
        if fmt is not None and fmt.strip().lower() in ("general", "@", ""):
            fmt = None
        self._formats[style_id] = fmt
        return fmt

    def _shaded_styles(self) -> frozenset[str]:
        """The `s` attributes (as written in the XML) of styles with a grey fill, italic or grey type."""
        if self._shaded is None:
            fills: list[Any] = list(getattr(self._wb, "_fills", ()))
            fonts: list[Any] = list(getattr(self._wb, "_fonts", ()))
            ids: set[int] = set()
            for index, style in enumerate(self._styles):
                fill = fills[style.fillId] if 0 <= style.fillId < len(fills) else None
                font = fonts[style.fontId] if 0 <= style.fontId < len(fonts) else None
                grey_fill = fill is not None and getattr(fill, "patternType", None) == "solid"
                grey_fill = grey_fill and is_grey(getattr(fill, "fgColor", None))
                sample_font = font is not None and (bool(font.i) or is_grey(font.color))
                if grey_fill or sample_font:
                    ids.add(index)
            self._shaded = frozenset(ids)
        return frozenset(str(i) for i in self._shaded)

    def _bold_styles(self) -> frozenset[str]:
        """The `s` attributes of styles set in bold type."""
        if self._bold is None:
            fonts: list[Any] = list(getattr(self._wb, "_fonts", ()))
            self._bold = frozenset(
                str(index)
                for index, style in enumerate(self._styles)
                if 0 <= style.fontId < len(fonts) and bool(fonts[style.fontId].b)
            )
        return self._bold

    def read(self, sheet: str, max_rows: int | None = None) -> SheetGrid:
        if max_rows is None and sheet in self._grids:
            return self._grids[sheet]
        try:
            ws = self._wb[sheet]
        except KeyError as exc:
            names = ", ".join(repr(e.name) for e in self.sheets())
            raise UserError(
                f"There is no sheet named {sheet!r}.", where=place(self.facts.name), hint=f"Sheets: {names}."
            ) from exc
        if not hasattr(ws, "_get_source"):
            raise UserError(
                "This sheet is a chart, not a table.",
                where=place(self.facts.name, sheet),
                hint="Choose the sheet that lists the requests.",
            )
        grid = self._read_sheet(ws, sheet, max_rows)
        if max_rows is None:
            self._grids[sheet] = grid
        return grid

    def _read_sheet(self, ws: Any, sheet: str, max_rows: int | None) -> SheetGrid:
        reader = SheetReader(self.facts, sheet, ws._shared_strings, self._sheet_styles(), max_rows)
        try:
            if max_rows is None:
                self._check_cell_budget(ws, sheet)
            with ws._get_source() as raw:
                grid = reader.read(raw)
        except ForbiddenMarkup as exc:
            raise _unsafe(self.facts, sheet) from exc
        except StretchTooLong as exc:
            raise UserError(
                f"The sheet's XML runs for more than {MAX_STRETCH // 1048576} MB without a new row (one "
                "enormous row, comment or block), which no checklist needs; it was not read.",
                where=place(self.facts.name, sheet),
                hint="Open it in Excel, save it again and import the new copy.",
            ) from exc
        # A part that is not what it claims: bad zip data, bad XML, attributes that are not numbers.
        except (zipfile.BadZipFile, zlib.error, EOFError, expat.ExpatError, OSError, LookupError) as exc:
            raise _damaged(self.facts, _detail(exc), sheet) from exc
        except (ValueError, OverflowError, NotImplementedError, RuntimeError, RecursionError) as exc:
            raise _damaged(self.facts, _detail(exc), sheet) from exc
        found = reader.structure.validations
        if grid.complete and found:
            grid = replace(grid, validations=self._resolve_validations(found, grid))
        return grid

    def _sheet_styles(self) -> SheetStyles:
        if self._cell_styles is None:
            self._cell_styles = SheetStyles(
                dates=frozenset(self._wb._date_formats),
                shaded=self._shaded_styles(),
                bold=self._bold_styles(),
                number_format=self._number_format,
                epoch=self._wb.epoch,
            )
        return self._cell_styles

    def _check_cell_budget(self, ws: Any, sheet: str) -> None:
        """Refuse a sheet holding more than MAX_CELLS values before parsing a row of it.

        The part's declared size tells whether it could; if so, a byte search counts its values (a
        63 MB file of 23 million numbers took 600 s and 3.2 GB when parsed; counting takes a second).
        """
        size = self._wb._archive.getinfo(ws._worksheet_path).file_size
        if size <= MAX_CELLS * _MIN_CELL_BYTES:
            return
        if sheet not in self._values:
            with ws._get_source() as raw:
                self._values[sheet] = count_tags(raw, _VALUE, MAX_CELLS)
        if self._values[sheet] > MAX_CELLS:
            raise _too_many_cells(self.facts, sheet, None)

    def _resolve_validations(
        self, found: list[tuple[tuple[CellRange, ...], str]], own: SheetGrid
    ) -> tuple[ListValidation, ...]:
        resolved = []
        lists: dict[str, tuple[str, ...]] = {}
        for ranges, formula in found:
            if formula not in lists:
                # Past _LISTS distinct sources a dropdown adds nothing to a status vocabulary.
                lists[formula] = self._list_values(formula, own) if len(lists) < _LISTS else ()
            values = lists[formula]
            if values:
                resolved.append(ListValidation(ranges, values))
        return tuple(resolved)

    def _list_values(self, formula: str, own: SheetGrid) -> tuple[str, ...]:
        """Values of a dropdown: an inline `"a,b"` list, a range on some sheet, or a defined name."""
        formula = formula.strip()
        if formula.startswith('"') and formula.endswith('"'):
            return tuple(v.strip() for v in formula[1:-1].split(",") if v.strip())
        target = formula.lstrip("=")
        defined = self._wb.defined_names.get(target) if hasattr(self._wb, "defined_names") else None
        if defined is not None:
            target = str(defined.attr_text)
        source_sheet, _, area = target.rpartition("!")
        source_sheet = source_sheet.strip("'").replace("''", "'") or own.name
        ranges = parse_ranges(area)
        if not ranges or source_sheet not in self._wb.sheetnames:
            return ()
        area_range = ranges[0]
        if area_range.max_row > _LIST_ROWS:
            return ()
        grid = own
        if source_sheet != own.name:
            if source_sheet not in self._list_sources:
                try:
                    self._list_sources[source_sheet] = self.read(source_sheet, max_rows=_LIST_ROWS)
                except UserError:
                    # A dropdown whose source cannot be read (a chart, a damaged sheet) only lists nothing.
                    self._list_sources[source_sheet] = SheetGrid(name=source_sheet, rows=())
            grid = self._list_sources[source_sheet]
        # Only the cells the grid holds are looked at: `A1:XFD5000` on a short sheet is a few rows.
        values: dict[str, None] = {}
        for row in range(area_range.min_row, min(area_range.max_row, len(grid.rows)) + 1):
            for col in range(area_range.min_col, min(area_range.max_col, len(grid.rows[row - 1])) + 1):
                text = clean_text(_as_text(grid.value(row, col)))
                if text:
                    values.setdefault(text, None)
        return tuple(values)


class _MissingSheetPart(Exception):
    """A sheet the workbook lists whose part is not in the zip."""

    def __init__(self, sheet: str, part: str) -> None:
        super().__init__(sheet, part)
        self.sheet = sheet
        self.part = part


def _detail(exc: BaseException) -> str:
    """An exception in a few words for a message: openpyxl's own texts can run to several lines."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


# Excel's legacy palette greys: silver, grey 50 % and grey 40 %.
_GREY_INDEXES = frozenset({22, 23, 55})


def is_grey(color: Any) -> bool:
    """An openpyxl colour that shows as a grey: neutral RGB, a palette grey, or a tinted white/black theme."""
    if color is None:
        return False
    kind = getattr(color, "type", None)
    if kind == "rgb" and isinstance(color.rgb, str) and len(color.rgb) >= 6:
        try:
            red, green, blue = (int(color.rgb[-6:][i : i + 2], 16) for i in (0, 2, 4))
        except ValueError:
            return False
        return (
            max(red, green, blue) - min(red, green, blue) <= 12 and 0x60 <= (red + green + blue) // 3 <= 0xF2
        )
    if kind == "indexed":
        return color.indexed in _GREY_INDEXES
    if kind == "theme":
        tint = float(color.tint or 0.0)
        # Theme 0/2 are the light backgrounds (white, light grey), 1 is dark text (black).
        return (
            (color.theme in (0, 2) and tint < 0)
            or (color.theme == 2 and tint == 0)
            or (color.theme == 1 and tint >= 0.25)
        )
    return False


def _load_workbook_lazily(path: Path) -> Any:
    """openpyxl's read-only workbook, minus the whole-sheet pass it makes when a sheet has no `<dimension>`.

    WORKAROUND (openpyxl's documented read-only limitation, https://openpyxl.readthedocs.io/en/3.1/optimized.html
    "Worksheet dimensions"): `ReadOnlyWorksheet.__init__` calls `_get_size()`, which parses every row of a
    sheet that lacks a dimension tag (a 1,048,576-row ghost sheet cost 5 s in `load_workbook` alone); we
    never use the size.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.xml.constants import SHARED_STRINGS

    class UnsizedSheet(ReadOnlyWorksheet):
        def _get_size(self) -> None:
            return None

    class LazyReader(ExcelReader):
        def read_worksheets(self) -> None:
            me: Any = self
            for sheet, rel in me.parser.find_sheets():
                if "chartsheet" in rel.Type:
                    me.read_chartsheet(sheet, rel)
                    continue
                if rel.target not in me.valid_files:
                    raise _MissingSheetPart(str(sheet.name), str(rel.target))
                ws = UnsizedSheet(me.wb, sheet.name, rel.target, me.shared_strings)
                ws.sheet_state = sheet.state
                me.wb._sheets.append(ws)

        def read_strings(self) -> None:
            me: Any = self
            found = me.package.find(SHARED_STRINGS)
            if found is not None:
                with me.archive.open(found.PartName[1:]) as source:
                    me.shared_strings = read_shared_strings(source)

    reader = LazyReader(str(path), read_only=True, data_only=True, keep_links=False)
    with warnings.catch_warnings():
        # Files saved by other tools often lack a default style; openpyxl supplies one, nothing is lost.
        warnings.filterwarnings("ignore", message="Workbook contains no default style", category=UserWarning)
        reader.read()
    return reader.wb


def _as_text(value: CellValue) -> str:
    from workbook.formats.sheets.cells import to_text

    return to_text(value)
