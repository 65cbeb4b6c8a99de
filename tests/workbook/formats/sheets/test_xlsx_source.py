"""xlsx through open_source: values as Excel shows them, merges, hidden rows and columns, styles, lists."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from helpers.files import rewrite_member_text, write_xlsx
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from workbook.errors import UserError
from workbook.formats.sheets.grid import CellRange, ListValidation, SheetEntry, SheetGrid, open_source
from workbook.formats.sheets.preflight import preflight


def write_checklist(path: Path) -> Path:
    """Notes, a PBC sheet with the traits below, a hidden dropdown source and a chart sheet."""
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Notes"
    notes["A1"] = "Read me first"
    sheet = book.create_sheet("PBC")
    sheet["A1"] = "Acme SOC 2 — PBC list"
    sheet.merge_cells("A1:D1")
    for col, text in enumerate(["Ref", "Request", "Internal", "Due", "Status", "Done"], 1):
        sheet.cell(3, col, text).font = Font(bold=True)
    sheet.append(["PBC-1", "Access review", "x", dt.datetime(2025, 3, 31), 3.1])
    sheet["E4"].number_format = "0.00"
    sheet.append([7, "Change tickets", "y", "31/03/2025", True])
    sheet["A5"].number_format = "000"
    sheet.append(["EX-1", "An example row, shaded grey"])
    for cell in sheet[6][:2]:
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
    sheet.append(["PBC-3", '=HYPERLINK("https://example.test/policy","Policy")', '="as written"', "=1+1"])
    sheet.column_dimensions["C"].hidden = True
    sheet.row_dimensions[5].hidden = True
    from_list = DataValidation(type="list", formula1="Lists!$A$1:$A$3")
    inline = DataValidation(type="list", formula1='"Yes,No"')
    sheet.add_data_validation(from_list)
    sheet.add_data_validation(inline)
    from_list.add("E4:E10")
    inline.add("F4:F10")
    lists = book.create_sheet("Lists")
    for value in ("Open", "Done", "Open"):
        lists.append([value])
    lists.sheet_state = "hidden"
    chart = BarChart()
    chart.add_data(Reference(lists, min_col=1, min_row=1, max_row=3))
    book.create_chartsheet("Chart").add_chart(chart)
    book.save(path)
    return path


@pytest.fixture(scope="module")
def checklist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_checklist(tmp_path_factory.mktemp("xlsx") / "pbc.xlsx")


@pytest.fixture(scope="module")
def grid(checklist: Path) -> SheetGrid:
    with open_source(preflight(checklist)) as source:
        return source.read("PBC")


def test_sheets_are_listed_in_order_with_hidden_ones_and_charts_marked(checklist: Path) -> None:
    with open_source(preflight(checklist)) as source:
        assert source.sheets() == (
            SheetEntry("Notes", 0, False),
            SheetEntry("PBC", 1, False),
            SheetEntry("Lists", 2, True),
            SheetEntry("Chart", 3, True, kind="chartsheet"),
        )


def test_values_are_read_as_excel_shows_them(grid: SheetGrid) -> None:
    assert grid.rows[:5] == (
        ("Acme SOC 2 — PBC list",),
        (),
        ("Ref", "Request", "Internal", "Due", "Status", "Done"),
        ("PBC-1", "Access review", "x", dt.datetime(2025, 3, 31), "3.10"),
        ("007", "Change tickets", "y", "31/03/2025", "TRUE"),
    )
    assert (grid.claimed_rows, grid.claimed_columns, grid.complete) == (7, 6, True)


def test_a_formula_saved_without_its_result_shows_what_it_plainly_says(grid: SheetGrid) -> None:
    # openpyxl saves no cached results: a HYPERLINK shows its label, a string literal itself, a sum nothing.
    assert grid.rows[6] == ("PBC-3", "Policy", "as written")
    assert grid.formula_cells == {7: (2, 3, 4)}
    assert grid.formula_count(first_row=8) == 0


def test_merged_cells_and_hidden_rows_and_columns_are_kept(grid: SheetGrid) -> None:
    assert grid.merged == (CellRange(1, 1, 1, 4),)
    assert (grid.hidden_rows, grid.hidden_columns) == (frozenset({5}), frozenset({3}))


def test_bold_rows_and_grey_sample_rows_are_told_apart(grid: SheetGrid) -> None:
    assert grid.bold_rows == frozenset({3})
    assert grid.shaded_rows == frozenset({6})


def test_dropdowns_list_their_values_from_another_sheet_or_inline(grid: SheetGrid) -> None:
    assert grid.validations == (
        ListValidation((CellRange(4, 5, 10, 5),), ("Open", "Done")),
        ListValidation((CellRange(4, 6, 10, 6),), ("Yes", "No")),
    )


def test_a_sample_reads_only_the_rows_asked_for(checklist: Path) -> None:
    with open_source(preflight(checklist)) as source:
        sample = source.read("PBC", max_rows=3)
    assert len(sample.rows) == 3 and sample.rows[2][0] == "Ref"
    assert not sample.complete


def test_an_unknown_sheet_and_a_chart_sheet_are_refused_in_words(checklist: Path) -> None:
    with open_source(preflight(checklist)) as source:
        with pytest.raises(UserError) as unknown:
            source.read("Requests")
        with pytest.raises(UserError) as chart:
            source.read("Chart")
    assert (unknown.value.message, unknown.value.hint) == (
        "There is no sheet named 'Requests'.",
        "Sheets: 'Notes', 'PBC', 'Lists', 'Chart'.",
    )
    assert (chart.value.message, chart.value.where) == (
        "This sheet is a chart, not a table.",
        "pbc.xlsx, sheet 'Chart'",
    )


def test_a_sheet_whose_part_is_missing_is_named_as_damaged(tmp_path: Path) -> None:
    whole = write_xlsx(tmp_path / "whole.xlsx", {"Notes": [["x"]], "PBC": [["Ref"], ["PBC-1"]]})
    cut = tmp_path / "cut.xlsx"
    with zipfile.ZipFile(whole) as zin, zipfile.ZipFile(cut, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != "xl/worksheets/sheet2.xml":
                zout.writestr(info.filename, zin.read(info.filename))
    with pytest.raises(UserError) as caught:
        open_source(preflight(cut))
    assert caught.value.message.startswith("The file is damaged or not a valid workbook (the part ")
    assert "sheet2.xml of this sheet is missing" in caught.value.message
    assert caught.value.where == "cut.xlsx, sheet 'PBC'"


def test_a_cell_pointing_past_the_shared_texts_is_named_by_row_and_column(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "bad.xlsx", {"PBC": [["Ref"]]})
    # openpyxl writes text inline and no shared-strings table: point the cell at shared text number 7.
    rewrite_member_text(
        path,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace('t="inlineStr"><is><t>Ref</t></is>', 't="s"><v>7</v>'),
    )
    with open_source(preflight(path)) as source, pytest.raises(UserError) as caught:
        source.read("PBC")
    assert caught.value.message == (
        "The cell refers to shared text number 7, but the workbook's table holds 0: the file is damaged."
    )
    assert caught.value.where == "bad.xlsx, sheet 'PBC', row 1, column A"
