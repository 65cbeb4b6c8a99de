"""The real public checklists in ../shared/corpus read as their README says, every row accounted for.

Each case was written from the corpus README's reading of the file (sheet, header row, request count, ref
column
and sample refs, owner/status/due where present), not from what the reader happened to produce.
"""

from __future__ import annotations

import pytest
from helpers.corpus import corpus_file, corpus_names

from workbook.errors import UserError
from workbook.formats.checklist.reader import ChecklistAnalysis, analyse_sheet

pytestmark = pytest.mark.corpus


def accounted(analysis: ChecklistAnalysis) -> int:
    """Non-empty rows below the header that became requests (each row once), were merged, or were left out."""
    imported = sum(len(r.source_rows) for r in analysis.rows) - len(analysis.merged)
    return imported + len(analysis.merged) + len(analysis.skipped)


# file, --sheet (None: the reader chooses), sheet(s) read, header row, requests, ref column, sample refs
READINGS = [
    ("soc2-sample-evidence-requests.csv", None, None, 1, 18, "Request #", ("1", "2", "18")),
    ("sig-lite-answer-library-template.csv", None, None, 1, 30, "Ref", ("1", "2", "30")),
    ("openchain-conformance-questionnaire-1.2.csv", None, None, 1, 38, "Question Number", ("1.a", "1.d.i")),
    ("mitre-saf-stig-checklist-elasticsearch.csv", None, None, 1, 25, "V_ID", ("V-26681", "V-26682")),
    (
        "bsi-grundschutz-checkliste-sys-1-2-3-de.xlsx",
        None,
        ("SYS.1.2.3",),
        5,
        29,
        "ID-Anforderung",
        ("SYS.1.2.3.A1", "SYS.1.2.3.A2"),
    ),
    (
        "azure-security-review-checklist-es.xlsx",
        None,
        ("Checklist",),
        7,
        157,
        "Secure",
        ("54174158-33fb-43ae-9c2d-e743165c3acb", "349f0364-d28d-442e-abbb-c868255abc91"),
    ),
    (
        "azure-data-security-checklist-pt.xlsx",
        None,
        ("Checklist",),
        7,
        100,
        "Secure",
        ("32d41e36-11c8-417b-8afb-c410d4391898", "21d41d25-00c8-417b-b9ea-c41fd3390798"),
    ),
    # No populated ID column: refs are made from the rows.
    ("azure-review-checklist-sample-2021.xlsm", None, ("Checklist",), 4, 155, None, ("R0005", "R0159")),
    # Two list sheets with the same columns are one list: 57 + 10.
    (
        "jboss-fuse6-security-guide-content.xls",
        None,
        ("KarafRules", "ActiveMQRules"),
        1,
        67,
        "genericId",
        ("1001", "1002", "3001", "3002"),
    ),
    ("jboss-fuse6-security-guide-content.xls", "KarafRules", ("KarafRules",), 1, 57, "genericId", ("1001",)),
    (
        "jboss-fuse6-security-guide-content.xls",
        "ActiveMQRules",
        ("ActiveMQRules",),
        1,
        10,
        "genericId",
        ("3001",),
    ),
    (
        "owasp-wstg-testing-checklist.xlsx",
        None,
        ("Testing Checklist",),
        5,
        113,
        None,
        ("WSTG-INFO-01", "WSTG-INFO-02", "WSTG-APIT-99"),
    ),
    ("itgc-rcm-ko.xlsx", None, ("2. RCM",), 7, 30, "통제 번호", ("PWC-01", "APD-01", "C-IT-Cyber-07")),
    ("jsox-sample-rcm-ja.xlsx", None, ("x",), 2, 3, "リスクID", ("R001", "R002")),
    # The control catalogues and mappings (the README asks for a careful reading of each).
    (
        "nist-sp800-53r5-control-catalog.xlsx",
        None,
        None,
        1,
        1189,
        "Control Identifier",
        ("AC-1", "AC-2(1)", "SR-12"),
    ),
    # 5,597 identifier rows: two identical rows appear twice (merged), withdrawn rows are kept.
    ("nist-cprt-sp800-53a-5.1.1.xlsx", None, None, 1, 5595, "identifier", ("AC-01", "DS-SR-12")),
    ("nist-csf-2.0-core-export.xlsx", None, ("CSF 2.0",), 2, 185, "Subcategory", ("GV.OC-01", "RC.IM-02")),
    (
        "nist-csf-pf-to-800-53r5-mappings.xlsx",
        None,
        ("CSF to SP 800-53r5",),
        2,
        108,
        "Subcategory",
        ("ID.AM-1", "RC.CO-3"),
    ),
    (
        "nist-csf-pf-to-800-53r5-mappings.xlsx",
        "PF to SP 800-53r5",
        ("PF to SP 800-53r5",),
        3,
        100,
        "Subcategory",
        ("ID.IM-P1", "PR.PT-P4"),
    ),
    (
        "nist-800-53r5-to-iso27001-mapping.xlsx",
        None,
        None,
        1,
        322,
        "NIST SP 800-53 CONTROLS",
        ("AC-1", "SR-12"),
    ),
    # One benchmark spread over twelve domain sheets with (nearly) the same columns; the Readme stays out.
    (
        "microsoft-cloud-security-benchmark-v1.xlsx",
        None,
        None,
        1,
        86,
        "ID",
        ("NS-1", "NS-10", "GS-11", "DP-8"),
    ),
    (
        "microsoft-cloud-security-benchmark-v1.xlsx",
        "Governance and Strategy",
        ("Governance and Strategy",),
        1,
        11,
        "ID",
        ("GS-1", "GS-11"),
    ),
]


