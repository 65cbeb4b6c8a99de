"""Evidence in the package: stamped pages for images and PDF pages, tables for text and spreadsheets."""

from __future__ import annotations

import io
import os
import shutil
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)
from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from workbook.errors import UserError
from workbook.filtering import human_size
from workbook.formats.package.evidence_files import (
    Broken,
    ImageKind,
    JpegFast,
    PdfKind,
    PdfPageBox,
    PngFast,
    SheetKind,
    Spooled,
    TextKind,
    reason_clause,
)
from workbook.formats.package.fonts import clean, para_text
from workbook.formats.package.inputs import PackageEvidence, PackageRequest
from workbook.formats.package.pages import (
    BAND,
    Anchor,
    ChunkDoc,
    Layout,
    Marker,
    Placement,
    caption_height,
    date_text,
    grid_table,
    kv_table,
    provenance_text,
    when_text,
)
from workbook.formats.package.pdf_objects import CHUNK, Copier, PdfOut, file_chunks, page_content
from workbook.formats.sheets.cells import to_text
from workbook.formats.sheets.grid import SheetGrid, open_source
from workbook.formats.sheets.preflight import FileFacts, column_letter
from workbook.model import flag_label

_TEXT_LINE_CAP = 2_000
_TEXT_BYTE_CAP = 256 * 1024
_CSV_ROW_CAP = 300
_CSV_COL_CAP = 10
_CELL_CAP = 300
_CELL_LINES = 6  # line breaks kept per table cell: a taller row than a page cannot be laid out
_SHEET_CAP = 5
_SHEET_ROW_CAP = 200
_SHEET_COL_CAP = 12
_SHEET_CELL_CAP = 200
_SHEET_READ_ROWS = 2 * _SHEET_ROW_CAP + 100  # sheet rows parsed per sheet, so blank and hidden rows fit


@dataclass(frozen=True)
class EvidenceSlot:
    """Where one file sits in the package: its anchor and outline entry, and the words on its pages."""

    key: str  # the anchor links point at
    ref: str
    where: str  # "evidence 2/5", or "sample E1001 · offer letter"
    title: str  # its outline entry
    level: int
    # Entries that land on the file's first page too (a sample's own, above its first file).
    leads: tuple[Anchor, ...] = ()


def request_slot(req: PackageRequest, ri: int, ei: int, ev: PackageEvidence) -> EvidenceSlot:
    """The slot of the request's own file number `ei` (from 1)."""
    return EvidenceSlot(
        f"ev-{ri}-{ei}", req.ref, f"evidence {ei}/{len(req.evidence)}", f"{ei}. {clean(ev.name)}"[:200], 2
    )


def _stamp_for(slot: EvidenceSlot, ev: PackageEvidence, page: int | None, pages: int | None) -> str:
    parts = [clean(slot.ref)[:40], clean(slot.where)[:90]]
    if page is not None and pages is not None:
        parts.append(f"page {page}/{pages}")
    parts.append(f"sha256 {ev.sha256[:12]}…")
    return " · ".join(parts)


def _anchors(slot: EvidenceSlot) -> list[Flowable]:
    return [*slot.leads, Anchor(slot.key, slot.title, slot.level)]


def _evidence_heading(slot: EvidenceSlot, ev: PackageEvidence, lay: Layout) -> None:
    s = lay.styles
    lay.story.append(NextPageTemplate("body"))
    lay.story.append(PageBreak())
    lay.story.extend(_anchors(slot))
    lay.story.append(
        Paragraph(
            f"{para_text(slot.ref, 80)} · {para_text(slot.where, 160)} — {para_text(ev.name, 300)}", s["h2"]
        )
    )


def _facts(ev: PackageEvidence, spooled: Spooled, lay: Layout) -> None:
    rows = [
        ("File", ev.name),
        ("Type", ev.media_type or "—"),
        ("Size", human_size(ev.size)),
        ("SHA-256", ev.sha256),
        ("Attached as", spooled.attachment),
        ("Effective date", date_text(ev.effective_date)),
        ("Added", f"{ev.added_by} · {when_text(ev.added_at)}"),
    ]
    rows += [
        (k, v)
        for k, v in (
            ("Description", ev.description),
            ("Source system", ev.source_system),
            ("Shows", ev.shows),
            ("Population", ev.population),
            ("Period covered", ev.period_covered),
            ("Flags", ", ".join(flag_label(f) for f in ev.flags)),
        )
        if v
    ]
    lay.story.append(kv_table(rows, lay.styles, lay.doc.width))


