"""CSV and TSV through open_source: encoding and delimiter sniffed, quoted cells whole, one sheet a file."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from workbook.errors import UserError
from workbook.formats.sheets.grid import SheetEntry, SheetGrid, open_source
from workbook.formats.sheets.preflight import preflight

TABLE = "Ref,Request,Owner\nPBC-1,Zugriff prüfen — Café,Zoë\nPBC-2,Änderungen,Ann\n"
ROWS = (
    ("Ref", "Request", "Owner"),
    ("PBC-1", "Zugriff prüfen — Café", "Zoë"),
    ("PBC-2", "Änderungen", "Ann"),
)


def read(path: Path) -> SheetGrid:
    with open_source(preflight(path)) as source:
        return source.read(path.stem)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TABLE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TABLE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF16_LE + TABLE.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + TABLE.encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + TABLE.encode("utf-32-le"), "utf-32-le"),  # its BOM starts like UTF-16's
        (TABLE.encode("utf-16-le"), "utf-16-le"),  # no BOM: told by where the zero bytes fall
        (TABLE.encode("utf-16-be"), "utf-16-be"),
        (TABLE.encode("cp1252"), "cp1252"),  # Excel's "CSV" on Windows
    ],
)
def test_each_encoding_reads_back_the_same_cells(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = write(tmp_path, "list.csv", data)
    with open_source(preflight(path)) as source:
        assert source.encoding == encoding
        assert source.read("list").rows == ROWS


@pytest.mark.parametrize(
    ("delimiter", "name"), [(",", "a.csv"), (";", "a.csv"), ("\t", "a.tsv"), ("|", "a.csv")]
)
def test_the_delimiter_is_sniffed(tmp_path: Path, delimiter: str, name: str) -> None:
    text = "\n".join(
        delimiter.join(row) for row in (("Ref", "Request", "Due"), ("1", "Access", "31.03.2025"))
    )
    path = write(tmp_path, name, text.encode())
    with open_source(preflight(path)) as source:
        assert source.delimiter == delimiter
        assert source.read("a").rows == (("Ref", "Request", "Due"), ("1", "Access", "31.03.2025"))


def test_a_semicolon_file_whose_quoted_cells_hold_commas_and_line_breaks_keeps_them_whole(
    tmp_path: Path,
) -> None:
    text = (
        'Ref;Request;Criteria\r\n1;"Provide the list, and\r\nthe approvals";"CC6.1, CC6.2"\r\n'
        "2;Backups;CC7.1\r\n"
    )
    grid = read(write(tmp_path, "pbc.csv", text.encode()))
    assert grid.rows == (
        ("Ref", "Request", "Criteria"),
        ("1", "Provide the list, and\r\nthe approvals", "CC6.1, CC6.2"),
        ("2", "Backups", "CC7.1"),
    )
    assert grid.claimed_rows == 3


def test_empty_cells_are_none_trailing_blanks_dropped_and_blank_lines_kept_as_empty_rows(
    tmp_path: Path,
) -> None:
    grid = read(write(tmp_path, "gaps.csv", b"Ref,,Owner,,\n\n,,\nPBC-1,x,,\n"))
    assert grid.rows == (("Ref", None, "Owner"), (), (), ("PBC-1", "x"))
    assert (grid.value(1, 3), grid.value(4, 3), grid.value(9, 1)) == ("Owner", None, None)
    assert grid.width == 3


def test_a_text_file_is_one_sheet_named_after_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "requests 2025.csv", b"Ref,Request\n1,Access\n")
    with open_source(preflight(path)) as source:
        assert source.sheets() == (SheetEntry("requests 2025", 0, False),)
        with pytest.raises(UserError) as caught:
            source.read("Sheet1")
    assert caught.value.message == "A CSV file has one sheet, 'requests 2025'; there is no 'Sheet1'."
    assert caught.value.where == "requests 2025.csv"


def test_reading_a_sample_stops_after_the_rows_asked_for(tmp_path: Path) -> None:
    path = write(tmp_path, "long.csv", "".join(f"PBC-{n},Request {n}\n" for n in range(1, 101)).encode())
    with open_source(preflight(path)) as source:
        sample = source.read("long", max_rows=5)
        whole = source.read("long")
    assert [row[0] for row in sample.rows] == ["PBC-1", "PBC-2", "PBC-3", "PBC-4", "PBC-5"]
    assert not sample.complete
    assert (len(whole.rows), whole.claimed_rows, whole.complete) == (100, 100, True)


def test_a_cell_longer_than_excel_allows_is_refused_naming_row_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "long.csv", b"Ref,Request\nPBC-1," + b"y" * 40_000 + b"\n")
    with pytest.raises(UserError) as caught:
        read(path)
    assert caught.value.message == "A cell holds 40,000 characters; Excel cells hold at most 32,767."
    assert caught.value.where == "long.csv, sheet 'long', row 2, column B"


def test_a_field_past_the_csv_readers_limit_is_refused_in_words(tmp_path: Path) -> None:
    path = write(tmp_path, "huge.csv", b"Ref,Request\n1,x\n2," + b"z" * 200_000 + b"\n")
    with pytest.raises(UserError) as caught:
        read(path)
    assert caught.value.message.startswith("The file cannot be read as CSV: field larger than field limit")
    assert caught.value.where == "huge.csv, row 3"
