"""The real public checklists in ../shared/corpus analyse with the right sheet, header row and row count."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbook.formats.checklist.reader import analyse_sheet

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus"

pytestmark = pytest.mark.corpus


def corpus_file(name: str) -> Path:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file {name} is absent")
    return path


# file, sheet given (None = let the engine choose), expected sheet, header row, requests, first ref, last ref
CASES = [
    ("nist-sp800-53r5-control-catalog.xlsx", None, "SP 800-53 Revision 5", 1, 1189, "AC-1", "SR-12"),
    # 5,597 identifiers; two refs appear twice (merged) and row 1829 is a bracketed placeholder.
    ("nist-cprt-sp800-53a-5.1.1.xlsx", None, "NIST SP 800-53A", 1, 5594, "AC-01", "DS-SR-12"),
    # Title in row 1, staircase Function/Category rows; refs come from "GV.OC-01: ..." in Subcategory.
    ("nist-csf-2.0-core-export.xlsx", None, "CSF 2.0", 2, 185, "GV.OC-01", "RC.IM-02"),
    ("nist-csf-pf-to-800-53r5-mappings.xlsx", None, "CSF to SP 800-53r5", 2, 108, "ID.AM-1", "RC.CO-3"),
    (
        "nist-csf-pf-to-800-53r5-mappings.xlsx",
        "PF to SP 800-53r5",
        "PF to SP 800-53r5",
        3,
        100,
        "ID.IM-P1",
        "PR.PT-P4",
    ),
    # Merged header block A1:B2 and a note in row 2; every control row is kept, withdrawn ones too.
    ("nist-800-53r5-to-iso27001-mapping.xlsx", None, "Sheet1", 1, 322, "AC-1", "SR-12"),
    ("microsoft-cloud-security-benchmark-v1.xlsx", None, "Network Security", 1, 10, "NS-1", "NS-10"),
    (
        "microsoft-cloud-security-benchmark-v1.xlsx",
        "Governance and Strategy",
        "Governance and Strategy",
        1,
        11,
        "GS-1",
        "GS-11",
    ),
    (
        "microsoft-cloud-security-benchmark-v1.xlsx",
        "Data Protection",
        "Data Protection",
        1,
        8,
        "DP-1",
        "DP-8",
    ),
]


@pytest.mark.parametrize(("name", "sheet", "expected_sheet", "header_row", "count", "first", "last"), CASES)
def test_corpus_checklist_analyses_with_the_expected_sheet_header_and_rows(
    name: str, sheet: str | None, expected_sheet: str, header_row: int, count: int, first: str, last: str
) -> None:
    analysis = analyse_sheet(corpus_file(name), sheet=sheet)
    assert (analysis.sheet, analysis.header_row, len(analysis.rows)) == (expected_sheet, header_row, count)
    assert (analysis.rows[0].ref, analysis.rows[-1].ref) == (first, last)
    assert not analysis.generated_refs


def test_csf_subcategory_text_is_split_into_ref_and_title_with_category_as_section() -> None:
    analysis = analyse_sheet(corpus_file("nist-csf-2.0-core-export.xlsx"))
    row = analysis.rows[0]
    assert row.ref == "GV.OC-01"
    assert row.title == "The organizational mission is understood and informs cybersecurity risk management"
    assert row.section.startswith("Organizational Context (GV.OC)")


def test_catalog_keeps_enhancement_ids_as_text() -> None:
    analysis = analyse_sheet(corpus_file("nist-sp800-53r5-control-catalog.xlsx"))
    assert [r.ref for r in analysis.rows[:4]] == ["AC-1", "AC-2", "AC-2(1)", "AC-2(2)"]
    assert analysis.mapping["ref"] == "Control Identifier"


# From reading each file: the column a careful person would map to each field (extras stay unmapped).
MAPPINGS = [
    (
        "nist-csf-pf-to-800-53r5-mappings.xlsx",
        None,
        {"section": "Category", "ref": "Subcategory", "criteria": "NIST SP 800-53, Revision 5 Control"},
    ),
    (
        "nist-csf-pf-to-800-53r5-mappings.xlsx",
        "PF to SP 800-53r5",
        {"section": "Category", "ref": "Subcategory", "criteria": "NIST SP 800-53, Revision 5, Control"},
    ),
    # Column B has no header of its own (A1:B2 is merged) and holds the control names.
    (
        "nist-800-53r5-to-iso27001-mapping.xlsx",
        None,
        {"ref": "NIST SP 800-53 CONTROLS", "title": "B", "criteria": "ISO/IEC 27001 CONTROLS"},
    ),
    (
        "nist-sp800-53r5-control-catalog.xlsx",
        None,
        {
            "ref": "Control Identifier",
            "title": "Control (or Control Enhancement) Name",
            "request": "Control Text",
            "criteria": "Related Controls",
        },
    ),
    (
        "nist-cprt-sp800-53a-5.1.1.xlsx",
        None,
        {
            "section": "family",
            "ref": "identifier",
            "title": "control-name",
            "request": "assessment-objective",
        },
    ),
    (
        "nist-csf-2.0-core-export.xlsx",
        None,
        {"section": "Category", "ref": "Subcategory", "criteria": "Informative References"},
    ),
    (
        "microsoft-cloud-security-benchmark-v1.xlsx",
        None,
        {
            "ref": "ID",
            "section": "Control Domain",
            "title": "Recommendation",
            "request": "Security Principle",
        },
    ),
]


@pytest.mark.parametrize(("name", "sheet", "mapping"), MAPPINGS)
def test_corpus_columns_map_as_a_careful_reader_would(
    name: str, sheet: str | None, mapping: dict[str, str]
) -> None:
    assert analyse_sheet(corpus_file(name), sheet=sheet).mapping == mapping


def test_crosswalk_control_lists_become_criteria_and_the_subcategory_text_the_title() -> None:
    row = analyse_sheet(corpus_file("nist-csf-pf-to-800-53r5-mappings.xlsx")).rows[0]
    assert (row.ref, row.criteria) == ("ID.AM-1", ("CM-8", "PM-5"))
    assert row.title.startswith("Physical devices and systems within the organization are inventoried")


def test_iso_mapping_reads_names_from_the_headerless_column_and_iso_controls_as_criteria() -> None:
    row = analyse_sheet(corpus_file("nist-800-53r5-to-iso27001-mapping.xlsx")).rows[1]
    assert (row.ref, row.title) == ("AC-2", "Account Management")
    assert row.criteria == ("A.9.2.1", "A.9.2.2", "A.9.2.3", "A.9.2.5", "A.9.2.6")
