"""Write-back: the auditor's own checklist with our answers filled in, and nothing else of theirs changed."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbook.atomic import atomic_output, safe_name
from workbook.errors import UserError
from workbook.formats.package.inputs import WritebackInput, WritebackResult
from workbook.formats.package.writeback_plan import (
    SheetPlan,
    SheetShape,
    clean_text,
    group_answers,
    plan_sheet,
    value_text,
)
from workbook.formats.package.xlsx_patch import patch_xlsx
from workbook.formats.sheets.cells import CellValue
from workbook.formats.sheets.grid import CellRange, open_source
from workbook.formats.sheets.preflight import FileFacts, column_letter, place, preflight

_SUFFIXES = {"xlsx": ".xlsx", "xlsm": ".xlsm", "xls": ".xls", "csv": ".csv", "tsv": ".tsv"}
_TEXT_OUT = (".csv", ".tsv")
_APPENDED_WIDTH = 28
_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# A CSV cell starting with one of these is a formula to Excel; our answers get a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# In an xlsx cell only what is typed is read as a formula: these first characters start one.
_TYPED_AS_FORMULA = ("=", "+", "-", "@")


def write_back(data: WritebackInput, out_path: Path) -> WritebackResult:
    """Write the auditor's checklist with the answers filled in to `out_path` (temp file, then rename).

    xlsx/xlsm: the zip is copied member by member and only the answered sheets' XML changes. xls, csv and
    tsv come back as a new .xlsx of text cells — or, for csv/tsv written to a .csv/.tsv name, as the same
    CSV dialect with only the answered rows rewritten. Raises UserError (nothing written) for a damaged or
    unsafe file, an unknown sheet, or an answer row at or above its header row.
    """
    out_path = Path(out_path)
    with tempfile.TemporaryDirectory(prefix="auditwb-writeback-") as folder:
        source = Path(folder) / _source_name(data)
        source.write_bytes(data.original_bytes)
        facts = preflight(source)
        as_text = out_path.suffix.lower() in _TEXT_OUT
        if as_text and facts.kind not in ("csv", "tsv"):
            raise UserError(
                f"A {facts.kind} checklist cannot be written back as {out_path.suffix}.",
                where=place(data.file_name),
                hint="Choose a file name ending in .xlsx for the answered checklist.",
            )
        if facts.kind in ("xlsx", "xlsm"):
            return patch_xlsx(data, out_path)
        return _rebuild(data, facts, out_path, as_text)


def _source_name(data: WritebackInput) -> str:
    original = Path(data.file_name.replace("\\", "/")).name
    suffix = _SUFFIXES.get(data.kind.lower(), Path(original).suffix.lower() or ".xlsx")
    return safe_name(Path(original).stem, fallback="checklist") + suffix


@dataclass
class _Sheet:
    """One sheet of a file write-back rebuilds: cells as shown, plus the layout we can carry over."""

    name: str
    hidden: bool
    rows: list[list[CellValue]]
    merged: tuple[CellRange, ...] = ()
    hidden_rows: frozenset[int] = frozenset()
    hidden_columns: frozenset[int] = frozenset()
    widths: dict[int, float] = field(default_factory=dict)

    @property
    def shape(self) -> SheetShape:
        last = max([0, *(len(r) for r in self.rows), *self.hidden_columns, *(m.max_col for m in self.merged)])
        return SheetShape(last, self.merged)


@dataclass
class _CsvText:
    """A CSV's records with the exact text each came from, so unanswered rows are written back unchanged."""

    records: list[list[str]]
    raws: list[str]
    encoding: str
    delimiter: str
    bom: bytes
    terminator: str


