"""One xlsx sheet's XML read by expat callbacks into a grid: values as shown, merges, hidden rows, dropdowns.

No element objects are built: memory holds the grid and one row, whatever the XML holds around them (a
tree parser keeps every element it has not been told to drop; a million stray `<v>` were a gigabyte).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from workbook.errors import UserError
from workbook.formats.sheets.cells import CellValue, general, render_number
from workbook.formats.sheets.grid import (
    GHOST_GAP,
    CellRange,
    SheetGrid,
    _check_text,
    _GridBuilder,
    _too_many_cells,
    _too_wide,
)
from workbook.formats.sheets.preflight import MAX_CELLS, MAX_COLUMNS, FileFacts, place
from workbook.formats.sheets.xlsx_parts import RowBoundaryStream, guarded_parser

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _V, _F, _IS = _MAIN + "row", _MAIN + "v", _MAIN + "f", _MAIN + "is"
# Cells read for a sample of a sheet (ranking sheets, previews): enough rows of any real list.
SAMPLE_CELLS = 100_000
# Merged ranges a sheet may declare; real lists have a few thousand at most.
MAX_MERGES = 100_000
# Dropdowns kept per sheet (they only feed the status vocabulary); the rest are ignored.
MAX_VALIDATIONS = 1_000
_FEED = 64 * 1024


@dataclass(frozen=True)
class SheetStyles:
    """What the workbook's styles say about a cell's `s` attribute."""

    dates: frozenset[int]
    shaded: frozenset[str]
    bold: frozenset[str]
    number_format: Callable[[int], str | None]
    epoch: dt.datetime


@dataclass
class SheetStructure:
    """What a sheet says besides its values: merges, hidden rows and columns, dropdowns, claimed size."""

    merged: list[CellRange] = field(default_factory=list)
    hidden_columns: bytearray = field(default_factory=lambda: bytearray(MAX_COLUMNS + 1))
    hidden_rows: set[int] = field(default_factory=set)
    shaded_rows: set[int] = field(default_factory=set)
    bold_rows: set[int] = field(default_factory=set)
    formula_cells: dict[int, tuple[int, ...]] = field(default_factory=dict)
    validations: list[tuple[tuple[CellRange, ...], str]] = field(default_factory=list)
    claimed_rows: int = 0
    claimed_columns: int = 0


class _Enough(Exception):
    """The rows asked for have been read."""


def parse_ranges(text: str) -> tuple[CellRange, ...]:
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


_COLUMN_CACHE: dict[str, int] = {}


def column_index(letters: str) -> int:
    index = _COLUMN_CACHE.get(letters)
    if index is None:
        index = 0
        for ch in letters.upper():
            index = index * 26 + (ord(ch) - 64)
        if len(_COLUMN_CACHE) < 20_000:
            _COLUMN_CACHE[letters] = index
    return index


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


class SheetReader:
    """expat callbacks building one sheet's grid; `read` feeds it the part through a RowBoundaryStream."""

    def __init__(
        self, facts: FileFacts, sheet: str, shared: list[Any], styles: SheetStyles, max_rows: int | None
    ) -> None:
        self.facts = facts
        self.sheet = sheet
        self.shared = shared
        self.styles = styles
        self.max_rows = max_rows
        self.budget = MAX_CELLS if max_rows is None else SAMPLE_CELLS
        self.builder = _GridBuilder(facts, sheet)
        self.structure = SheetStructure()
        self.filled = 0
        self.complete = True
        self.ghost = False
        self.stream: RowBoundaryStream | None = None
        self.depth = 0
        # The open row: its depth (0: none), number, whether it is read, its cells so far.
        self.row_depth = 0
        self.row_index = 0
        self.row_read = False
        self.cells: list[CellValue] = []
        self.col = 0
        self.shaded = self.bold = True
        self.formulas: list[int] = []
        # The open cell (a child of the row): its attributes and what its children held.
        self.cell_open = False
        self.cell_ref: str | None = None
        self.cell_kind = "n"
        self.cell_style: str | None = None
        self.value_text: str | None = None
        self.formula_text: str | None = None
        self.inline_text: str | None = None
        # Text being collected: the parts, the depth it belongs to, whether deeper text counts too.
        self.text_parts: list[str] = []
        self.text_depth = 0
        self.text_deep = False
        self.text_for = ""
        # A dropdown (dataValidation of type list) being read, by depth (0: none).
        self.validation_depth = 0
        self.validation_sqref = ""
        self.validation_formula = ""

    def read(self, raw: IO[bytes]) -> SheetGrid:
        parser = guarded_parser()
        parser.buffer_text = True
        parser.buffer_size = _FEED
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        self.stream = stream = RowBoundaryStream(raw)
        try:
            while data := stream.read(_FEED):
                parser.Parse(data, False)
            parser.Parse(b"", True)
        except _Enough:
            self.complete = False
            stream.close()
        return self.grid()

    # Elements

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        depth = self.depth
        if self.text_for and not self.text_deep and depth > self.text_depth:
            # A child inside v, f or sqref: only the text before it counts (what ElementTree calls `.text`).
            self._finish_text()
        if self.row_depth:
            if not self.row_read:
                return
            if depth == self.row_depth + 1:
                self._cell_start(attrs)
            elif depth == self.row_depth + 2 and self.cell_open:
                if name == _V and self.value_text is None:
                    self._collect("v", deep=False)
                elif name == _F and self.formula_text is None:
                    self.formula_text = ""
                    self._collect("f", deep=False)
                elif name == _IS and self.inline_text is None:
                    self.inline_text = ""
                    self._collect("is", deep=True)
            return
        if name == _ROW:
            self._row_start(attrs)
            return
        if self.validation_depth:
            local = local_name(name)
            if local == "sqref":
                self._collect("sqref", deep=False)
            elif local == "formula1":
                self._collect("formula1", deep=True)
            return
        local = local_name(name)
        if local == "mergeCell":
            merged = self.structure.merged
            merged.extend(parse_ranges(attrs.get("ref", "")))
            if len(merged) > MAX_MERGES:
                raise UserError(
                    f"The sheet declares more than {MAX_MERGES:,} merged ranges; a checklist has far fewer, "
                    "so it was not read.",
                    where=place(self.facts.name, self.sheet),
                    hint="Open it in Excel, unmerge the cells in a copy and import the copy.",
                )
        elif local == "col":
            if attrs.get("hidden") in ("1", "true"):
                low = max(1, int(attrs.get("min", "1")))
                high = min(int(attrs.get("max", str(low))), MAX_COLUMNS)
                if low <= high:
                    self.structure.hidden_columns[low : high + 1] = b"\x01" * (high - low + 1)
        elif local == "dimension":
            dims = parse_ranges(attrs.get("ref", ""))
            if dims:
                self.structure.claimed_rows, self.structure.claimed_columns = dims[0].max_row, dims[0].max_col
        elif local == "dataValidation" and attrs.get("type") == "list":
            self.validation_depth = depth
            self.validation_sqref = attrs.get("sqref", "")
            self.validation_formula = ""

    def end(self, name: str) -> None:
        depth = self.depth
        self.depth -= 1
        if self.text_for and depth == self.text_depth:
            self._finish_text()
        if self.row_depth:
            if depth == self.row_depth:
                self._row_end()
            elif self.row_read and depth == self.row_depth + 1 and self.cell_open:
                self._cell_end()
            return
        if self.validation_depth and depth == self.validation_depth:
            self.validation_depth = 0
            structure = self.structure
            if (
                self.validation_sqref
                and self.validation_formula
                and len(structure.validations) < MAX_VALIDATIONS
            ):
                structure.validations.append((parse_ranges(self.validation_sqref), self.validation_formula))

    def text(self, data: str) -> None:
        if self.text_for:
            self.text_parts.append(data)

    def _collect(self, what: str, *, deep: bool) -> None:
        self.text_for = what
        self.text_depth = self.depth
        self.text_deep = deep
        self.text_parts = []

    def _finish_text(self) -> None:
        what, text = self.text_for, "".join(self.text_parts)
        self.text_for = ""
        self.text_parts = []
        if what == "v":
            self.value_text = text
        elif what == "f":
            self.formula_text = text
        elif what == "is":
            self.inline_text = text
        elif what == "sqref":
            if text:
                self.validation_sqref = text
        elif what == "formula1":
            self.validation_formula = text.strip()

    # Rows and cells

    def _row_start(self, attrs: dict[str, str]) -> None:
        r = attrs.get("r")
        self.row_index = int(r) if r and r.isdigit() else self.row_index + 1
        self.row_depth = self.depth
        if attrs.get("hidden") in ("1", "true"):
            self.structure.hidden_rows.add(self.row_index)
        self.row_read = not self.ghost and (self.max_rows is None or self.row_index <= self.max_rows)
        self.cells = []
        self.col = 0
        self.shaded = self.bold = True
        self.formulas = []

    def _cell_start(self, attrs: dict[str, str]) -> None:
        self.cell_open = True
        self.cell_ref = attrs.get("r")
        self.cell_kind = attrs.get("t", "n")
        self.cell_style = attrs.get("s")
        self.value_text = self.formula_text = self.inline_text = None

    def _cell_end(self) -> None:
        self.cell_open = False
        ref = self.cell_ref
        self.col = col = column_index(ref.rstrip("0123456789")) if ref else self.col + 1
        if col > MAX_COLUMNS:
            raise _too_wide(self.facts, self.sheet, self.row_index, col)
        try:
            present, value = self._value()
        except (ValueError, OverflowError) as exc:
            raise _bad_cell(self.facts, self.sheet, self.row_index, col, exc) from exc
        if not present:
            return
        if value is not None and value != "":
            self.filled += 1
            style_id = self.cell_style
            self.shaded = self.shaded and style_id in self.styles.shaded
            self.bold = self.bold and style_id in self.styles.bold
        if isinstance(value, str) and len(value) > 255:
            _check_text(self.facts, self.sheet, self.row_index, col, value)
        cells = self.cells
        if col > len(cells) + 1:
            cells.extend([None] * (col - len(cells) - 1))
        if col <= len(cells):
            cells[col - 1] = value
        else:
            cells.append(value)

    def _value(self) -> tuple[bool, CellValue]:
        """(whether the cell is there at all, its value as shown)."""
        kind = self.cell_kind
        if kind == "inlineStr":
            return True, self.inline_text
        text = self.value_text
        formula = self.formula_text
        if formula is not None:
            self.formulas.append(self.col)
        if text is None or text == "":
            if formula is None:
                return False, None
            # Saved without a cached result (other tools): what the formula plainly says.
            return True, formula_display(formula)
        if kind == "s":
            index = int(text)
            if not 0 <= index < len(self.shared):
                raise _missing_text(self.facts, self.sheet, self.row_index, self.col, index, len(self.shared))
            item = self.shared[index]
            return True, item if isinstance(item, str) else str(item)
        if kind == "n":
            return True, self._number(float(text))
        if kind == "b":
            return True, "TRUE" if text in ("1", "true") else "FALSE"
        if kind == "d":
            return True, _iso_datetime(text)
        return True, text

    def _number(self, number: float) -> CellValue:
        from openpyxl.utils.datetime import from_excel

        styles = self.styles
        style = int(self.cell_style or 0)
        if style in styles.dates:
            try:
                moment: CellValue = from_excel(number, styles.epoch)
            except (OverflowError, ValueError):
                return general(number)
            return moment
        fmt = styles.number_format(style) if style else None
        return general(number) if fmt is None else render_number(number, fmt)

    def _row_end(self) -> None:
        self.row_depth = 0
        if not self.row_read:
            return
        cells, structure, row_index = self.cells, self.structure, self.row_index
        if cells and any(v is not None and v != "" for v in cells):
            if self.shaded:
                structure.shaded_rows.add(row_index)
            if self.bold:
                structure.bold_rows.add(row_index)
        if self.formulas:
            structure.formula_cells[row_index] = tuple(self.formulas)
        self.builder.add(row_index, cells)
        self.cells = []
        if self.filled > self.budget and self.max_rows is None:
            raise _too_many_cells(self.facts, self.sheet, row_index)
        if (self.max_rows is not None and row_index >= self.max_rows) or self.filled > self.budget:
            raise _Enough()
        if row_index - self.builder.last_filled > GHOST_GAP:
            assert self.stream is not None
            self.stream.skip_rows = True
            self.ghost = True

    def grid(self) -> SheetGrid:
        rows = tuple(self.builder.rows)
        structure = self.structure
        hidden = structure.hidden_columns
        return SheetGrid(
            name=self.sheet,
            rows=rows,
            hidden_rows=frozenset(structure.hidden_rows),
            hidden_columns=frozenset(i for i in range(1, len(hidden)) if hidden[i])
            if any(hidden)
            else frozenset(),
            merged=tuple(structure.merged),
            claimed_rows=structure.claimed_rows or len(rows),
            claimed_columns=structure.claimed_columns,
            ghost_rows_skipped=self.ghost,
            shaded_rows=frozenset(r for r in structure.shaded_rows if r <= len(rows)),
            bold_rows=frozenset(r for r in structure.bold_rows if r <= len(rows)),
            formula_cells={r: c for r, c in structure.formula_cells.items() if r <= len(rows)},
            complete=self.complete,
        )


def _bad_cell(facts: FileFacts, sheet: str, row: int, col: int, exc: BaseException) -> UserError:
    detail = " ".join(str(exc).split()) or type(exc).__name__
    return UserError(
        f"The workbook could not be read ({type(exc).__name__}: {detail[:200]}).",
        where=place(facts.name, sheet, row, col),
        hint="Open it in Excel and save it again, or ask the auditor to send it again.",
    )


def _missing_text(facts: FileFacts, sheet: str, row: int, col: int, index: int, size: int) -> UserError:
    return UserError(
        f"The cell refers to shared text number {index:,}, but the workbook's table holds {size:,}: the file "
        "is damaged.",
        where=place(facts.name, sheet, row, col),
        hint="Open it in Excel and save it again, or ask the auditor to send it again.",
    )


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
