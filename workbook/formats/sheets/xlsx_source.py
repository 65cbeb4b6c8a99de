"""xlsx/xlsm: one streaming pass per sheet reads values as shown, merges, hidden rows, dropdowns."""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

from workbook.errors import UserError
from workbook.formats.sheets.cells import CellValue, clean_text, general, render_number
from workbook.formats.sheets.grid import (
    GHOST_GAP,
    CellRange,
    ListValidation,
    SheetEntry,
    SheetGrid,
    _caused_by,
    _check_text,
    _ClosedOnExit,
    _damaged,
    _GridBuilder,
    _too_wide,
    _unsafe,
)
from workbook.formats.sheets.preflight import (
    MAX_COLUMNS,
    FileFacts,
    ensure_defusedxml,
    place,
)

_CHUNK = 64 * 1024


class _RowBoundaryStream(io.RawIOBase):
    """Feed sheet XML in pieces ending just before a `<row`, so the remaining rows can be skipped cleanly."""

    _END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?sheetData>")

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw
        self._buf = b""
        self._eof = False
        self.skip_rows = False

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        data = self._raw.read(_CHUNK)
        if not data:
            self._eof = True
        self._buf += data

    def read(self, size: int = -1) -> bytes:
        if self.skip_rows:
            self._skip_to_end_of_rows()
        while not self._eof and self._cut() <= 0:
            self._fill()
        cut = len(self._buf) if self._eof else self._cut()
        out, self._buf = self._buf[:cut], self._buf[cut:]
        return out

    def _cut(self) -> int:
        buf = self._buf
        plain = buf.rfind(b"<row")
        prefixed = buf.rfind(b":row")
        if prefixed > plain:
            prefixed = buf.rfind(b"<", 0, prefixed)
        return max(plain, prefixed)

    def _skip_to_end_of_rows(self) -> None:
        while True:
            found = self._END.search(self._buf)
            if found:
                self._buf = self._buf[found.start() :]
                self.skip_rows = False
                return
            if self._eof:
                self._buf = b""
                self.skip_rows = False
                return
            self._buf = self._buf[-64:]
            self._fill()


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _parse_ranges(text: str) -> tuple[CellRange, ...]:
    from openpyxl.utils.cell import range_boundaries

    ranges: list[CellRange] = []
    for part in text.replace(",", " ").split():
        part = part.split("!")[-1].replace("$", "")
        try:
            min_col, min_row, max_col, max_row = range_boundaries(part)
        except (ValueError, TypeError):
            continue
        if None in (min_col, min_row, max_col, max_row):
            continue
        ranges.append(CellRange(int(min_row or 1), int(min_col or 1), int(max_row or 1), int(max_col or 1)))
    return tuple(ranges)


# Children read when their parent ends, so they must not be cleared first.
_KEEP_UNTIL_PARENT = frozenset({"c", "v", "f", "t", "is", "r", "rPr", "formula1", "formula2", "sqref"})
_COLUMN_CACHE: dict[str, int] = {}


def _column_index(letters: str) -> int:
    index = _COLUMN_CACHE.get(letters)
    if index is None:
        index = 0
        for ch in letters.upper():
            index = index * 26 + (ord(ch) - 64)
        _COLUMN_CACHE[letters] = index
    return index


@dataclass
class _XlsxSheetState:
    merged: list[CellRange] = field(default_factory=list)
    hidden_columns: set[int] = field(default_factory=set)
    hidden_rows: set[int] = field(default_factory=set)
    shaded_rows: set[int] = field(default_factory=set)
    bold_rows: set[int] = field(default_factory=set)
    formula_cells: dict[int, tuple[int, ...]] = field(default_factory=dict)
    validations: list[tuple[tuple[CellRange, ...], str]] = field(default_factory=list)
    claimed_rows: int = 0
    claimed_columns: int = 0


