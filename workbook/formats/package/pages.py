"""Our own pages, laid out with reportlab: cover, summary, contents, requests, appendix, footer, DRAFT."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import drawPageNumbers

from workbook.filtering import human_size
from workbook.formats.package.evidence_files import Spooled
from workbook.formats.package.fonts import FONT, FONT_BOLD, clean, draw_text, markup, para_text
from workbook.formats.package.inputs import (
    PackageEvidence,
    PackageInput,
    PackageRequest,
    count_text,
    left_out_text,
    summarise,
)
from workbook.formats.package.pdf_objects import Link, Mark
from workbook.model import Status

BAND = 34.0  # points added below each evidence page for its stamp and footer
_FIELD_CAP = 400


@dataclass(frozen=True)
class Placement:
    """A page of ours that receives an evidence page underneath its stamp."""

    sha256: str
    page_index: int  # source page for PDFs, 0 for images
    box: tuple[float, float, float, float]  # where the evidence is drawn on the page (x, y, w, h)


def date_text(value: dt.date | None) -> str:
    return value.isoformat() if value else "—"


def share_text(part: int, whole: int) -> str:
    """`part` of `whole` as a whole percentage; some is never 0% ("<1%"), and not all never 100% (">99%")."""
    if not whole:
        return "—"
    share = 100 * part / whole
    if part and round(share) == 0:
        return "<1%"
    if part < whole and round(share) == 100:
        return ">99%"
    return f"{share:.0f}%"


def provenance_text(ev: PackageEvidence) -> str:
    """Where an evidence file comes from and what it shows, as typed: `Source system: Okta · Shows: …`."""
    return " · ".join(
        f"{label}: {clean(value)}"
        for label, value in (
            ("Source system", ev.source_system),
            ("Shows", ev.shows),
            ("Population", ev.population),
            ("Period covered", ev.period_covered),
        )
        if value.strip()
    )


CAPTION_SIZE = 8.0
CAPTION_LEADING = 10.0
CAPTION_LINES = 4
CAPTION_MARGIN = 28.0


def caption_lines(caption: str, width: float) -> list[str]:
    """The lines a page caption is drawn in (each of its own lines wrapped to `width`), at most four."""
    lines: list[str] = []
    for part in caption.split("\n"):
        lines += simpleSplit(clean(part), FONT, CAPTION_SIZE, width) or [""]
    if len(lines) > CAPTION_LINES:
        lines = [*lines[: CAPTION_LINES - 1], lines[CAPTION_LINES - 1].rstrip(" .…") + "…"]
    return lines


def caption_height(caption: str, width: float) -> float:
    """Room a caption takes at the top of a page (none without a caption)."""
    if not caption:
        return 0.0
    return 22.0 + CAPTION_LEADING * (len(caption_lines(caption, width - 2 * CAPTION_MARGIN)) - 1)


def when_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def paragraph_styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, splitLongWords=True)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9),
        "mono": ParagraphStyle("mono", parent=base, fontSize=6.2, leading=8),
        "sheet": ParagraphStyle("sheet", parent=base, fontSize=6.8, leading=8.2),
        "label": ParagraphStyle(
            "label",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=8.5,
            leading=11,
            textColor=colors.HexColor("#444444"),
            spaceBefore=6,
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=24, leading=30, spaceAfter=8
        ),
        "h0": ParagraphStyle("h0", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=8),
        "h1": ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=13, leading=17, spaceAfter=6),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=11,
            leading=14,
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=1,  # a heading never ends a page without what it heads
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=9.5,
            leading=12,
            spaceBefore=8,
            spaceAfter=3,
            textColor=colors.HexColor("#1f3a5f"),
        ),
        "note": ParagraphStyle("note", parent=base, textColor=colors.HexColor("#8a4b00")),
        "toc0": ParagraphStyle("toc0", parent=base, fontName=FONT_BOLD, fontSize=9.5, leading=13),
        "toc1": ParagraphStyle("toc1", parent=base, fontSize=8.5, leading=11, leftIndent=14),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
    }


class Marker(Flowable):
    """Sits on a placeholder page: records the page number and draws the stamp after the page."""

    def __init__(self, record: Callable[[Canvas], None]) -> None:
        super().__init__()
        self.record = record
        self.width = 1
        self.height = 1

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return (1, 1)

    def draw(self) -> None:
        self.record(self.canv)


class Anchor(Flowable):
    """An invisible point that gets a bookmark, an outline entry and maybe a contents line.

    With `at`, the outline entry goes to the page of that earlier anchor of the same part instead (a sample
    with no file to show points at its row in the sample table).
    """

    def __init__(self, key: str, title: str, level: int, at: str | None = None) -> None:
        super().__init__()
        self.key, self.title, self.level, self.at = key, title, level, at
        self.width = self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return (0, 0)

    def draw(self) -> None:
        return None


class ChunkDoc(BaseDocTemplate):
    """One part of our pages, laid out in a single pass; its first page's number in the package is known."""

    def __init__(self, path: str, pkg: PackageInput, page_size: tuple[float, float], first_page: int) -> None:
        super().__init__(
            path,
            pagesize=page_size,
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=18 * mm,
            bottomMargin=20 * mm,
            creator="Audit Workbook",
            invariant=1,
        )
        self.pkg = pkg
        self.first_page = first_page
        self.page_count = 0
        self.placements: dict[int, Placement] = {}  # by package page number
        self.overlays: dict[int, tuple[str, str]] = {}  # by page number in this chunk
        self.marks: list[Mark] = []
        self.links: list[Link] = []
        self.toc: list[tuple[int, str, int]] = []  # level, title, target page: the contents lines
        self.toc_styles: list[ParagraphStyle] = []
        body = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate("body", [body], onPage=self._decorate, pagesize=page_size)])
        self._sizes: set[tuple[float, float]] = set()

    def template_for(self, size: tuple[float, float]) -> str:
        key = (round(size[0], 2), round(size[1], 2))
        name = f"ev:{key[0]}x{key[1]}"
        if key not in self._sizes:
            self._sizes.add(key)
            frame = Frame(0, 0, key[0], key[1], leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
            self.addPageTemplates([PageTemplate(name, [frame], onPageEnd=self._decorate, pagesize=key)])
        return name

    def package_page(self) -> int:
        return self.first_page + self.canv.getPageNumber() - 1

    def afterPage(self) -> None:  # noqa: N802 - reportlab's hook name
        self.page_count = max(self.page_count, self.page)

    def handle_documentBegin(self) -> None:  # noqa: N802 - reportlab's hook name
        self.canv.setNamedCB("awContentsLine", self._contents_line_end)
        super().handle_documentBegin()

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 - reportlab's hook name
        if isinstance(flowable, Anchor):
            page = next((m.page for m in self.marks if m.key == flowable.at), None)
            if page is None:
                self.canv.bookmarkPage(flowable.key)
                page = self.package_page()
            self.marks.append(Mark(flowable.key, flowable.title[:200], flowable.level, page))

    def _contents_line_end(self, canv: Canvas, kind: str | None, label: str) -> None:
        """Dots and the page number after a contents line, and the line's link rectangle for assembly."""
        level, _, target = self.toc[int(label)]
        style = self.toc_styles[min(level, len(self.toc_styles) - 1)]
        avail = self.width - 12  # the body frame's left and right padding
        y = float(canv._curr_tx_info["cur_y"])  # type: ignore[attr-defined]  # no public getter
        drawPageNumbers(canv, style, [(target, None)], avail, 0, " . ")
        x0, y0 = canv.absolutePosition(0, y - style.fontSize * 0.3)
        x1, y1 = canv.absolutePosition(avail, y + style.fontSize)
        self.links.append(Link(self.package_page(), (x0, y0, x1, y1), target))

    def _decorate(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        """Footer (package id, activity head), stamp on evidence pages, DRAFT; page numbers come later."""
        width, height = canv._pagesize  # type: ignore[attr-defined]  # no public getter
        page = canv.getPageNumber()
        canv.saveState()
        stamp = self.overlays.get(page)
        if stamp is not None:
            canv.setFillColor(colors.white)
            canv.rect(0, 0, width, BAND, stroke=0, fill=1)
            canv.setStrokeColor(colors.HexColor("#999999"))
            canv.setLineWidth(0.4)
            canv.line(0, BAND, width, BAND)
            canv.setFillColor(colors.HexColor("#1f3a5f"))
            draw_text(canv, 12, BAND - 12, stamp[0][:220], FONT_BOLD, 7.5)
            if stamp[1]:
                canv.setFillColor(colors.HexColor("#333333"))
                for i, line in enumerate(caption_lines(stamp[1], width - 2 * CAPTION_MARGIN)):
                    y = height - 20 - i * CAPTION_LEADING
                    draw_text(canv, CAPTION_MARGIN, y, line, FONT, CAPTION_SIZE)
        margin = 12.0 if stamp is not None else float(self.leftMargin)
        canv.setFillColor(colors.HexColor("#555555"))
        foot = f"Package {self.pkg.package_id} · activity log head {self.pkg.activity_head}"
        draw_text(canv, margin, 10 if stamp is not None else 12 * mm, foot[:200], FONT, 6.2)
        if not self.pkg.final:
            canv.setFillColor(colors.HexColor("#cc0000"))
            canv.setFillAlpha(0.13)
            canv.setFont(FONT_BOLD, min(width, height) / 4.2)
            canv.translate(width / 2, height / 2)
            canv.rotate(35)
            canv.drawCentredString(0, -min(width, height) / 12, "DRAFT")
        canv.restoreState()


@dataclass
class Layout:
    """State while the story is built: numbering of evidence and what each placeholder shows."""

    styles: dict[str, ParagraphStyle]
    spooled: dict[str, Spooled]
    doc: ChunkDoc
    problems: list[str]  # shared by every chunk of one package
    story: list[Flowable] = field(default_factory=list)
    evidence_pages: int = 0


def kv_table(rows: list[tuple[str, str]], styles: dict[str, ParagraphStyle], width: float) -> Table:
    data = [
        [Paragraph(escape(k), styles["label"]), Paragraph(para_text(v, _FIELD_CAP), styles["body"])]
        for k, v in rows
    ]
    table = Table(data, colWidths=[width * 0.24, width * 0.76], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dddddd")),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def grid_table(data: list[list[Any]], widths: list[float], header: bool = True) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 7.5),
        ("LEADING", (0, 0), (-1, -1), 9),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        style += [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
            ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
        ]
    table.setStyle(TableStyle(style))  # type: ignore[arg-type]  # the stubs want literal tuples
    return table


def add_cover(pkg: PackageInput, lay: Layout, evidence_count: int) -> None:
    s, width = lay.styles, lay.doc.width
    story = lay.story
    story.append(Anchor("cover", "Cover", 0))
    story.append(Spacer(1, 30 * mm))
    story.append(Paragraph("Evidence package", s["h1"]))
    story.append(Paragraph(para_text(pkg.client or "(client not set)", 300), s["title"]))
    story.append(Paragraph(para_text(pkg.framework, 300), s["h2"]))
    story.append(Spacer(1, 8 * mm))
    local = pkg.generated_at.astimezone()
    story.append(
        kv_table(
            [
                ("Audit period", pkg.period_text),
                ("Auditor", pkg.auditor or "—"),
                ("Prepared by", pkg.prepared_by or "—"),
                ("Generated (UTC)", pkg.generated_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")),
                ("Generated (local)", local.strftime("%Y-%m-%d %H:%M:%S %Z (UTC%z)")),
                ("Package id", pkg.package_id),
                ("Activity log head", pkg.activity_head or "—"),
                ("Scope", pkg.scope or "every request in the workbook"),
                ("Contents", f"{len(pkg.requests)} requests, {evidence_count} evidence files"),
                *([("Left out", f"{left_out_text(pkg.withheld)} on purpose")] if pkg.withheld else []),
                ("Status", "FINAL" if pkg.final else "DRAFT — not for reliance"),
            ],
            s,
            width,
        )
    )
    story.append(Spacer(1, 8 * mm))
    story.append(
        Paragraph(
            "Every evidence file is listed with its SHA-256 in the appendix and attached to this PDF as the "
            "original file, with a machine-readable manifest (manifest.json). Run "
            "<b>audit-workbook verify</b> on this file to re-check every attachment.",
            s["small"],
        )
    )
    story.append(PageBreak())


def add_summary(pkg: PackageInput, lay: Layout) -> None:
    s, width = lay.styles, lay.doc.width
    story = lay.story
    r = summarise(pkg.requests)
    story.append(Anchor("summary", "Readiness summary", 0))
    story.append(Paragraph("Readiness summary", s["h0"]))
    story.append(
        Paragraph(
            f"{r.ready} of {r.total} requests ready ({share_text(r.ready, r.total)}). "
            f"{len(r.overdue)} overdue, {len(r.missing_evidence)} without evidence.",
            s["body"],
        )
    )
    if pkg.withheld:
        story.append(
            Paragraph(
                f"{left_out_text(pkg.withheld)} of this package on purpose; they are kept in the workbook.",
                s["note"],
            )
        )
    story.append(Spacer(1, 4 * mm))

    pct = share_text

    story.append(Paragraph("By status", s["h2"]))
    rows: list[list[Any]] = [["Status", "Requests", "Share"]]
    rows += [[st.label, str(n), pct(n, r.total)] for st, n in r.by_status]
    story.append(grid_table(rows, [width * 0.5, width * 0.225, width * 0.225]))
    for title, groups in (("By owner", r.by_owner), ("By section", r.by_section)):
        story.append(Paragraph(title, s["h2"]))
        rows = [[title[3:].capitalize(), "Requests", "Ready", "Ready %"]]
        rows += [
            [Paragraph(para_text(k, 120), s["cell"]), str(n), str(ok), pct(ok, n)] for k, n, ok in groups
        ]
        story.append(grid_table(rows, [width * 0.5, width * 0.15, width * 0.15, width * 0.15]))
    for title, items, with_due in (
        ("Overdue", r.overdue, True),
        ("Missing evidence", r.missing_evidence, False),
    ):
        story.append(Paragraph(f"{title} ({len(items)})", s["h2"]))
        if not items:
            story.append(Paragraph("None.", s["body"]))
            continue
        rows = [["Ref", "Title", "Owner", "Due" if with_due else "Status"]]
        for req in items:
            rows.append(
                [
                    Paragraph(para_text(req.ref, 60), s["cell"]),
                    Paragraph(para_text(req.title, 200), s["cell"]),
                    Paragraph(para_text(req.owner, 60), s["cell"]),
                    date_text(req.due) if with_due else _status_cell(req, s),
                ]
            )
        story.append(grid_table(rows, [width * 0.16, width * 0.5, width * 0.18, width * 0.16]))
    add_follow_ups(pkg, lay)


def _status_cell(req: PackageRequest, s: dict[str, ParagraphStyle]) -> Any:
    """A request's status, with its samples' summary when it has samples."""
    if req.samples is None or not req.samples.samples:
        return req.status.label
    return Paragraph(f"{para_text(req.status.label)}<br/>{para_text(req.samples.summary)}", s["cell"])


def add_follow_ups(pkg: PackageInput, lay: Layout) -> None:
    """Requests the auditor sent back in review, with what they still need (the latest follow-up comment)."""
    s, width, story = lay.styles, lay.doc.width, lay.story
    items = [req for req in pkg.requests if req.status is Status.FOLLOW_UP]
    story.append(Paragraph(f"Follow-ups ({len(items)})", s["h2"]))
    if not items:
        story.append(Paragraph("None.", s["body"]))
        return
    rows: list[list[Any]] = [["Ref", "Title", "Owner", "What the auditor still needs"]]
    for req in items:
        asked = next((c for c in reversed(req.comments) if c.body.startswith("Follow-up")), None)
        need = f"{asked.body} ({when_text(asked.at)})" if asked else "—"
        rows.append(
            [
                Paragraph(para_text(req.ref, 60), s["cell"]),
                Paragraph(para_text(req.title, 200), s["cell"]),
                Paragraph(para_text(req.owner, 60), s["cell"]),
                Paragraph(para_text(need, 600), s["cell"]),
            ]
        )
    story.append(grid_table(rows, [width * 0.13, width * 0.35, width * 0.14, width * 0.38]))


def add_contents(lay: Layout, lines: list[tuple[int, str, int]]) -> None:
    """The contents with real page numbers; each line's link is added when the package is assembled."""
    # Each title wraps short of a column kept for the dots and the widest page number, never under them.
    last = max((page for _, _, page in lines), default=1)
    styles = []
    for name in ("toc0", "toc1"):
        style = lay.styles[name]
        room = stringWidth(f" . . {last}", style.fontName, style.fontSize) + 4
        styles.append(ParagraphStyle(f"{name}-numbered", parent=style, rightIndent=room))
    lay.doc.toc = lines
    lay.doc.toc_styles = styles
    lay.story.append(Anchor("contents", "Contents", 0))
    lay.story.append(Paragraph("Contents", lay.styles["h0"]))
    for i, (level, title, _) in enumerate(lines):
        style = lay.doc.toc_styles[min(level, 1)]
        lay.story.append(
            Paragraph(f'{markup(contents_title(title))}<onDraw name="awContentsLine" label="{i}"/>', style)
        )


def contents_title(title: str, cap: int = 160) -> str:
    """A contents line's title, cut at a word with "…" when longer than `cap` (at most two lines)."""
    title = " ".join(title.split())
    if len(title) <= cap:
        return title
    return title[: cap - 1].rsplit(" ", 1)[0].rstrip(" ,;:—-") + "…"


def add_request(req: PackageRequest, ri: int, lay: Layout) -> None:
    """The request's fields, notes and comments and the list of its evidence; its evidence pages follow."""
    s, width = lay.styles, lay.doc.width
    story = lay.story
    story.append(Anchor(f"req-{ri}", request_title(req), 1))
    story.append(Paragraph(f"{para_text(req.ref, 80)} — {para_text(req.title, 300)}", s["h1"]))
    rows = [
        ("Criteria", ", ".join(req.criteria) or "—"),
        ("Section", req.section or "—"),
        ("Owner", req.owner or "—"),
        ("Status", req.status_text + ("  · OVERDUE" if req.overdue else "")),
        ("Due", date_text(req.due)),
        ("Completed", date_text(req.completed)),
    ]
    story.append(kv_table(rows, s, width))
    for label, text in (
        ("Request", req.request),
        ("Notes", req.notes),
        ("Auditor comment", req.auditor_comment),
    ):
        if text.strip():
            story.append(Paragraph(label, s["label"]))
            story.append(Paragraph(para_text(text), s["body"]))
    if req.comments:
        story.append(Paragraph("Review comments", s["label"]))
        for c in req.comments:
            story.append(Paragraph(f"<b>{para_text(c.author, 80)}</b> · {when_text(c.at)}", s["small"]))
            story.append(Paragraph(para_text(c.body), s["body"]))
    if req.extra:
        story.append(Paragraph("From the checklist", s["label"]))
        for header, value in req.extra:
            story.append(Paragraph(f"<b>{para_text(header, 200)}:</b> {para_text(value)}", s["body"]))
    story.append(Paragraph(f"Evidence ({len(req.evidence)})", s["label"]))
    if req.withheld:
        left_out = f"{count_text(req.withheld, 'file')} marked never export, left out of this package."
        story.append(Paragraph(left_out, s["small"]))
    if req.samples is not None and req.samples.samples:
        story.append(
            Paragraph(
                f'<b>{para_text(req.samples.summary)}</b> — see the <a href="#samples-{ri}" color="#1f3a5f">'
                "sample table</a>, followed by each sample's files.",
                s["body"],
            )
        )
    if not req.evidence:
        if req.samples is None or not req.samples.samples:
            story.append(Paragraph("No evidence attached.", s["note"]))
    else:
        rows2: list[list[Any]] = [["#", "File", "Type · size", "Effective", "Added", "SHA-256"]]
        for ei, ev in enumerate(req.evidence, 1):
            link = f'<a href="#ev-{ri}-{ei}" color="#1f3a5f">{para_text(ev.name, 200)}</a>'
            for label, value in (
                ("Source system", ev.source_system),
                ("Shows", ev.shows),
                ("Population", ev.population),
                ("Period covered", ev.period_covered),
            ):
                if value.strip():
                    link += f"<br/><b>{label}:</b> {para_text(value, 300)}"
            added = f"{para_text(ev.added_by, 60)}<br/>{when_text(ev.added_at)}"
            kind = f"{para_text(ev.media_type, 60)}<br/>{human_size(ev.size)}"
            rows2.append(
                [
                    str(ei),
                    Paragraph(link, s["cell"]),
                    Paragraph(kind, s["cell"]),
                    date_text(ev.effective_date),
                    Paragraph(added, s["cell"]),
                    Paragraph(f"{ev.sha256[:32]}<br/>{ev.sha256[32:]}", s["mono"]),
                ]
            )
        story.append(grid_table(rows2, [w * width for w in (0.05, 0.31, 0.12, 0.11, 0.15, 0.26)]))


def add_appendix(lay: Layout, rows: list[tuple[str, str, int, str]], first: bool) -> None:
    """One part of the appendix; the first part carries the heading, the others continue the table."""
    s, width = lay.styles, lay.doc.width
    story = lay.story
    if first:
        story.append(Anchor("appendix", "Appendix — manifest", 0))
        story.append(Paragraph("Appendix — manifest of evidence files", s["h0"]))
        story.append(
            Paragraph(
                "Each file below is attached to this PDF unchanged, with <b>manifest.json</b>, which lists "
                "the same files by request with size, SHA-256, effective date and provenance. To verify: run "
                "<b>audit-workbook verify this-package.pdf</b>, which re-hashes every attachment against the "
                "manifest; or save the attachments (for example <b>pdfdetach -saveall</b> or your viewer's "
                "attachments panel) and compare <b>sha256sum</b> of each file with the list below.",
                s["body"],
            )
        )
        story.append(Spacer(1, 4 * mm))
        if not rows:
            story.append(Paragraph("No evidence files.", s["body"]))
            return
    table: list[list[Any]] = [["Ref", "File (attachment name)", "Size", "SHA-256"]]
    for ref, attachment, size, sha in rows:
        table.append(
            [
                Paragraph(para_text(ref, 60), s["cell"]),
                Paragraph(para_text(attachment, 200), s["cell"]),
                f"{size:,}",
                Paragraph(f"{sha[:32]}<br/>{sha[32:]}", s["mono"]),
            ]
        )
    story.append(grid_table(table, [width * 0.13, width * 0.4, width * 0.12, width * 0.35]))


def request_title(req: PackageRequest) -> str:
    return f"{clean(req.ref)} — {clean(req.title)}"[:200]
