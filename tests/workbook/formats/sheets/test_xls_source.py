"""Legacy .xls through open_source: numbers and dates as shown, merges, hidden rows, columns and sheets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from workbook.errors import UserError
from workbook.formats.sheets.grid import CellRange, SheetEntry, SheetGrid, open_source
from workbook.formats.sheets.preflight import preflight

xlwt: Any = pytest.importorskip("xlwt")  # a test dependency that writes real BIFF8 files


def write_checklist(path: Path) -> Path:
    book = xlwt.Workbook()
    book.add_sheet("Instructions").write(0, 0, "How to fill this in")
    sheet = book.add_sheet("PBC List")
    sheet.write_merge(0, 0, 0, 3, "Acme SOC 2 — PBC list")
    for col, text in enumerate(["Ref", "Request", "Owner", "Due", "Amount", "Done"]):
        sheet.write(2, col, text)
    sheet.write(3, 0, 3.1, xlwt.easyxf(num_format_str="0.00"))
    sheet.write(3, 1, "Access review")
    sheet.write(3, 2, "Ann")
    sheet.write(3, 3, dt.date(2025, 3, 31), xlwt.easyxf(num_format_str="yyyy-mm-dd"))
    sheet.write(3, 4, 2.5)
    sheet.write(3, 5, True)
    sheet.write(4, 0, 7, xlwt.easyxf(num_format_str="000"))
    sheet.write(4, 1, "Change tickets")
    sheet.write(4, 4, 42)
    sheet.write(6, 0, "PBC-3")
    sheet.col(2).hidden = True
    sheet.row(4).hidden = True
    lists = book.add_sheet("Lists")
    lists.write(0, 0, "Open")
    lists.visibility = 1
    book.save(str(path))
    return path


@pytest.fixture(scope="module")
def checklist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_checklist(tmp_path_factory.mktemp("xls") / "pbc.xls")


@pytest.fixture(scope="module")
def grid(checklist: Path) -> SheetGrid:
    with open_source(preflight(checklist)) as source:
        return source.read("PBC List")


def test_sheets_are_listed_in_order_with_the_hidden_one_marked(checklist: Path) -> None:
    with open_source(preflight(checklist)) as source:
        assert source.sheets() == (
            SheetEntry("Instructions", 0, False),
            SheetEntry("PBC List", 1, False),
            SheetEntry("Lists", 2, True),
        )


def test_values_are_read_as_excel_shows_them(grid: SheetGrid) -> None:
    assert grid.rows == (
        ("Acme SOC 2 — PBC list",),
        (),
        ("Ref", "Request", "Owner", "Due", "Amount", "Done"),
        ("3.10", "Access review", "Ann", dt.datetime(2025, 3, 31), "2.5", "TRUE"),
        ("007", "Change tickets", None, None, "42"),
        (),
        ("PBC-3",),
    )
    assert (grid.claimed_rows, grid.claimed_columns, grid.complete) == (7, 6, True)


def test_merged_cells_and_hidden_rows_and_columns_are_kept(grid: SheetGrid) -> None:
    assert grid.merged == (CellRange(1, 1, 1, 4),)
    assert (grid.hidden_rows, grid.hidden_columns) == (frozenset({5}), frozenset({3}))


def test_a_sample_reads_only_the_rows_asked_for(checklist: Path) -> None:
    with open_source(preflight(checklist)) as source:
        sample = source.read("PBC List", max_rows=3)
    assert sample.rows == (
        ("Acme SOC 2 — PBC list",),
        (),
        ("Ref", "Request", "Owner", "Due", "Amount", "Done"),
    )
    assert not sample.complete


def test_an_unknown_sheet_is_refused_naming_the_file(checklist: Path) -> None:
    with open_source(preflight(checklist)) as source, pytest.raises(UserError) as caught:
        source.read("Requests")
    assert (caught.value.message, caught.value.where) == ("There is no sheet named 'Requests'.", "pbc.xls")


def test_an_xls_whose_workbook_stream_is_damaged_is_refused_as_damaged(
    tmp_path: Path, checklist: Path
) -> None:
    data = bytearray(checklist.read_bytes())
    bof = data.index(b"\x09\x08\x10\x00", 512)  # the workbook stream's first record (BOF, BIFF8)
    data[bof : bof + 4] = b"\xff\xff\xff\xff"
    damaged = tmp_path / "damaged.xls"
    damaged.write_bytes(bytes(data))
    with pytest.raises(UserError) as caught:
        open_source(preflight(damaged)).close()
    assert caught.value.message.startswith("The file is damaged or not a valid workbook (")
    assert "Expected BOF record" in caught.value.message
    assert caught.value.where == "damaged.xls"
