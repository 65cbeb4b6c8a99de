"""Importing into a workbook: first import, re-import diff that never loses work, CLI JSON, bad files."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import openpyxl
import pytest
from helpers.files import write_docx_renamed

from workbook.cli import main
from workbook.model import Actor, FieldChange, RequestFilter, Status
from workbook.services.importing import ImportService
from workbook.services.workbook import Workbook


def write_checklist(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """A checklist with a title block above the header, as auditors send them."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "PBC List"
    sheet.append(["Northbridge Assurance LLP — SOC 2 Type II request list"])
    sheet.append(["Client: Acme Cloud, Inc."])
    sheet.append([])
    sheet.append(["Request #", "TSC Ref", "Category", "Request Description", "Owner", "Status"])
    for ref, criteria, section, text in rows:
        sheet.append([ref, criteria, section, text, None, "Open"])
    book.save(path)
    return path


def base_rows(count: int = 100) -> list[tuple[str, str, str, str]]:
    return [
        (
            f"PBC-{i:03d}",
            f"CC{1 + i % 9}.{1 + i % 3}",
            f"CC{1 + i % 9}",
            f"Provide evidence number {i} of control {i}.",
        )
        for i in range(1, count + 1)
    ]


@pytest.fixture
def empty_workbook(tmp_path: Path, actor: Actor, monkeypatch: pytest.MonkeyPatch) -> Workbook:
    monkeypatch.setenv("AUDIT_WORKBOOK_PROFILES", str(tmp_path / "profiles.json"))
    return Workbook.create(tmp_path / "client.auditwb", actor, client="Acme")


def test_first_import_reads_the_list_below_the_title_block(empty_workbook: Workbook, tmp_path: Path) -> None:
    checklist = write_checklist(tmp_path / "v1.xlsx", base_rows(10))
    summary = ImportService(empty_workbook.db, empty_workbook.actor).import_checklist(checklist)
    assert (summary.sheet, summary.header_row, summary.added, summary.items) == ("PBC List", 4, 10, 10)
    assert summary.mapping["ref"] == "Request #"
    assert summary.mapping["criteria"] == "TSC Ref"
    first = empty_workbook.requests.get("PBC-001")
    assert (first.criteria, first.section, first.status) == (("CC2.2",), "CC2", Status.OPEN)
    assert first.request == "Provide evidence number 1 of control 1."


def test_reimport_diff_adds_rewords_removes_and_keeps_work_of_the_rest(
    empty_workbook: Workbook, tmp_path: Path
) -> None:
    service = ImportService(empty_workbook.db, empty_workbook.actor)
    v1 = base_rows(100)
    service.import_checklist(write_checklist(tmp_path / "v1.xlsx", v1))
    proof = tmp_path / "proof.csv"
    proof.write_text("user,mfa\nana,yes\n")
    for i in range(1, 101):
        ref = f"PBC-{i:03d}"
        empty_workbook.requests.set(
            ref,
            FieldChange(
                owner=f"Owner {i % 5}", status=Status.IN_PROGRESS, due=dt.date(2026, 3, 1), notes=f"note {i}"
            ),
        )
    for ref in ("PBC-010", "PBC-020", "PBC-099"):
        empty_workbook.evidence.attach(ref, [proof])
    before = {r.ref: r for r in empty_workbook.requests.list()}

    v2 = [row for row in v1 if row[0] != "PBC-050"]
    v2 = [
        (ref, crit, sec, text + " Include the approval evidence." if ref in ("PBC-010", "PBC-011") else text)
        for ref, crit, sec, text in v2
    ]
    v2 += [
        ("PBC-101", "CC6.1", "CC6", "New request A."),
        ("PBC-102", "CC6.2", "CC6", "New request B."),
        ("PBC-103", "CC7.1", "CC7", "New request C."),
    ]
    summary = service.import_checklist(write_checklist(tmp_path / "v2.xlsx", v2))

    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (3, 2, 1, 97)
    diff = summary.as_json()["diff"]
    assert diff["added"] == ["PBC-101", "PBC-102", "PBC-103"]
    assert [c["ref"] for c in diff["changed"]] == ["PBC-010", "PBC-011"]
    assert all(c["fields"] == ["request"] and c["recheck_evidence"] for c in diff["changed"])
    assert diff["removed"] == ["PBC-050"]

    after = {r.ref: r for r in empty_workbook.requests.list(RequestFilter(include_archived=True))}
    untouched = [ref for ref in before if ref not in ("PBC-010", "PBC-011", "PBC-050")]
    assert len(untouched) == 97
    for ref in untouched:
        a, b = after[ref], before[ref]
        assert (a.owner, a.status, a.due, a.notes, a.evidence_names, a.request) == (
            b.owner,
            b.status,
            b.due,
            b.notes,
            b.evidence_names,
            b.request,
        )
        assert not a.recheck_evidence
    assert after["PBC-010"].evidence_count == 1
    assert after["PBC-010"].recheck_evidence
    assert after["PBC-010"].owner == before["PBC-010"].owner
    assert after["PBC-050"].archived and after["PBC-050"].notes == "note 50"
    assert "PBC-050" not in {r.ref for r in empty_workbook.requests.list()}
    last = empty_workbook.activity.list(limit=1)[0]
    assert last.action == "checklist.import"
    assert json.loads(last.detail)["diff"]["removed"] == ["PBC-050"]