def add_evidence(slot: EvidenceSlot, ev: PackageEvidence, lay: Layout) -> None:
    """One evidence file: a placeholder page per image or PDF page (filled at assembly), else its own page."""
    spooled = lay.spooled[ev.sha256.lower()]
    kind, s, doc = spooled.kind, lay.styles, lay.doc
    provenance = provenance_text(ev)
    if isinstance(kind, PdfKind):
        n = len(kind.pages)
        for pi, box in enumerate(kind.pages):
            shown_w, shown_h = box.shown
            # The first page says where the file comes from and what it shows, in a band above the page.
            caption = provenance if pi == 0 else ""
            top = caption_height(caption, shown_w)
            lay.story.append(NextPageTemplate(doc.template_for((shown_w, shown_h + BAND + top))))
            lay.story.append(PageBreak())
            if pi == 0:
                lay.story.extend(_anchors(slot))
            stamp = _stamp_for(slot, ev, pi + 1, n)
            lay.story.append(
                Marker(
                    _recorder(
                        doc,
                        Placement(spooled.evidence.sha256.lower(), pi, (0.0, BAND, shown_w, shown_h)),
                        stamp,
                        caption,
                    )
                )
            )
            lay.evidence_pages += 1
        return
    if isinstance(kind, ImageKind):
        data = kind.data
        w, h = (data.height, data.width) if kind.orientation in (6, 8) else (data.width, data.height)
        page = doc.pagesize if h >= w else landscape(doc.pagesize)
        pw, ph = page
        caption = f"{clean(ev.name)[:90]} · {w}×{h} px · effective {date_text(ev.effective_date)}"
        if provenance:
            caption += f"\n{provenance}"
        margin, top = 28.0, max(30.0, caption_height(caption, pw) + 8)
        avail_w, avail_h = pw - 2 * margin, ph - BAND - top - 8
        scale = min(avail_w / w, avail_h / h, 1.0 if w > 600 else 2.0)
        bw, bh = w * scale, h * scale
        spot = ((pw - bw) / 2, BAND + 4 + (avail_h - bh), bw, bh)
        lay.story.append(NextPageTemplate(doc.template_for(page)))
        lay.story.append(PageBreak())
        lay.story.extend(_anchors(slot))
        stamp = _stamp_for(slot, ev, None, None)
        lay.story.append(Marker(_recorder(doc, Placement(ev.sha256.lower(), 0, spot), stamp, caption)))
        lay.evidence_pages += 1
        return
    _evidence_heading(slot, ev, lay)
    if isinstance(kind, Broken):
        lay.problems.append(f"{slot.ref} · {ev.name}: {kind.reason}")
        lay.story.append(
            Paragraph(
                f"<b>This file could not be shown:</b> {para_text(kind.reason)}. The original is attached "
                "to this PDF unchanged; check it against the SHA-256 below.",
                s["note"],
            )
        )
        _facts(ev, spooled, lay)
    elif isinstance(kind, TextKind):
        _facts(ev, spooled, lay)
        lay.story.append(Spacer(1, 4 * mm))
        lay.story.extend(_render_text(spooled.path, kind.csv, lay))
    elif isinstance(kind, SheetKind):
        _facts(ev, spooled, lay)
        lay.story.append(Spacer(1, 2 * mm))
        lay.story.extend(_render_sheets(spooled, kind, slot.ref, lay))
    else:
        lay.story.append(
            Paragraph(
                "This type of file is not drawn on pages. It is attached to this PDF as the original file "
                f"<b>{para_text(spooled.attachment)}</b> (open the attachments panel of your PDF viewer).",
                s["body"],
            )
        )
        _facts(ev, spooled, lay)
    lay.story.append(Paragraph(para_text(_stamp_for(slot, ev, None, None)), s["small"]))