def _rebuild(data: WritebackInput, facts: FileFacts, out_path: Path, as_text: bool) -> WritebackResult:
    from workbook.formats.sheets.text_source import TextSource

    csv_text: _CsvText | None = None
    with open_source(facts) as source:
        entries = [e for e in source.sheets() if e.kind == "worksheet"]
        if isinstance(source, TextSource):
            source.read(entries[0].name)  # the reader's own checks: cell sizes, quoting
            csv_text = _csv_text(source, data.original_bytes)
            sheets = [_Sheet(entries[0].name, False, [list(r) for r in csv_text.records])]
        else:
            widths = _xls_widths(facts.path)
            sheets = []
            for entry in entries:
                grid = source.read(entry.name)
                sheets.append(
                    _Sheet(
                        entry.name,
                        entry.hidden,
                        [list(r) for r in grid.rows],
                        grid.merged,
                        grid.hidden_rows,
                        grid.hidden_columns,
                        widths.get(entry.name, {}),
                    )
                )
    names = [s.name for s in sheets]
    resolve: Callable[[str], str | None] | None = (lambda _: names[0]) if csv_text is not None else None
    grouped = group_answers(data, names, resolve)
    plans: dict[str, SheetPlan] = {}
    for sheet in sheets:
        if sheet.name in grouped:
            spec, answers = grouped[sheet.name]
            where = place(data.file_name, sheet.name)
            plans[sheet.name] = plan_sheet(spec.sheet, spec, answers, sheet.shape, where)
    if as_text and csv_text is not None:
        sha256 = _write_csv(csv_text, plans.get(sheets[0].name), out_path, data.file_name)
    else:
        sha256 = _write_xlsx(sheets, plans, out_path)
    done = [plans[s.name] for s in sheets if s.name in plans]
    return WritebackResult(
        sha256=sha256,
        appended=tuple(a for p in done for a in p.appended),
        redirected=tuple(r for p in done for r in p.redirects),
        written=sum(p.written for p in done),
    )


def _csv_text(source: Any, original: bytes) -> _CsvText:
    text: str = source.text
    pending: list[str] = []

    def lines() -> Any:
        for line in io.StringIO(text, newline=""):
            pending.append(line)
            yield line

    records: list[list[str]] = []
    raws: list[str] = []
    for fields in csv.reader(lines(), delimiter=source.delimiter):
        records.append(fields)
        raws.append("".join(pending))
        pending.clear()
    if pending and raws:
        raws[-1] += "".join(pending)
    crlf = text.count("\r\n")
    endings = {"\r\n": crlf, "\n": text.count("\n") - crlf, "\r": text.count("\r") - crlf}
    terminator = max(endings, key=lambda k: endings[k]) if any(endings.values()) else "\r\n"
    bom = next((b for b in _BOMS if original.startswith(b)), b"")
    return _CsvText(records, raws, source.encoding, source.delimiter, bom, terminator)


def _xls_widths(path: Path) -> dict[str, dict[int, float]]:
    """Column widths (in characters) the .xls sets, by sheet; empty where xlrd cannot tell."""
    import struct

    import xlrd

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    except (xlrd.XLRDError, NotImplementedError, AssertionError, ValueError, struct.error, EOFError):
        return {}
    try:
        widths: dict[str, dict[int, float]] = {}
        for index, name in enumerate(book.sheet_names()):
            sheet = book.sheet_by_index(index)
            widths[name] = {c + 1: info.width / 256 for c, info in sheet.colinfo_map.items() if info.width}
        return widths
    finally:
        book.release_resources()


