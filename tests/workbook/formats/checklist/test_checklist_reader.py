"""Layout traits of messy checklists, each built in code, read back as exact requests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl.worksheet.datavalidation import DataValidation

from workbook.errors import UserError
from workbook.formats.checklist.reader import analyse_sheet, inspect_checklist
from workbook.model import Status

HEADER = ["Request ID", "Request Description", "TSC Ref", "Assigned To", "Due Date", "Status"]


def test_header_row_below_title_block_is_found_and_columns_mapped(make_xlsx: Any) -> None:
    rows = [
        ["Acme SOC 2 Type II — PBC list"],
        ["Period: 2025"],
        [],
        HEADER,
        ["PBC-001", "Access review", "CC6.1"],
    ]
    analysis = analyse_sheet(make_xlsx({"PBC": rows}))
    assert analysis.header_row == 4
    assert analysis.mapping == {
        "ref": "Request ID", "request": "Request Description", "criteria": "TSC Ref",
        "owner": "Assigned To", "due": "Due Date", "status": "Status",
    }  # fmt: skip
    assert [r.ref for r in analysis.rows] == ["PBC-001"]


def test_two_row_header_under_a_merged_group_band_is_combined(make_xlsx: Any) -> None:
    rows = [
        ["PBC #", "Request", "Client", None, "Dates"],
        [None, None, "Owner", "Status", "Due On"],
        ["1", "Policies", "Ann", "Open", "2025-03-31"],
    ]

    def merge(wb: Any) -> None:
        ws = wb["PBC"]
        ws.merge_cells("A1:A2")
        ws.merge_cells("B1:B2")
        ws.merge_cells("C1:D1")

    analysis = analyse_sheet(make_xlsx({"PBC": rows}, edit=merge))
    assert (analysis.header_first_row, analysis.header_row) == (1, 2)
    assert analysis.mapping["owner"] == "Owner"
    assert analysis.mapping["status"] == "Status"
    assert analysis.rows[0].due == dt.date(2025, 3, 31)


def test_sub_headers_repeated_under_two_bands_are_told_apart_by_the_band(make_xlsx: Any) -> None:
    rows = [
        ["Ref", "Client", None, "Auditor", None],
        [None, "Comment", "Date", "Comment", "Date"],
        ["A-1", "done", "2025-01-02", "ok", "2025-01-03"],
    ]

    def merge(wb: Any) -> None:
        ws = wb["PBC"]
        ws.merge_cells("A1:A2")
        ws.merge_cells("B1:C1")
        ws.merge_cells("D1:E1")

    analysis = analyse_sheet(make_xlsx({"PBC": rows}, edit=merge))
    assert [c.header for c in analysis.columns] == [
        "Ref",
        "Client Comment",
        "Client Date",
        "Auditor Comment",
        "Auditor Date",
    ]


def test_header_text_with_line_breaks_nbsp_and_colons_still_maps(make_xlsx: Any) -> None:
    rows = [["Request\nID:", "Request\u00a0Description ", "Owner:"], ["A-1", "Give", "Bo"]]
    analysis = analyse_sheet(make_xlsx({"PBC": rows}))
    assert set(analysis.mapping) == {"ref", "request", "owner"}
    assert analysis.rows[0].owner == "Bo"


def test_ids_keep_their_displayed_form(make_xlsx: Any) -> None:
    def formats(wb: Any) -> None:
        ws = wb["PBC"]
        ws["A2"].number_format = "0.00"
        ws["A3"].number_format = "000"
        ws["A4"].number_format = '"PBC-"000'

    rows = [["Ref", "Request"], [3.1, "a"], [7, "b"], [12, "c"], ["3.1", "d"], [0.1, "e"]]
    analysis = analyse_sheet(make_xlsx({"PBC": rows}, edit=formats))
    assert [r.ref for r in analysis.rows] == ["3.10", "007", "PBC-012", "3.1", "0.1"]


def test_vertical_merges_fill_down_and_hidden_columns_are_read(make_xlsx: Any) -> None:
    rows = [["Section", "Ref", "Request", "Owner"], ["Access", "A-1", "x", "Ann"], [None, "A-2", "y", "Bo"]]

    def edit(wb: Any) -> None:
        ws = wb["PBC"]
        ws.merge_cells("A2:A3")
        ws.column_dimensions["D"].hidden = True

    analysis = analyse_sheet(make_xlsx({"PBC": rows}, edit=edit))
    assert [(r.section, r.owner) for r in analysis.rows] == [("Access", "Ann"), ("Access", "Bo")]
    assert analysis.field_column("owner") is not None
    assert analysis.field_column("owner").hidden  # type: ignore[union-attr]


def test_spacer_section_repeated_header_placeholder_and_footer_rows_are_skipped(make_xlsx: Any) -> None:
    rows = [
        HEADER[:3],
        ["Access control"],
        ["PBC-1", "Access list", "CC6.1; CC6.2"],
        [],
        HEADER[:3],
        ["[Example]", "[Describe the request]", None],
        ["PBC-2", "Change tickets", "CC8.1\nCC8.2"],
        ["Legend: * key control"],
    ]
    analysis = analyse_sheet(make_xlsx({"PBC": rows}))
    assert [(r.ref, r.section, r.criteria) for r in analysis.rows] == [
        ("PBC-1", "Access control", ("CC6.1", "CC6.2")),
        ("PBC-2", "Access control", ("CC8.1", "CC8.2")),
    ]
    # Every non-empty row is accounted for; blank rows are not rows to account for.
    assert [(s.row, s.kind) for s in analysis.skipped] == [
        (2, "section"),
        (5, "repeated_header"),
        (6, "example"),
        (8, "note"),
    ]
    assert analysis.non_empty_rows == len(analysis.rows) + len(analysis.skipped) + len(analysis.merged)


def test_dates_in_excel_forms_become_dates_and_text_is_kept(make_xlsx: Any) -> None:
    rows = [
        ["Ref", "Request", "Due Date"],
        ["1", "a", dt.datetime(2025, 3, 31)],
        ["2", "b", "31/03/2025"],
        ["3", "c", "Mar 31, 2025"],
        ["4", "d", "TBD"],
    ]
    analysis = analyse_sheet(make_xlsx({"PBC": rows}))
    assert [(r.due, r.due_text) for r in analysis.rows] == [
        (dt.date(2025, 3, 31), "2025-03-31"),
        (dt.date(2025, 3, 31), "31/03/2025"),
        (dt.date(2025, 3, 31), "Mar 31, 2025"),
        (None, "TBD"),
    ]
    assert [p.kind for p in analysis.problems] == ["unreadable_date"]


def test_status_vocabulary_comes_from_the_dropdown_and_the_cells(make_xlsx: Any) -> None:
    def dropdown(wb: Any) -> None:
        validation = DataValidation(type="list", formula1='"Not Started,Submitted,Complete,N/A"')
        validation.add("C2:C100")
        wb["PBC"].add_data_validation(validation)

    rows = [
        ["Ref", "Request", "Status"],
        ["1", "a", "Submitted"],
        ["2", "b", "Complete"],
        ["3", "c", "Parked"],
    ]
    analysis = analyse_sheet(make_xlsx({"PBC": rows}, edit=dropdown))
    assert analysis.status_vocabulary == {
        "Not Started": Status.OPEN,
        "Submitted": Status.READY_FOR_AUDITOR,
        "Complete": Status.ACCEPTED,
        "N/A": Status.NOT_APPLICABLE,
    }
    assert [r.status for r in analysis.rows] == [Status.READY_FOR_AUDITOR, Status.ACCEPTED, None]
    assert [p.kind for p in analysis.problems] == ["unknown_status"]


def test_without_a_ref_column_refs_come_from_row_numbers_and_the_user_is_told(make_xlsx: Any) -> None:
    rows = [
        ["Title", "Request Description"],
        ["Policies", "All security policies"],
        ["Vendors", "Vendor list"],
    ]
    analysis = analyse_sheet(make_xlsx({"PBC": rows}))
    assert analysis.generated_refs
    assert [r.ref for r in analysis.rows] == ["R0002", "R0003"]


def test_rows_sharing_a_ref_stay_apart_numbered_unless_asked_to_merge(make_xlsx: Any) -> None:
    rows = [["Ref", "Request", "TSC"], ["PBC-1", "a", "CC6.1"], ["PBC-1", "b", "CC6.2"], ["PBC-2", "c", ""]]
    path = make_xlsx({"PBC": rows})
    apart = analyse_sheet(path)
    assert [(r.ref, r.request) for r in apart.rows] == [("PBC-1", "a"), ("PBC-1-2", "b"), ("PBC-2", "c")]
    assert apart.duplicates[0].refs == ("PBC-1", "PBC-1-2")
    merged = analyse_sheet(path, duplicates="merge")
    assert [(r.ref, r.request, r.criteria, r.source_rows) for r in merged.rows] == [
        ("PBC-1", "a\n\nb", ("CC6.1", "CC6.2"), (2, 3)),
        ("PBC-2", "c", (), (4,)),
    ]
    assert [(m.row, m.into) for m in merged.merged] == [(3, "PBC-1")]


def test_the_same_row_twice_is_one_request(make_xlsx: Any) -> None:
    rows = [["Ref", "Request"], ["PBC-1", "a"], ["PBC-2", "b"], ["PBC-2", "b"], ["PBC-3", "c"]]
    analysis = analyse_sheet(make_xlsx({"PBC": rows}))
    assert [r.ref for r in analysis.rows] == ["PBC-1", "PBC-2", "PBC-3"]
    assert [(m.row, m.into) for m in analysis.merged] == [(4, "PBC-2")]


def test_caller_mapping_by_header_or_letter_overrides_guesses(make_xlsx: Any) -> None:
    rows = [["Ref", "Request", "Person"], ["1", "a", "Ann"]]
    path = make_xlsx({"PBC": rows})
    assert analyse_sheet(path, mapping={"owner": "Person"}).rows[0].owner == "Ann"
    assert analyse_sheet(path, mapping={"owner": "C"}).rows[0].owner == "Ann"
    with pytest.raises(UserError, match="No column 'Nobody'"):
        analyse_sheet(path, mapping={"owner": "Nobody"})


def test_unmapped_columns_are_kept_as_extra(make_xlsx: Any) -> None:
    rows = [["Ref", "Request", "System", "System"], ["1", "a", "Okta", "AWS"]]
    analysis = analyse_sheet(make_xlsx({"PBC": rows}))
    assert analysis.rows[0].extra == (("System", "Okta"), ("System (2)", "AWS"))


def test_instruction_and_hidden_helper_sheets_rank_below_the_request_list(make_xlsx: Any) -> None:
    def hide(wb: Any) -> None:
        wb["Lists"].sheet_state = "hidden"

    sheets = {
        "Instructions": [["How to fill this in"], ["Put evidence in the portal."]],
        "Requests": [HEADER[:3], ["PBC-1", "a", "CC6.1"], ["PBC-2", "b", "CC6.2"]],
        "Lists": [["Status", "Owner"], ["Open", "Ann"], ["Closed", "Bo"]],
    }
    path = make_xlsx(sheets, edit=hide)
    info = inspect_checklist(path)
    assert info.best_sheet == "Requests"
    assert analyse_sheet(path).sheet == "Requests"


def test_csv_in_utf16_with_semicolons_is_read(tmp_path: Path) -> None:
    path = tmp_path / "pbc.csv"
    path.write_bytes("Request ID;Request;Owner\nPBC-1;Zugriff prüfen;Jörg\n".encode("utf-16"))
    analysis = analyse_sheet(path)
    assert [(r.ref, r.request, r.owner) for r in analysis.rows] == [("PBC-1", "Zugriff prüfen", "Jörg")]


def test_csv_in_cp1252_with_tabs_is_read(tmp_path: Path) -> None:
    path = tmp_path / "pbc.tsv"
    path.write_bytes("Ref\tRequest\n1\tCaf\xe9 policy \x96 2025\n".encode("latin-1"))
    assert analyse_sheet(path).rows[0].request == "Café policy – 2025"


def test_header_signature_is_stable_across_cosmetic_header_changes(make_xlsx: Any) -> None:
    a = analyse_sheet(make_xlsx({"PBC": [["Request ID", "Owner:"], ["1", "x"]]}, name="a.xlsx"))
    b = analyse_sheet(make_xlsx({"PBC": [["request\u00a0id", "OWNER"], ["1", "x"]]}, name="b.xlsx"))
    assert a.header_signature == b.header_signature


def test_legacy_xls_is_read_with_formats_dates_merges_and_hidden_columns(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    notes = book.add_sheet("Instructions")
    notes.write(0, 0, "How to fill this in")
    sheet = book.add_sheet("PBC List")
    sheet.write_merge(0, 0, 0, 4, "Acme SOC 2 — PBC list")
    for col, text in enumerate(HEADER[:5]):
        sheet.write(2, col, text)
    sheet.write(3, 0, 3.1, xlwt.easyxf(num_format_str="0.00"))
    sheet.write(3, 1, "Access review")
    sheet.write(3, 2, "CC6.1, CC6.2")
    sheet.write(3, 3, "Ann")
    sheet.write(3, 4, dt.date(2025, 3, 31), xlwt.easyxf(num_format_str="yyyy-mm-dd"))
    sheet.write(4, 0, 7, xlwt.easyxf(num_format_str="000"))
    sheet.write(4, 1, "Change tickets")
    sheet.write(4, 3, "Bo")
    sheet.write(4, 4, "31/03/2025")
    sheet.col(3).hidden = True
    path = tmp_path / "pbc.xls"
    book.save(str(path))
    analysis = analyse_sheet(path)
    assert (analysis.kind, analysis.sheet, analysis.header_row) == ("xls", "PBC List", 3)
    assert [(r.ref, r.request, r.criteria, r.owner, r.due) for r in analysis.rows] == [
        ("3.10", "Access review", ("CC6.1", "CC6.2"), "Ann", dt.date(2025, 3, 31)),
        ("007", "Change tickets", (), "Bo", dt.date(2025, 3, 31)),
    ]
    assert analysis.field_column("owner").hidden  # type: ignore[union-attr]


def shade(ws: Any, row: int, fill: Any = None, font: Any = None) -> None:
    for cell in ws[row]:
        if cell.value is not None:
            if fill is not None:
                cell.fill = fill
            if font is not None:
                cell.font = font


def test_grey_or_italic_rows_are_skipped_only_when_they_hold_template_text(make_xlsx: Any) -> None:
    from openpyxl.styles import Font, PatternFill

    rows = [
        HEADER[:3],
        ["PBC-000", "A population listing", "CC1.1"],
        ["PBC-00X", "Like this one", "CC1.2"],
        ["PBC-001", "Access review", "CC6.1"],
        ["PBC-002", "Change tickets", "CC8.1"],
        ["PBC-003", "Vendor list", "CC9.2"],
    ]

    def style(wb: Any) -> None:
        ws = wb["PBC"]
        shade(ws, 1, fill=PatternFill("solid", fgColor="FF808080"))
        shade(ws, 2, fill=PatternFill("solid", fgColor="FFD9D9D9"))
        shade(ws, 3, font=Font(italic=True))

    analysis = analyse_sheet(make_xlsx({"PBC": rows}, edit=style))
    # Grey alone is not enough (row 2 reads as a real request); grey or italic template text is.
    assert [r.ref for r in analysis.rows] == ["PBC-000", "PBC-001", "PBC-002", "PBC-003"]
    assert [(s.row, s.reason) for s in analysis.skipped] == [
        (3, "an example row (grey or italic template text)"),
    ]


def test_banded_rows_and_a_grey_row_further_down_are_requests(make_xlsx: Any) -> None:
    from openpyxl.styles import PatternFill
    from openpyxl.styles.colors import Color

    rows = [HEADER[:3]] + [[f"PBC-{i}", f"Request {i}", "CC6.1"] for i in range(1, 9)]

    def band(wb: Any) -> None:
        ws = wb["PBC"]
        grey = PatternFill("solid", fgColor=Color(theme=0, tint=-0.1499984740745262))
        for row in range(2, 10, 2):
            shade(ws, row, fill=grey)

    banded = analyse_sheet(make_xlsx({"PBC": rows}, name="banded.xlsx", edit=band))
    assert len(banded.rows) == 8

    def one_grey(wb: Any) -> None:
        shade(wb["PBC"], 6, fill=PatternFill("solid", fgColor="FFBFBFBF"))

    highlighted = analyse_sheet(make_xlsx({"PBC": rows}, name="one.xlsx", edit=one_grey))
    assert len(highlighted.rows) == 8
    assert highlighted.skipped == ()


def test_italic_e_g_row_anywhere_is_a_sample_even_in_an_extra_column(make_xlsx: Any) -> None:
    from openpyxl.styles import Font

    rows = [
        ["Ref", "Request", "Owner"],
        ["PBC-1", "Access review", "Ann"],
        ["PBC-2", "Change tickets", "Bo"],
        [None, None, "e.g. Jane Doe, IT"],
        ["PBC-3", "Vendor list", "Cy"],
    ]

    def style(wb: Any) -> None:
        shade(wb["PBC"], 4, font=Font(italic=True, color="FF808080"))

    analysis = analyse_sheet(make_xlsx({"PBC": rows}, edit=style))
    assert [r.ref for r in analysis.rows] == ["PBC-1", "PBC-2", "PBC-3"]
    assert [(s.row, s.reason) for s in analysis.skipped] == [
        (4, "an example row (grey or italic template text)")
    ]
