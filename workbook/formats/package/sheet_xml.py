"""Worksheet XML at the byte level: find rows and cells without a DOM, splice new cells into chosen rows."""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from workbook.formats.sheets.grid import CellRange
from workbook.formats.sheets.preflight import MAX_COLUMNS, column_letter

_ATTR = re.compile(rb"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ATTRS = rb"""(?P<attrs>(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(?P<empty>/)?>"""
# Comments, CDATA and processing instructions are matched whole: nothing inside them is taken for a tag.
_OPAQUE = rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
_REF = re.compile(rb"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?worksheet(?=[\s/>])" + _ATTRS)
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']+)["']""")
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?f\s[^>]*>")
_MAIN_NAMESPACES = (
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    b"http://purl.oclc.org/ooxml/spreadsheetml/main",
)


class SheetXmlError(ValueError):
    """The part is not the worksheet XML we can splice (no sheetData, not UTF-8, no main namespace)."""


def _tags(names: bytes) -> re.Pattern[bytes]:
    return re.compile(
        _OPAQUE + rb"|<(?P<close>/)?(?P<pfx>[A-Za-z_][\w.\-]*:)?(?P<name>" + names + rb")(?=[\s/>])" + _ATTRS,
        re.S,
    )


_TOP_TAGS = _tags(rb"sheetData|dimension|cols|col")
_ROW_TAGS = _tags(rb"row|sheetData")
_CELL_TAGS = _tags(rb"c|f|v")
_MERGE_TAGS = _tags(rb"mergeCell")
_ANY_ATTRS = re.compile(_ATTRS)
# Only the `r` attribute, for the rows and cells write-back does not touch (a dict per row costs seconds).
_R_ROW = re.compile(rb"""(?:^|\s)r\s*=\s*["']([0-9]+)["']""")
_LAST_REF = re.compile(rb"""(?=[\s/>])[^>]*?\sr\s*=\s*["']\$?([A-Za-z]{1,3})\$?[0-9]""")


def attributes(raw: bytes) -> dict[str, str]:
    """Attributes of a start tag's attribute text, in document order (names as written, values raw)."""
    return {
        m[1].decode("utf-8", "replace"): (m[2] if m[2] is not None else m[3]).decode("utf-8", "replace")
        for m in _ATTR.finditer(raw)
    }


def column_index(letters: str) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + (ord(ch) - 64)
    return index


def parse_ref(ref: str) -> CellRange | None:
    """`B3:D7` or `B3` (with `$` signs or not) as a CellRange; None for anything else."""
    parts = ref.strip().split(":")
    if not 1 <= len(parts) <= 2:
        return None
    points = []
    for part in parts:
        m = _REF.fullmatch(part.encode("ascii", "replace"))
        if m is None:
            return None
        points.append((int(m[2]), column_index(m[1].decode())))
    (r1, c1), (r2, c2) = points[0], points[-1]
    return CellRange(min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


@dataclass
class CellXml:
    col: int
    start: int
    end: int
    attrs: dict[str, str]
    formula: bool = False
    value: bytes | None = None


@dataclass
class RowXml:
    number: int
    start: int
    tag_end: int  # just after the start tag
    close_start: int  # where `</row>` starts (== tag_end for `<row/>`)
    end: int
    raw_attrs: bytes
    cells: list[CellXml] = field(default_factory=list)

    @functools.cached_property
    def attrs(self) -> dict[str, str]:
        return attributes(self.raw_attrs)

    @property
    def self_closing(self) -> bool:
        return self.close_start == self.tag_end and self.end == self.tag_end


@dataclass
class ColXml:
    start: int
    end: int
    low: int
    high: int
    attrs: dict[str, str]


@dataclass
class SheetScan:
    """What write-back needs to know of one worksheet part, with byte offsets for the splice."""

    xml: bytes
    prefix: str  # "" or "x:" — the prefix the sheet's own elements carry
    data_start: int  # start of the `<sheetData>` tag
    data_tag_end: int
    data_close: int | None  # start of `</sheetData>`; None when the tag is self-closing
    row_numbers: list[int]
    row_starts: list[int]
    wanted: dict[int, RowXml]
    last_column: int
    merged: list[CellRange]
    arrays: list[CellRange]
    cols: list[ColXml]
    dimension: tuple[int, int, CellRange | None] | None  # tag span and its range

    def cell(self, row: int, col: int) -> CellXml | None:
        found = self.wanted.get(row)
        if found is None:
            return None
        for cell in found.cells:
            if cell.col == col:
                return cell
        return None

    def col_style(self, col: int) -> str | None:
        for entry in self.cols:
            if entry.low <= col <= entry.high:
                return entry.attrs.get("style")
        return None

    def holds_formula(self, row: int, col: int) -> bool:
        cell = self.cell(row, col)
        if cell is not None and cell.formula:
            return True
        return any(a.min_row <= row <= a.max_row and a.min_col <= col <= a.max_col for a in self.arrays)


def check_encoding(xml: bytes) -> None:
    if xml.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SheetXmlError("the sheet is stored as UTF-16")
    declared = _ENCODING.match(xml[:200])
    if declared and declared[1].strip().lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        raise SheetXmlError(f"the sheet is stored as {declared[1].decode('ascii', 'replace')}")


def scan_sheet(xml: bytes, wanted_rows: set[int]) -> SheetScan:
    """Find sheetData, every row's number and place, and the cells of the rows in `wanted_rows`."""
    check_encoding(xml)
    root = _ROOT.search(xml)
    if root is None or not any(ns in root["attrs"] for ns in _MAIN_NAMESPACES):
        raise SheetXmlError("the part is not a worksheet")
    cols: list[ColXml] = []
    dimension: tuple[int, int, CellRange | None] | None = None
    data_match: re.Match[bytes] | None = None
    open_col: re.Match[bytes] | None = None
    for m in _TOP_TAGS.finditer(xml, root.end()):
        name = m["name"]
        if name is None:
            continue
        if name == b"col" and open_col is not None and m["close"]:
            cols.append(_col(open_col, m.end()))
            open_col = None
        elif name == b"col" and not m["close"]:
            if m["empty"]:
                cols.append(_col(m, m.end()))
            else:
                open_col = m
        elif name == b"dimension" and not m["close"]:
            dimension = (m.start(), m.end(), parse_ref(attributes(m["attrs"]).get("ref", "")))
        elif name == b"sheetData" and not m["close"]:
            data_match = m
            break
    if data_match is None:
        raise SheetXmlError("the sheet has no sheetData")
    prefix = (data_match["pfx"] or b"").decode("ascii")
    data_close: int | None = None
    rows: list[RowXml] = []
    if not data_match["empty"]:
        rows, data_close = _rows(xml, data_match.end(), prefix.encode("ascii"))
    wanted: dict[int, RowXml] = {}
    last_column = 0
    for row in rows:
        if row.number in wanted_rows:
            row.cells = list(_cells(xml, row))
            wanted[row.number] = row
            last_column = max([last_column, *(c.col for c in row.cells)])
        else:
            last_column = max(last_column, _last_column(xml, row, prefix.encode("ascii")))
    after = data_close if data_close is not None else data_match.end()
    merged = [
        rng
        for m in _MERGE_TAGS.finditer(xml, after)
        if m["name"] and not m["close"]
        for rng in [parse_ref(attributes(m["attrs"]).get("ref", ""))]
        if rng is not None
    ]
    arrays = _arrays(xml, data_match.end(), after)
    if dimension is not None and dimension[2] is not None and dimension[2].max_col < MAX_COLUMNS:
        last_column = max(last_column, dimension[2].max_col)
    last_column = max([last_column, *(r.max_col for r in merged), *(_used_col(c) for c in cols)])
    return SheetScan(
        xml=xml,
        prefix=prefix,
        data_start=data_match.start(),
        data_tag_end=data_match.end(),
        data_close=data_close,
        row_numbers=[r.number for r in rows],
        row_starts=[r.start for r in rows],
        wanted=wanted,
        last_column=last_column,
        merged=merged,
        arrays=arrays,
        cols=cols,
        dimension=dimension,
    )


def _col(m: re.Match[bytes], end: int) -> ColXml:
    attrs = attributes(m["attrs"])
    low = _int(attrs.get("min"), 1)
    return ColXml(m.start(), end, low, _int(attrs.get("max"), low), attrs)


def _used_col(col: ColXml) -> int:
    """A column range counts as used when someone sized or hid it; ranges to the sheet's edge never do."""
    if col.high >= MAX_COLUMNS:
        return 0
    deliberate = col.attrs.get("hidden") in ("1", "true") or col.attrs.get("customWidth") in ("1", "true")
    return col.high if deliberate else 0


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _rows(xml: bytes, pos: int, prefix: bytes) -> tuple[list[RowXml], int]:
    end = xml.find(b"</" + prefix + b"sheetData", pos)
    if end < 0:
        raise SheetXmlError("sheetData is not closed")
    if xml.find(b"<!", pos, end) >= 0 or xml.find(b"<?", pos, end) >= 0:
        return _rows_tokenized(xml, pos)
    rows: list[RowXml] = []
    opening, closing = b"<" + prefix + b"row", b"</" + prefix + b"row"
    number = 0
    while True:
        start = xml.find(opening, pos, end)
        if start < 0:
            break
        after = start + len(opening)
        if xml[after : after + 1] not in (b" ", b"\t", b"\r", b"\n", b"/", b">"):
            pos = after
            continue
        tag = _ANY_ATTRS.match(xml, after)
        if tag is None:
            raise SheetXmlError(f"a row tag at byte {start} cannot be read")
        attrs = tag["attrs"]
        found = _R_ROW.search(attrs)
        number = int(found[1]) if found else number + 1
        if tag["empty"]:
            rows.append(RowXml(number, start, tag.end(), tag.end(), tag.end(), attrs))
            pos = tag.end()
            continue
        close = xml.find(closing, tag.end(), end)
        close_end = xml.find(b">", close) + 1 if close >= 0 else 0
        if close < 0 or close_end <= 0:
            raise SheetXmlError(f"row {number} is not closed")
        rows.append(RowXml(number, start, tag.end(), close, close_end, attrs))
        pos = close_end
    return rows, end


def _rows_tokenized(xml: bytes, pos: int) -> tuple[list[RowXml], int]:
    """The careful row finder, for the rare sheet with comments or CDATA among its rows."""
    rows: list[RowXml] = []
    number = 0
    current: re.Match[bytes] | None = None
    for m in _ROW_TAGS.finditer(xml, pos):
        name = m["name"]
        if name == b"sheetData" and m["close"]:
            if current is not None:
                raise SheetXmlError("a row is not closed")
            return rows, m.start()
        if name != b"row":
            continue
        if m["close"]:
            if current is None:
                raise SheetXmlError(f"a stray row end at byte {m.start()}")
            attrs = current["attrs"]
            found = _R_ROW.search(attrs)
            number = int(found[1]) if found else number + 1
            rows.append(RowXml(number, current.start(), current.end(), m.start(), m.end(), attrs))
            current = None
        elif m["empty"]:
            found = _R_ROW.search(m["attrs"])
            number = int(found[1]) if found else number + 1
            rows.append(RowXml(number, m.start(), m.end(), m.end(), m.end(), m["attrs"]))
        else:
            current = m
    raise SheetXmlError("sheetData is not closed")


def _cells(xml: bytes, row: RowXml) -> Iterator[CellXml]:
    col = 0
    cell: CellXml | None = None
    value_start = -1
    for m in _CELL_TAGS.finditer(xml, row.tag_end, row.close_start):
        name = m["name"]
        if name is None:
            continue
        if name == b"c":
            if m["close"]:
                if cell is not None:
                    cell.end = m.end()
                    yield cell
                cell = None
                continue
            attrs = attributes(m["attrs"])
            ref = _REF.fullmatch(attrs.get("r", "").encode("ascii", "replace"))
            col = column_index(ref[1].decode()) if ref else col + 1
            cell = CellXml(col, m.start(), m.end(), attrs)
            if m["empty"]:
                yield cell
                cell = None
        elif cell is not None and name == b"f" and not m["close"]:
            cell.formula = True
        elif cell is not None and name == b"v":
            if m["close"] and value_start >= 0:
                cell.value = xml[value_start : m.start()]
            elif not m["close"]:
                value_start = -1 if m["empty"] else m.end()
                if m["empty"]:
                    cell.value = b""


def _last_column(xml: bytes, row: RowXml, prefix: bytes) -> int:
    """The column of a row's last cell (cells run in column order); counted when the cell has no `r`."""
    if row.self_closing:
        return 0
    start = xml.rfind(b"<" + prefix + b"c", row.tag_end, row.close_start)
    if start < 0:
        return 0
    ref = _LAST_REF.match(xml, start + len(prefix) + 2)
    if ref is not None:
        return column_index(ref[1].decode())
    return max((c.col for c in _cells(xml, row)), default=0)


def _arrays(xml: bytes, start: int, end: int) -> list[CellRange]:
    """Ranges of array and data-table formulas: only their first cell carries an `<f>`."""
    found = []
    for m in _FORMULA.finditer(xml, start, end):
        attrs = attributes(m[0])
        if attrs.get("t") in ("array", "dataTable") and (rng := parse_ref(attrs.get("ref", ""))) is not None:
            found.append(rng)
    return found


def set_attribute(tag: bytes, name: str, value: str | None) -> bytes:
    """A start tag with one attribute replaced, added (before the tag's end) or, for None, removed."""
    pattern = re.compile(rb"""(\s+)""" + re.escape(name.encode()) + rb"""\s*=\s*(?:"[^"]*"|'[^']*')""")
    if value is None:
        return pattern.sub(b"", tag, count=1)
    text = f'{name}="{value}"'.encode()
    if pattern.search(tag):
        return pattern.sub(lambda m: m[1] + text, tag, count=1)
    tail = re.search(rb"\s*/?>$", tag)
    cut = tail.start() if tail else len(tag)
    return tag[:cut] + b" " + text + tag[cut:]


@dataclass
class SheetEdit:
    """New cells by row and column (each the whole `<c>` element), and the columns to size."""

    cells: Mapping[int, Mapping[int, bytes]]
    sized_columns: Sequence[int] = ()
    width: str = "28"


def splice_sheet(scan: SheetScan, edit: SheetEdit) -> bytes:
    """The part with the new cells in place; every byte outside the changed rows, cols and dimension kept."""
    xml, p = scan.xml, scan.prefix.encode("ascii")
    pieces: list[tuple[int, int, bytes]] = []
    if not edit.cells:
        return xml
    written = CellRange(
        min(edit.cells),
        min(col for cells in edit.cells.values() for col in cells),
        max(edit.cells),
        max(col for cells in edit.cells.values() for col in cells),
    )
    pieces.extend(_dimension_edit(scan, written))
    pieces.extend(_cols_edit(scan, p, sorted(set(edit.sized_columns)), edit.width))
    missing: list[tuple[int, bytes]] = []
    for number in sorted(edit.cells):
        new_cells = edit.cells[number]
        row = scan.wanted.get(number)
        if row is None:
            body = b"".join(new_cells[c] for c in sorted(new_cells))
            opening = b"<" + p + b'row r="' + str(number).encode() + b'">'
            missing.append((number, opening + body + b"</" + p + b"row>"))
        else:
            pieces.append((row.start, row.end, _row_bytes(xml, p, row, new_cells)))
    if missing:
        if scan.data_close is None:
            body = b"".join(text for _, text in missing)
            tag = xml[scan.data_start : scan.data_tag_end]
            opened = re.sub(rb"\s*/>$", b">", tag)
            pieces.append((scan.data_start, scan.data_tag_end, opened + body + b"</" + p + b"sheetData>"))
        else:
            for number, text in missing:
                at = _row_position(scan, number)
                pieces.append((at, at, text))
    pieces.sort(key=lambda piece: (piece[0], piece[1]))
    out, pos = [], 0
    for start, end, text in pieces:
        out.append(xml[pos:start])
        out.append(text)
        pos = end
    out.append(xml[pos:])
    return b"".join(out)


def _row_position(scan: SheetScan, number: int) -> int:
    numbers = scan.row_numbers
    if all(a < b for a, b in itertools.pairwise(numbers)):
        index = bisect.bisect_right(numbers, number)
        return scan.row_starts[index] if index < len(numbers) else _data_close(scan)
    for n, start in zip(numbers, scan.row_starts, strict=True):
        if n > number:
            return start
    return _data_close(scan)


def _data_close(scan: SheetScan) -> int:
    assert scan.data_close is not None
    return scan.data_close


def _row_bytes(xml: bytes, p: bytes, row: RowXml, new_cells: Mapping[int, bytes]) -> bytes:
    tag = xml[row.start : row.tag_end]
    tag = _widen_spans(tag, row.attrs.get("spans"), min(new_cells), max(new_cells))
    pending = sorted(new_cells)
    out: list[bytes] = []
    if row.self_closing:
        out.append(re.sub(rb"\s*/>$", b">", tag))
    else:
        out.append(tag)
    pos = row.tag_end
    for cell in row.cells:
        out.append(xml[pos : cell.start])
        while pending and pending[0] < cell.col:
            out.append(new_cells[pending.pop(0)])
        if pending and pending[0] == cell.col:
            out.append(new_cells[pending.pop(0)])
        else:
            out.append(xml[cell.start : cell.end])
        pos = cell.end
    out.extend(new_cells[c] for c in pending)
    if row.self_closing:
        out.append(b"</" + p + b"row>")
    else:
        out.append(xml[pos : row.end])
    return b"".join(out)


def _widen_spans(tag: bytes, spans: str | None, low: int, high: int) -> bytes:
    if spans is None:
        return tag
    m = re.fullmatch(r"\s*(\d+):(\d+)\s*", spans)
    if m is None:
        return set_attribute(tag, "spans", None)
    return set_attribute(tag, "spans", f"{min(int(m[1]), low)}:{max(int(m[2]), high)}")


def _dimension_edit(scan: SheetScan, written: CellRange) -> list[tuple[int, int, bytes]]:
    """Widen `<dimension ref>` to cover the written cells (a sheet-wide ref like A1:XFD1048576 stays)."""
    if scan.dimension is None:
        return []
    start, end, rng = scan.dimension
    if rng is None:
        return []
    wide = CellRange(
        min(rng.min_row, written.min_row),
        min(rng.min_col, written.min_col),
        max(rng.max_row, written.max_row),
        max(rng.max_col, written.max_col),
    )
    if wide == rng:
        return []
    ref = f"{column_letter(wide.min_col)}{wide.min_row}:{column_letter(wide.max_col)}{wide.max_row}"
    return [(start, end, set_attribute(scan.xml[start:end], "ref", ref))]


def _col_tag(p: bytes, low: int, high: int, attrs: Mapping[str, str]) -> bytes:
    rest = "".join(f' {k}="{v}"' for k, v in attrs.items() if k not in ("min", "max"))
    return b"<" + p + f'col min="{low}" max="{high}"{rest}/>'.encode()


def _cols_edit(scan: SheetScan, p: bytes, columns: list[int], width: str) -> list[tuple[int, int, bytes]]:
    """Give each column its own `<col>`: split a range that covers it, or add one in column order."""
    if not columns:
        return []
    ours = {"width": width, "customWidth": "1"}
    edits: list[tuple[int, int, bytes]] = []
    placed: set[int] = set()
    for entry in scan.cols:
        inside = [c for c in columns if entry.low <= c <= entry.high]
        if not inside:
            continue
        parts, low = [], entry.low
        for c in inside:
            if low < c:
                parts.append(_col_tag(p, low, c - 1, entry.attrs))
            style = {"style": entry.attrs["style"]} if "style" in entry.attrs else {}
            parts.append(_col_tag(p, c, c, {**ours, **style}))
            low = c + 1
        if low <= entry.high:
            parts.append(_col_tag(p, low, entry.high, entry.attrs))
        edits.append((entry.start, entry.end, b"".join(parts)))
        placed.update(inside)
    loose = [c for c in columns if c not in placed]
    if not loose:
        return edits
    if not scan.cols:
        body = b"".join(_col_tag(p, c, c, ours) for c in loose)
        return [*edits, (scan.data_start, scan.data_start, b"<" + p + b"cols>" + body + b"</" + p + b"cols>")]
    for c in loose:
        before = [e for e in scan.cols if e.high < c]
        at = before[-1].end if before else scan.cols[0].start
        edits.append((at, at, _col_tag(p, c, c, ours)))
    return edits