def _recorder(doc: ChunkDoc, placement: Placement, stamp: str, caption: str = "") -> Callable[[Canvas], None]:
    def record(canv: Canvas) -> None:
        doc.placements[doc.package_page()] = placement
        doc.overlays[canv.getPageNumber()] = (stamp, caption)

    return record


def _cell_text(text: str, cap: int) -> str:
    """Cell text cut to `cap` characters and a few lines, escaped for a paragraph."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cut = len(text) > cap
    text = text[:cap]
    if text.count("\n") > _CELL_LINES:
        lines = text.split("\n")
        text = "\n".join(lines[:_CELL_LINES]) + " " + " ".join(lines[_CELL_LINES:])
    return para_text(text) + (" […]" if cut else "")


def _text_table(
    rows: list[list[str]],
    lay: Layout,
    cap: int,
    head: list[str] | None = None,
    numbers: list[int] | None = None,
) -> Table:
    """Rows of plain text as a grid; columns share the width by how much they hold.

    With `head` (column letters) the first line is that head, repeated on each page, and `numbers` (sheet
    row numbers) become a narrow first column; without it the file's own first row is the head.
    """
    s, width = lay.styles, lay.doc.width
    cols = max(len(r) for r in rows)
    rows = [r + [""] * (cols - len(r)) for r in rows]
    weights = [max(4, min(40, max(len(r[c]) for r in rows))) for c in range(cols)]
    lead = 24.0 if numbers is not None else 0.0
    share = (width - lead) / sum(weights)
    widths = [w * share for w in weights]
    style = s["sheet"] if head is not None else s["cell"]
    data: list[list[Any]] = [[Paragraph(_cell_text(v, cap), style) for v in r] for r in rows]
    if numbers is not None:
        widths.insert(0, lead)
        for line, number in zip(data, numbers, strict=True):
            line.insert(0, str(number))
    if head is not None:
        data.insert(0, ([""] if numbers is not None else []) + head)
    table = grid_table(data, widths)
    if numbers is not None:
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 1), (0, -1), colors.HexColor("#f2f4f7")),
                    ("FONTSIZE", (0, 0), (-1, 0), 6.5),
                    ("FONTSIZE", (0, 1), (0, -1), 6.5),
                    ("TEXTCOLOR", (0, 1), (0, -1), colors.HexColor("#555555")),
                    ("ALIGN", (0, 0), (-1, 0), "CENTER"),
                ]
            )
        )
    return table


def _render_sheets(spooled: Spooled, kind: SheetKind, ref: str, lay: Layout) -> list[Flowable]:
    """Each visible sheet as a table of the values Excel shows (cached results for formulas), capped."""
    s, ev = lay.styles, spooled.evidence
    facts = FileFacts(_with_suffix(spooled.path, kind.kind), ev.name, ev.size, ev.sha256, kind.kind)
    out: list[Flowable] = []

    def refused(what: str, reason: str) -> None:
        lay.problems.append(f"{ref} · {ev.name}{what}: {reason}")
        out.append(
            Paragraph(
                f"<b>{para_text(what.lstrip(' ·') or 'This file')} could not be shown:</b> "
                f"{para_text(reason)}. The original is attached to this PDF unchanged.",
                s["note"],
            )
        )

    try:
        with open_source(facts) as source:
            entries = source.sheets()
            shown = [e for e in entries if not e.hidden and e.kind == "worksheet"]
            skipped = [e for e in entries if e not in shown]
            notes = []
            if len(shown) > _SHEET_CAP:
                notes.append(f"the first {_SHEET_CAP} of {len(shown)} sheets are shown")
            if skipped:
                names = ", ".join(repr(clean(e.name)[:40]) for e in skipped[:5])
                more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
                notes.append(f"hidden and chart sheets are not shown ({names}{more})")
            out.append(
                Paragraph(
                    f"Workbook with {len(entries)} sheet{'s' if len(entries) != 1 else ''}"
                    + (f"; {para_text('; '.join(notes))}" if notes else "")
                    + ". Values are shown as Excel displays them; formulas show their last calculated "
                    "result.",
                    s["small"],
                )
            )
            if not shown:
                out.append(Paragraph("The workbook has no visible sheet with cells.", s["body"]))
            for i, entry in enumerate(shown[:_SHEET_CAP], 1):
                title = f"Sheet {i} of {len(shown)}: {clean(entry.name)[:100]}"
                # keepWithNext would push a page-long table and its heading to the next page whole.
                out.append(CondPageBreak(60))
                out.append(Paragraph(para_text(title), s["h3"]))
                try:
                    grid = source.read(entry.name, max_rows=_SHEET_READ_ROWS)
                except Exception as exc:  # one bad sheet is a note; the other sheets are still shown
                    refused(f" · sheet {clean(entry.name)[:40]!r}", _failure(exc))
                    continue
                out.extend(_sheet_table(grid, lay))
    except Exception as exc:  # a hostile or broken workbook becomes a note, never a failed export
        refused("", _failure(exc))
    return out


def _with_suffix(path: Path, suffix: str) -> Path:
    """openpyxl refuses a path without an Excel suffix; a hard link (or copy) gives the spooled file one."""
    target = path.with_name(f"{path.name}.{suffix}")
    if not target.exists():
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
    return target


def _failure(exc: Exception) -> str:
    if isinstance(exc, UserError):
        return reason_clause(exc)
    return f"the workbook could not be read ({type(exc).__name__}: {exc})"[:300]


def _sheet_table(grid: SheetGrid, lay: Layout) -> list[Flowable]:
    """One sheet's visible, non-empty rows and columns (row numbers and column letters kept), capped."""
    s = lay.styles
    filled = [
        (number, cells)
        for number, cells in enumerate(grid.rows, 1)
        if number not in grid.hidden_rows and any(to_text(v).strip() for v in cells)
    ]
    if not filled:
        return [Paragraph("This sheet is empty.", s["body"])]
    shown_rows = filled[:_SHEET_ROW_CAP]
    used = sorted(
        {
            c
            for _, cells in shown_rows
            for c, v in enumerate(cells, 1)
            if c not in grid.hidden_columns and to_text(v).strip()
        }
    )
    columns = used[:_SHEET_COL_CAP]
    rows = [[to_text(cells[c - 1]) if c <= len(cells) else "" for c in columns] for _, cells in shown_rows]
    table = _text_table(
        rows,
        lay,
        _SHEET_CELL_CAP,
        head=[column_letter(c) for c in columns],
        numbers=[number for number, _ in shown_rows],
    )
    cuts: list[str] = []
    if len(filled) > _SHEET_ROW_CAP or not grid.complete:
        last_read = len(grid.rows)
        if grid.complete:
            cuts.append(f"{len(shown_rows):,} of {len(filled):,} rows")
        elif grid.claimed_rows > last_read:
            # Beyond the rows read, the sheet's declared used range counts the rest.
            total = len(filled) + grid.claimed_rows - last_read
            cuts.append(f"{len(shown_rows):,} of {total:,} rows")
        else:
            cuts.append(f"the first {len(shown_rows):,} rows (more follow)")
    if len(used) > _SHEET_COL_CAP:
        cuts.append(f"{_SHEET_COL_CAP} of {len(used)} columns")
    out: list[Flowable] = [table]
    if cuts:
        out.append(Spacer(1, 2))
        out.append(
            Paragraph(f"Truncated: showing {' and '.join(cuts)}; the full file is attached.", s["note"])
        )
    return out