def test_renumbered_requests_are_matched_by_their_wording(empty_workbook: Workbook, tmp_path: Path) -> None:
    service = ImportService(empty_workbook.db, empty_workbook.actor)
    service.import_checklist(write_checklist(tmp_path / "v1.xlsx", base_rows(5)))
    empty_workbook.requests.set("PBC-003", FieldChange(owner="Priya"))
    renumbered = [(ref.replace("PBC-003", "PBC-030"), c, s, t) for ref, c, s, t in base_rows(5)]
    summary = service.import_checklist(write_checklist(tmp_path / "v2.xlsx", renumbered))
    assert (summary.added, summary.removed, summary.updated) == (0, 0, 1)
    assert summary.diff[0].previous_ref == "PBC-003"
    assert empty_workbook.requests.get("PBC-030").owner == "Priya"


def test_dry_run_changes_nothing(empty_workbook: Workbook, tmp_path: Path) -> None:
    checklist = write_checklist(tmp_path / "v1.xlsx", base_rows(4))
    head = empty_workbook.activity.head()
    summary = ImportService(empty_workbook.db, empty_workbook.actor).import_checklist(checklist, dry_run=True)
    assert summary.added == 4
    assert empty_workbook.requests.list() == []
    assert empty_workbook.activity.head() == head


def test_a_confirmed_mapping_is_offered_again_for_the_same_headers(
    empty_workbook: Workbook, tmp_path: Path
) -> None:
    service = ImportService(empty_workbook.db, empty_workbook.actor)
    checklist = write_checklist(tmp_path / "v1.xlsx", base_rows(3))
    service.import_checklist(
        checklist, mapping={"ref": "Request #", "request": "Request Description", "section": "TSC Ref"}
    )
    again = service.analyse(write_checklist(tmp_path / "v2.xlsx", base_rows(4)))
    assert again.mapping["section"] == "TSC Ref"
    assert json.loads((tmp_path / "profiles.json").read_text())


