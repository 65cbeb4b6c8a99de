"""Bulk ingest: matching a messy folder tree to requests, dry run, apply, cancel, and verify afterwards."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.workbooks import insert_requests

from workbook.jobs import CancelToken
from workbook.model import Actor
from workbook.services import ingest
from workbook.services.ingest import Matcher, SampleMatcher, sample_tokens, tokens
from workbook.services.workbook import Workbook

CLI = Path(sys.executable).with_name("audit-workbook")

REQUESTS: list[tuple[str, list[str]]] = [
    ("PBC-001", ["CC6.1"]),
    ("PBC-002", ["CC6.2"]),
    ("PBC-003", ["CC7.1"]),
    ("PBC-004", ["CC7.1"]),
    ("PBC-010", ["CC8.1"]),
    ("PBC-012", []),
    ("PBC-012A", []),
    ("CC6.1-03", ["CC6.1"]),
    ("3.1", []),
    ("3.10", ["A1.2"]),
    ("AC-1", []),
    ("AC-01", []),
]

# path relative to the folder → refs it must be attached to
EXPECTED_MATCHED: dict[str, list[str]] = {
    "PBC-001 user list.csv": ["PBC-001"],
    "pbc_001 export.txt": ["PBC-001"],
    "PBC001.png": ["PBC-001"],
    "PBC-001 dup.csv": ["PBC-001"],
    "Pbc-002_screenshot.png": ["PBC-002"],
    "pbc 003 policy.txt": ["PBC-003"],
    "PBC-010 change tickets.csv": ["PBC-010"],
    "pbc-12 access review.txt": ["PBC-012"],
    "PBC-012A addendum.txt": ["PBC-012A"],
    "CC6.1-03 okta.csv": ["CC6.1-03"],
    "cc6_1_03 mfa.png": ["CC6.1-03"],
    "3.10 backup test.txt": ["3.10"],
    "3.1 inventory.txt": ["3.1"],
    "PBC-001 and PBC-002 combined.txt": ["PBC-001", "PBC-002"],
    "PBC-003/policy v2.txt": ["PBC-003"],
    "PBC-003/sub/deep file.txt": ["PBC-003"],
    "pbc_010/tickets/jan.csv": ["PBC-010"],
    "PBC-004/PBC-002 misfiled.txt": ["PBC-002"],
    "PBC-002/CC7.1/nested.txt": ["PBC-002"],
    "CC6.2/firewall.txt": ["PBC-002"],
    "CC8.1/deploys.csv": ["PBC-010"],
    "cc8_1 change log.txt": ["PBC-010"],
    "A1.2 restore test.txt": ["3.10"],
}
EXPECTED_AMBIGUOUS: dict[str, list[str]] = {
    "CC7.1/monitoring.txt": ["PBC-003", "PBC-004"],
    "CC6.1/okta users.csv": ["PBC-001", "CC6.1-03"],
    "cc7-1 alerts.txt": ["PBC-003", "PBC-004"],
    "AC-1 policy.txt": ["AC-1", "AC-01"],
}
EXPECTED_UNMATCHED = [
    "backup 3.10.txt",
    "report 2026-03-10.txt",
    "PBC-999 unknown.txt",
    "PBC-0123 thing.txt",
    "notes.txt",
    "misc/readme.txt",
    "misc/screenshot 2026-05-01.png",
    "Evidence folder/summary.txt",
    "CC9.9/other.txt",
]
EXPECTED_SKIPPED = {
    ".DS_Store": "hidden or system file",
    "~$checklist.xlsx": "hidden or system file",
    "empty PBC-001.txt": "empty file (0 bytes)",
    "PBC-002 link.txt": "symbolic link, not followed (allow following links to include it)",
}


def make_tree(root: Path) -> None:
    """The 40-entry tree: every file gets distinct bytes except the deliberate duplicate."""
    for rel in [*EXPECTED_MATCHED, *EXPECTED_AMBIGUOUS, *EXPECTED_UNMATCHED]:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"contents of {rel}\n", encoding="utf-8")
    (root / "PBC-001 dup.csv").write_bytes((root / "PBC-001 user list.csv").read_bytes())
    (root / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (root / "~$checklist.xlsx").write_bytes(b"lock")
    (root / "empty PBC-001.txt").write_bytes(b"")
    (root / "PBC-002 link.txt").symlink_to(root / "notes.txt")


@pytest.fixture
def tree_workbook(tmp_path: Path, actor: Actor) -> tuple[Workbook, Path]:
    wb = Workbook.create(tmp_path / "ingest.auditwb", actor, client="Acme")
    insert_requests(wb, ({"ref": ref, "criteria": criteria} for ref, criteria in REQUESTS))
    folder = tmp_path / "evidence"
    make_tree(folder)
    return wb, folder


def test_the_tree_has_forty_entries(tree_workbook: tuple[Workbook, Path]) -> None:
    _wb, folder = tree_workbook
    assert sum(len(files) for _d, _s, files in os.walk(folder)) == 40


def test_names_tokenise_case_and_separator_insensitively() -> None:
    assert tokens("PBC-012") == tokens("pbc_012") == tokens("PBC012") == tokens("pbc 12") == ("pbc", "12")
    assert tokens("CC6.1") == ("cc", "6", "1")
    assert tokens("3.10") != tokens("3.1")


def test_plan_matches_the_tree_exactly(tree_workbook: tuple[Workbook, Path]) -> None:
    wb, folder = tree_workbook
    plan = ingest.plan_folder(wb.db, folder)
    wb.close()
    assert {f.shown: list(f.refs) for f in plan.matched} == EXPECTED_MATCHED
    assert {f.shown: list(f.candidates) for f in plan.ambiguous} == EXPECTED_AMBIGUOUS
    assert sorted(f.shown for f in plan.unmatched) == sorted(EXPECTED_UNMATCHED)
    assert {f.shown: f.reason for f in plan.skipped} == EXPECTED_SKIPPED
    assert plan.file_count == 40


def test_planning_attaches_nothing(tree_workbook: tuple[Workbook, Path]) -> None:
    wb, folder = tree_workbook
    ingest.plan_folder(wb.db, folder)
    assert wb.evidence.list() == []
    wb.close()


def test_apply_attaches_matched_files_once_and_dedupes_identical_bytes(
    tree_workbook: tuple[Workbook, Path],
) -> None:
    wb, folder = tree_workbook
    plan = ingest.plan_folder(wb.db, folder)
    seen: list[tuple[int, int]] = []
    result = ingest.apply_plan(wb.evidence, plan, progress=lambda done, total: seen.append((done, total)))
    assert len(result.attached) == 23
    assert result.failed == ()
    assert result.cancelled is False
    # 23 files, of which "PBC-001 dup.csv" has the same bytes as "PBC-001 user list.csv".
    assert result.stored_new == 22
    assert len(wb.evidence.list()) == 22
    assert seen[-1] == (23, 23)
    names = sorted(link.evidence.name for link in wb.evidence.for_request("PBC-001"))
    assert names == [
        "PBC-001 and PBC-002 combined.txt",
        "PBC-001 dup.csv",
        "PBC001.png",
        "pbc_001 export.txt",
    ]
    assert [link.evidence.name for link in wb.evidence.for_request("PBC-004")] == []
    wb.close()


def test_applying_the_same_plan_twice_stores_nothing_new(tree_workbook: tuple[Workbook, Path]) -> None:
    wb, folder = tree_workbook
    plan = ingest.plan_folder(wb.db, folder)
    ingest.apply_plan(wb.evidence, plan)
    again = ingest.apply_plan(wb.evidence, ingest.plan_folder(wb.db, folder))
    assert again.stored_new == 0
    assert len(again.attached) == 23
    assert wb.evidence.chunk_rows() == 22
    wb.close()


def test_cancel_stops_between_files_and_leaves_no_half_attached_file(
    tree_workbook: tuple[Workbook, Path],
) -> None:
    wb, folder = tree_workbook
    plan = ingest.plan_folder(wb.db, folder)
    token = CancelToken()

    def progress(done: int, _total: int) -> None:
        if done == 5:
            token.cancel()

    result = ingest.apply_plan(wb.evidence, plan, progress=progress, cancel=token)
    assert result.cancelled is True
    assert len(result.attached) == 5
    evidence = wb.evidence.list()
    assert len(evidence) == 5
    assert all(ev.refs for ev in evidence)
    assert wb.evidence.chunk_rows() == 5
    assert wb.verify().ok
    wb.close()


def test_a_file_that_vanished_after_planning_is_reported_not_fatal(
    tree_workbook: tuple[Workbook, Path],
) -> None:
    wb, folder = tree_workbook
    plan = ingest.plan_folder(wb.db, folder)
    (folder / "notes.txt").unlink()
    (folder / "PBC001.png").unlink()
    result = ingest.apply_plan(wb.evidence, plan)
    assert [(f.shown, f.reason) for f in result.failed] == [
        ("PBC001.png", "the file does not exist (or vanished)")
    ]
    assert len(result.attached) == 22
    wb.close()


def test_nearest_component_decides_and_criteria_only_when_no_ref_is_named() -> None:
    matcher = Matcher(REQUESTS)
    assert matcher.match(["PBC-002 x.txt", "PBC-004"]).refs == ("PBC-002",)
    assert matcher.match(["x.txt", "CC6.2", "PBC-004"]).refs == ("PBC-004",)
    assert matcher.match(["CC6.2 x.txt"]).refs == ("PBC-002",)
    assert matcher.match(["CC7.1 x.txt"]).candidates == ("PBC-003", "PBC-004")
    assert matcher.match(["nothing here.txt"]) == ingest.MatchOutcome()


def test_a_missing_folder_is_refused_with_a_reason(tree_workbook: tuple[Workbook, Path]) -> None:
    wb, folder = tree_workbook
    with pytest.raises(ingest.UserError, match="does not exist"):
        ingest.plan_folder(wb.db, folder / "nope")
    with pytest.raises(ingest.UserError, match="not a folder"):
        ingest.plan_folder(wb.db, folder / "notes.txt")
    wb.close()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )


def test_cli_dry_run_json_lists_the_plan_and_changes_nothing(tree_workbook: tuple[Workbook, Path]) -> None:
    wb, folder = tree_workbook
    path = wb.path
    wb.close()
    done = _cli("attach", str(path), "--folder", str(folder), "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {m["path"]: m["refs"] for m in report["matched"]} == EXPECTED_MATCHED
    assert {a["path"]: a["candidates"] for a in report["ambiguous"]} == EXPECTED_AMBIGUOUS
    assert sorted(report["unmatched"]) == sorted(EXPECTED_UNMATCHED)
    assert {s["path"]: s["reason"] for s in report["skipped"]} == EXPECTED_SKIPPED
    assert report["attached"] == 0
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM evidence").fetchone() == (0,)


def test_cli_bad_folder_exits_2_with_one_line(tree_workbook: tuple[Workbook, Path]) -> None:
    wb, folder = tree_workbook
    path = wb.path
    wb.close()
    done = _cli("attach", str(path), "--folder", str(folder / "missing"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "the folder does not exist" in done.stderr


def test_verify_after_bulk_ingest_passes_and_names_a_flipped_byte(
    tree_workbook: tuple[Workbook, Path],
) -> None:
    wb, folder = tree_workbook
    path = wb.path
    wb.close()
    done = _cli("attach", str(path), "--folder", str(folder), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["attached"] == 23
    text = _cli("attach", str(path), "--folder", str(folder))
    assert "attached 23 files (0 stored new" in text.stdout
    assert _cli("verify", str(path)).returncode == 0
    with sqlite3.connect(path) as con:
        (evidence_id,) = con.execute("SELECT id FROM evidence WHERE name = 'CC6.1-03 okta.csv'").fetchone()
        (data,) = con.execute(
            "SELECT data FROM evidence_chunks WHERE evidence_id = ? AND seq = 0", (evidence_id,)
        ).fetchone()
        flipped = bytes([data[0] ^ 0x01]) + data[1:]
        con.execute(
            "UPDATE evidence_chunks SET data = ? WHERE evidence_id = ? AND seq = 0", (flipped, evidence_id)
        )
    checked = _cli("verify", str(path))
    assert checked.returncode == 1
    assert "CC6.1-03 okta.csv" in checked.stdout
    assert checked.stdout.count("ALTERED") == 1


# --- files for the samples of a request ---------------------------------------------------------------


def test_sample_ids_match_whole_tokens_in_any_case_and_keep_leading_zeros() -> None:
    matcher = SampleMatcher([("PBC-008", "EMP-0042"), ("PBC-008", "EMP-0043")])
    assert (
        sample_tokens("EMP-0042") == sample_tokens("emp_0042") == sample_tokens("Emp0042") == ("emp", "0042")
    )

    def found(name: str) -> list[tuple[str, str]]:
        return [(m.ref, m.sample) for m in matcher.find([name], None)]

    assert found("EMP-0042 background check.pdf") == [("PBC-008", "EMP-0042")]
    assert found("scan emp0042.pdf") == [("PBC-008", "EMP-0042")]
    assert found("EMP-0042 and EMP-0043 offers.pdf") == [("PBC-008", "EMP-0042"), ("PBC-008", "EMP-0043")]
    for other in ("EMP-00421 offer.pdf", "EMP-042 offer.pdf", "TEMP-0042.pdf", "EMP 42.pdf", "offer.pdf"):
        assert found(other) == [], other


def test_the_required_item_is_read_from_the_words_of_the_name() -> None:
    matcher = SampleMatcher(
        [("PBC-008", "EMP-0042")], [("PBC-008", ["offer letter", "background check", "check"])]
    )

    def items(*components: str) -> tuple[str, ...]:
        (match,) = matcher.find(list(components), None)
        return match.items

    assert items("EMP-0042 Background-Check.pdf") == ("background check",)  # not "check" as well
    assert items("EMP-0042 background checks.pdf") == ("background check",)
    assert items("EMP-0042 offer letter and background check.pdf") == ("offer letter", "background check")
    assert items("EMP-0042 letter of offer.pdf") == ()
    assert items("scan.pdf", "EMP-0042", "Offer Letter") == ("offer letter",)  # the nearest folder saying one


def test_a_number_alone_is_a_sample_id_only_inside_its_request() -> None:
    matcher = SampleMatcher([("PBC-010", "4711")])
    assert matcher.find(["change 4711.pdf"], None) == []
    assert [m.sample for m in matcher.find(["change 4711.pdf", "PBC-010"], ["PBC-010"])] == ["4711"]


@pytest.fixture
def sampled_workbook(tmp_path: Path, actor: Actor) -> tuple[Workbook, Path]:
    """PBC-001 (no samples), PBC-008 (new hires) and PBC-009 (NDAs of the same new hires)."""
    wb = Workbook.create(tmp_path / "samples.auditwb", actor, client="Acme")
    insert_requests(wb, ({"ref": ref, "criteria": []} for ref in ("PBC-001", "PBC-008", "PBC-009")))
    wb.samples.set_required("PBC-008", ["offer letter", "background check"])
    wb.samples.add("PBC-008", [("EMP-0042", "Alex Kim"), ("EMP-0043", "Bea Lund")])
    wb.samples.set_required("PBC-009", ["signed NDA"])
    wb.samples.add("PBC-009", [("EMP-0042", "Alex Kim"), ("CHG-7", "")])
    files = {
        "EMP-0043 background check.pdf": "check Bea",
        "PBC-008/EMP-0042/offer letter.pdf": "offer Alex",
        "PBC-008/population.csv": "all new hires",
        "PBC-008/EMP-0099 offer letter.pdf": "someone not sampled",
        "PBC-001/EMP-0043 misfiled.pdf": "misfiled",
        "EMP-0042 signed NDA.pdf": "nda Alex",
        "EMP-0042 scan.pdf": "which request?",
        "CHG-7 approval.pdf": "approval",
    }
    folder = tmp_path / "hr"
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    return wb, folder


def test_files_naming_a_sample_are_planned_for_it(sampled_workbook: tuple[Workbook, Path]) -> None:
    wb, folder = sampled_workbook
    plan = ingest.plan_folder(wb.db, folder)
    wb.close()
    planned = {f.shown: (f.refs, [(m.ref, m.sample, m.items) for m in f.samples]) for f in plan.matched}
    assert planned == {
        "EMP-0043 background check.pdf": ((), [("PBC-008", "EMP-0043", ("background check",))]),
        "PBC-008/EMP-0042/offer letter.pdf": ((), [("PBC-008", "EMP-0042", ("offer letter",))]),
        # A file of the request naming none of its samples stays the request's own file.
        "PBC-008/population.csv": (("PBC-008",), []),
        "PBC-008/EMP-0099 offer letter.pdf": (("PBC-008",), []),
        # A sample of another request does not pull a file out of the folder of the ref it is filed under.
        "PBC-001/EMP-0043 misfiled.pdf": (("PBC-001",), []),
        # EMP-0042 is sampled by both requests: the required item named says which.
        "EMP-0042 signed NDA.pdf": ((), [("PBC-009", "EMP-0042", ("signed NDA",))]),
        "CHG-7 approval.pdf": ((), [("PBC-009", "CHG-7", ())]),
    }
    assert {f.shown: f.candidates for f in plan.ambiguous} == {
        "EMP-0042 scan.pdf": ("PBC-008 EMP-0042", "PBC-009 EMP-0042")
    }
    report = ingest.plan_json(plan)
    by_path = {m["path"]: m for m in report["matched"]}
    assert by_path["EMP-0043 background check.pdf"]["samples"] == [
        {"ref": "PBC-008", "id": "EMP-0043", "for": ["background check"]}
    ]
    lines = ingest.describe(plan)
    assert any("PBC-008 sample EMP-0043 (background check)" in line for line in lines)


def test_applying_gives_the_files_to_their_samples(sampled_workbook: tuple[Workbook, Path]) -> None:
    wb, folder = sampled_workbook
    with wb:
        plan = ingest.plan_folder(wb.db, folder)
        result = ingest.apply_plan(wb.evidence, plan, samples=wb.samples)
        assert (len(result.attached), result.failed, result.stored_new) == (7, (), 7)
        grid = {s.code: s for s in wb.samples.grid("PBC-008").samples}
        assert [(f.name, f.requirement) for f in grid["EMP-0043"].files] == [
            ("EMP-0043 background check.pdf", "background check")
        ]
        assert [(f.name, f.requirement) for f in grid["EMP-0042"].files] == [
            ("offer letter.pdf", "offer letter")
        ]
        assert sorted(link.evidence.name for link in wb.evidence.for_request("PBC-008")) == [
            "EMP-0099 offer letter.pdf",
            "population.csv",
        ]
        nda = {s.code: s for s in wb.samples.grid("PBC-009").samples}
        assert [f.requirement for f in nda["EMP-0042"].files] == ["signed NDA"]
        assert wb.verify().ok


def test_files_for_samples_without_the_sample_service_are_reported_not_lost(
    sampled_workbook: tuple[Workbook, Path],
) -> None:
    wb, folder = sampled_workbook
    with wb:
        result = ingest.apply_plan(wb.evidence, ingest.plan_folder(wb.db, folder))
        assert len(result.attached) == 3  # the requests' own files
        assert {f.shown for f in result.failed} == {
            "EMP-0043 background check.pdf",
            "PBC-008/EMP-0042/offer letter.pdf",
            "EMP-0042 signed NDA.pdf",
            "CHG-7 approval.pdf",
        }
        assert all("attach them to the sample" in f.reason for f in result.failed)
