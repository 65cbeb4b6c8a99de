"""Tests for write-back: answers land in the right cells as text, everything else stays as it was."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from workbook.errors import UserError
from workbook.formats.package.inputs import WritebackAnswer, WritebackInput
from workbook.formats.package.writeback import write_back, write_back_input


def _checklist() -> bytes:
    """A messy auditor sheet: title block, header on row 3, a status dropdown, a hidden column, two sheets."""
    wb = Workbook()
    intro = wb.active
    assert intro is not None
    intro.title = "Instructions"
    intro["A1"] = "Fill in column D"
    ws = wb.create_sheet("PBC List")
    ws["A1"] = "Acme SOC 2 request list"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:E1")
    ws.append([])
    ws.append(["Request ID", "Description", "Internal", "Status:", "Client\u00a0Response"])
    for cell in ws[3]:
        cell.fill = PatternFill("solid", fgColor="FFCC00")
    ws.append(["PBC-001", "Access list", "x", "Not started", None])
    ws.append(["PBC-002", "Policy", "y", "Not started", None])
    ws.append(["PBC-003", "=1+1", "z", "Not started", "keep me"])
    ws.column_dimensions["C"].hidden = True
    dv = DataValidation(type="list", formula1='"Not started,Provided,N/A"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("D4:D100")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _snapshot(path: Path | bytes) -> dict[tuple[str, str], tuple[object, ...]]:
    wb = load_workbook(io.BytesIO(path) if isinstance(path, bytes) else path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                out[(ws.title, cell.coordinate)] = (
                    cell.value,
                    cell.data_type,
                    cell.number_format,
                    repr(cell.font),
                    repr(cell.fill),
                    repr(cell.border),
                    repr(cell.alignment),
                    repr(cell.protection),
                )
    return out


MAPPING = {"status": "Status", "response": "Client Response"}


def test_answers_go_into_mapped_and_appended_columns(tmp_path: Path) -> None:
    out = tmp_path / "answered.xlsx"
    answers = [
        WritebackAnswer(
            source_row=4,
            status="Provided",
            owner="Dana",
            response="See attached",
            evidence=("users.csv", "okta.png"),
        ),
        WritebackAnswer(source_row=5, status="N/A", owner="Lee", response="", evidence=()),
    ]

    columns = write_back(_checklist(), "PBC List", 3, MAPPING, answers, out)

    assert columns == {"status": 4, "owner": 6, "response": 5, "evidence": 7}
    ws = load_workbook(out)["PBC List"]
    assert [c.value for c in ws[3]] == [
        "Request ID",
        "Description",
        "Internal",
        "Status:",
        "Client\u00a0Response",
        "Owner",
        "Evidence",
    ]
    assert [c.value for c in ws[4]] == [
        "PBC-001",
        "Access list",
        "x",
        "Provided",
        "See attached",
        "Dana",
        "users.csv\nokta.png",
    ]
    assert [c.value for c in ws[5]][3:] == ["N/A", None, "Lee", None]
    assert ws["F3"].fill.fgColor.rgb == "00FFCC00"


def test_every_other_cell_keeps_its_value_and_style(tmp_path: Path) -> None:
    original = _checklist()
    out = tmp_path / "answered.xlsx"
    write_back(
        original,
        "PBC List",
        3,
        MAPPING,
        [WritebackAnswer(source_row=4, status="Provided", owner="Dana", response="ok")],
        out,
    )

    before, after = _snapshot(original), _snapshot(out)
    written = {("PBC List", c) for c in ("D4", "E4", "F3", "F4", "G3", "G4")}
    for key, value in before.items():
        if key not in written:
            assert after[key] == value, key
    wb = load_workbook(out)
    ws = wb["PBC List"]
    assert wb.sheetnames == ["Instructions", "PBC List"]
    assert ws.column_dimensions["C"].hidden is True
    assert "A1:E1" in {str(r) for r in ws.merged_cells.ranges}
    (dv,) = ws.data_validations.dataValidation
    assert dv.formula1 == '"Not started,Provided,N/A"'
    assert str(dv.sqref) == "D4:D100"


@pytest.mark.parametrize(
    "payload",
    ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=cmd|' /C calc'!A0"],
)
def test_formula_like_values_are_written_as_text_cells(tmp_path: Path, payload: str) -> None:
    out = tmp_path / "answered.xlsx"
    write_back(
        _checklist(),
        "PBC List",
        3,
        MAPPING,
        [WritebackAnswer(source_row=4, status=payload, owner=payload, response=payload, evidence=(payload,))],
        out,
    )

    ws = load_workbook(out)["PBC List"]
    for coord in ("D4", "E4", "F4", "G4"):
        assert ws[coord].data_type == "s", coord
        assert ws[coord].value == payload


def test_control_characters_are_stripped_instead_of_aborting(tmp_path: Path) -> None:
    out = tmp_path / "answered.xlsx"
    write_back(
        _checklist(),
        "PBC List",
        3,
        MAPPING,
        [WritebackAnswer(source_row=4, status="Provided", owner="D\x00an\x07a", response="a\x1bb\nc")],
        out,
    )
    ws = load_workbook(out)["PBC List"]
    assert ws["F4"].value == "Dana"
    assert ws["E4"].value == "ab\nc"


def test_a_column_number_mapping_and_the_dataclass_entry_point(tmp_path: Path) -> None:
    out = tmp_path / "answered.xlsx"
    data = WritebackInput(
        original_bytes=_checklist(),
        file_name="pbc.xlsx",
        sheet="PBC List",
        header_row=3,
        mapping={"status": 4, "owner": "Internal"},
        answers=(WritebackAnswer(source_row=6, status="Provided", owner="Kim", response="r"),),
    )
    assert write_back_input(data, out) == {"status": 4, "owner": 3, "response": 6, "evidence": 7}
    ws = load_workbook(out)["PBC List"]
    assert (ws["D6"].value, ws["C6"].value, ws["F6"].value, ws["F3"].value) == (
        "Provided",
        "Kim",
        "r",
        "Response",
    )


def test_a_csv_checklist_comes_back_as_a_workbook_of_text(tmp_path: Path) -> None:
    out = tmp_path / "answered.xlsx"
    write_back(
        b"Ref,Status\nPBC-1,Open\n3.10,Open\n",
        "whatever",
        1,
        {"status": "Status"},
        [WritebackAnswer(source_row=3, status="Done", owner="", response="")],
        out,
        file_name="list.csv",
    )
    ws = load_workbook(out).active
    assert ws is not None
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["Ref", "Status", "Owner", "Response", "Evidence"],
        ["PBC-1", "Open", None, None, None],
        ["3.10", "Done", None, None, None],
    ]


def test_a_missing_sheet_is_a_user_error_and_nothing_is_written(tmp_path: Path) -> None:
    out = tmp_path / "answered.xlsx"
    with pytest.raises(UserError, match="no sheet named 'Nope'"):
        write_back(_checklist(), "Nope", 3, MAPPING, [], out)
    assert list(tmp_path.iterdir()) == []


def test_garbage_bytes_are_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot be opened"):
        write_back(b"PK\x03\x04garbage", "S", 1, {}, [], tmp_path / "o.xlsx", file_name="x.xlsx")


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_the_answered_checklist_gets_a_saved_documents_permissions(tmp_path: Path, umask: int) -> None:
    out = tmp_path / "answered.xlsx"
    old = os.umask(umask)
    try:
        write_back(_checklist(), "PBC List", 3, MAPPING, [], out)
    finally:
        os.umask(old)

    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask
