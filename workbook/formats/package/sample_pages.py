"""A sampled request's pages: the sample table (sample × required item), then each sample's files in order."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.platypus import NextPageTemplate, PageBreak, Paragraph, TableStyle

from workbook.formats.package.evidence_pages import EvidenceSlot, add_evidence
from workbook.formats.package.fonts import clean, para_text
from workbook.formats.package.inputs import PackageRequest, PackageSample, PackageSamples, count_text
from workbook.formats.package.pages import Anchor, Layout, grid_table

_MISSING_FILL = colors.HexColor("#fde3e3")
_MISSING_TEXT = "#b00020"
_QUIET_TEXT = "#666666"


def sample_title(sample: PackageSample) -> str:
    """A sample's outline entry: `Sample E1001 — Jane Doe`, and what it still lacks."""
    title = f"Sample {clean(sample.code)}" + (f" — {clean(sample.label)}" if sample.label.strip() else "")
    if sample.missing:
        title += f" (missing: {', '.join(clean(m) for m in sample.missing)})"
    return title[:200]


def _where(sample: PackageSample, requirement: str, position: int) -> str:
    """Where a sample's file is, as its pages are stamped: `sample E1001 · offer letter · file 1/2`."""
    parts = [f"sample {sample.code}"]
    if requirement:
        parts.append(requirement)
    if len(sample.files) > 1:
        parts.append(f"file {position}/{len(sample.files)}")
    return " · ".join(parts)


def add_samples(req: PackageRequest, ri: int, lay: Layout) -> None:
    """The sample table on its own page, then each sample's files; outline: request → sample → file."""
    samples = req.samples
    if samples is None or not samples.samples:
        return
    s, story = lay.styles, lay.story
    story.append(NextPageTemplate("body"))
    story.append(PageBreak())
    story.append(Anchor(f"samples-{ri}", f"Sample table — {samples.summary}", 2))
    story.append(Paragraph(f"{para_text(req.ref, 80)} — samples", s["h1"]))
    missing_cells = sum(len(sample.missing) for sample in samples.samples)
    line = f"<b>{para_text(samples.summary)}</b>"
    if missing_cells:
        line += f' · <font color="{_MISSING_TEXT}">{count_text(missing_cells, "item")} missing</font>'
    story.append(Paragraph(line, s["body"]))
    needs = ", ".join(samples.required) if samples.required else "one file of any kind"
    story.append(Paragraph(f"Each sample needs: {para_text(needs, 600)}.", s["body"]))
    story.append(
        Paragraph(
            "Each file is shown with the first 12 characters of its SHA-256; its pages follow the table, "
            "in sample order.",
            s["small"],
        )
    )
    story.append(_sample_table(samples, ri, lay))
    for si, sample in enumerate(samples.samples):
        entry = Anchor(f"smp-{ri}-{si}", sample_title(sample), 2)
        if not sample.files:
            entry.at = f"samples-{ri}"  # nothing of its own to show: the entry goes to the table
            story.append(entry)
            continue
        for fi, sf in enumerate(sample.files):
            slot = EvidenceSlot(
                f"sev-{ri}-{si}-{fi}",
                req.ref,
                _where(sample, sf.requirement, fi + 1),
                f"{sf.requirement or 'file'}: {clean(sf.evidence.name)}"[:200],
                3,
                (entry,) if fi == 0 else (),
            )
            add_evidence(slot, sf.evidence, lay)


def _sample_table(samples: PackageSamples, ri: int, lay: Layout) -> Any:
    s, width = lay.styles, lay.doc.width
    items = samples.columns
    fixed = [0.12, 0.2, 0.11] if len(items) <= 3 else [0.11, 0.13, 0.09]  # many items: theirs the room
    widths = [f * width for f in fixed] + [width * (1 - sum(fixed)) / len(items)] * len(items)
    head: list[Any] = ["Sample", "Label", "Status"]
    head += [Paragraph(f"<b>{para_text(item, 120)}</b>", s["cell"]) for item in items]
    rows: list[list[Any]] = [head]
    missing: list[tuple[int, int]] = []
    for si, sample in enumerate(samples.samples):
        label = para_text(sample.label, 200)
        if sample.notes.strip():
            label += f'<br/><font size="6.5" color="{_QUIET_TEXT}">{para_text(sample.notes, 300)}</font>'
        row: list[Any] = [
            Paragraph(f"<b>{para_text(sample.code, 120)}</b>", s["cell"]),
            Paragraph(label, s["cell"]),
            Paragraph(para_text(sample.status.label), s["cell"]),
        ]
        for ci, item in enumerate(items):
            text = _cell_text(samples, sample, si, item, ri)
            if not text:
                missing.append((3 + ci, len(rows)))
                text = f'<font color="{_MISSING_TEXT}"><b>MISSING</b></font>'
            row.append(Paragraph(text, s["cell"]))
        rows.append(row)
    table = grid_table(rows, widths)
    if missing:
        table.setStyle(TableStyle([("BACKGROUND", cell, cell, _MISSING_FILL) for cell in missing]))
    return table


def _cell_text(samples: PackageSamples, sample: PackageSample, si: int, item: str, ri: int) -> str:
    """What one sample gave for one required item: each file's name (linked to its pages) and SHA-256
    prefix, files left out as never export by count, "" when it is missing."""
    lines = []
    for fi, sf in enumerate(sample.files):
        if sf in samples.cell(sample, item):
            name = para_text(sf.evidence.name, 160)
            lines.append(
                f'<a href="#sev-{ri}-{si}-{fi}" color="#1f3a5f">{name}</a><br/>'
                f'<font size="6.5" color="{_QUIET_TEXT}">{sf.evidence.sha256[:12]}</font>'
            )
    withheld = samples.withheld_in(sample, item)
    if withheld:
        lines.append(f'<font color="{_QUIET_TEXT}">{count_text(withheld, "file")} marked never export</font>')
    if not lines and item not in sample.missing:
        lines.append(f'<font color="{_QUIET_TEXT}">not needed ({para_text(sample.status.label)})</font>')
    return "<br/>".join(lines)
