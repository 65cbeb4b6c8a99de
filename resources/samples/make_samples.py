"""Regenerate the bundled demo checklist, demo evidence and demo plan: `python make_samples.py [OUT_DIR]`."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import random
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import evidence_files
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from request_list import (
    AS_OF,
    CLIENT,
    FIRM,
    ISSUED,
    PERIOD_END,
    PERIOD_START,
    REFS,
    REQUESTS,
    RequestItem,
    ref_for_index,
    request_text,
)

SEED = 20260630
CHECKLIST_NAME = "soc2-type2-request-list.xlsx"
PLAN_NAME = "demo_plan.json"
EVIDENCE_DIR = "evidence"
# Every zip entry and the document properties get this stamp so that reruns give identical bytes.
FIXED_STAMP = dt.datetime(2026, 11, 2, 9, 0, 0)

AUDITOR_STATUSES = ("Open", "In Progress", "Submitted", "Accepted", "N/A")
HEADERS = (
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
)
WIDTHS = (11, 14, 22, 70, 16, 13, 12, 36, 30, 8)
TITLE_ROWS = 4
BAND_ROW = 6
HEADER_ROW = 7
FIRST_DATA_ROW = 8

PEOPLE = (
    ("Priya Raman", "priya.raman@acmecloud.example", "CTO"),
    ("Sarah Lindqvist", "sarah.lindqvist@acmecloud.example", "Head of Compliance"),
    ("Marcus Chen", "marcus.chen@acmecloud.example", "DevOps Lead"),
    ("David Okafor", "david.okafor@acmecloud.example", "IT and Security Engineer"),
    ("Elena Petrova", "elena.petrova@acmecloud.example", "People Operations Manager"),
    ("Tom Becker", "tom.becker@acmecloud.example", "Engineering Manager"),
)
CATEGORY_OWNERS = {
    "CC1": "Elena Petrova",
    "CC2": "Sarah Lindqvist",
    "CC3": "Sarah Lindqvist",
    "CC4": "Priya Raman",
    "CC5": "Sarah Lindqvist",
    "CC6": "David Okafor",
    "CC7": "Marcus Chen",
    "CC8": "Tom Becker",
    "CC9": "Sarah Lindqvist",
    "A1": "Marcus Chen",
    "C1": "Sarah Lindqvist",
}
OWNER_OVERRIDES = {
    "board_minutes": "Priya Raman",
    "board_charter": "Priya Raman",
    "code_of_conduct": "Sarah Lindqvist",
    "system_description": "Priya Raman",
    "network_diagram": "Marcus Chen",
    "data_flow": "Marcus Chen",
    "terminations_population": "Elena Petrova",
    "encryption_rest": "Marcus Chen",
    "encryption_transit": "Marcus Chen",
    "vuln_scan": "Priya Raman",
    "vuln_policy": "Priya Raman",
    "ir_plan": "Priya Raman",
    "incident_list": "Priya Raman",
    "ir_test": "Priya Raman",
}
# Past-due entity-level requests are all planned; later waves only where the demo needs them.
LATER_WAVE_PLANNED = (
    "access_policy",
    "user_listing",
    "privileged_users",
    "terminations_population",
    "offboarding_sample",
    "access_review",
    "mfa",
    "password_policy",
    "root_account",
    "encryption_rest",
    "encryption_transit",
    "physical_office",
    "physical_aws",
    "vuln_scan",
    "vuln_policy",
    "logging",
    "ir_plan",
    "incident_list",
    "ir_test",
    "change_policy",
    "change_population",
    "branch_protection",
    "vendor_policy",
    "insurance",
    "bcp_test",
    "backup_config",
    "backup_monitoring",
    "restore_test",
    "data_classification",
)
STATUS_OVERRIDES: dict[str, tuple[str, str]] = {
    "org_chart": ("accepted", ""),
    "board_minutes": ("in_progress", "Q2 board minutes are awaiting the Chair's signature."),
    "performance_reviews": (
        "in_progress",
        "Mid-year reviews close on 30 Nov; offered the 2025 annual cycle.",
    ),
    "fraud_risk": (
        "follow_up",
        "Northbridge asked for the fraud section of the risk register signed by the CEO.",
    ),
    "whistleblower": ("ready_for_review", ""),
    "prior_report": ("not_applicable", "First Type II; the 2025 Type I report had no exceptions."),
    "exception_process": ("open", ""),
    "policy_set": ("ready_for_auditor", "Policies exported from the policy library with version history."),
    "policy_approval": ("accepted", ""),
    "policy_comm": ("accepted", ""),
    "user_listing": ("in_progress", "Okta listing attached; AWS, GitHub and PostgreSQL listings to follow."),
    "terminations_population": ("ready_for_auditor", "BambooHR report 'Terminations by date', run 18 Nov."),
    "offboarding_sample": ("in_progress", "Waiting for Northbridge's sample selection from the HR listing."),
    "mfa": ("ready_for_auditor", ""),
    "root_account": ("ready_for_review", ""),
    "physical_office": ("not_applicable", "Fully remote company: no in-scope systems on premises."),
    "physical_aws": ("accepted", "AWS SOC 2 Type II (Oct 2025 – Mar 2026) from AWS Artifact."),
    "vuln_scan": (
        "follow_up",
        "Auditor wants the monthly reports for January to June, not only today's view.",
    ),
    "branch_protection": ("ready_for_auditor", ""),
    "change_population": ("in_progress", ""),
    "backup_config": ("ready_for_auditor", ""),
    "backup_monitoring": ("ready_for_review", "The failed EFS job of 14 Nov is explained in OPS-2291."),
    "restore_test": ("accepted", ""),
    "bcp_test": ("ready_for_review", ""),
    "insurance": ("open", ""),
}
PREFILLED_OWNERS = ("org_chart", "risk_assessment", "backup_config")

# The sampled request of the demo: Northbridge's selection of new hires, and what each one must provide.
SAMPLED_KEY = "background_checks"
SAMPLE_REQUIRED = ("offer letter", "background check", "security training")
# Set after the random statuses are drawn, so that every other request keeps its status.
SAMPLED_STATUS = ("in_progress", "4 of the 10 sampled new hires still miss a document; chasing HR and IT.")
# (employee id, name, role, start date, required items given, notes): 6 of 10 have everything.
NEW_HIRES: tuple[tuple[str, str, str, dt.date, tuple[str, ...], str], ...] = (
    ("EMP-0412", "Alex Kim", "Software Engineer", dt.date(2026, 1, 12), SAMPLE_REQUIRED, ""),
    ("EMP-0415", "Maria Santos", "Account Executive", dt.date(2026, 1, 26), SAMPLE_REQUIRED, ""),
    ("EMP-0421", "Jonas Weber", "DevOps Engineer", dt.date(2026, 2, 9), SAMPLE_REQUIRED, ""),
    ("EMP-0428", "Aisha Bello", "Customer Success Manager", dt.date(2026, 2, 23), SAMPLE_REQUIRED, ""),
    ("EMP-0433", "Liam O'Connor", "Data Analyst", dt.date(2026, 3, 9), SAMPLE_REQUIRED, ""),
    ("EMP-0437", "Mei Tanaka", "Product Designer", dt.date(2026, 3, 23), SAMPLE_REQUIRED, ""),
    (
        "EMP-0442",
        "Noah Fischer",
        "Security Analyst",
        dt.date(2026, 4, 13),
        ("offer letter", "background check"),
        "Security training completion export requested from KnowBe4.",
    ),
    (
        "EMP-0446",
        "Sofia Rossi",
        "Support Engineer",
        dt.date(2026, 5, 4),
        ("offer letter",),
        "Background check report pending from the screening vendor.",
    ),
    (
        "EMP-0451",
        "Ethan Brooks",
        "Software Engineer",
        dt.date(2026, 5, 18),
        ("offer letter", "security training"),
        "",
    ),
    ("EMP-0455", "Chloe Dubois", "Finance Analyst", dt.date(2026, 6, 8), (), ""),
)


@dataclass(frozen=True)
class EvidencePlan:
    file: str
    keys: tuple[str, ...]
    description: str
    effective: dt.date


def evidence_plan() -> tuple[EvidencePlan, ...]:
    """Which demo file proves which requests; names carry the first ref where an engineer would put it."""
    r = REFS
    return (
        EvidencePlan(
            "Information Security Policy v3.2.pdf",
            ("policy_set", "policy_approval", "policy_comm"),
            "ISP-001 v3.2, approved 15 Jan 2026",
            dt.date(2026, 1, 15),
        ),
        EvidencePlan(
            f"{r['user_listing']} okta-active-users.png",
            ("user_listing", "access_review"),
            "Okta active users, console view",
            dt.date(2026, 11, 18),
        ),
        EvidencePlan(
            f"{r['mfa']} aws-iam-mfa-report.png",
            ("mfa", "root_account"),
            "IAM users with MFA and key age, acme-prod",
            dt.date(2026, 11, 18),
        ),
        EvidencePlan(
            f"{r['branch_protection']} github-branch-protection.png",
            ("branch_protection", "sod"),
            "platform-api main branch protection rule",
            dt.date(2026, 11, 18),
        ),
        EvidencePlan(
            f"{r['backup_config']} aws-backup-jobs.png",
            ("backup_config", "backup_monitoring"),
            "AWS Backup job history, last 7 days",
            dt.date(2026, 11, 18),
        ),
        EvidencePlan(
            f"{r['vuln_scan']} inspector-findings.png",
            ("vuln_scan",),
            "Amazon Inspector findings by vulnerability",
            dt.date(2026, 11, 18),
        ),
        EvidencePlan(
            "hr-terminations-2026H1.csv",
            ("terminations_population", "offboarding_sample"),
            "BambooHR terminations 1 Jan – 30 Jun 2026",
            dt.date(2026, 6, 30),
        ),
        EvidencePlan(
            f"{r['restore_test']} restore-test-2026-05-14.txt",
            ("restore_test", "bcp_test"),
            "DR restore test log, OPS-2140",
            dt.date(2026, 5, 14),
        ),
    )


def due_date(item: RequestItem) -> dt.date:
    return item.category.due


@dataclass(frozen=True)
class PlannedRequest:
    ref: str
    owner: str
    status: str
    due: dt.date
    note: str


def seeded(offset: int) -> random.Random:
    """A fixed-seed generator per output, so that changing one file leaves the others' bytes alone."""
    return random.Random(SEED + offset)  # noqa: S311 - reproducible demo data, not secrets