def _write_xlsx(sheets: Sequence[_Sheet], plans: dict[str, SheetPlan], out_path: Path) -> str:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    wb = Workbook()
    if wb.active is not None:
        wb.remove(wb.active)
    titles: set[str] = set()
    for sheet in sheets:
        ws = wb.create_sheet(_title(sheet.name, titles))
        if sheet.hidden:
            ws.sheet_state = "hidden"
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None and value != "":
                    _put(ws.cell(r, c), value)
        for rng in sheet.merged:
            if (rng.min_row, rng.min_col) != (rng.max_row, rng.max_col):
                ws.merge_cells(None, rng.min_row, rng.min_col, rng.max_row, rng.max_col)
        for row_number in sheet.hidden_rows:
            ws.row_dimensions[row_number].hidden = True
        for col, width in sheet.widths.items():
            ws.column_dimensions[column_letter(col)].width = round(width, 2)
        for col in sheet.hidden_columns:
            ws.column_dimensions[column_letter(col)].hidden = True
        plan = plans.get(sheet.name)
        if plan is None:
            continue
        for col in plan.appended_columns:
            ws.column_dimensions[column_letter(col)].width = _APPENDED_WIDTH
        for planned in plan.cells:
            cell = ws.cell(planned.row, planned.col)
            _put(cell, planned.value)
            if isinstance(planned.value, str) and "\n" in planned.value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    if wb.worksheets and all(ws.sheet_state != "visible" for ws in wb.worksheets):
        wb.worksheets[0].sheet_state = "visible"
    with atomic_output(out_path) as (fd, tmp):
        os.close(fd)
        wb.save(tmp)
        return _sha256(tmp)


def _put(cell: Any, value: CellValue) -> None:
    """Dates as dates; every text as a typed string cell, never a formula (`=1+1` stays text).

    Text starting as a typed formula does (= + - @) also gets Excel's quote prefix: the cell shows `=1+1`
    and stays text even when someone edits it and presses Enter.
    """
    if isinstance(value, dt.datetime):
        cell.value = value
        cell.number_format = "yyyy-mm-dd" if value.time() == dt.time(0, 0) else "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, dt.time):
        cell.value = value
        cell.number_format = "hh:mm:ss"
    elif value is not None:
        text = clean_text(value)
        cell.value = text
        cell.data_type = "s"
        if text.startswith(_TYPED_AS_FORMULA):
            cell.quotePrefix = True


def _title(name: str, taken: set[str]) -> str:
    text = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'") or "Sheet"
    text, n = text[:31], 1
    while text.casefold() in taken:
        n += 1
        text = f"{text[: 31 - len(str(n)) - 3]} ({n})"
    taken.add(text.casefold())
    return text


def _write_csv(text: _CsvText, plan: SheetPlan | None, out_path: Path, file_name: str) -> str:
    records, raws = text.records, list(text.raws)
    changed: set[int] = set()
    for planned in plan.cells if plan is not None else ():
        while len(records) < planned.row:
            if raws and not raws[-1].endswith(("\n", "\r")):
                raws[-1] += text.terminator
            records.append([])
            raws.append("")
            changed.add(len(records))
        fields = records[planned.row - 1]
        fields.extend([""] * (planned.col - len(fields)))
        value = value_text(planned.value)
        if not planned.header and value.startswith(_FORMULA_START):
            value = "'" + value
        fields[planned.col - 1] = value
        changed.add(planned.row)
    ends_with_newline = not text.raws or text.raws[-1].endswith(("\n", "\r"))
    out: list[str] = []
    for number, (fields, raw) in enumerate(zip(records, raws, strict=True), start=1):
        if number not in changed:
            out.append(raw)
            continue
        ending = next((e for e in ("\r\n", "\n", "\r") if raw.endswith(e)), "")
        if not raw and (number < len(records) or ends_with_newline):
            ending = text.terminator
        out.append(_csv_line(fields, text.delimiter) + ending)
    body = "".join(out)
    try:
        encoded = text.bom + body.encode(text.encoding)
    except UnicodeEncodeError as exc:
        bad = body[exc.start : exc.end]
        raise UserError(
            f"The answers hold characters ({bad!r}) that the CSV's encoding ({text.encoding}) cannot store.",
            where=place(file_name),
            hint="Export the answered checklist as .xlsx instead, or take those characters out.",
        ) from exc
    with atomic_output(out_path) as (fd, tmp):
        with os.fdopen(fd, "wb") as fh:
            fh.write(encoded)
        return _sha256(tmp)


def _csv_line(fields: list[str], delimiter: str) -> str:
    buf = io.StringIO()
    # "\r\n" makes the writer quote a field holding either character; the record's own ending is added after.
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerow(fields)
    return buf.getvalue()[:-2]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
