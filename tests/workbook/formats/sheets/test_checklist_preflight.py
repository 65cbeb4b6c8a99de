"""Bad checklist files end with one UserError naming the file (and sheet/row/column where known)."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path
from typing import Any

import pytest
from helpers.files import ENCRYPTED_SHELL, ghost_rows, haunt_sheet, rewrite_member_text, write_docx_renamed

from workbook.errors import UserError
from workbook.formats.checklist.reader import analyse_sheet, inspect_checklist
from workbook.formats.sheets.preflight import OLE_MAGIC, column_letter, ensure_defusedxml, place, preflight

SHEET = "xl/worksheets/sheet1.xml"
HEADER = ["Request ID", "Request", "Owner"]


def refused(path: Path) -> UserError:
    with pytest.raises(UserError) as caught:
        analyse_sheet(path)
    return caught.value


def test_empty_file_is_refused_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    path.write_bytes(b"")
    error = refused(path)
    assert error.message == "The file is empty (0 bytes)."
    assert error.where == "list.xlsx"


def test_header_only_sheet_says_no_requests_were_found(make_xlsx: Any) -> None:
    path = make_xlsx({"PBC": [HEADER]})
    error = refused(path)
    assert error.message == "No requests were found below the header row (row 1)."
    assert error.where == "checklist.xlsx, sheet 'PBC'"


def test_word_document_renamed_xlsx_is_refused_as_word(tmp_path: Path) -> None:
    error = refused(write_docx_renamed(tmp_path / "list.xlsx"))
    assert error.message == "This is a Word document, not a spreadsheet (only its name ends in .xlsx)."


def test_truncated_xlsx_is_refused_as_damaged(make_xlsx: Any) -> None:
    path = make_xlsx({"PBC": [HEADER, ["PBC-1", "x", "Ann"]]})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    error = refused(path)
    assert error.message.startswith("The file is damaged")
    assert error.where == "checklist.xlsx"


def test_encrypted_workbook_is_refused_with_save_without_password_hint(tmp_path: Path) -> None:
    path = tmp_path / "locked.xlsx"
    path.write_bytes(ENCRYPTED_SHELL)
    error = refused(path)
    assert error.message == "The workbook is password-protected (encrypted), so it cannot be read."
    assert "without a password" in error.hint


def test_xml_entity_bomb_inside_a_sheet_is_refused(make_xlsx: Any) -> None:
    path = make_xlsx({"PBC": [HEADER, ["PBC-1", "x", "Ann"]]})
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">' for i in range(9)
        )
        + "]>"
    )

    def poison(xml: str) -> str:
        body = xml[xml.index("<worksheet") :]
        return bomb + body.replace("<t>x</t>", "<t>&lol8;</t>").replace(">x<", ">&lol8;<")

    rewrite_member_text(path, SHEET, poison)
    error = refused(path)
    assert "unsafe XML" in error.message


def test_zip_bomb_is_refused_before_parsing(make_xlsx: Any) -> None:
    path = make_xlsx({"PBC": [HEADER, ["PBC-1", "x", "Ann"]]})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf, zf.open("xl/media/padding.bin", "w") as fh:
        block = b"\x00" * (1 << 20)
        for _ in range(64):
            fh.write(block)
    error = refused(path)
    assert "zip bombs" in error.message
    assert "xl/media/padding.bin" in error.message


def test_ghost_sheet_of_a_million_empty_rows_reads_only_the_real_rows(make_xlsx: Any) -> None:
    path = make_xlsx({"PBC": [HEADER, ["PBC-1", "Give me x", "Ann"]]})

    def haunt(xml: str) -> str:
        xml = xml.replace('<dimension ref="A1:C2"/>', '<dimension ref="A1:Z1048576"/>')
        return xml.replace("</sheetData>", ghost_rows(3) + "</sheetData>")

    rewrite_member_text(path, SHEET, haunt)
    analysis = analyse_sheet(path)
    assert [row.ref for row in analysis.rows] == ["PBC-1"]
    assert [p.kind for p in analysis.problems] == ["ghost_rows"]


def test_ghost_sheet_with_no_data_at_all_is_refused(make_xlsx: Any) -> None:
    path = make_xlsx({"PBC": [["Request ID"]]})

    def haunt(xml: str) -> str:
        return xml.replace("</sheetData>", ghost_rows(2, spans=False) + "</sheetData>")

    rewrite_member_text(path, SHEET, haunt)
    error = refused(path)
    assert error.message == "No requests were found below the header row (row 1)."
    assert error.where == "checklist.xlsx, sheet 'PBC'"


def test_csv_of_binary_garbage_is_refused_as_not_text(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(random.Random(7).randbytes(20_000))
    error = refused(path)
    assert error.message == "The file is not text: it looks like binary data, so it cannot be read as CSV."
    assert error.where == "list.csv"


def test_csv_wider_than_excel_is_refused_naming_the_row(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"h{i}" for i in range(16_385)) + "\n", encoding="utf-8")
    error = refused(path)
    assert error.message == "The sheet is 16,385 columns wide; Excel sheets hold at most 16,384 columns."
    assert error.where == "wide.csv, sheet 'wide', row 1"


def test_xlsx_cell_beyond_column_xfd_is_refused_naming_sheet_and_row(make_xlsx: Any) -> None:
    path = make_xlsx({"PBC": [HEADER, ["PBC-1", "x", "Ann"]]})
    rewrite_member_text(
        path,
        SHEET,
        lambda xml: xml.replace(
            "</row></sheetData>", '<c r="XFE2" t="inlineStr"><is><t>y</t></is></c></row></sheetData>'
        ),
    )
    error = refused(path)
    assert error.message == "The sheet is 16,385 columns wide; Excel sheets hold at most 16,384 columns."
    assert error.where == "checklist.xlsx, sheet 'PBC', row 2"


def test_ods_and_numbers_files_are_refused_with_what_to_do(tmp_path: Path) -> None:
    ods = tmp_path / "list.ods"
    with zipfile.ZipFile(ods, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<x/>")
    numbers = tmp_path / "list.numbers"
    with zipfile.ZipFile(numbers, "w") as zf:
        zf.writestr("Index/Document.iwa", b"\x00")
    assert "save it as .xlsx" in refused(ods).hint
    assert "Export To › Excel" in refused(numbers).hint


def test_text_file_named_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    path.write_text("Request ID,Request\nPBC-1,x\n")
    assert refused(path).message == "This file is named .xlsx but its contents are not a spreadsheet."


def test_preflight_reports_size_sha256_and_kind(make_xlsx: Any) -> None:
    import hashlib

    path = make_xlsx({"PBC": [HEADER]}, name="list.xlsm")
    facts = preflight(path)
    assert (facts.name, facts.size, facts.kind) == ("list.xlsm", path.stat().st_size, "xlsm")
    assert facts.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_defusedxml_is_importable_and_active() -> None:
    ensure_defusedxml()


def test_places_name_file_sheet_row_and_column_letter() -> None:
    assert place("a.xlsx", "PBC", 12, 28) == "a.xlsx, sheet 'PBC', row 12, column AB"
    assert column_letter(16_384) == "XFD"


def test_inspect_refuses_an_empty_file_too(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(UserError, match="empty"):
        inspect_checklist(path)


def test_ghost_sheet_without_a_dimension_tag_is_never_parsed_whole(make_xlsx: Any, monkeypatch: Any) -> None:
    from openpyxl.worksheet._reader import WorkSheetParser

    path = make_xlsx({"PBC": [HEADER, ["PBC-1", "Give me x", "Ann"]]})

    haunt_sheet(path, 3)

    def whole_sheet_pass(self: Any) -> None:
        raise AssertionError("openpyxl parsed the whole sheet to size it")

    monkeypatch.setattr(WorkSheetParser, "parse_dimensions", whole_sheet_pass)
    analysis = analyse_sheet(path)
    assert [row.ref for row in analysis.rows] == ["PBC-1"]
    assert [p.message for p in analysis.problems] == [
        "The sheet has empty formatted rows; the empty rows after row 2 were ignored."
    ]


def test_really_encrypted_xlsx_is_refused_with_save_without_password_hint(make_xlsx: Any) -> None:
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = make_xlsx({"PBC": [HEADER, ["PBC-1", "x", "Ann"]]})
    locked = plain.with_name("locked.xlsx")
    with plain.open("rb") as source, locked.open("wb") as target:
        ooxml.OOXMLFile(source).encrypt("secret", target)
    assert locked.read_bytes().startswith(OLE_MAGIC)
    error = refused(locked)
    assert error.message == "The workbook is password-protected (encrypted), so it cannot be read."
    assert error.where == "locked.xlsx"
    assert "without a password" in error.hint
