"""xlsx/xlsm write-back at the package level: every zip member copied as it was, but the answered sheets."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import posixpath
import re
import shutil
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbook.atomic import atomic_output
from workbook.errors import UserError
from workbook.formats.package.inputs import (
    SheetAnswers,
    WritebackAnswer,
    WritebackInput,
    WritebackResult,
)
from workbook.formats.package.sheet_xml import (
    SheetEdit,
    SheetScan,
    SheetXmlError,
    scan_sheet,
    set_attribute,
    splice_sheet,
)
from workbook.formats.package.writeback_plan import (
    PlannedCell,
    SheetPlan,
    SheetShape,
    group_answers,
    needed_rows,
    plan_sheet,
    value_text,
)
from workbook.formats.sheets.preflight import column_letter, ensure_defusedxml, place

_CHUNK = 1 << 20
_OFFICE_DOCUMENT = "/officeDocument"
_TAGS = re.compile(
    rb"<!--.*?-->|<(?P<close>/)?(?P<pfx>[A-Za-z_][\w.\-]*:)?(?P<name>xf|cellXfs)(?=[\s/>])"
    rb"""(?P<attrs>(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(?P<empty>/)?>""",
    re.S,
)
# Built-in number formats that show dates (14-22, 45-47) and their East Asian variants (27-36, 50-58).
_BUILTIN_DATES = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_EPOCH_1900 = dt.date(1899, 12, 30)
_EPOCH_1904 = dt.date(1904, 1, 1)

Reader = Callable[[str], bytes]
Finder = Callable[[str], str | None]


@dataclass(frozen=True)
class SheetPart:
    name: str
    path: str
    kind: str  # worksheet, chartsheet, dialogsheet, macrosheet


def patch_xlsx(data: WritebackInput, out_path: Path) -> WritebackResult:
    """Fill the answers into the sheets' XML, copy every other part unchanged; on error nothing is written."""
    ensure_defusedxml()
    name = data.file_name
    try:
        src = zipfile.ZipFile(io.BytesIO(data.original_bytes))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _damaged(name, "its zip container cannot be read") from exc
    with src:
        members = {info.filename: info for info in src.infolist()}
        lower = {n.lower(): n for n in members}

        def member(path: str) -> str | None:
            return path if path in members else lower.get(path.lower())

        def read(path: str) -> bytes:
            found = member(path)
            if found is None:
                raise _damaged(name, f"the part {path} is missing")
            try:
                return src.read(found)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
                raise _damaged(name, f"the part {path} cannot be read") from exc

        book_path = _workbook_path(read, member, name)
        rels = _relationships(read, member, book_path, name)
        book = _parse(read(book_path), book_path, name)
        parts = _sheet_parts(book, rels, book_path)
        date1904 = any(
            _local(el.tag) == "workbookPr" and el.get("date1904") in ("1", "true") for el in book.iter()
        )
        styles_path = next((t for kind, t in rels.values() if kind.endswith("/styles")), None)
        styles = Styles(read(styles_path) if styles_path and member(styles_path) else None, name)
        grouped = group_answers(data, [p.name for p in parts])
        by_name = {p.name: p for p in parts}
        replaced: dict[str, bytes] = {}
        plans: list[SheetPlan] = []
        for sheet, (spec, answers) in grouped.items():
            part = by_name[sheet]
            if not answers:
                continue
            if part.kind != "worksheet":
                raise UserError(
                    f"The sheet {sheet!r} is a {part.kind}, not a table, so answers cannot go into it.",
                    where=place(name, sheet),
                    hint="Import the checklist again and choose the sheet that lists the requests.",
                )
            path = member(part.path)
            if path is None:
                raise _damaged(name, f"the part {part.path} of sheet {sheet!r} is missing")
            xml, plan = _patch_sheet(read(path), path, sheet, spec, answers, styles, date1904, name)
            plans.append(plan)
            if plan.cells:
                replaced[path] = xml
        if styles.changed is not None and styles_path is not None:
            found = member(styles_path)
            assert found is not None
            replaced[found] = styles.changed
        sha256 = _write_zip(src, replaced, out_path, name)
    return WritebackResult(
        sha256=sha256,
        appended=tuple(a for p in plans for a in p.appended),
        redirected=tuple(r for p in plans for r in p.redirects),
        written=sum(p.written for p in plans),
    )


def _damaged(file_name: str, detail: str) -> UserError:
    return UserError(
        f"The stored checklist is damaged ({detail}), so the answers cannot be written into it.",
        where=place(file_name),
        hint="Import the auditor's checklist again, then export.",
    )


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _parse(xml: bytes, path: str, file_name: str) -> Any:
    """A small part (workbook, relationships, styles) as a tree, refusing DTDs and entities."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        return fromstring(xml, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise _unsafe(file_name, path) from exc
    except ParseError as exc:
        raise _damaged(file_name, f"the part {path} is not well-formed XML") from exc


def _unsafe(file_name: str, path: str) -> UserError:
    return UserError(
        f"The checklist's part {path} contains unsafe XML (a DTD or entity declarations), "
        "so the answers were not written.",
        where=place(file_name),
        hint="Open the checklist in Excel, save it again, import that copy and export again.",
    )


class _Sink:
    """A parser target with no callbacks: expat checks the XML at C speed and builds nothing."""

    def close(self) -> None:
        return None


def check_safe(xml: bytes, path: str, file_name: str) -> None:
    """Stream the part through defusedxml's parser: no DTD, no entities, and well-formed, or a UserError."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser, ParseError

    parser = DefusedXMLParser(target=_Sink(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    # Without this every tag passes through a Python callback (5x slower); undefined entities still fail.
    parser.parser.DefaultHandlerExpand = None
    view = memoryview(xml)
    try:
        for start in range(0, len(xml), _CHUNK):
            parser.feed(view[start : start + _CHUNK])
        parser.close()
    except DefusedXmlException as exc:
        raise _unsafe(file_name, path) from exc
    except ParseError as exc:
        raise _damaged(file_name, f"the part {path} is not well-formed XML: {exc}") from exc


def _workbook_path(read: Reader, member: Finder, file_name: str) -> str:
    if member("_rels/.rels") is not None:
        for el in _parse(read("_rels/.rels"), "_rels/.rels", file_name).iter():
            if _local(el.tag) == "Relationship" and str(el.get("Type", "")).endswith(_OFFICE_DOCUMENT):
                found = member(posixpath.normpath(str(el.get("Target", "")).lstrip("/")))
                if found is not None:
                    return found
    return "xl/workbook.xml"


def _relationships(
    read: Reader, member: Finder, book_path: str, file_name: str
) -> dict[str, tuple[str, str]]:
    """The workbook's relationships: id -> (type, part path in the zip)."""
    folder, base = posixpath.split(book_path)
    rels_path = posixpath.join(folder, "_rels", base + ".rels")
    if member(rels_path) is None:
        raise _damaged(file_name, f"the part {rels_path} is missing")
    found: dict[str, tuple[str, str]] = {}
    for el in _parse(read(rels_path), rels_path, file_name).iter():
        if _local(el.tag) != "Relationship" or el.get("TargetMode") == "External":
            continue
        target = str(el.get("Target", ""))
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        found[str(el.get("Id", ""))] = (str(el.get("Type", "")), posixpath.normpath(path))
    return found


def _sheet_parts(book: Any, rels: dict[str, tuple[str, str]], book_path: str) -> list[SheetPart]:
    parts = []
    for el in book.iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id" and k.startswith("{")), None)
        kind, path = rels.get(rid or "", ("", ""))
        parts.append(SheetPart(el.get("name", ""), path, kind.rpartition("/")[2] or "worksheet"))
    return parts


def _patch_sheet(
    xml: bytes,
    path: str,
    sheet: str,
    spec: SheetAnswers,
    answers: Sequence[WritebackAnswer],
    styles: Styles,
    date1904: bool,
    file_name: str,
) -> tuple[bytes, SheetPlan]:
    check_safe(xml, path, file_name)
    try:
        scan = scan_sheet(xml, needed_rows(spec, answers))
    except SheetXmlError as exc:
        raise UserError(
            f"The answers cannot be written into this sheet: {exc}.",
            where=place(file_name, sheet),
            hint="Open the checklist in Excel, save it again, import that copy and export again.",
        ) from exc
    shape = SheetShape(scan.last_column, tuple(scan.merged), scan.holds_formula)
    plan = plan_sheet(sheet, spec, answers, shape, place(file_name, sheet))
    cells: dict[int, dict[int, bytes]] = {}
    epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
    for planned in plan.cells:
        cells.setdefault(planned.row, {})[planned.col] = _cell_xml(scan, styles, planned, epoch)
    return splice_sheet(scan, SheetEdit(cells, plan.appended_columns)), plan


def _style_at(scan: SheetScan, row: int, col: int, *, leftmost: int | None = None) -> str | None:
    """The style a cell shows: its own, else its row's (when the row is formatted), else its column's.

    With `leftmost`, the nearest cell at or left of `col` (down to that column) stands in for a missing one.
    """
    cell = scan.cell(row, col)
    if cell is None and leftmost is not None and row in scan.wanted:
        cell = max(
            (c for c in scan.wanted[row].cells if leftmost <= c.col <= col), key=lambda c: c.col, default=None
        )
    if cell is not None:
        return cell.attrs.get("s")
    found = scan.wanted.get(row)
    if found is not None and found.attrs.get("customFormat") in ("1", "true"):
        return found.attrs.get("s")
    return scan.col_style(col)


def _cell_xml(scan: SheetScan, styles: Styles, planned: PlannedCell, epoch: dt.date) -> bytes:
    p = scan.prefix
    ref = f"{column_letter(planned.col)}{planned.row}"
    existing = scan.cell(planned.row, planned.col)
    if planned.appended:
        # An appended cell looks like its row's last cell (in the header row, the last heading).
        style = _style_at(scan, planned.row, scan.last_column, leftmost=1)
    else:
        style = _style_at(scan, planned.row, planned.col)
    value = planned.value
    if isinstance(value, dt.date) and not planned.appended:
        numeric = existing is None or existing.attrs.get("t", "n") == "n"
        if numeric and style is not None and styles.is_date(style):
            day = value.date() if isinstance(value, dt.datetime) else value
            serial = (day - epoch).days
            return f'<{p}c r="{ref}" s="{style}"><{p}v>{serial}</{p}v></{p}c>'.encode()
    text = value_text(value)
    if planned.appended and "\n" in text:
        style = styles.wrapped(style)
    s_attr = f' s="{style}"' if style not in (None, "", "0") else ""
    return (
        f'<{p}c r="{ref}"{s_attr} t="inlineStr"><{p}is><{p}t xml:space="preserve">{escape_text(text)}'
        f"</{p}t></{p}is></{p}c>"
    ).encode()


_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def escape_text(text: str) -> str:
    """Text for a `<t>`: XML escapes, CR as a character reference, a literal `_xHHHH_` kept literal."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return _EXCEL_ESCAPE.sub(r"_x005F_\1", text)


class Styles:
    """The workbook's cell formats: which show dates, which wrap, and new wrapping copies when needed."""

    def __init__(self, xml: bytes | None, file_name: str) -> None:
        self._xml = xml
        self.changed: bytes | None = None
        self._formats: list[tuple[int, bool]] = []  # (numFmtId, wraps) per cellXfs entry
        self._codes: dict[int, str] = {}
        self._wrapped: dict[str | None, str | None] = {}
        if xml is None:
            return
        root = _parse(xml, "styles.xml", file_name)
        for el in root.iter():
            name = _local(el.tag)
            if name == "numFmt":
                self._codes[_int(el.get("numFmtId"))] = el.get("formatCode", "")
            elif name == "cellXfs":
                for xf in el:
                    if _local(xf.tag) != "xf":
                        continue
                    wraps = any(
                        _local(a.tag) == "alignment" and a.get("wrapText") in ("1", "true") for a in xf
                    )
                    self._formats.append((_int(xf.get("numFmtId")), wraps))

    def is_date(self, style: str) -> bool:
        from openpyxl.styles.numbers import is_date_format

        index = _int(style)
        if not 0 <= index < len(self._formats):
            return False
        fmt_id = self._formats[index][0]
        if fmt_id in _BUILTIN_DATES:
            return True
        return fmt_id in self._codes and bool(is_date_format(self._codes[fmt_id]))

    def wrapped(self, style: str | None) -> str | None:
        """A style like `style` that wraps text: itself when it does, else a copy appended to cellXfs."""
        index = _int(style)
        if 0 <= index < len(self._formats) and self._formats[index][1]:
            return style
        if style in self._wrapped:
            return self._wrapped[style]
        made = self._add_wrapping_copy(index) or style
        self._wrapped[style] = made
        return made

    def _add_wrapping_copy(self, index: int) -> str | None:
        xml = self.changed or self._xml
        block = _TAGS.search(xml) if xml is not None else None
        while block is not None and (block["name"] != b"cellXfs" or block["close"]):
            block = _TAGS.search(xml or b"", block.end())
        if xml is None or block is None or block["empty"]:
            return None
        prefix = block["pfx"] or b""
        close_at = xml.find(b"</" + prefix + b"cellXfs", block.end())
        if close_at < 0:
            return None
        xfs: list[tuple[int, int]] = []
        open_at = -1
        for m in _TAGS.finditer(xml, block.end(), close_at):
            if m["name"] != b"xf":
                continue
            if m["empty"]:
                xfs.append((m.start(), m.end()))
            elif not m["close"]:
                open_at = m.start()
            else:
                xfs.append((open_at, m.end()))
        if not 0 <= index < len(xfs):
            return None
        start, end = xfs[index]
        copy = _with_wrap(xml[start:end], prefix)
        head = set_attribute(xml[block.start() : block.end()], "count", str(len(xfs) + 1))
        self.changed = xml[: block.start()] + head + xml[block.end() : close_at] + copy + xml[close_at:]
        self._formats.append((self._formats[index][0], True))
        return str(len(xfs))


def _with_wrap(xf: bytes, prefix: bytes) -> bytes:
    first = _TAGS.match(xf)
    assert first is not None and first["name"] == b"xf"
    tag = set_attribute(xf[: first.end()], "applyAlignment", "1")
    if first["empty"]:
        opened = re.sub(rb"\s*/>$", b">", tag)
        return opened + b"<" + prefix + b'alignment wrapText="1"/></' + prefix + b"xf>"
    body = xf[first.end() :]
    align = re.search(rb"<" + re.escape(prefix) + rb"alignment(?=[\s/>])[^>]*>", body)
    if align is None:
        return tag + b"<" + prefix + b'alignment wrapText="1"/>' + body
    return tag + body[: align.start()] + set_attribute(align[0], "wrapText", "1") + body[align.end() :]


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return -1


def _write_zip(src: zipfile.ZipFile, replaced: dict[str, bytes], out_path: Path, file_name: str) -> str:
    """Copy every member in order with its name, date, attributes and compression; return the SHA-256."""
    with atomic_output(Path(out_path)) as (fd, tmp):
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", allowZip64=True) as dst:
            dst.comment = src.comment
            for info in src.infolist():
                copy = zipfile.ZipInfo(info.filename, info.date_time)
                for attr in ("compress_type", "comment", "external_attr", "internal_attr", "create_system"):
                    setattr(copy, attr, getattr(info, attr))
                copy.file_size = info.file_size
                if info.filename in replaced:
                    dst.writestr(copy, replaced[info.filename])
                    continue
                try:
                    with (
                        src.open(info) as reader,
                        dst.open(copy, "w", force_zip64=info.file_size > zipfile.ZIP64_LIMIT) as writer,
                    ):
                        shutil.copyfileobj(reader, writer, _CHUNK)
                except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
                    raise _damaged(file_name, f"the part {info.filename} cannot be read") from exc
        digest = hashlib.sha256()
        with tmp.open("rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                digest.update(chunk)
    return digest.hexdigest()
