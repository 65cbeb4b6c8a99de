"""Tests for write-back: our answers land in the auditor's own file, and nothing else of theirs changes."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import io
import os
import re
import stat
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.datavalidation import DataValidation

from workbook.errors import UserError
from workbook.formats.package.inputs import (
    AnswerColumn,
    AnswerValue,
    SheetAnswers,
    WritebackAnswer,
    WritebackInput,
    WritebackResult,
)
from workbook.formats.package.writeback import write_back

# openpyxl, used here only to read results back, drops the x14 extensions it does not know, and says so.
pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET_PART = "xl/worksheets/sheet2.xml"
STRINGS = ["Acme SOC 2 requests", "Ref", "Request", "Status", "Response", "Due", "Answer", "Array"]
STRINGS += ["PBC-001", "Access list", "Open", "", "PBC-002", "Policy", "PBC-003", "Backups", "old note"]
S = {text: index for index, text in enumerate(STRINGS)}

# Row 1 a title, row 3 the headers, rows 4-6 and 8 requests (row 7 has no element): status has a dropdown,
# due a date format, Answer a VLOOKUP (shared down to F6), G4:G5 one array formula; '' cells in D4 and D6.
ROWS = f"""\
<row r="1" spans="1:7"><c r="A1" s="1" t="s"><v>{S["Acme SOC 2 requests"]}</v></c></row>\r
<row r="3" spans="1:7" x14ac:dyDescent="0.25"><c r="A3" s="1" t="s"><v>{S["Ref"]}</v></c>\
<c r="B3" s="1" t="s"><v>{S["Request"]}</v></c><c r="C3" s="1" t="s"><v>{S["Status"]}</v></c>\
<c r="D3" s="1" t="s"><v>{S["Response"]}</v></c><c r="E3" s="1" t="s"><v>{S["Due"]}</v></c>\
<c r="F3" s="1" t="s"><v>{S["Answer"]}</v></c><c r="G3" s="1" t="s"><v>{S["Array"]}</v></c></row>\r
<row r="4" spans="1:7" x14ac:dyDescent="0.25"><c r="A4" t="s"><v>{S["PBC-001"]}</v></c>\
<c t="s" r="B4"><v>{S["Access list"]}</v></c><c r="C4" t="s"><v>{S["Open"]}</v></c>\
<c r="D4" t="s"><v>{S[""]}</v></c><c r="E4" s="2"><v>45300</v></c>\
<c r="F4" t="str"><f>VLOOKUP(A4,'Read me'!A:B,2,FALSE)</f><v>#N/A</v></c>\
<c r="G4"><f t="array" ref="G4:G5">A4:A5</f><v>1</v></c></row>\r
<row r="5" spans="1:7" x14ac:dyDescent="0.25"><c r="A5" t="s"><v>{S["PBC-002"]}</v></c>\
<c r="B5" t="s"><v>{S["Policy"]}</v></c><c r="C5" t="s"><v>{S["Open"]}</v></c><c r="E5" s="2"/>\
<c r="F5" t="str"><f t="shared" ref="F5:F6" si="0">VLOOKUP(A5,'Read me'!A:B,2,FALSE)</f><v>x</v></c>\
<c r="G5"><v>2</v></c></row>\r
<row r="6" spans="1:7"><c r="A6" t="s"><v>{S["PBC-003"]}</v></c><c r="B6" t="s"><v>{S["Backups"]}</v></c>\
<c r="C6" t="s"><v>{S["Open"]}</v></c><c r="D6" t="s"><v>{S[""]}</v></c>\
<c r="F6" t="str"><f t="shared" si="0"/><v>y</v></c></row>\r
<row r="8" spans="1:7"><c r="A8" t="s"><v>{S["PBC-002"]}</v></c>\
<c r="D8" t="s"><v>{S["old note"]}</v></c></row>\r
"""

EXT_LST = """\
<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" \
xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">\
<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">\
<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1">\
<x14:formula1><xm:f>'Read me'!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>C4:C100</xm:sqref>\
</x14:dataValidation></x14:dataValidations></ext>\
<ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" \
xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">\
<x14:conditionalFormattings><x14:conditionalFormatting xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">\
<x14:cfRule type="dataBar" id="{00000000-000E-0000-0000-000001000000}">\
<x14:dataBar minLength="0" maxLength="100">\
<x14:cfvo type="autoMin"/><x14:cfvo type="autoMax"/></x14:dataBar></x14:cfRule><xm:sqref>E4:E8</xm:sqref>\
</x14:conditionalFormatting></x14:conditionalFormattings></ext></extLst>"""

CONDITIONAL = """\
<conditionalFormatting sqref="C4:C8"><cfRule type="containsText" dxfId="0" priority="1" \
operator="containsText" text="Open"><formula>NOT(ISERROR(SEARCH("Open",C4)))</formula></cfRule>\
</conditionalFormatting>"""


