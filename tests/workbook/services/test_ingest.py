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
from workbook.services.ingest import Matcher, tokens
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
