"""Layout judgements as pure functions: sheet ranking, row kinds, sample rows, grey colours."""

from __future__ import annotations

from typing import Any

from openpyxl.styles.colors import Color

from workbook.formats.checklist.header import HeaderCandidate
from workbook.formats.checklist.layout import (
    is_placeholder,
    is_repeated_header,
    rank_sheet,
    rank_sheets,
    sample_rows,
)
from workbook.formats.sheets.grid import SheetEntry, SheetGrid
from workbook.formats.sheets.xlsx_source import is_grey

REQUESTS = [["Request ID", "Request", "Owner"]] + [[f"PBC-{i}", f"Request {i}", "Ann"] for i in range(1, 21)]


def grid(name: str, rows: list[list[Any]]) -> SheetGrid:
    return SheetGrid(name=name, rows=tuple(tuple(r) for r in rows))


def test_request_list_outranks_instructions_lookup_hidden_and_chart_sheets() -> None:
    sheets = [
        (SheetEntry("Instructions", 0, False), grid("Instructions", [["How to use"], ["Fill in column C."]])),
        (SheetEntry("PBC Requests", 1, False), grid("PBC Requests", REQUESTS)),
        (SheetEntry("Lists", 2, True), grid("Lists", [["Status"], ["Open"], ["Closed"]])),
        (SheetEntry("Chart1", 3, True, kind="chartsheet"), None),
    ]
    ranked = rank_sheets([rank_sheet(entry, g) for entry, g in sheets])
    assert [r.name for r in ranked] == ["PBC Requests", "Instructions", "Lists", "Chart1"]
    assert ranked[0].header_row == 1
    assert ranked[0].reason == (
        "its name suggests requests; header at row 1, 20 rows below, a column of unique codes"
    )
    assert ranked[-1].reason == "a chart, not a table"


def test_a_plain_named_sheet_with_the_table_beats_an_empty_requests_sheet() -> None:
    empty = rank_sheet(SheetEntry("Requests", 0, False), grid("Requests", [["Request ID", "Request"]]))
    table = rank_sheet(SheetEntry("Sheet2", 1, False), grid("Sheet2", REQUESTS))
    assert rank_sheets([empty, table])[0].name == "Sheet2"


def test_summary_retired_and_formula_mirror_sheets_rank_below_the_list() -> None:
    retired = rank_sheet(SheetEntry("Retired IDs", 0, False), grid("Retired IDs", REQUESTS))
    summary = rank_sheet(SheetEntry("Benchmark summary", 1, False), grid("Benchmark summary", REQUESTS))
    locked = grid("Scores", [["Changes cannot be made in this sheet"], *REQUESTS])
    scorecard = rank_sheet(SheetEntry("Scores", 2, False), locked)
    mirror_grid = SheetGrid(
        name="Overview2",
        rows=tuple(tuple(r) for r in REQUESTS),
        formula_cells={n: (1, 2, 3) for n in range(2, 22)},
    )
    mirror = rank_sheet(SheetEntry("Overview2", 3, False), mirror_grid)
    checklist = rank_sheet(SheetEntry("Checklist", 4, False), grid("Checklist", REQUESTS))
    ranked = rank_sheets([retired, summary, scorecard, mirror, checklist])
    assert ranked[0].name == "Checklist"
    assert "formulas copying other sheets" in mirror.reason
    assert "must not be edited" in scorecard.reason


def test_placeholders_and_example_rows_are_recognised() -> None:
    samples = ["[Insert request]", "<owner>", "{ref}", "e.g. user list", "Example: HR policy", "XXX", "TBD"]
    assert all(is_placeholder(text) for text in samples)
    assert is_placeholder("PBC-00X")
    requests = [
        "Access review [quarterly]",
        "Provide the list of users",
        "PBC-1",
        "",
        "Sample of change tickets",
    ]
    assert not any(is_placeholder(text) for text in requests)


def test_repeated_header_rows_match_the_header_loosely() -> None:
    header = HeaderCandidate(1, 1, 10.0, ("Request ID", "Request", "Owner"))
    assert is_repeated_header(["Request\u00a0ID:", "REQUEST", "Owner"], header)
    assert not is_repeated_header(["PBC-1", "Access list", "Owner"], header)


def test_shaded_rows_opening_the_list_are_samples() -> None:
    assert sample_rows({2, 3}, [2, 3, 4, 5, 6, 7]) == frozenset({2, 3})


def test_banded_grey_rows_and_all_grey_lists_are_not_samples() -> None:
    assert sample_rows({2, 4, 6, 8}, [2, 3, 4, 5, 6, 7, 8, 9]) == frozenset()
    assert sample_rows({2, 3, 4, 5, 6}, [2, 3, 4, 5, 6]) == frozenset()
    assert sample_rows({2, 3, 4, 5}, [2, 3, 4, 5, 6, 7, 8, 9, 10]) == frozenset()


def test_a_grey_row_further_down_is_a_highlight_not_a_sample() -> None:
    assert sample_rows({5}, [2, 3, 4, 5, 6]) == frozenset()


def test_greys_are_neutral_rgb_palette_greys_and_tinted_white_or_black() -> None:
    greys = [
        Color(rgb="FFD9D9D9"),
        Color(rgb="FF808080"),
        Color(indexed=22),
        Color(theme=0, tint=-0.15),
        Color(theme=1, tint=0.5),
    ]
    others = [Color(rgb="FFFFFFFF"), Color(rgb="FF000000"), Color(rgb="FFFFFF00"), Color(theme=4), None]
    assert [is_grey(c) for c in greys] == [True] * 5
    assert [is_grey(c) for c in others] == [False] * 5