def test_cli_import_json_has_the_documented_keys(
    empty_workbook: Workbook, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty_workbook.close()
    checklist = write_checklist(tmp_path / "v1.xlsx", base_rows(7))
    assert main(["import", str(empty_workbook.path), str(checklist), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {
        "sheet",
        "header_row",
        "mapping",
        "added",
        "updated",
        "unchanged",
        "removed",
        "skipped",
        "items",
    } <= out.keys()
    assert (out["sheet"], out["header_row"], out["added"], out["items"]) == ("PBC List", 4, 7, 7)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("empty.xlsx", lambda p: p.write_bytes(b"")),
        ("renamed.xlsx", write_docx_renamed),
        ("garbage.csv", lambda p: p.write_bytes(bytes(range(256)) * 64)),
        ("truncated.xlsx", None),
    ],
)
def test_bad_checklists_exit_2_and_leave_the_workbook_unchanged(
    empty_workbook: Workbook, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, make: object
) -> None:
    empty_workbook.close()
    bad = tmp_path / name
    if make is None:
        good = write_checklist(tmp_path / "good.xlsx", base_rows(50)).read_bytes()
        bad.write_bytes(good[: len(good) // 2])
    else:
        make(bad)  # type: ignore[operator]
    before = hashlib.sha256(empty_workbook.path.read_bytes()).hexdigest()
    assert main(["import", str(empty_workbook.path), str(bad)]) == 2
    err = capsys.readouterr().err
    assert name in err
    assert "Traceback" not in err
    assert hashlib.sha256(empty_workbook.path.read_bytes()).hexdigest() == before


def test_an_item_inserted_at_the_top_renumbers_the_rest_and_work_follows_the_wording(
    empty_workbook: Workbook, tmp_path: Path
) -> None:
    service = ImportService(empty_workbook.db, empty_workbook.actor)
    v1 = base_rows(4)
    service.import_checklist(write_checklist(tmp_path / "v1.xlsx", v1))
    proof = tmp_path / "policy.txt"
    proof.write_text("access policy v3")
    empty_workbook.requests.set("PBC-001", FieldChange(owner="Policy Owner", status=Status.ACCEPTED))
    empty_workbook.evidence.attach("PBC-001", [proof])
    v2 = [("PBC-001", "CC1.1", "CC1", "Provide the organisation chart.")] + [
        (f"PBC-{i + 1:03d}", crit, sec, text) for i, (_, crit, sec, text) in enumerate(v1, start=1)
    ]
    summary = service.import_checklist(write_checklist(tmp_path / "v2.xlsx", v2))
    assert (summary.added, summary.updated, summary.removed) == (1, 4, 0)
    assert summary.as_json()["diff"]["added"] == ["PBC-001"]
    moved = empty_workbook.requests.get("PBC-002")
    assert moved.request == "Provide evidence number 1 of control 1."
    assert (moved.owner, moved.status, moved.evidence_count) == ("Policy Owner", Status.ACCEPTED, 1)
    assert not moved.recheck_evidence
    fresh = empty_workbook.requests.get("PBC-001")
    assert (fresh.owner, fresh.status, fresh.evidence_count) == ("", Status.OPEN, 0)
    assert [r.ref for r in empty_workbook.requests.list()] == [
        "PBC-001",
        "PBC-002",
        "PBC-003",
        "PBC-004",
        "PBC-005",
    ]


def test_a_request_back_in_the_checklist_is_restored_reported_and_logged(
    empty_workbook: Workbook, tmp_path: Path
) -> None:
    service = ImportService(empty_workbook.db, empty_workbook.actor)
    rows = base_rows(4)
    service.import_checklist(write_checklist(tmp_path / "v1.xlsx", rows))
    empty_workbook.requests.set("PBC-004", FieldChange(owner="Ann"))
    service.import_checklist(write_checklist(tmp_path / "v2.xlsx", rows[:3]))
    summary = service.import_checklist(write_checklist(tmp_path / "v3.xlsx", rows))
    assert summary.as_json()["diff"]["restored"] == ["PBC-004"]
    assert summary.updated == 1
    back = empty_workbook.requests.get("PBC-004")
    assert (back.archived, back.owner) == (False, "Ann")
    assert any(e.action == "request.restore" for e in empty_workbook.activity.list(target="PBC-004"))


def test_reimport_leaves_due_dates_to_the_user(empty_workbook: Workbook, tmp_path: Path) -> None:
    service = ImportService(empty_workbook.db, empty_workbook.actor)
    service.import_checklist(write_checklist(tmp_path / "v1.xlsx", base_rows(2)))
    empty_workbook.requests.set("PBC-002", FieldChange(due=dt.date(2026, 5, 1)))
    reworded = [(r, c, s, t + " Updated.") for r, c, s, t in base_rows(2)]
    service.import_checklist(write_checklist(tmp_path / "v2.xlsx", reworded))
    assert empty_workbook.requests.get("PBC-001").due is None
    assert empty_workbook.requests.get("PBC-002").due == dt.date(2026, 5, 1)