def _sheet_xml(rows: str = ROWS, *, cols: str | None = None, merges: str = "", prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    if prefix:
        rows = re.sub(r"<(/?)(row|c|v|f)\b", rf"<\1{p}\2", rows)
    cols_xml = (
        cols
        if cols is not None
        else f'<{p}cols><{p}col min="1" max="1" width="12" customWidth="1"/>'
        f'<{p}col min="2" max="2" width="40" customWidth="1"/></{p}cols>'
    )
    tail = (
        ""
        if prefix
        else CONDITIONAL
        + _VALIDATION
        + '<pageMargins left="0.7" right="0.7" top="0.75" '
        + ('bottom="0.75" header="0.3" footer="0.3"/>' + EXT_LST)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f"<{p}worksheet {xmlns} "
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" mc:Ignorable="x14ac">'
        f'<{p}dimension ref="A1:G8"/><{p}sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/>'
        f"{cols_xml}<{p}sheetData>\r\n{rows}</{p}sheetData>{merges}{tail}</{p}worksheet>"
    )


_VALIDATION = (
    '<dataValidations count="1"><dataValidation type="list" allowBlank="1" sqref="B4:B100">'
    '<formula1>"Access list,Policy,Backups"</formula1></dataValidation></dataValidations>'
)

STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/>\
</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill \
patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/>\
</border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
<dxfs count="1"><dxf><font><b/></font></dxf></dxfs></styleSheet>"""


def _package(sheet_xml: str, *, strings: list[str] = STRINGS, extra: dict[str, bytes] | None = None) -> bytes:
    """A hand-built workbook: 'Read me' and 'PBC' sheets, shared strings, styles with a date format."""
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    shared = "".join(f"<si><t>{s}</t></si>" if s else "<si><t/></si>" for s in strings)
    members = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet2.xml" ContentType="{ct}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{ct}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<workbook xmlns="{MAIN}" xmlns:r="{rel}"><sheets>'
            '<sheet name="Read me" sheetId="1" r:id="rId1"/><sheet name="PBC" sheetId="2" r:id="rId2"/>'
            "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/worksheet" Target="/xl/worksheets/sheet2.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId4" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>Open</t></is></c></row></sheetData></worksheet>'
        ),
        SHEET_PART: sheet_xml,
        "xl/styles.xml": STYLES,
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{MAIN}" '
            f'count="{len(strings)}" uniqueCount="{len(strings)}">{shared}</sst>'
        ),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text, compress_type=zipfile.ZIP_DEFLATED)
        for name, data in (extra or {}).items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_STORED)
    return buf.getvalue()


STATUS = AnswerColumn("status", 3, "Status", allowed=("Open", "Provided", "N/A"))
RESPONSE = AnswerColumn("response", 4, "Response")
DUE = AnswerColumn("due", 5, "Due")
OWNER = AnswerColumn("owner", None, "Owner")
EVIDENCE = AnswerColumn("evidence", None, "Evidence")
COLUMNS = (STATUS, RESPONSE, DUE, OWNER, EVIDENCE)


def _answer(row: int, *values: tuple[str, AnswerValue], sheet: str = "PBC") -> WritebackAnswer:
    return WritebackAnswer(sheet, row, f"PBC-{row:03d}", values)


def _input(
    original: bytes,
    *answers: WritebackAnswer,
    columns: tuple[AnswerColumn, ...] = COLUMNS,
    kind: str = "xlsx",
    name: str = "pbc.xlsx",
    sheet: str = "PBC",
    header_row: int = 3,
) -> WritebackInput:
    return WritebackInput(original, name, kind, (SheetAnswers(sheet, header_row, columns),), answers)


def _part(path: Path | bytes, name: str = SHEET_PART) -> bytes:
    with zipfile.ZipFile(io.BytesIO(path) if isinstance(path, bytes) else path) as zf:
        return zf.read(name)


def _rows(xml: bytes) -> dict[int, bytes]:
    found = re.finditer(rb'<(?:x:)?row r="(\d+)"[^>]*?(?:/>|>.*?</(?:x:)?row>)', xml, re.S)
    return {int(m[1]): m[0] for m in found}


def _cell(xml: bytes, ref: str) -> bytes:
    m = re.search(rb'<(?:x:)?c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</(?:x:)?c>)', xml, re.S)
    assert m is not None, ref
    return m[0]


def _write(tmp_path: Path, data: WritebackInput, name: str = "answered.xlsx") -> tuple[Path, WritebackResult]:
    out = tmp_path / name
    return out, write_back(data, out)


def test_answers_land_in_their_rows_and_columns_as_inline_text(tmp_path: Path) -> None:
    original = _package(_sheet_xml())
    out, result = _write(
        tmp_path,
        _input(
            original,
            _answer(4, ("status", "Provided"), ("response", "See the export"), ("owner", "Dana")),
            _answer(6, ("status", "N/A"), ("evidence", "policy.pdf")),
        ),
    )

    ws = load_workbook(out)["PBC"]
    assert [ws[f"{col}4"].value for col in "ABCDHI"] == [
        "PBC-001",
        "Access list",
        "Provided",
        "See the export",
        "Dana",
        None,
    ]
    assert [ws[f"{col}6"].value for col in "CHI"] == ["N/A", None, "policy.pdf"]
    assert (ws["H3"].value, ws["I3"].value) == ("Owner", "Evidence")
    xml = _part(out)
    assert _cell(xml, "D4") == (
        b'<c r="D4" t="inlineStr"><is><t xml:space="preserve">See the export</t></is></c>'
    )
    assert result.appended == (("PBC", "owner", "H", "Owner"), ("PBC", "evidence", "I", "Evidence"))
    assert (result.redirected, result.written) == ((), 5)
    assert result.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()


def test_every_zip_member_but_the_answered_sheet_is_copied_byte_for_byte(tmp_path: Path) -> None:
    original = _package(
        _sheet_xml(), extra={"xl/media/image1.png": b"\x89PNG fake", "customXml/item1.xml": b"<a/>"}
    )
    out, _ = _write(tmp_path, _input(original, _answer(5, ("status", "Provided"), ("owner", "Lee"))))

    with zipfile.ZipFile(io.BytesIO(original)) as before, zipfile.ZipFile(out) as after:
        assert [i.filename for i in after.infolist()] == [i.filename for i in before.infolist()]
        for old, new in zip(before.infolist(), after.infolist(), strict=True):
            assert new.compress_type == old.compress_type, old.filename
            if old.filename != SHEET_PART:
                assert after.read(new) == before.read(old), old.filename
    assert _part(out, "xl/sharedStrings.xml") == _part(original, "xl/sharedStrings.xml")


def test_every_row_not_answered_stays_byte_identical_in_the_sheet_xml(tmp_path: Path) -> None:
    original = _package(_sheet_xml())
    out, _ = _write(tmp_path, _input(original, _answer(5, ("status", "Provided"), ("owner", "Lee"))))

    before, after = _rows(_part(original)), _rows(_part(out))
    assert set(after) == set(before)
    for number in before.keys() - {3, 5}:  # 3 gets the appended header, 5 the answers
        assert after[number] == before[number], number
    old, new = _part(original), _part(out)
    assert new.startswith(old[: old.index(b"<dimension")])
    assert new.endswith(old[old.index(b"</sheetData>") :])


def test_a_formula_cell_keeps_its_formula_and_the_answer_goes_to_an_audit_workbook_column(
    tmp_path: Path,
) -> None:
    answer_column = AnswerColumn("response", 6, "Answer")
    original = _package(_sheet_xml())
    out, result = _write(
        tmp_path,
        _input(
            original,
            _answer(4, ("response", "Direct answer")),
            _answer(6, ("response", "Shared formula row")),
            _answer(8, ("response", "No formula here")),
            columns=(answer_column,),
        ),
    )

    ws = load_workbook(out)["PBC"]
    assert ws["F4"].value == "=VLOOKUP(A4,'Read me'!A:B,2,FALSE)"
    assert (ws["F8"].value, ws["H3"].value, ws["H4"].value, ws["H6"].value) == (
        "No formula here",
        "Answer (Audit Workbook)",
        "Direct answer",
        "Shared formula row",
    )
    assert [(r.row, r.field, r.column, r.reason) for r in result.redirected] == [
        (4, "response", "H", "the cell holds a formula"),
        (6, "response", "H", "the cell holds a formula"),
    ]
    assert result.appended == (("PBC", "response", "H", "Answer (Audit Workbook)"),)
    xml = _part(out)
    assert b"<f>VLOOKUP(A4,'Read me'!A:B,2,FALSE)</f>" in _cell(xml, "F4")
    assert _cell(xml, "F6") == _cell(_part(original), "F6")


def test_a_cell_inside_an_array_formula_is_never_overwritten(tmp_path: Path) -> None:
    out, result = _write(
        tmp_path,
        _input(
            _package(_sheet_xml()), _answer(5, ("owner", "Kim")), columns=(AnswerColumn("owner", 7, "Array"),)
        ),
    )

    assert _cell(_part(out), "G5") == b'<c r="G5"><v>2</v></c>'
    assert [(r.column, r.reason) for r in result.redirected] == [("H", "the cell holds a formula")]


def test_an_auditors_vlookup_answer_column_made_with_openpyxl_keeps_its_formulas(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Requests"
    ws.append(["Ref", "Status", "Answer"])
    for n in range(1, 4):
        ws.append([f"PBC-{n}", "Open", f"=VLOOKUP(A{n + 1},Lookup!A:B,2,FALSE)"])
    wb.create_sheet("Lookup").append(["PBC-1", "From the lookup"])
    buf = io.BytesIO()
    wb.save(buf)
    data = WritebackInput(
        buf.getvalue(),
        "requests.xlsx",
        "xlsx",
        (SheetAnswers("Requests", 1, (AnswerColumn("response", 3, "Answer"),)),),
        tuple(
            WritebackAnswer("Requests", r, f"PBC-{r - 1}", (("response", f"ours {r}"),)) for r in (2, 3, 4)
        ),
    )
    out, result = _write(tmp_path, data)

    ws_out = load_workbook(out)["Requests"]
    assert [ws_out.cell(r, 3).value for r in (2, 3, 4)] == [
        f"=VLOOKUP(A{r},Lookup!A:B,2,FALSE)" for r in (2, 3, 4)
    ]
    assert [ws_out.cell(r, 4).value for r in (1, 2, 3, 4)] == [
        "Answer (Audit Workbook)",
        "ours 2",
        "ours 3",
        "ours 4",
    ]
    assert len(result.redirected) == 3


def test_a_value_the_dropdown_lacks_is_redirected_and_one_it_offers_is_written_in_its_spelling(
    tmp_path: Path,
) -> None:
    out, result = _write(
        tmp_path,
        _input(
            _package(_sheet_xml()),
            _answer(4, ("status", "In progress")),
            _answer(5, ("status", "  provided ")),
        ),
    )

    ws = load_workbook(out)["PBC"]
    assert (ws["C4"].value, ws["C5"].value, ws["H3"].value, ws["H4"].value) == (
        "Open",
        "Provided",
        "Status (Audit Workbook)",
        "In progress",
    )
    (redirect,) = result.redirected
    assert (redirect.row, redirect.ref, redirect.field, redirect.column) == (4, "PBC-004", "status", "H")
    assert redirect.reason == "the column's dropdown does not offer 'In progress'"


def test_x14_validations_conditional_formats_and_plain_validations_survive(tmp_path: Path) -> None:
    original = _package(_sheet_xml())
    out, _ = _write(tmp_path, _input(original, _answer(4, ("status", "Provided"), ("owner", "Dana"))))

    xml = _part(out)
    for kept in (EXT_LST, CONDITIONAL, _VALIDATION):
        assert kept.encode() in xml
    assert xml.count(b"<extLst>") == 1


def test_empty_string_cells_stay_empty_strings_and_are_not_blanked(tmp_path: Path) -> None:
    original = _package(_sheet_xml())
    out, _ = _write(tmp_path, _input(original, _answer(4, ("status", "Provided"))))

    xml = _part(out)
    assert _cell(xml, "D4") == f'<c r="D4" t="s"><v>{S[""]}</v></c>'.encode()
    assert _cell(xml, "D6") == _cell(_part(original), "D6")
    assert b"<si><t/></si>" in _part(out, "xl/sharedStrings.xml")


def test_an_empty_answer_leaves_the_auditors_cell_as_it_was(tmp_path: Path) -> None:
    original = _package(_sheet_xml())
    out, result = _write(tmp_path, _input(original, _answer(8, ("response", ""), ("status", "  "))))

    assert result.written == 0 and result.appended == ()
    assert out.read_bytes() != b""
    assert _part(out) == _part(original)


@pytest.mark.parametrize(
    "payload",
    [
        '=HYPERLINK("http://evil","x")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        "=cmd|' /C calc'!A0",
    ],
)
def test_formula_like_values_are_written_as_text_cells(tmp_path: Path, payload: str) -> None:
    out, _ = _write(
        tmp_path,
        _input(
            _package(_sheet_xml()),
            _answer(5, ("response", payload), ("owner", payload), ("evidence", payload)),
        ),
    )

    ws = load_workbook(out)["PBC"]
    for ref in ("D5", "H5", "I5"):
        assert (ws[ref].value, ws[ref].data_type) == (payload, "s"), ref
        assert b"<f>" not in _cell(_part(out), ref)


def test_text_that_looks_like_an_excel_escape_is_escaped_so_excel_shows_it_literally(tmp_path: Path) -> None:
    out, _ = _write(
        tmp_path, _input(_package(_sheet_xml()), _answer(5, ("response", "see _x0041_ & _x00e9_")))
    )

    assert b">see _x005F_x0041_ &amp; _x005F_x00e9_</t>" in _cell(_part(out), "D5")


def test_control_characters_are_stripped_and_overlong_text_is_capped(tmp_path: Path) -> None:
    out, _ = _write(
        tmp_path,
        _input(
            _package(_sheet_xml()),
            _answer(4, ("owner", "D\x00an\x07a\ufffe"), ("response", "a\x1bb\nc & <d>")),
            _answer(5, ("response", "x" * 40_000)),
        ),
    )

    ws = load_workbook(out)["PBC"]
    assert (ws["H4"].value, ws["D4"].value) == ("Dana", "ab\nc & <d>")
    assert len(ws["D5"].value) == 32_767 and ws["D5"].value.endswith("x…")


def test_a_missing_row_element_is_created_in_row_order(tmp_path: Path) -> None:
    out, _ = _write(
        tmp_path, _input(_package(_sheet_xml()), _answer(7, ("response", "New")), _answer(12, ("owner", "Z")))
    )

    xml = _part(out)
    assert list(_rows(xml)) == [1, 3, 4, 5, 6, 7, 8, 12]
    assert (
        _rows(xml)[7]
        == b'<row r="7"><c r="D7" t="inlineStr"><is><t xml:space="preserve">New</t></is></c></row>'
    )
    assert b'<dimension ref="A1:H12"/>' in xml
    ws = load_workbook(out)["PBC"]
    assert (ws["D7"].value, ws["H12"].value, ws["A8"].value) == ("New", "Z", "PBC-002")


def test_a_self_closing_row_and_cell_take_answers(tmp_path: Path) -> None:
    rows = '<row r="3"><c r="A3" t="inlineStr"><is><t>Ref</t></is></c></row>'
    rows += '<row r="4" ht="30" customHeight="1"/>\r\n'
    rows += '<row r="5"><c r="A5" s="1"/><c r="D5" s="1"/></row>'
    out, _ = _write(
        tmp_path,
        _input(_package(_sheet_xml(rows)), _answer(4, ("response", "a")), _answer(5, ("response", "b"))),
    )

    found = _rows(_part(out))
    assert found[4] == (
        b'<row r="4" ht="30" customHeight="1">'
        b'<c r="D4" t="inlineStr"><is><t xml:space="preserve">a</t></is></c></row>'
    )
    assert found[5] == (
        b'<row r="5"><c r="A5" s="1"/>'
        b'<c r="D5" s="1" t="inlineStr"><is><t xml:space="preserve">b</t></is></c></row>'
    )


def test_comments_and_cdata_among_the_rows_do_not_confuse_the_row_finder(tmp_path: Path) -> None:
    rows = ROWS.replace('<row r="5"', '<!-- <row r="4"> was here --><row r="5"', 1).replace(
        "<v>45300</v>", "<v><![CDATA[45300]]></v>"
    )
    original = _package(_sheet_xml(rows))
    out, _ = _write(
        tmp_path, _input(original, _answer(5, ("response", "five")), _answer(4, ("response", "four")))
    )

    xml = _part(out)
    assert b'<!-- <row r="4"> was here --><row r="5"' in xml
    ws = load_workbook(out)["PBC"]
    assert (ws["D4"].value, ws["D5"].value, ws["E4"].value) == ("four", "five", dt.datetime(2024, 1, 9))


def test_a_sheet_whose_elements_carry_a_namespace_prefix_is_answered_with_that_prefix(tmp_path: Path) -> None:
    original = _package(_sheet_xml(prefix="x", cols=""))
    out, _ = _write(
        tmp_path,
        _input(original, _answer(5, ("status", "Provided"), ("owner", "Lee")), _answer(9, ("response", "r"))),
    )

    xml = _part(out)
    assert (
        _cell(xml, "C5")
        == b'<x:c r="C5" t="inlineStr"><x:is><x:t xml:space="preserve">Provided</x:t></x:is></x:c>'
    )
    assert b'<x:cols><x:col min="8" max="8" width="28" customWidth="1"/></x:cols><x:sheetData>' in xml
    assert b'<x:row r="9"><x:c r="D9"' in xml
    ws = load_workbook(out)["PBC"]
    assert (ws["C5"].value, ws["H5"].value, ws["H3"].value, ws["D9"].value) == (
        "Provided",
        "Lee",
        "Owner",
        "r",
    )


def test_appended_columns_get_a_width_the_style_to_their_left_and_a_wider_dimension_and_spans(
    tmp_path: Path,
) -> None:
    out, _ = _write(
        tmp_path, _input(_package(_sheet_xml()), _answer(4, ("owner", "Dana"), ("evidence", "a.pdf")))
    )

    xml = _part(out)
    assert (
        b'<cols><col min="1" max="1" width="12" customWidth="1"/>'
        b'<col min="2" max="2" width="40" customWidth="1"/>'
        b'<col min="8" max="8" width="28" customWidth="1"/>'
        b'<col min="9" max="9" width="28" customWidth="1"/></cols>'
    ) in xml
    assert b'<dimension ref="A1:I8"/>' in xml
    assert _rows(xml)[4].startswith(b'<row r="4" spans="1:9" x14ac:dyDescent="0.25">')
    assert _cell(xml, "H3").startswith(b'<c r="H3" s="1" t="inlineStr">')  # the bold header style of G3


def test_a_column_range_reaching_the_sheets_edge_is_split_around_an_appended_column(tmp_path: Path) -> None:
    cols = '<cols><col min="1" max="2" width="20" customWidth="1"/>'
    cols += '<col min="6" max="16384" width="9" style="1" hidden="1"/></cols>'
    out, _ = _write(tmp_path, _input(_package(_sheet_xml(cols=cols)), _answer(4, ("owner", "Dana"))))

    xml = _part(out)
    assert (
        b'<col min="6" max="7" width="9" style="1" hidden="1"/>'
        b'<col min="8" max="8" width="28" customWidth="1" style="1"/>'
        b'<col min="9" max="16384" width="9" style="1" hidden="1"/></cols>'
    ) in xml
    assert load_workbook(out)["PBC"].column_dimensions["H"].hidden is False


def test_multi_line_answers_in_an_appended_column_get_a_wrapping_copy_of_their_style(tmp_path: Path) -> None:
    original = _package(_sheet_xml())
    out, _ = _write(
        tmp_path, _input(original, _answer(4, ("evidence", "users.csv\nokta.png"), ("response", "one\ntwo")))
    )

    styles = _part(out, "xl/styles.xml")
    assert b'<cellXfs count="4">' in styles
    assert (
        b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
        b'<alignment wrapText="1"/></xf></cellXfs>' in styles
    )
    assert _cell(_part(out), "H4").startswith(b'<c r="H4" s="3" t="inlineStr">')
    assert _cell(_part(out), "D4").startswith(
        b'<c r="D4" t="inlineStr">'
    )  # the auditor's column keeps its style
    ws = load_workbook(out)["PBC"]
    assert ws["H4"].alignment.wrap_text is True and ws["H4"].value == "users.csv\nokta.png"


def test_a_due_date_is_a_serial_in_a_date_formatted_cell_and_iso_text_elsewhere(tmp_path: Path) -> None:
    out, _ = _write(
        tmp_path,
        _input(
            _package(_sheet_xml()),
            _answer(4, ("due", dt.date(2025, 3, 31))),
            _answer(5, ("due", dt.date(2025, 4, 1))),
            _answer(6, ("due", dt.date(2025, 4, 2))),
        ),
    )

    xml = _part(out)
    assert _cell(xml, "E4") == b'<c r="E4" s="2"><v>45747</v></c>'
    assert _cell(xml, "E5") == b'<c r="E5" s="2"><v>45748</v></c>'
    ws = load_workbook(out)["PBC"]
    assert (ws["E4"].value, ws["E6"].value) == (dt.datetime(2025, 3, 31), "2025-04-02")


def test_a_merged_cell_takes_the_answer_in_its_first_cell_unless_it_spans_other_rows(tmp_path: Path) -> None:
    merges = '<mergeCells count="2"><mergeCell ref="C4:D4"/><mergeCell ref="D5:D6"/></mergeCells>'
    out, result = _write(
        tmp_path,
        _input(
            _package(_sheet_xml(merges=merges)),
            _answer(4, ("response", "in C4")),
            _answer(5, ("response", "no")),
        ),
    )

    ws = load_workbook(out)["PBC"]
    assert (ws["C4"].value, ws["H5"].value) == ("in C4", "no")
    assert [(r.row, r.reason) for r in result.redirected] == [
        (5, "the cell is merged with rows above or below it")
    ]


def test_a_hostile_sheet_part_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    bomb = (
        _sheet_xml()
        .replace(
            "\r\n<worksheet",
            '\r\n<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\r\n<worksheet',
            1,
        )
        .replace("<v>45300</v>", "<v>&b;</v>")
    )

    with pytest.raises(UserError, match="unsafe XML") as caught:
        write_back(_input(_package(bomb), _answer(4, ("status", "Provided"))), tmp_path / "answered.xlsx")

    assert SHEET_PART in str(caught.value) and "save it again" in caught.value.hint
    assert list(tmp_path.iterdir()) == []


def test_an_xlsm_keeps_its_vba_project_byte_for_byte(tmp_path: Path) -> None:
    vba = bytes(range(256)) * 40
    original = _package(_sheet_xml(), extra={"xl/vbaProject.bin": vba})
    out, _ = _write(
        tmp_path,
        _input(original, _answer(4, ("status", "Provided")), kind="xlsm", name="pbc.xlsm"),
        "answered.xlsm",
    )

    assert _part(out, "xl/vbaProject.bin") == vba
    with zipfile.ZipFile(out) as zf:
        assert zf.getinfo("xl/vbaProject.bin").compress_type == zipfile.ZIP_STORED


def test_an_unknown_sheet_is_a_user_error_listing_the_sheets(tmp_path: Path) -> None:
    data = _input(_package(_sheet_xml()), _answer(4, ("status", "Open"), sheet="Nope"), sheet="Nope")

    with pytest.raises(UserError, match="no sheet named 'Nope'") as caught:
        write_back(data, tmp_path / "answered.xlsx")

    assert "'Read me', 'PBC'" in caught.value.hint
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("row", [1, 3])
def test_an_answer_at_or_above_the_header_row_is_a_user_error(tmp_path: Path, row: int) -> None:
    with pytest.raises(UserError, match="not below the header row"):
        write_back(
            _input(_package(_sheet_xml()), _answer(row, ("status", "Open"))), tmp_path / "answered.xlsx"
        )
    assert list(tmp_path.iterdir()) == []


def test_garbage_bytes_are_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="damaged"):
        write_back(_input(b"PK\x03\x04garbage"), tmp_path / "answered.xlsx")


def _csv_input(
    data: bytes, name: str, *answers: WritebackAnswer, columns: tuple[AnswerColumn, ...]
) -> WritebackInput:
    kind = name.rsplit(".", 1)[1]
    return WritebackInput(data, name, kind, (SheetAnswers(Path(name).stem, 1, columns),), answers)


CP1252_CSV = (
    "Ref;Request;Status\r\nPBC-1;Café access;Open\r\nPBC-2;=1+1;Open\r\nPBC-3;=cmd|' /C calc'!A0;Open\r\n"
)


def test_a_semicolon_cp1252_csv_comes_back_as_a_workbook_of_text_cells(tmp_path: Path) -> None:
    data = _csv_input(
        CP1252_CSV.encode("cp1252"),
        "pbc list.csv",
        WritebackAnswer("pbc list", 3, "PBC-2", (("status", "Provided"), ("owner", "Dana"))),
        columns=(AnswerColumn("status", 3, "Status"), AnswerColumn("owner", None, "Owner")),
    )
    out, result = _write(tmp_path, data)

    ws = load_workbook(out).active
    assert ws is not None and ws.title == "pbc list"
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["Ref", "Request", "Status", "Owner"],
        ["PBC-1", "Café access", "Open", None],
        ["PBC-2", "=1+1", "Provided", "Dana"],
        ["PBC-3", "=cmd|' /C calc'!A0", "Open", None],
    ]
    assert {ws[ref].data_type for ref in ("B3", "B4", "C3", "D3")} == {"s"}
    assert result.appended == (("pbc list", "owner", "D", "Owner"),)


def test_a_csv_written_back_as_csv_keeps_its_dialect_and_unanswered_lines(tmp_path: Path) -> None:
    text = 'Ref;Status;Notes\r\nPBC-1;Open;"two\r\nlines; kept"\r\nPBC-2;Open;x\r\nPBC-3;Open;\r\n'
    original = codecs.BOM_UTF8 + text.encode("utf-8")
    data = _csv_input(
        original,
        "list.csv",
        WritebackAnswer("list", 3, "PBC-2", (("status", "Done → ok"), ("owner", "=cmd"))),
        WritebackAnswer("list", 6, "PBC-5", (("status", "New"),)),
        columns=(AnswerColumn("status", 2, "Status"), AnswerColumn("owner", None, "Owner")),
    )
    out, _ = _write(tmp_path, data, "answered.csv")

    assert out.read_bytes().startswith(codecs.BOM_UTF8)
    assert out.read_bytes()[3:].decode("utf-8") == (
        "Ref;Status;Notes;Owner\r\n"
        'PBC-1;Open;"two\r\nlines; kept"\r\n'
        "PBC-2;Done → ok;x;'=cmd\r\n"
        "PBC-3;Open;\r\n"
        "\r\n"
        ";New\r\n"
    )


def test_an_answer_a_cp1252_csv_cannot_hold_is_a_user_error(tmp_path: Path) -> None:
    data = _csv_input(
        CP1252_CSV.encode("cp1252"),
        "pbc.csv",
        WritebackAnswer("pbc", 2, "PBC-1", (("status", "Erledigt ✓"),)),
        columns=(AnswerColumn("status", 3, "Status"),),
    )

    with pytest.raises(UserError, match="cp1252"):
        write_back(data, tmp_path / "answered.csv")
    assert list(tmp_path.iterdir()) == []


def test_a_cp1252_csv_without_a_final_newline_keeps_its_encoding_and_lf_endings(tmp_path: Path) -> None:
    original = "Ref,Status\nPBC-1,Offen\nPBC-2,Überfällig".encode("cp1252")
    data = _csv_input(
        original,
        "liste.csv",
        WritebackAnswer("liste", 3, "PBC-2", (("status", "Geprüft"),)),
        columns=(AnswerColumn("status", 2, "Status"),),
    )
    out, _ = _write(tmp_path, data, "answered.csv")

    assert out.read_bytes() == "Ref,Status\nPBC-1,Offen\nPBC-2,Geprüft".encode("cp1252")


def test_an_xls_comes_back_as_an_xlsx_with_every_sheet_and_its_layout(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    intro = book.add_sheet("Intro")
    intro.write_merge(0, 0, 0, 2, "Read this first")
    requests = book.add_sheet("Requests")
    for col, header in enumerate(["Ref", "Request", "Internal", "Status", "Amount", "Sent"]):
        requests.write(0, col, header)
    money = xlwt.easyxf(num_format_str="0.00")
    date = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for row, (ref, text) in enumerate(
        [("PBC-1", "Access"), ("PBC-2", "=1+1"), ("PBC-3", "Backups")], start=1
    ):
        requests.write(row, 0, ref)
        requests.write(row, 1, text)
        requests.write(row, 2, "x")
        requests.write(row, 3, "Open")
        requests.write(row, 4, 3.1, money)
        requests.write(row, 5, dt.date(2024, 1, row), date)
    requests.col(1).width = 256 * 40
    requests.col(2).hidden = True
    requests.row(3).hidden = True
    lists = book.add_sheet("Lists")
    lists.write(0, 0, "Open")
    lists.visibility = 1
    path = tmp_path / "legacy.xls"
    book.save(str(path))
    data = WritebackInput(
        path.read_bytes(),
        "legacy.xls",
        "xls",
        (
            SheetAnswers(
                "Requests",
                1,
                (AnswerColumn("status", 4, "Status", ("Open", "Done")), AnswerColumn("owner", None, "Owner")),
            ),
        ),
        (
            WritebackAnswer("Requests", 2, "PBC-1", (("status", "Done"), ("owner", "Dana"))),
            WritebackAnswer("Requests", 3, "PBC-2", (("status", "Waiting"),)),
        ),
    )
    out, result = _write(tmp_path, data)

    wb = load_workbook(out)
    assert wb.sheetnames == ["Intro", "Requests", "Lists"]
    assert [ws.sheet_state for ws in wb.worksheets] == ["visible", "visible", "hidden"]
    assert [str(r) for r in wb["Intro"].merged_cells.ranges] == ["A1:C1"]
    ws = wb["Requests"]
    assert [c.value for c in ws[1]] == [
        "Ref",
        "Request",
        "Internal",
        "Status",
        "Amount",
        "Sent",
        "Owner",
        "Status (Audit Workbook)",
    ]
    assert [c.value for c in ws[2]] == [
        "PBC-1",
        "Access",
        "x",
        "Done",
        "3.10",
        dt.datetime(2024, 1, 1),
        "Dana",
        None,
    ]
    assert [c.value for c in ws[3]][3:] == ["Open", "3.10", dt.datetime(2024, 1, 2), None, "Waiting"]
    assert (ws["B3"].value, ws["B3"].data_type, ws["F2"].number_format) == ("=1+1", "s", "yyyy-mm-dd")
    assert ws.column_dimensions["B"].width == 40 and ws.column_dimensions["C"].hidden is True
    assert ws.column_dimensions["G"].width == 28 and ws.row_dimensions[4].hidden is True
    assert [(r.row, r.column, r.reason) for r in result.redirected] == [
        (3, "H", "the column's dropdown does not offer 'Waiting'")
    ]


def test_an_xlsx_cannot_be_written_back_as_csv(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"cannot be written back as \.csv"):
        write_back(_input(_package(_sheet_xml())), tmp_path / "answered.csv")


@pytest.mark.parametrize("umask", [0o002, 0o022, 0o077])
def test_the_answered_checklist_is_owner_only_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    wb = Workbook()
    wb.active["A1"] = "Ref"  # type: ignore[index]
    buf = io.BytesIO()
    wb.save(buf)
    data = WritebackInput(buf.getvalue(), "pbc.xlsx", "xlsx", (SheetAnswers("Sheet", 1, ()),), ())
    out = tmp_path / "answered.xlsx"
    old = os.umask(umask)
    try:
        write_back(data, out)
    finally:
        os.umask(old)

    # A workbook's evidence and answers are for the owner's eyes: 0600 whatever the umask (issue 13).
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["answered.xlsx"]


def test_an_openpyxl_workbook_with_a_dropdown_is_answered_in_place(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "PBC List"
    ws.append(["Acme SOC 2 request list"])
    ws.append([])
    ws.append(["Request ID", "Description", "Status"])
    ws.append(["PBC-001", "Access list", "Not started"])
    dv = DataValidation(type="list", formula1='"Not started,Provided,N/A"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("C4:C100")
    buf = io.BytesIO()
    wb.save(buf)
    columns = (AnswerColumn("status", 3, "Status", ("Not started", "Provided", "N/A")),)
    out, result = _write(
        tmp_path,
        _input(
            buf.getvalue(),
            _answer(4, ("status", "Provided"), sheet="PBC List"),
            columns=columns,
            sheet="PBC List",
        ),
    )

    ws_out = load_workbook(out)["PBC List"]
    assert ws_out["C4"].value == "Provided" and result.written == 1
    (kept,) = ws_out.data_validations.dataValidation
    assert (kept.formula1, str(kept.sqref)) == ('"Not started,Provided,N/A"', "C4:C100")