class XlsxSource(_ClosedOnExit):
    """xlsx/xlsm via openpyxl's read-only loader; one streaming pass per sheet reads values and structure."""

    def __init__(self, facts: FileFacts) -> None:
        ensure_defusedxml()
        from defusedxml import DefusedXmlException

        self.facts = facts
        self._grids: dict[str, SheetGrid] = {}
        try:
            wb: Any = _load_workbook_lazily(facts.path)
        except DefusedXmlException as exc:
            raise _unsafe(facts, None) from exc
        # openpyxl reports malformed workbook parts with these plain exceptions, some wrapping the cause.
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            ParseError,
            KeyError,
            ValueError,
            TypeError,
            IndexError,
            AttributeError,
        ) as exc:
            if _caused_by(exc, DefusedXmlException):
                raise _unsafe(facts, None) from exc
            raise _damaged(facts, str(exc) or type(exc).__name__) from exc
        self._wb: Any = wb
        self._styles: list[Any] = list(wb._cell_styles)
        self._formats: dict[int, str | None] = {}
        self._shaded: frozenset[int] | None = None
        self._bold: frozenset[str] | None = None

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
        from defusedxml import DefusedXmlException

        try:
            with ws._get_source() as raw:
                return self._parse(raw, ws._shared_strings, sheet, max_rows)
        except DefusedXmlException as exc:
            raise _unsafe(self.facts, sheet) from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, ParseError, KeyError) as exc:
            raise _damaged(self.facts, str(exc) or type(exc).__name__, sheet) from exc
        except OSError as exc:
            raise _damaged(self.facts, str(exc) or type(exc).__name__, sheet) from exc

    def _parse(self, raw: IO[bytes], shared: list[Any], sheet: str, max_rows: int | None) -> SheetGrid:
        from defusedxml.ElementTree import iterparse
        from openpyxl.utils.datetime import from_excel

        stream = _RowBoundaryStream(raw)
        builder = _GridBuilder(self.facts, sheet)
        state = _XlsxSheetState()
        date_styles: set[int] = set(self._wb._date_formats)
        epoch = self._wb.epoch
        facts = self.facts
        ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
        row_tag, v_tag, f_tag, is_tag = ns + "row", ns + "v", ns + "f", ns + "is"
        row_index = 0
        complete = True
        shaded_styles = self._shaded_styles()
        bold_styles = self._bold_styles()
        ghost = False
        for _, el in iterparse(stream):
            tag = el.tag
            if tag == row_tag:
                r = el.get("r")
                row_index = int(r) if r and r.isdigit() else row_index + 1
                if el.get("hidden") in ("1", "true"):
                    state.hidden_rows.add(row_index)
                if ghost or (max_rows is not None and row_index > max_rows):
                    el.clear()
                    continue
                cells: list[CellValue] = []
                col = 0
                shaded = bold = True
                formulas: list[int] = []
                for c in el:
                    ref = c.get("r")
                    col = _column_index(ref.rstrip("0123456789")) if ref else col + 1
                    if col > MAX_COLUMNS:
                        raise _too_wide(facts, sheet, row_index, col)
                    kind = c.get("t", "n")
                    value: CellValue
                    if kind == "inlineStr":
                        node = c.find(is_tag)
                        value = "".join(node.itertext()) if node is not None else None
                    else:
                        text = c.findtext(v_tag)
                        formula = c.find(f_tag)
                        if formula is not None:
                            formulas.append(col)
                        if text is None or text == "":
                            if formula is None:
                                continue
                            # Saved without a cached result (other tools): show what the formula plainly says.
                            value = formula_display(formula.text or "")
                        elif kind == "s":
                            item = shared[int(text)]
                            value = item if isinstance(item, str) else str(item)
                        elif kind == "n":
                            style = int(c.get("s", 0) or 0)
                            number = float(text)
                            if style in date_styles:
                                try:
                                    value = from_excel(number, epoch)
                                except (OverflowError, ValueError):
                                    value = general(number)
                            else:
                                fmt = self._number_format(style) if style else None
                                value = general(number) if fmt is None else render_number(number, fmt)
                        elif kind == "b":
                            value = "TRUE" if text in ("1", "true") else "FALSE"
                        elif kind == "d":
                            value = _iso_datetime(text)
                        else:
                            value = text
                    if value is not None and value != "":
                        style_id = c.get("s")
                        shaded = shaded and style_id in shaded_styles
                        bold = bold and style_id in bold_styles
                    if isinstance(value, str) and len(value) > 255:
                        _check_text(facts, sheet, row_index, col, value)
                    if col > len(cells) + 1:
                        cells.extend([None] * (col - len(cells) - 1))
                    if col <= len(cells):
                        cells[col - 1] = value
                    else:
                        cells.append(value)
                el.clear()
                if cells and any(v is not None and v != "" for v in cells):
                    if shaded:
                        state.shaded_rows.add(row_index)
                    if bold:
                        state.bold_rows.add(row_index)
                if formulas:
                    state.formula_cells[row_index] = tuple(formulas)
                builder.add(row_index, cells)
                if max_rows is not None and row_index >= max_rows:
                    stream.skip_rows = True
                    complete = False
                    break
                if row_index - builder.last_filled > GHOST_GAP:
                    stream.skip_rows = True
                    ghost = True
                continue
            local = _local(tag)
            if local in _KEEP_UNTIL_PARENT:
                continue
            if local == "mergeCell":
                state.merged.extend(_parse_ranges(el.get("ref", "")))
            elif local == "col":
                if el.get("hidden") in ("1", "true"):
                    low = int(el.get("min", "1"))
                    high = min(int(el.get("max", str(low))), MAX_COLUMNS)
                    state.hidden_columns.update(range(low, high + 1))
            elif local == "dimension":
                dims = _parse_ranges(el.get("ref", ""))
                if dims:
                    state.claimed_rows, state.claimed_columns = dims[0].max_row, dims[0].max_col
            elif local == "dataValidation":
                self._collect_validation(el, state)
            elif local in ("sheetData", "worksheet"):
                pass
            else:
                el.clear()
        if not complete:
            stream.close()
        grid = SheetGrid(
            name=sheet,
            rows=tuple(builder.rows),
            hidden_rows=frozenset(state.hidden_rows),
            hidden_columns=frozenset(state.hidden_columns),
            merged=tuple(state.merged),
            claimed_rows=state.claimed_rows or len(builder.rows),
            claimed_columns=state.claimed_columns,
            ghost_rows_skipped=ghost,
            shaded_rows=frozenset(r for r in state.shaded_rows if r <= len(builder.rows)),
            bold_rows=frozenset(r for r in state.bold_rows if r <= len(builder.rows)),
            formula_cells={r: c for r, c in state.formula_cells.items() if r <= len(builder.rows)},
            complete=complete,
        )
        if complete and state.validations:
            grid = replace(grid, validations=self._resolve_validations(state.validations, grid))
        return grid

    @staticmethod
    def _collect_validation(el: Element, state: _XlsxSheetState) -> None:
        if el.get("type") != "list":
            return
        sqref = el.get("sqref", "")
        formula = ""
        for child in el.iter():
            name = _local(child.tag)
            if name == "sqref" and child.text:
                sqref = child.text
            elif name == "formula1":
                formula = "".join(child.itertext()).strip()
        if sqref and formula:
            state.validations.append((_parse_ranges(sqref), formula))

    def _resolve_validations(
        self, found: list[tuple[tuple[CellRange, ...], str]], own: SheetGrid
    ) -> tuple[ListValidation, ...]:
        resolved = []
        for ranges, formula in found:
            values = self._list_values(formula, own)
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
        ranges = _parse_ranges(area)
        if not ranges or source_sheet not in self._wb.sheetnames:
            return ()
        area_range = ranges[0]
        if area_range.max_row > 5_000:
            return ()
        grid = self.read(source_sheet, max_rows=area_range.max_row) if source_sheet != own.name else own
        values: dict[str, None] = {}
        for row in range(area_range.min_row, area_range.max_row + 1):
            for col in range(area_range.min_col, area_range.max_col + 1):
                text = clean_text(_as_text(grid.value(row, col)))
                if text:
                    values.setdefault(text, None)
        return tuple(values)


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

    class UnsizedSheet(ReadOnlyWorksheet):
        def _get_size(self) -> None:
            return None

    class LazyReader(ExcelReader):
        def read_worksheets(self) -> None:
            me: Any = self
            for sheet, rel in me.parser.find_sheets():
                if rel.target not in me.valid_files:
                    continue
                if "chartsheet" in rel.Type:
                    me.read_chartsheet(sheet, rel)
                    continue
                ws = UnsizedSheet(me.wb, sheet.name, rel.target, me.shared_strings)
                ws.sheet_state = sheet.state
                me.wb._sheets.append(ws)

    reader = LazyReader(str(path), read_only=True, data_only=True, keep_links=False)
    with warnings.catch_warnings():
        # Files saved by other tools often lack a default style; openpyxl supplies one, nothing is lost.
        warnings.filterwarnings("ignore", message="Workbook contains no default style", category=UserWarning)
        reader.read()
    return reader.wb


_STRING = r'"((?:[^"]|"")*)"'
_HYPERLINK = re.compile(
    rf"^\s*=?\s*HYPERLINK\s*\(\s*{_STRING}\s*(?:[,;]\s*{_STRING}\s*)?\)\s*$", re.IGNORECASE
)
_LITERAL = re.compile(rf"^\s*=?\s*{_STRING}\s*$")


def formula_display(formula: str) -> str | None:
    """What a formula saved without its result plainly shows: a HYPERLINK's label, a string literal."""
    if m := _HYPERLINK.match(formula):
        label = m.group(2) if m.group(2) is not None else m.group(1)
        return label.replace('""', '"')
    if m := _LITERAL.match(formula):
        return m.group(1).replace('""', '"')
    return None


def _iso_datetime(text: str) -> CellValue:
    try:
        return dt.datetime.fromisoformat(text.rstrip("Z"))
    except ValueError:
        return text


def _as_text(value: CellValue) -> str:
    from workbook.formats.sheets.cells import to_text

    return to_text(value)