def _render_text(path: Path, is_csv: bool, lay: Layout) -> list[Flowable]:
    s = lay.styles
    with path.open("rb") as fh:
        raw = fh.read(_TEXT_BYTE_CAP + 1)
    cut_bytes = len(raw) > _TEXT_BYTE_CAP
    raw = raw[:_TEXT_BYTE_CAP]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    out: list[Flowable] = []
    if is_csv:
        import csv

        delimiter = "\t" if path.suffix == ".tsv" or text[:2000].count("\t") > text[:2000].count(",") else ","
        rows: list[list[str]] = []
        total_rows = 0
        wide = False
        for row in csv.reader(io.StringIO(text.replace("\x00", "")), delimiter=delimiter):
            total_rows += 1
            wide = wide or len(row) > _CSV_COL_CAP
            if len(rows) < _CSV_ROW_CAP:
                rows.append(row[:_CSV_COL_CAP])
        if not rows:
            return [Paragraph("The file is empty.", s["body"])]
        out.append(_text_table(rows, lay, _CELL_CAP))
        if total_rows > _CSV_ROW_CAP or cut_bytes or wide:
            shown = f"first {len(rows)} rows" + (f", first {_CSV_COL_CAP} columns" if wide else "")
            more = "more rows follow" if cut_bytes else f"of {total_rows} rows"
            out.append(
                Paragraph(f"Truncated: showing the {shown} ({more}). The full file is attached.", s["note"])
            )
        return out
    lines = text.splitlines()
    cut_lines = len(lines) > _TEXT_LINE_CAP
    lines = lines[:_TEXT_LINE_CAP]
    for start in range(0, len(lines), 40):
        out.append(Paragraph(para_text("\n".join(lines[start : start + 40])), s["mono"]))
    if cut_lines or cut_bytes:
        out.append(
            Paragraph(
                f"Truncated: showing the first {len(lines)} lines. The full file is attached.", s["note"]
            )
        )
    return out


def _image_xobject(out: PdfOut, spool: Spooled, kind: ImageKind) -> IndirectObject:
    data = kind.data
    head = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(data.width),
            NameObject("/Height"): NumberObject(data.height),
        }
    )
    if isinstance(data, PngFast):
        if data.palette:
            space: PdfObject = ArrayObject(
                [
                    NameObject("/Indexed"),
                    NameObject("/DeviceRGB"),
                    NumberObject(len(data.palette) // 3 - 1),
                    ByteStringObject(data.palette),
                ]
            )
        else:
            space = NameObject("/DeviceGray" if data.colors == 1 else "/DeviceRGB")
        head[NameObject("/ColorSpace")] = space
        head[NameObject("/BitsPerComponent")] = NumberObject(data.bits)
        head[NameObject("/Filter")] = NameObject("/FlateDecode")
        head[NameObject("/DecodeParms")] = DictionaryObject(
            {
                NameObject("/Predictor"): NumberObject(15),
                NameObject("/Colors"): NumberObject(data.colors),
                NameObject("/BitsPerComponent"): NumberObject(data.bits),
                NameObject("/Columns"): NumberObject(data.width),
            }
        )
        return out.add_stream(head, _idat_chunks(spool.path, data.idat))
    if isinstance(data, JpegFast):
        head[NameObject("/ColorSpace")] = NameObject(
            {1: "/DeviceGray", 3: "/DeviceRGB", 4: "/DeviceCMYK"}[data.components]
        )
        head[NameObject("/BitsPerComponent")] = NumberObject(8)
        head[NameObject("/Filter")] = NameObject("/DCTDecode")
        if data.components == 4 and data.adobe_inverted:
            head[NameObject("/Decode")] = ArrayObject([NumberObject(v) for v in (1, 0) * 4])
        return out.add_stream(head, file_chunks(spool.path))
    with Image.open(spool.path) as img:
        img.seek(0)
        has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
        rgba = img.convert("RGBA") if has_alpha else None
        rgb = (rgba or img).convert("RGB")
        if rgba is not None:
            alpha = rgba.getchannel("A").tobytes()
            mask = DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/XObject"),
                    NameObject("/Subtype"): NameObject("/Image"),
                    NameObject("/Width"): NumberObject(data.width),
                    NameObject("/Height"): NumberObject(data.height),
                    NameObject("/ColorSpace"): NameObject("/DeviceGray"),
                    NameObject("/BitsPerComponent"): NumberObject(8),
                    NameObject("/Filter"): NameObject("/FlateDecode"),
                }
            )
            head[NameObject("/SMask")] = out.add_stream(mask, [zlib.compress(alpha, 6)])
        pixels = rgb.tobytes()
    head[NameObject("/ColorSpace")] = NameObject("/DeviceRGB")
    head[NameObject("/BitsPerComponent")] = NumberObject(8)
    head[NameObject("/Filter")] = NameObject("/FlateDecode")
    return out.add_stream(head, [zlib.compress(pixels, 6)])