@pytest.mark.parametrize(("name", "sheet", "sheets", "header_row", "count", "ref_header", "refs"), READINGS)
def test_corpus_checklist_reads_as_its_readme_says(
    name: str,
    sheet: str | None,
    sheets: tuple[str, ...] | None,
    header_row: int,
    count: int,
    ref_header: str | None,
    refs: tuple[str, ...],
) -> None:
    analysis = analyse_sheet(corpus_file(name), sheet=sheet)
    if sheets is not None:
        assert analysis.sheets_used == sheets
    assert (analysis.header_row, len(analysis.rows)) == (header_row, count)
    column = analysis.field_column("ref")
    if ref_header is None:
        assert analysis.generated_refs or column is not None
    else:
        assert column is not None and column.header == ref_header
        assert not analysis.generated_refs
    found = {r.ref for r in analysis.rows}
    assert set(refs) <= found
    assert accounted(analysis) == analysis.non_empty_rows


# file, --sheet, {field: column header} for owner/status/due/request as the README reads them (None: absent)
FIELDS = [
    (
        "soc2-sample-evidence-requests.csv",
        None,
        {"owner": "Owner", "status": None, "due": None, "request": "Evidence Description"},
    ),
    (
        "sig-lite-answer-library-template.csv",
        None,
        {"owner": "Owner", "status": "Status", "due": None},
    ),
    ("openchain-conformance-questionnaire-1.2.csv", None, {"owner": None, "status": None, "due": None}),
    (
        "bsi-grundschutz-checkliste-sys-1-2-3-de.xlsx",
        None,
        {"owner": "Verantwortlich", "status": "Umsetzung", "due": "Umsetzung bis", "request": "Inhalt"},
    ),
    (
        "azure-security-review-checklist-es.xlsx",
        None,
        {"owner": None, "status": "Status", "due": None, "request": "Checklist item"},
    ),
    (
        "azure-data-security-checklist-pt.xlsx",
        None,
        {"owner": None, "status": "Status", "due": None, "request": "Checklist item"},
    ),
    ("azure-review-checklist-sample-2021.xlsm", None, {"status": "Status", "request": "Question"}),
    ("owasp-wstg-testing-checklist.xlsx", None, {"status": "Status", "owner": None, "due": None}),
    ("itgc-rcm-ko.xlsx", None, {"owner": "담당 부서", "due": None}),
    ("jsox-sample-rcm-ja.xlsx", None, {"owner": "統制責任者", "status": "運用評価", "request": "統制の内容"}),
    ("jboss-fuse6-security-guide-content.xls", None, {"owner": None, "status": None, "due": None}),
    (
        "nist-sp800-53r5-control-catalog.xlsx",
        None,
        {
            "title": "Control (or Control Enhancement) Name",
            "request": "Control Text",
            "criteria": "Related Controls",
        },
    ),
    (
        "nist-800-53r5-to-iso27001-mapping.xlsx",
        None,
        {"ref": "NIST SP 800-53 CONTROLS", "title": "B", "criteria": "ISO/IEC 27001 CONTROLS"},
    ),
    (
        "nist-csf-pf-to-800-53r5-mappings.xlsx",
        None,
        {"section": "Category", "ref": "Subcategory", "criteria": "NIST SP 800-53, Revision 5 Control"},
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


@pytest.mark.parametrize(("name", "sheet", "fields"), FIELDS)
def test_corpus_columns_map_as_a_careful_reader_would(
    name: str, sheet: str | None, fields: dict[str, str | None]
) -> None:
    mapping = analyse_sheet(corpus_file(name), sheet=sheet).mapping
    assert {field: mapping.get(field) for field in fields} == fields


def test_owasp_sections_come_from_the_repeated_header_rows_and_names_from_uncached_hyperlinks() -> None:
    analysis = analyse_sheet(corpus_file("owasp-wstg-testing-checklist.xlsx"))
    first, conf = analysis.rows[0], next(r for r in analysis.rows if r.ref == "WSTG-CONF-01")
    assert (first.section, first.title) == (
        "Information Gathering",
        "Conduct Search Engine Discovery Reconnaissance for Information Leakage",
    )
    assert conf.section == "Configuration and Deployment Management Testing"
    assert sum(1 for s in analysis.skipped if s.kind == "repeated_header") == 11


def test_soc2_sample_requests_are_requests_and_the_wave_number_is_not_a_due_date() -> None:
    analysis = analyse_sheet(corpus_file("soc2-sample-evidence-requests.csv"))
    by_ref = {r.ref: r for r in analysis.rows}
    assert by_ref["4"].request.startswith("For samples selected")
    assert all(r.due is None for r in analysis.rows)
    assert ("Deadline", "1") in by_ref["1"].extra
    assert by_ref["1"].criteria == ("CM.01",)


def test_sig_lite_worked_examples_are_left_out_and_can_be_brought_back() -> None:
    path = corpus_file("sig-lite-answer-library-template.csv")
    analysis = analyse_sheet(path)
    assert [(s.row, s.kind) for s in analysis.skipped] == [(2, "example"), (3, "example"), (4, "example")]
    assert analysis.needs_review
    back = analyse_sheet(path, include_rows=[2])
    assert [r.ref for r in back.rows[:2]] == ["EX-1", "1"]


def test_bsi_requirement_sentences_sharing_an_id_stay_apart() -> None:
    analysis = analyse_sheet(corpus_file("bsi-grundschutz-checkliste-sys-1-2-3-de.xlsx"))
    assert [r.ref for r in analysis.rows[:5]] == [
        "SYS.1.2.3.A1",
        "SYS.1.2.3.A1-2",
        "SYS.1.2.3.A1-3",
        "SYS.1.2.3.A1-4",
        "SYS.1.2.3.A2",
    ]
    assert analysis.rows[0].title == "Planung von Windows Server"
    assert analysis.answer_columns["due"] == "Umsetzung bis"


def test_a_checklist_shell_with_no_requests_says_so() -> None:
    with pytest.raises(UserError, match=r"No requests were found below the header row \(row 9\)"):
        analyse_sheet(corpus_file("azure-review-checklist-blank-2025.xlsm"))


def test_the_korean_rcm_skips_the_formula_summary_sheet() -> None:
    analysis = analyse_sheet(corpus_file("itgc-rcm-ko.xlsx"))
    ranks = {r.name: r for r in analysis.sheets}
    assert analysis.sheet == "2. RCM"
    assert "formulas copying other sheets" in ranks["1. ITGC 요약"].reason


def test_csf_subcategory_text_is_split_into_ref_and_title_with_category_as_section() -> None:
    analysis = analyse_sheet(corpus_file("nist-csf-2.0-core-export.xlsx"))
    row = analysis.rows[0]
    assert row.ref == "GV.OC-01"
    assert row.title == "The organizational mission is understood and informs cybersecurity risk management"
    assert row.section.startswith("Organizational Context (GV.OC)")


def test_iso_mapping_reads_names_from_the_headerless_column_and_iso_controls_as_criteria() -> None:
    row = analyse_sheet(corpus_file("nist-800-53r5-to-iso27001-mapping.xlsx")).rows[1]
    assert (row.ref, row.title) == ("AC-2", "Account Management")
    assert row.criteria == ("A.9.2.1", "A.9.2.2", "A.9.2.3", "A.9.2.5", "A.9.2.6")


def test_crosswalk_control_lists_become_criteria_and_the_subcategory_text_the_title() -> None:
    row = analyse_sheet(corpus_file("nist-csf-pf-to-800-53r5-mappings.xlsx")).rows[0]
    assert (row.ref, row.criteria) == ("ID.AM-1", ("CM-8", "PM-5"))
    assert row.title.startswith("Physical devices and systems within the organization are inventoried")


@pytest.mark.parametrize("name", corpus_names())
def test_every_non_empty_row_of_every_corpus_file_is_accounted_for(name: str) -> None:
    path = corpus_file(name)
    try:
        analysis = analyse_sheet(path)
    except UserError as exc:
        assert "No requests were found" in exc.message
        return
    assert accounted(analysis) == analysis.non_empty_rows
    for skipped in analysis.skipped:
        assert skipped.reason and skipped.text