def build_plan() -> tuple[PlannedRequest, ...]:
    """Per-ref owner, status and note of the demo workbook after import."""
    rng = seeded(0)
    planned = [item for item in REQUESTS if item.category.due < AS_OF or item.key in LATER_WAVE_PLANNED]
    entries: list[PlannedRequest] = []
    for item in planned:
        owner = OWNER_OVERRIDES.get(item.key, CATEGORY_OWNERS[item.category.code])
        if item.key in STATUS_OVERRIDES:
            status, note = STATUS_OVERRIDES[item.key]
        elif item.category.due < AS_OF:
            status, note = rng.choices(("accepted", "ready_for_auditor"), weights=(3, 2))[0], ""
        else:
            choices = ("open", "in_progress", "in_progress", "ready_for_review", "ready_for_auditor")
            status, note = rng.choice(choices), ""
        if item.key == SAMPLED_KEY:
            status, note = SAMPLED_STATUS
        entries.append(PlannedRequest(REFS[item.key], owner, status, due_date(item), note))
    return tuple(entries)


def plan_document(planned: tuple[PlannedRequest, ...]) -> dict[str, object]:
    """demo_plan.json: people, per-ref owner/status/due/note, and evidence links."""
    requests: list[dict[str, str]] = []
    for p in planned:
        entry = {"ref": p.ref, "owner": p.owner, "status": p.status, "due": p.due.isoformat()}
        if p.note:
            entry["note"] = p.note
        requests.append(entry)
    return {
        "checklist": CHECKLIST_NAME,
        "engagement": {
            "client": CLIENT,
            "framework": "SOC 2 Type II",
            "period_start": PERIOD_START.isoformat(),
            "period_end": PERIOD_END.isoformat(),
            "auditor": FIRM,
        },
        "as_of": AS_OF.isoformat(),
        "people": [{"name": name, "email": email, "role": role} for name, email, role in PEOPLE],
        "requests": requests,
        "evidence": [
            {
                "file": e.file,
                "refs": [REFS[k] for k in e.keys],
                "description": e.description,
                "effective": e.effective.isoformat(),
            }
            for e in evidence_plan()
        ],
        "samples": [
            {
                "ref": REFS[SAMPLED_KEY],
                "required": list(SAMPLE_REQUIRED),
                "samples": [
                    {
                        "id": code,
                        "label": f"{name}, {role}",
                        "start": start.isoformat(),
                        "files": list(given),
                        **({"notes": notes} if notes else {}),
                    }
                    for code, name, role, start, given, notes in NEW_HIRES
                ],
            }
        ],
    }