def _idat_chunks(path: Path, idat: tuple[tuple[int, int], ...]) -> Iterator[bytes]:
    with path.open("rb") as fh:
        for offset, length in idat:
            fh.seek(offset)
            remaining = length
            while remaining:
                chunk = fh.read(min(remaining, CHUNK))
                if not chunk:
                    raise OSError("PNG data ended early")
                remaining -= len(chunk)
                yield chunk


def _image_matrix(orientation: int, box: tuple[float, float, float, float]) -> tuple[float, ...]:
    x, y, w, h = box
    if orientation == 6:
        return (0, -h, w, 0, x, y + h)
    if orientation == 3:
        return (-w, 0, 0, -h, x + w, y + h)
    if orientation == 8:
        return (0, h, -w, 0, x + w, y)
    return (w, 0, 0, h, x, y)


def _page_matrix(b: PdfPageBox, dy: float) -> tuple[float, ...]:
    if b.rotate == 90:
        return (0, -1, 1, 0, -b.y0, b.x0 + b.width + dy)
    if b.rotate == 180:
        return (-1, 0, 0, -1, b.width + b.x0, b.height + b.y0 + dy)
    if b.rotate == 270:
        return (0, 1, -1, 0, b.height + b.y0, -b.x0 + dy)
    return (1, 0, 0, 1, -b.x0, -b.y0 + dy)


class _SourcePdf:
    """The evidence PDF currently being copied; one at a time, so memory holds one file's objects."""

    def __init__(self, out: PdfOut, spool: Spooled, fh: BinaryIO) -> None:
        self.reader = PdfReader(fh, strict=False)
        self.copier = Copier(out, self.reader)
        self.out = out

    def form_for(self, index: int, box: PdfPageBox) -> IndirectObject:
        page = self.reader.pages[index]
        data, filters = page_content(page)
        form: StreamObject = EncodedStreamObject() if "/Filter" in filters else DecodedStreamObject()
        form._data = data
        form.update(filters)
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        form[NameObject("/BBox")] = ArrayObject(
            FloatObject(v) for v in (box.x0, box.y0, box.x0 + box.width, box.y0 + box.height)
        )
        form[NameObject("/Resources")] = self.copier.convert(page.get("/Resources", DictionaryObject()))
        if "/Group" in page:
            form[NameObject("/Group")] = self.copier.convert(page["/Group"])
        ref = self.out.add(form)
        self.copier.drain()
        return ref


class EvidenceDrawer:
    """The evidence drawn under placeholder pages; one source PDF open at a time, images written once."""

    def __init__(self, out: PdfOut, spooled: dict[str, Spooled]) -> None:
        self.out = out
        self.spooled = spooled
        self.images: dict[str, IndirectObject] = {}
        self.source: tuple[str, _SourcePdf, BinaryIO] | None = None

    def draw(self, place: Placement) -> tuple[IndirectObject, bytes]:
        sp = self.spooled[place.sha256]
        kind = sp.kind
        if isinstance(kind, PdfKind):
            if self.source is None or self.source[0] != place.sha256:
                self.close()
                fh = sp.path.open("rb")
                self.source = (place.sha256, _SourcePdf(self.out, sp, fh), fh)
            xobj = self.source[1].form_for(place.page_index, kind.pages[place.page_index])
            matrix = _page_matrix(kind.pages[place.page_index], BAND)
        else:
            assert isinstance(kind, ImageKind)
            if place.sha256 not in self.images:
                self.images[place.sha256] = _image_xobject(self.out, sp, kind)
            xobj = self.images[place.sha256]
            matrix = _image_matrix(kind.orientation, place.box)
        return xobj, ("q " + " ".join(f"{v:.4f}" for v in matrix) + " cm /AWEvidence Do Q\n").encode()

    def close(self) -> None:
        if self.source is not None:
            self.source[2].close()
            self.source = None
