"""Every non-empty row below the header ends as a request, part of one, or a skipped row with a reason.

Generated layouts (hypothesis) mix what real checklists hold: title blocks, section headings, repeated
headers,
notes, examples, requests with and without refs, repeated refs, one-cell form rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbook.errors import UserError
from workbook.formats.checklist.reader import analyse_grid
from workbook.formats.sheets.grid import SheetGrid
from workbook.formats.sheets.preflight import FileFacts

FACTS = FileFacts(Path("generated.xlsx"), "generated.xlsx", 0, "0" * 64, "xlsx")
HEADERS = [
    ["Ref", "Request", "Owner", "Status"],
    ["#", "Question", "Assignee", "Due Date"],
    ["Référence", "Contenu", "Responsable", "Statut"],
    ["Column A", "Column B", "Column C", "Column D"],
]

words = st.sampled_from(
    ["access", "review", "Sample", "of", "change", "tickets", "policy", "vendor", "list", "backup", "e.g."]
)
sentence = st.lists(words, min_size=1, max_size=12).map(" ".join)
ref = st.one_of(
    st.integers(1, 60).map(str),
    st.integers(1, 60).map(lambda n: f"PBC-{n:03d}"),
    st.sampled_from(["EX-1", "A.9.2.1", "3.10", "[Insert ref]", ""]),
)
person = st.sampled_from(["Sam Chen", "Casey Jones", "", "TBD", "Dana Ops"])
status = st.sampled_from(["Open", "Provided", "", "Not started", "N/A", "Ja"])


@st.composite
def row(draw: Any) -> list[str | None]:
    kind = draw(
        st.sampled_from(["request", "request", "request", "section", "blank", "note", "one", "header"])
    )
    if kind == "request":
        return [draw(ref), draw(sentence), draw(person), draw(status)]
    if kind == "section":
        return [draw(sentence)]
    if kind == "blank":
        return []
    if kind == "note":
        return ["Note: " + draw(sentence)]
    if kind == "one":
        return [None, draw(sentence)]
    return ["HEADER"]


@st.composite
def layout(draw: Any) -> SheetGrid:
    header = draw(st.sampled_from(HEADERS))
    title = draw(st.lists(st.sampled_from([["Acme request list"], [], ["Prepared 2026-01-05"]]), max_size=3))
    body = draw(st.lists(row(), min_size=1, max_size=40))
    rows: list[tuple[Any, ...]] = [tuple(r) for r in title]
    rows.append(tuple(header))
    for r in body:
        rows.append(tuple(header) if r == ["HEADER"] else tuple(r))
    return SheetGrid(name="PBC", rows=tuple(rows))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout())
def test_imported_plus_merged_plus_skipped_equals_the_non_empty_rows(grid: SheetGrid) -> None:
    try:
        analysis = analyse_grid(FACTS, grid)
    except UserError:
        return  # no header or nothing below it: a clear refusal, not a loss
    below = [r for r in grid.rows[analysis.header_row :] if any(v not in (None, "") for v in r)]
    imported = sum(len(r.source_rows) for r in analysis.rows) - len(analysis.merged)
    assert imported + len(analysis.merged) + len(analysis.skipped) == len(below) == analysis.non_empty_rows
    refs = [r.ref for r in analysis.rows]
    assert len(refs) == len(set(refs))  # requests stay apart: no two share a ref
    assert all(s.reason for s in analysis.skipped)


@settings(max_examples=60, deadline=None)
@given(layout(), st.data())
def test_a_skipped_row_brought_back_becomes_a_request(grid: SheetGrid, data: Any) -> None:
    try:
        analysis = analyse_grid(FACTS, grid)
    except UserError:
        return
    if not analysis.skipped:
        return
    chosen = data.draw(st.sampled_from(analysis.skipped)).row
    again = analyse_grid(FACTS, grid, include_rows=[chosen])
    assert any(chosen in r.source_rows for r in again.rows)