THIN = Side(style="thin", color="A6A6A6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
BAND_FILLS = (
    PatternFill("solid", fgColor="8EA9DB"),
    PatternFill("solid", fgColor="F4B084"),
    PatternFill("solid", fgColor="A9D08E"),
)
CLIENT_FILL = PatternFill("solid", fgColor="FFF2CC")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")


def write_instructions(ws: Worksheet) -> None:
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 96
    ws["B2"] = FIRM
    ws["B2"].font = Font(bold=True, size=16, color="1F3864")
    ws["B3"] = f"SOC 2 Type II examination of {CLIENT} — Instructions for the Provided by Client (PBC) list"
    ws["B3"].font = Font(bold=True, size=12)
    paragraphs = (
        "Thank you for your assistance with the SOC 2 Type II examination for the period 1 January 2026 to "
        "30 June 2026. This workbook lists the information we need from management to perform our testing. "
        "Each request has a unique Request # (PBC-001, PBC-002, …); please quote it in file names and "
        "correspondence.",
        "Please complete the yellow columns on the 'PBC Request List' tab: assign an Owner, keep the Status "
        "up to date using the drop-down, and describe in Client Response where the evidence was uploaded. "
        "Do not insert, delete or re-order rows or columns, as we reconcile the list automatically.",
        "Upload evidence to the secure client portal folder named after the Request # (e.g. 'PBC-012'). "
        "System-generated listings (populations) must include the report parameters, the date and time they "
        "were run, and a screenshot of the query or report screen, so that we can assess completeness and "
        "accuracy.",
        "For sample-based requests we will send our sample selections within five business days of "
        "receiving the corresponding population. Evidence must show dates within the audit period unless "
        "the request says otherwise. Screenshots must show the system date and time and the URL or system "
        "name.",
        "Due dates reflect the fieldwork schedule agreed at the kick-off meeting on 2 November 2026. Please "
        "tell us as early as possible if a date cannot be met so that we can re-plan our testing.",
    )
    row = 5
    for text in paragraphs:
        ws.cell(row=row, column=2, value=text)
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=3)
        ws.cell(row=row, column=2).alignment = WRAP_TOP
        ws.row_dimensions[row].height = 15 * math.ceil(len(text) / 110) + 6
        row += 2
    ws.cell(row=row, column=2, value="Legend").font = Font(bold=True, size=12)
    row += 1
    legend = (
        ("Open", "Request not yet started by the client."),
        ("In Progress", "Client is gathering the evidence."),
        ("Submitted", "Evidence uploaded to the portal; awaiting Northbridge review."),
        ("Accepted", "Northbridge has reviewed the evidence and needs nothing further."),
        ("N/A", "Request does not apply; explain why in Client Response."),
        ("Yellow cells", "To be completed by the client."),
        ("Auditor Use", "Reserved for Northbridge Assurance LLP; please do not edit."),
    )
    for term, meaning in legend:
        ws.cell(row=row, column=2, value=term).font = Font(bold=True)
        ws.cell(row=row, column=3, value=meaning)
        for column in (2, 3):
            ws.cell(row=row, column=column).border = BOX
        if term == "Yellow cells":
            ws.cell(row=row, column=2).fill = CLIENT_FILL
        row += 1
    row += 1
    ws.cell(row=row, column=2, value="Engagement contact")
    ws.cell(
        row=row,
        column=3,
        value="Jordan Hale, Senior Manager — jordan.hale@northbridge-assurance.example — +1 (617) 555-0142",
    )
    ws.sheet_view.showGridLines = False


