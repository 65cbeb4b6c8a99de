"""The bundled demo checklist has the messy traits import must handle, and the demo plan matches it."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from workbook.model import Status

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
CHECKLIST = SAMPLES / "soc2-type2-request-list.xlsx"
PLAN = SAMPLES / "demo_plan.json"
EVIDENCE = SAMPLES / "evidence"
HEADER_ROW = 7
FIRST_DATA_ROW = 8


@pytest.fixture(scope="module")
def book() -> Workbook:
    return load_workbook(CHECKLIST)


@pytest.fixture(scope="module")
def sheet(book: Workbook) -> Worksheet:
    return book["PBC Request List"]


@pytest.fixture(scope="module")
def plan() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PLAN.read_text(encoding="utf-8"))
    return data


def refs_in(sheet: Worksheet) -> list[str]:
    refs: list[str] = []
    for row in range(FIRST_DATA_ROW, sheet.max_row + 1):
        value = sheet.cell(row=row, column=1).value
        if isinstance(value, str) and value.startswith("PBC-"):
            refs.append(value)
    return refs


def header(sheet: Worksheet) -> list[str]:
    return [str(cell.value) for cell in sheet[HEADER_ROW]]


def column_of(sheet: Worksheet, title: str) -> str:
    return get_column_letter(header(sheet).index(title) + 1)


def test_sheets_are_instructions_then_request_list_then_a_hidden_lists_sheet(book: Workbook) -> None:
    assert book.sheetnames == ["Instructions", "PBC Request List", "Lists"]
    assert [ws.sheet_state for ws in book.worksheets] == ["visible", "visible", "hidden"]


def test_lists_sheet_holds_the_auditor_status_values(book: Workbook) -> None:
    lists = book["Lists"]
    assert [lists.cell(row=r, column=1).value for r in range(1, 7)] == [
        "Status",
        "Open",
        "In Progress",
        "Submitted",
        "Accepted",
        "N/A",
    ]


def test_header_row_is_row_seven_below_title_block_and_group_band(sheet: Worksheet) -> None:
    assert header(sheet) == [
        "Request #",
        "TSC Ref",
        "Category",
        "Request Description",
        "Owner",
        "Status",
        "Due\nDate",
        "Client Response",
        "Auditor Comments:",
        "Sort Key",
    ]
    assert sheet["A1"].value == "Northbridge Assurance LLP"
    assert sheet["A2"].value == "SOC 2 Type II — Request List"
    assert sheet["A3"].value == "Client: Acme Cloud, Inc."
    assert all(cell.value is None for cell in sheet[5])
    assert [sheet.cell(row=6, column=c).value for c in (1, 5, 9)] == [
        "Request",
        "Client Response",
        "Auditor Use",
    ]


def test_group_band_and_title_cells_are_merged(sheet: Worksheet) -> None:
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:D1", "A6:D6", "E6:H6", "I6:J6"} <= merged


def test_category_cells_are_merged_down_over_each_section(sheet: Worksheet) -> None:
    vertical = sorted(
        (r.min_row, r.max_row) for r in sheet.merged_cells.ranges if r.min_col == r.max_col == 3
    )
    assert len(vertical) == 11
    assert vertical[0] == (FIRST_DATA_ROW, 19)
    assert sheet.cell(row=FIRST_DATA_ROW, column=3).value == "CC1 – Control Environment"
    assert sheet.cell(row=FIRST_DATA_ROW + 1, column=3).value is None


def test_request_count_is_between_100_and_120_and_refs_are_unique(sheet: Worksheet) -> None:
    refs = refs_in(sheet)
    assert len(refs) == 112
    assert len(set(refs)) == len(refs)
    assert refs[0] == "PBC-001"
    assert refs[-1] == "PBC-112"
    assert all(re.fullmatch(r"PBC-\d{3}", ref) for ref in refs)


def test_requests_cover_every_trust_services_category(sheet: Worksheet) -> None:
    criteria = " ".join(
        str(sheet.cell(row=row, column=2).value) for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 112)
    )
    for family in ("CC1.", "CC2.", "CC3.", "CC4.", "CC5.", "CC6.", "CC7.", "CC8.", "CC9.", "A1.", "C1."):
        assert family in criteria


def test_criteria_cells_use_commas_semicolons_and_newlines(sheet: Worksheet) -> None:
    values = [str(sheet.cell(row=row, column=2).value) for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 112)]
    assert "CC6.1, CC6.2" in values
    assert any(";" in v for v in values)
    assert "CC1.1\nCC1.5" in values


def test_status_column_has_a_list_validation_pointing_at_the_lists_sheet(sheet: Worksheet) -> None:
    status = column_of(sheet, "Status")
    validations = sheet.data_validations.dataValidation
    assert len(validations) == 1
    assert validations[0].type == "list"
    assert validations[0].formula1 == "=Lists!$A$2:$A$6"
    assert str(validations[0].sqref) == f"{status}{FIRST_DATA_ROW}:{status}119"


def test_only_a_few_statuses_are_filled_in(sheet: Worksheet) -> None:
    values = [sheet.cell(row=row, column=6).value for row in range(FIRST_DATA_ROW, 120)]
    assert values.count("Open") == 8
    assert values.count("Submitted") == 1
    assert values.count(None) == 103


def test_sort_key_column_is_hidden_and_holds_formulas(sheet: Worksheet) -> None:
    assert sheet.column_dimensions["J"].hidden is True
    assert sheet["J8"].value == "=VALUE(RIGHT(A8,3))"


def test_due_dates_are_mostly_real_dates_with_a_few_typed_as_text(sheet: Worksheet) -> None:
    values = [sheet.cell(row=row, column=7).value for row in range(FIRST_DATA_ROW, 120)]
    texts = [v for v in values if isinstance(v, str)]
    assert texts == ["13/11/2026", "13/11/2026", "13/11/2026", "20/11/2026", "20/11/2026"]
    assert sum(isinstance(v, dt.datetime) for v in values) == 107


def test_some_request_descriptions_contain_line_breaks(sheet: Worksheet) -> None:
    texts = [str(sheet.cell(row=row, column=4).value) for row in range(FIRST_DATA_ROW, 120)]
    assert sum("\n" in t for t in texts) == 7
    assert "{" not in " ".join(texts)


def test_spacer_row_then_legend_and_prepared_by_rows_follow_the_data(sheet: Worksheet) -> None:
    assert sheet.max_row == 122
    assert all(cell.value is None for cell in sheet[120])
    assert str(sheet["A121"].value).startswith("Legend: ")
    assert str(sheet["A122"].value).startswith("Prepared by: ")


def test_sheet_is_styled_with_frozen_panes_bold_header_and_wrapped_text(sheet: Worksheet) -> None:
    assert sheet.freeze_panes == "B8"
    assert sheet["A7"].font.b is True
    assert sheet["A7"].fill.fgColor.rgb == "001F3864"
    assert sheet["D8"].alignment.wrap_text is True
    assert sheet.column_dimensions["D"].width == 70


def test_plan_refs_exist_in_the_checklist_and_cover_about_sixty_percent(
    sheet: Worksheet, plan: dict[str, Any]
) -> None:
    refs = set(refs_in(sheet))
    planned = [entry["ref"] for entry in plan["requests"]]
    assert len(planned) == len(set(planned)) == 70
    assert set(planned) <= refs


def test_plan_statuses_owners_and_dates_are_valid(plan: dict[str, Any]) -> None:
    people = {person["name"] for person in plan["people"]}
    assert len(people) == 6
    for entry in plan["requests"]:
        Status(entry["status"])
        assert entry["owner"] in people
        dt.date.fromisoformat(entry["due"])
    assert {entry["status"] for entry in plan["requests"]} == {s.value for s in Status}


def test_plan_has_a_few_overdue_requests(plan: dict[str, Any]) -> None:
    as_of = dt.date.fromisoformat(plan["as_of"])
    overdue = [
        entry["ref"]
        for entry in plan["requests"]
        if dt.date.fromisoformat(entry["due"]) < as_of and not Status(entry["status"]).is_ready
    ]
    assert overdue == ["PBC-002", "PBC-008", "PBC-009", "PBC-018", "PBC-024", "PBC-041"]


def test_plan_due_dates_match_the_checklist(sheet: Worksheet, plan: dict[str, Any]) -> None:
    due_by_ref: dict[str, str] = {}
    for row in range(FIRST_DATA_ROW, 120):
        value = sheet.cell(row=row, column=7).value
        if isinstance(value, dt.datetime):
            due_by_ref[str(sheet.cell(row=row, column=1).value)] = value.date().isoformat()
        else:
            day, month, year = str(value).split("/")
            due_by_ref[str(sheet.cell(row=row, column=1).value)] = f"{year}-{month}-{day}"
    for entry in plan["requests"]:
        assert entry["due"] == due_by_ref[entry["ref"]]


def test_every_evidence_file_exists_and_links_one_to_three_planned_refs(plan: dict[str, Any]) -> None:
    planned = {entry["ref"] for entry in plan["requests"]}
    files = sorted(path.name for path in EVIDENCE.iterdir())
    assert sorted(item["file"] for item in plan["evidence"]) == files
    for item in plan["evidence"]:
        assert 1 <= len(item["refs"]) <= 3
        assert set(item["refs"]) <= planned
        ref_in_name = re.match(r"(PBC-\d{3}) ", item["file"])
        if ref_in_name:
            assert ref_in_name.group(1) == item["refs"][0]


def test_evidence_has_screenshots_a_pdf_a_csv_and_a_text_file_under_two_megabytes() -> None:
    suffixes = sorted(path.suffix for path in EVIDENCE.iterdir())
    assert suffixes == [".csv", ".pdf", ".png", ".png", ".png", ".png", ".png", ".txt"]
    assert sum(path.stat().st_size for path in EVIDENCE.iterdir()) < 2 * 1024 * 1024


def test_screenshots_are_full_size_images() -> None:
    from PIL import Image

    for path in EVIDENCE.glob("*.png"):
        with Image.open(path) as image:
            assert image.size == (1440, 900)


def test_policy_pdf_has_two_or_three_pages_of_text() -> None:
    from pypdf import PdfReader

    reader = PdfReader(EVIDENCE / "Information Security Policy v3.2.pdf")
    assert 2 <= len(reader.pages) <= 3
    assert "Information Security Policy" in reader.pages[0].extract_text()


def test_terminations_csv_has_twenty_rows_within_the_audit_period() -> None:
    lines = (EVIDENCE / "hr-terminations-2026H1.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Employee #,Last Name,First Name")
    assert len(lines) == 21
    for line in lines[1:]:
        month, day, year = line.split(",")[7].split("/")
        assert dt.date(2026, 1, 1) <= dt.date(int(year), int(month), int(day)) <= dt.date(2026, 6, 30)


def test_generator_is_deterministic_and_matches_the_committed_plan(tmp_path: Path) -> None:
    script = SAMPLES / "make_samples.py"
    for name in ("a", "b"):
        subprocess.run([sys.executable, str(script), str(tmp_path / name)], check=True, capture_output=True)
    first = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    second = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert first == second
    for relative in first:
        assert (tmp_path / "a" / relative).read_bytes() == (tmp_path / "b" / relative).read_bytes()
    assert (tmp_path / "a" / "demo_plan.json").read_text(encoding="utf-8") == PLAN.read_text(encoding="utf-8")


def test_owners_already_typed_into_the_checklist_agree_with_the_plan(
    sheet: Worksheet, plan: dict[str, Any]
) -> None:
    owners = {entry["ref"]: entry["owner"] for entry in plan["requests"]}
    typed = {
        str(sheet.cell(row=row, column=1).value): sheet.cell(row=row, column=5).value
        for row in range(FIRST_DATA_ROW, 120)
        if sheet.cell(row=row, column=5).value
    }
    assert typed == {"PBC-001": "Elena Petrova", "PBC-023": "Sarah Lindqvist", "PBC-101": "Marcus Chen"}
    assert all(owners[ref] == owner for ref, owner in typed.items())


def test_plan_has_one_sampled_request_of_new_hires_with_some_files_missing(
    sheet: Worksheet, plan: dict[str, Any]
) -> None:
    (sampled,) = plan["samples"]
    ref = sampled["ref"]
    row = FIRST_DATA_ROW + refs_in(sheet).index(ref)
    assert "background checks" in str(sheet.cell(row=row, column=4).value)
    assert "new hires" in str(sheet.cell(row=row, column=4).value)
    entry = next(e for e in plan["requests"] if e["ref"] == ref)
    assert (entry["owner"], entry["status"]) == ("Elena Petrova", "in_progress")
    required = sampled["required"]
    assert required == ["offer letter", "background check", "security training"]
    samples = sampled["samples"]
    assert len(samples) == 10
    assert all(re.fullmatch(r"EMP-\d{4}", s["id"]) for s in samples)
    assert len({s["id"] for s in samples}) == 10
    assert all(", " in s["label"] for s in samples)  # name, role
    for s in samples:
        assert set(s["files"]) <= set(required)
        start = dt.date.fromisoformat(s["start"])
        assert dt.date.fromisoformat(plan["engagement"]["period_start"]) <= start
        assert start <= dt.date.fromisoformat(plan["engagement"]["period_end"])
    complete = [s["id"] for s in samples if set(s["files"]) == set(required)]
    assert len(complete) == 6
    assert any(not s["files"] for s in samples)  # one with nothing yet


def test_the_demo_builds_the_sampled_request_as_planned(tmp_path: Path, plan: dict[str, Any]) -> None:
    from workbook.model import Actor
    from workbook.services.demo import build_demo
    from workbook.services.workbook import Workbook as AuditWorkbook

    actor = Actor("Dana Ops", "dana")
    (sampled,) = plan["samples"]
    with AuditWorkbook.open(build_demo(tmp_path, actor), actor, read_only=True) as demo:
        grid = demo.samples.grid(sampled["ref"])
        assert grid.summary == "6/10 samples provided"
        assert list(grid.required) == sampled["required"]
        planned = {s["id"]: s for s in sampled["samples"]}
        for sample in grid.samples:
            given = [f.requirement for f in sample.files]
            assert given == planned[sample.code]["files"]
            assert sample.label == planned[sample.code]["label"]
            assert sample.notes == planned[sample.code].get("notes", "")
            assert all(f.name == f"{sample.code} {f.requirement}.txt" and f.size < 2048 for f in sample.files)
        assert grid.missing_cells == 7  # 1 + 2 + 1 + 3
        (summary,) = demo.samples.summaries()
        assert (summary.ref, summary.owner, summary.total, summary.provided) == (
            sampled["ref"],
            "Elena Petrova",
            10,
            6,
        )
        assert demo.requests.get(sampled["ref"]).status is Status.IN_PROGRESS
        assert demo.verify().ok
