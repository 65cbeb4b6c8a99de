"""Layout judgements as pure functions: sheet ranking, row kinds, sample rows, grey colours."""

from __future__ import annotations

from typing import Any

from openpyxl.styles.colors import Color

from workbook.formats.checklist.header import HeaderCandidate
from workbook.formats.checklist.layout import (
    is_placeholder,
    is_repeated_header,
    looks_like_ref,
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
    assert ranked[0].reason == "name suggests requests; header at row 1, 20 rows below"
    assert ranked[-1].reason == "a chart, not a table"


def test_a_plain_named_sheet_with_the_table_beats_an_empty_requests_sheet() -> None:
    empty = rank_sheet(SheetEntry("Requests", 0, False), grid("Requests", [["Request ID", "Request"]]))
    table = rank_sheet(SheetEntry("Sheet2", 1, False), grid("Sheet2", REQUESTS))
    assert rank_sheets([empty, table])[0].name == "Sheet2"


def test_placeholders_and_example_rows_are_recognised() -> None:
    samples = ["[Insert request]", "<owner>", "{ref}", "e.g. user list", "Example: HR policy", "XXX", "TBD"]
    assert all(is_placeholder(text) for text in samples)
    requests = ["Access review [quarterly]", "Provide the list of users", "PBC-1", ""]
    assert not any(is_placeholder(text) for text in requests)


def test_repeated_header_rows_match_the_header_loosely() -> None:
    header = HeaderCandidate(1, 1, 10.0, ("Request ID", "Request", "Owner"))
    assert is_repeated_header(["Request\u00a0ID:", "REQUEST", "Owner"], header)
    assert not is_repeated_header(["PBC-1", "Access list", "Owner"], header)


def test_refs_are_short_tokens_not_sentences() -> None:
    assert [
        looks_like_ref(t) for t in ("PBC-012", "3.10", "AC-2(1)", "CC 6.1", "Access control policies")
    ] == [
        True,
        True,
        True,
        True,
        False,
    ]


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