def write_lists(ws: Worksheet) -> None:
    ws["A1"] = "Status"
    for i, value in enumerate(AUDITOR_STATUSES, start=2):
        ws.cell(row=i, column=1, value=value)
    ws["C1"] = "Trust Services Category"
    seen: list[str] = []
    for item in REQUESTS:
        if item.category.title not in seen:
            seen.append(item.category.title)
    for i, title in enumerate(seen, start=2):
        ws.cell(row=i, column=3, value=title)
    ws.sheet_state = "hidden"


def row_height(text: str, criteria: str) -> float:
    lines = sum(max(1, math.ceil(len(part) / 78)) for part in text.split("\n"))
    return 15.0 * max(lines, criteria.count("\n") + 1, 2) + 4


def write_request_list(ws: Worksheet, owners: dict[str, str]) -> int:
    """The PBC sheet; returns the last data row."""
    ws["A1"] = FIRM
    ws["A1"].font = Font(bold=True, size=16, color="1F3864")
    ws["A2"] = "SOC 2 Type II — Request List"
    ws["A2"].font = Font(bold=True, size=13)
    ws["A3"] = f"Client: {CLIENT}"
    ws["A4"] = "Audit period: 1 January 2026 – 30 June 2026        Issued: 2 November 2026        Version 1.0"
    for r in range(1, TITLE_ROWS + 1):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
    for first, last, label, fill in (
        (1, 4, "Request", BAND_FILLS[0]),
        (5, 8, "Client Response", BAND_FILLS[1]),
        (9, 10, "Auditor Use", BAND_FILLS[2]),
    ):
        ws.cell(row=BAND_ROW, column=first, value=label)
        ws.merge_cells(start_row=BAND_ROW, start_column=first, end_row=BAND_ROW, end_column=last)
        for column in range(first, last + 1):
            ws.cell(row=BAND_ROW, column=column).fill = fill
            ws.cell(row=BAND_ROW, column=column).border = BOX
        ws.cell(row=BAND_ROW, column=first).font = Font(bold=True)
        ws.cell(row=BAND_ROW, column=first).alignment = Alignment(horizontal="center")
    for column, (title, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), start=1):
        cell = ws.cell(row=HEADER_ROW, column=column, value=title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = BOX
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.row_dimensions[HEADER_ROW].height = 32
    ws.column_dimensions["J"].hidden = True

    row = FIRST_DATA_ROW
    group_start = row
    for i, item in enumerate(REQUESTS):
        ref = ref_for_index(i)
        text = request_text(item)
        due = due_date(item)
        ws.cell(row=row, column=1, value=ref)
        ws.cell(row=row, column=2, value=item.criteria)
        if row == group_start:
            ws.cell(row=row, column=3, value=item.category.title)
        ws.cell(row=row, column=4, value=text)
        if item.key in PREFILLED_OWNERS:
            ws.cell(row=row, column=5, value=owners[ref])
        if item.key == "org_chart":
            ws.cell(row=row, column=6, value="Submitted")
            ws.cell(row=row, column=8, value="Org chart as of 1 July 2026 uploaded to the portal (PBC-001).")
        elif i % 15 == 3:
            ws.cell(row=row, column=6, value="Open")
        # A few dates were typed as text by whoever keyed them in; only unambiguous day-first ones.
        if i % 9 == 4 and due.day > 12:
            due_value: str | dt.datetime = due.strftime("%d/%m/%Y")
            due_format = "@"
        else:
            due_value, due_format = dt.datetime.combine(due, dt.time()), "dd-mmm-yy"
        ws.cell(row=row, column=7, value=due_value).number_format = due_format
        ws.cell(row=row, column=10, value=f"=VALUE(RIGHT(A{row},3))")
        for column in range(1, 11):
            data_cell = ws.cell(row=row, column=column)
            data_cell.alignment = WRAP_TOP
            data_cell.border = BOX
            if 5 <= column <= 8:
                data_cell.fill = CLIENT_FILL
        ws.row_dimensions[row].height = row_height(text, item.criteria)
        following = REQUESTS[i + 1] if i + 1 < len(REQUESTS) else None
        if following is None or following.category != item.category:
            if row > group_start:
                ws.merge_cells(start_row=group_start, start_column=3, end_row=row, end_column=3)
            group_start = row + 1
        row += 1
    last = row - 1

    dv = DataValidation(type="list", formula1="=Lists!$A$2:$A$6", allow_blank=True, showDropDown=False)
    dv.error = "Please choose a status from the list."
    dv.errorTitle = "Status"
    dv.prompt = "Open, In Progress, Submitted, Accepted or N/A"
    dv.showErrorMessage = True
    dv.showInputMessage = True
    dv.add(f"F{FIRST_DATA_ROW}:F{last}")
    ws.add_data_validation(dv)

    legend_row = last + 2
    ws.cell(
        row=legend_row,
        column=1,
        value="Legend: Open = not started · In Progress = client gathering · "
        "Submitted = uploaded, awaiting review · Accepted = no further "
        "evidence needed · N/A = not applicable (explain). Yellow = client "
        "to complete.",
    )
    ws.merge_cells(start_row=legend_row, start_column=1, end_row=legend_row, end_column=9)
    ws.cell(row=legend_row, column=1).font = Font(italic=True, size=9)
    ws.cell(
        row=legend_row + 1,
        column=1,
        value=f"Prepared by: Jordan Hale, {FIRM} · Reviewed by: M. Osei, "
        f"Partner · {ISSUED.day} {ISSUED:%B %Y}",
    )
    ws.merge_cells(start_row=legend_row + 1, start_column=1, end_row=legend_row + 1, end_column=9)
    ws.cell(row=legend_row + 1, column=1).font = Font(italic=True, size=9)

    ws.freeze_panes = f"B{FIRST_DATA_ROW}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:J{last}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[union-attr]
    return last


def checklist_bytes(owners: dict[str, str]) -> bytes:
    wb = Workbook()
    instructions = wb.active
    assert instructions is not None
    instructions.title = "Instructions"
    write_instructions(instructions)
    write_request_list(wb.create_sheet("PBC Request List"), owners)
    write_lists(wb.create_sheet("Lists"))
    wb.active = 1
    wb.properties.creator = "Jordan Hale"
    wb.properties.lastModifiedBy = "Jordan Hale"
    wb.properties.title = "SOC 2 Type II Request List — Acme Cloud, Inc."
    wb.properties.created = FIXED_STAMP
    buffer = io.BytesIO()
    wb.save(buffer)
    return _pin_zip(buffer.getvalue())


def _pin_zip(data: bytes) -> bytes:
    """openpyxl stamps the save time into the zip and core.xml; pin both for reproducible output."""
    stamp = FIXED_STAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            payload = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                payload = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + stamp.encode() + rb"\2", payload
                )
            pinned = zipfile.ZipInfo(info.filename, date_time=FIXED_STAMP.timetuple()[:6])
            pinned.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(pinned, payload)
    return out.getvalue()


def write_evidence(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():
        if stale.is_file():
            stale.unlink()
    names = {plan.keys[0]: plan.file for plan in evidence_plan()}
    evidence_files.policy_pdf(folder / names["policy_set"])
    evidence_files.okta_users(folder / names["user_listing"], seeded(1))
    evidence_files.aws_iam_mfa(folder / names["mfa"], seeded(2))
    evidence_files.github_branch_protection(folder / names["branch_protection"])
    evidence_files.aws_backup_jobs(folder / names["backup_config"], seeded(3))
    evidence_files.inspector_findings(folder / names["vuln_scan"])
    evidence_files.terminations_csv(folder / names["terminations_population"], seeded(4))
    evidence_files.restore_test_log(folder / names["restore_test"])


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    planned = build_plan()
    (out / CHECKLIST_NAME).write_bytes(checklist_bytes({p.ref: p.owner for p in planned}))
    write_evidence(out / EVIDENCE_DIR)
    document = json.dumps(plan_document(planned), indent=2, ensure_ascii=False) + "\n"
    (out / PLAN_NAME).write_text(document, encoding="utf-8")
    print(f"{len(REQUESTS)} requests, {len(planned)} planned, {len(evidence_plan())} evidence files -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
