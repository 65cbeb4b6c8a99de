"""CSV/TSV: the encoding and delimiter sniffed, quoted multi-line cells kept whole."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator

from workbook.errors import UserError
from workbook.formats.sheets.cells import CellValue
from workbook.formats.sheets.grid import (
    SheetEntry,
    SheetGrid,
    _check_text,
    _ClosedOnExit,
    _GridBuilder,
    _too_wide,
)
from workbook.formats.sheets.preflight import (
    MAX_COLUMNS,
    FileFacts,
    place,
)


class TextSource(_ClosedOnExit):
    """CSV/TSV: sniff the encoding (UTF-8 ± BOM, UTF-16, cp1252) and the delimiter (`,` `;` tab `|`)."""

    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.sheet_name = facts.path.stem or "Sheet1"
        self.text, self.encoding = decode_text(facts.path.read_bytes(), facts.name)
        self.delimiter = sniff_delimiter(self.text, prefer_tab=facts.kind == "tsv")

    def close(self) -> None:
        pass

    def sheets(self) -> tuple[SheetEntry, ...]:
        return (SheetEntry(self.sheet_name, 0, False),)

    def read(self, sheet: str, max_rows: int | None = None) -> SheetGrid:
        facts = self.facts
        if sheet != self.sheet_name:
            raise UserError(
                f"A {facts.kind.upper()} file has one sheet, {self.sheet_name!r}; there is no {sheet!r}.",
                where=place(facts.name),
            )
        builder = _GridBuilder(facts, sheet)
        reader = csv.reader(_lines(self.text, self.delimiter, facts, sheet), delimiter=self.delimiter)
        row = 0
        try:
            for row, fields in enumerate(reader, start=1):
                if max_rows is not None and row > max_rows:
                    break
                if len(fields) > MAX_COLUMNS:
                    raise _too_wide(facts, sheet, row, len(fields))
                cells: list[CellValue] = []
                for col, text in enumerate(fields, start=1):
                    _check_text(facts, sheet, row, col, text)
                    cells.append(text or None)
                builder.add(row, cells)
        except csv.Error as exc:
            raise UserError(
                f"The file cannot be read as {facts.kind.upper()}: {exc}.",
                where=place(facts.name, None, row + 1),
                hint="Open it in a spreadsheet program and save it as .xlsx or UTF-8 CSV.",
            ) from exc
        return SheetGrid(name=sheet, rows=tuple(builder.rows), claimed_rows=row, complete=max_rows is None)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def _lines(text: str, delimiter: str, facts: FileFacts, sheet: str) -> Iterator[str]:
    """The text's lines with their endings, as a file opened with newline="" gives them.

    A generator, not io.StringIO: StringIO keeps four bytes per character (a 60 MB CSV took 425 MB). A line
    holding more delimiters than a sheet has columns is refused before csv splits it into a list of
    millions of fields (a 60 MB line of commas took 670 MB).
    """
    row = 1
    for found in _LINE.finditer(text):
        line = found.group()
        if not line:
            return
        if len(line) > MAX_COLUMNS and line.count(delimiter) >= MAX_COLUMNS:
            raise _too_wide(facts, sheet, row, line.count(delimiter) + 1)
        row += 1
        yield line


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode a CSV's bytes; refuse binary data. Returns (text, encoding used)."""
    text: str | None = None
    encoding = ""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text, encoding = data[len(bom) :].decode(enc), enc
            except UnicodeDecodeError:
                text = None
            break
    if text is None and len(data) >= 4:
        sample = data[:4096]
        even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
        half = len(sample) // 2
        if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
            encoding = "utf-16-le"
        elif even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
            encoding = "utf-16-be"
        if encoding:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                text, encoding = None, ""
    if text is None:
        for enc in ("utf-8", "cp1252"):
            try:
                text, encoding = data.decode(enc), enc
                break
            except UnicodeDecodeError:
                continue
    if text is None:
        text, encoding = data.decode("latin-1"), "latin-1"
    bad = sum(1 for ch in text[:100_000] if (ord(ch) < 32 and ch not in "\t\r\n") or ch == "\ufffd")
    if "\x00" in text or bad > max(2, len(text[:100_000]) // 200):
        raise UserError(
            "The file is not text: it looks like binary data, so it cannot be read as CSV.",
            where=name,
            hint="Check that you chose the right file; export the checklist as .xlsx or CSV.",
        )
    return text, encoding


_SNIFF_CHARS = 64 * 1024
_SNIFF_RECORDS = 60


def sniff_delimiter(text: str, prefer_tab: bool = False) -> str:
    """The delimiter that splits the first records into the most consistent number of fields (more than one).

    Records are parsed as CSV (RFC 4180), so quoted cells holding line breaks or the other delimiters
    count as one field: a `;` file whose quoted cells contain commas is still read with `;`.
    """
    sample = text[:_SNIFF_CHARS]
    order = ("\t", ",", ";", "|") if prefer_tab else (",", ";", "\t", "|")
    best = order[0]
    best_score: tuple[int, int, int] = (0, 0, 0)
    for rank, delimiter in enumerate(order):
        try:
            records = [
                len(fields)
                for fields in itertools.islice(
                    csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), _SNIFF_RECORDS + 1
                )
                if any(f.strip() for f in fields)
            ]
        except csv.Error:
            continue
        if len(sample) < len(text) and len(records) > 1:
            records.pop()  # the sample may cut the last record short
        if not records:
            continue
        modal = max(set(records), key=lambda n: (records.count(n), n))
        if modal < 2:
            continue
        score = (records.count(modal), modal, -rank)
        if score > best_score:
            best, best_score = delimiter, score
    return best
