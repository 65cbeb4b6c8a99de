"""Audit cycles on the command line: samples, attach to a sample, next-period, prior, reuse, never-export."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook as Xlsx

from workbook.cli import main
from workbook.services.workbook import Workbook

REQUIRED = ["offer letter", "background check"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return out


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """A refusal: exit 2, one line on stderr, nothing on stdout, no traceback."""
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, ""), (code, out, err)
    assert err.startswith("audit-workbook: ") and err.count("\n") == 1, err
    return err


def items(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, dict[str, Any]]:
    return {item["ref"]: item for item in json.loads(ok(capsys, "items", str(path), "--json"))}


@pytest.fixture
def path(workbook: Workbook) -> Path:
    workbook.close()
    return workbook.path


@pytest.fixture
def sampled(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """PBC-002 with three new hires, two required items, and EMP-0042's offer letter given."""
    ok(capsys, "samples", "require", str(path), "PBC-002", *REQUIRED)
    ok(capsys, "samples", "add", str(path), "PBC-002", "EMP-0042=Alex Kim", "EMP-0043=Bea Lund", "EMP-0044")
    offer = tmp_path / "offer.pdf"
    offer.write_bytes(b"%PDF-1.4 offer for Alex Kim")
    ok(capsys, "attach", str(path), "PBC-002", str(offer), "--sample", "EMP-0042", "--for", "offer letter")
    return path


def test_samples_add_list_and_items_json(sampled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    grid = json.loads(ok(capsys, "samples", "list", str(sampled), "PBC-002", "--json"))
    assert grid["ref"] == "PBC-002"
    assert grid["required"] == REQUIRED
    assert grid["summary"] == "0/3 samples provided"
    first = grid["samples"][0]
    assert first["id"] == "EMP-0042" and first["label"] == "Alex Kim"
    assert first["status"] == "in_progress"
    assert first["missing"] == ["background check"]
    assert [(f["name"], f["requirement"]) for f in first["files"]] == [("offer.pdf", "offer letter")]
    assert [s["id"] for s in grid["samples"]] == ["EMP-0042", "EMP-0043", "EMP-0044"]
    assert grid["samples"][2]["label"] == ""

    listed = items(capsys, sampled)
    assert listed["PBC-002"]["required"] == REQUIRED
    assert listed["PBC-002"]["samples"] == grid["samples"]
    # A request without samples keeps the documented shape.
    assert "samples" not in listed["PBC-001"] and "required" not in listed["PBC-001"]

    text = ok(capsys, "samples", "list", str(sampled), "PBC-002")
    assert text.startswith("PBC-002: 0/3 samples provided; each sample needs: offer letter; background check")
    assert "missing: background check" in text and "offer letter: offer.pdf" in text


def test_the_second_file_completes_a_sample(
    sampled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check = tmp_path / "check.pdf"
    check.write_bytes(b"%PDF-1.4 background check: clear")
    out = ok(
        capsys,
        "attach",
        str(sampled),
        "PBC-002",
        str(check),
        "--sample",
        "EMP-0042",
        "--for",
        "Background Check",
    )
    assert "PBC-002 sample EMP-0042 (Background Check): check.pdf" in out
    assert out.rstrip().endswith("PBC-002: 1/3 samples provided")
    sample = items(capsys, sampled)["PBC-002"]["samples"][0]
    assert (sample["missing"], sample["status"]) == ([], "ready_for_review")


def test_text_ids_from_a_file_or_stdin_and_repeats_are_reported(
    sampled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pasted = tmp_path / "pasted.txt"
    pasted.write_text("EMP-0050\tCara Diaz\n\nEMP-0050, again\nEMP-0042\n", encoding="utf-8")
    code, out, err = run(capsys, "samples", "add", str(sampled), "PBC-002", "--from-text", str(pasted))
    assert code == 0
    assert "left out: line 3: 'EMP-0050' is listed twice (kept once)" in err
    assert out == "PBC-002: added 1 sample (1 already there); 0/4 samples provided\n"
    monkeypatch.setattr("sys.stdin", io.StringIO("EMP-0060;Dan Eng\n"))
    ok(capsys, "samples", "add", str(sampled), "PBC-002", "--from-text", "-")
    labels = {s["id"]: s["label"] for s in items(capsys, sampled)["PBC-002"]["samples"]}
    assert labels["EMP-0050"] == "Cara Diaz" and labels["EMP-0060"] == "Dan Eng"


def test_samples_import_reads_the_auditors_selection(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = Xlsx()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Selection"
    sheet.append(["Employee ID", "Name", "Hire date"])
    for n, name in enumerate(["Alex Kim", "Bea Lund", "Cal Moss", "Dee Ng", "Eli Ortiz"], start=1):
        sheet.append([f"EMP-{n:04d}", name, f"2026-0{n}-01"])
    selection = tmp_path / "selection.xlsx"
    book.save(selection)
    out = ok(capsys, "samples", "import", str(path), "PBC-003", str(selection), "--column", "Employee ID")
    assert "PBC-003: added 5 samples; 0/5 samples provided" in out
    grid = json.loads(ok(capsys, "samples", "list", str(path), "PBC-003", "--json"))
    assert [(s["id"], s["label"]) for s in grid["samples"]][:2] == [
        ("EMP-0001", "Alex Kim"),
        ("EMP-0002", "Bea Lund"),
    ]
    assert grid["samples"][0]["missing"] == ["file"]


def test_set_and_remove_samples(sampled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(
        capsys,
        "samples",
        "set",
        str(sampled),
        "PBC-002",
        "EMP-0043",
        "--status",
        "not applicable",
        "--notes",
        "left",
    )
    assert out == "PBC-002 sample EMP-0043: changed\n"
    assert ok(capsys, "samples", "set", str(sampled), "PBC-002", "EMP-0043", "--notes", "left") == (
        "PBC-002 sample EMP-0043: already so, nothing changed\n"
    )
    ok(capsys, "samples", "set", str(sampled), "PBC-002", "EMP-0044", "--label", "Cy  Park")
    ok(capsys, "samples", "remove", str(sampled), "PBC-002", "EMP-0042")
    left = items(capsys, sampled)["PBC-002"]["samples"]
    assert [(s["id"], s["label"], s["status"], s["notes"]) for s in left] == [
        ("EMP-0043", "Bea Lund", "not_applicable", "left"),
        ("EMP-0044", "Cy Park", "open", ""),
    ]
    assert left[0]["missing"] == []  # waived: nothing more is needed
    log = ok(capsys, "log", str(sampled))
    assert "set status of sample EMP-0043 of PBC-002 from Open to Not applicable" in log
    assert "removed sample EMP-0042 from PBC-002 (its files stay in the workbook)" in log
    assert "gave offer.pdf for sample EMP-0042's offer letter on PBC-002" in log


def test_refusals_are_one_line(sampled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    offer = tmp_path / "x.pdf"
    offer.write_bytes(b"x")
    assert "has no sample 'EMP-9999'" in refused(
        capsys, "attach", str(sampled), "PBC-002", str(offer), "--sample", "EMP-9999"
    )
    assert "does not require 'payslip'" in refused(
        capsys, "attach", str(sampled), "PBC-002", str(offer), "--sample", "EMP-0042", "--for", "payslip"
    )
    assert "--for names a sample's required item" in refused(
        capsys, "attach", str(sampled), "PBC-002", str(offer), "--for", "offer letter"
    )
    assert "needs sample ids" in refused(capsys, "samples", "add", str(sampled), "PBC-002")
    assert "needs --status, --notes or --label" in refused(
        capsys, "samples", "set", str(sampled), "PBC-002", "EMP-0042"
    )
    assert "unknown status" in refused(
        capsys, "samples", "set", str(sampled), "PBC-002", "EMP-0042", "--status", "sometime"
    )
    assert "has no sample" in refused(capsys, "samples", "remove", str(sampled), "PBC-002", "EMP-0001")
    assert "PBC-404" in refused(capsys, "samples", "list", str(sampled), "PBC-404")
    assert "cannot read the list" in refused(
        capsys, "samples", "add", str(sampled), "PBC-002", "--from-text", str(tmp_path / "none.txt")
    )


def test_never_export_leaves_a_sample_file_out_of_items_json(
    sampled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (offer,) = items(capsys, sampled)["PBC-002"]["samples"][0]["files"]
    out = ok(capsys, "never-export", str(sampled), offer["sha256"][:10])
    assert out == f"offer.pdf (sha256 {offer['sha256'][:12]}…): never exported\n"
    assert "already never exported" in ok(capsys, "never-export", str(sampled), offer["sha256"])
    dumped = ok(capsys, "items", str(sampled), "--json")
    assert "offer.pdf" not in dumped and offer["sha256"] not in dumped
    assert "never exported" in ok(capsys, "samples", "list", str(sampled), "PBC-002")  # shown to the user
    assert ok(capsys, "never-export", str(sampled), offer["sha256"], "--off").endswith("exported again\n")
    assert "offer.pdf" in ok(capsys, "items", str(sampled), "--json")
    assert "marked offer.pdf never to be exported" in ok(capsys, "log", str(sampled))
    assert "no single evidence file" in refused(capsys, "never-export", str(sampled), "abc")


def test_folder_attach_gives_files_to_samples(
    sampled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "hr"
    (folder / "PBC-002").mkdir(parents=True)
    (folder / "emp-0043 Background Checks.pdf").write_bytes(b"check for Bea")
    (folder / "PBC-002" / "EMP-0044 offer letter.pdf").write_bytes(b"offer for Cy")
    (folder / "PBC-002" / "population.csv").write_bytes(b"id,name\n")
    plan = json.loads(ok(capsys, "attach", str(sampled), "--folder", str(folder), "--dry-run", "--json"))
    matched = {m["path"]: (m["refs"], m["samples"]) for m in plan["matched"]}
    assert matched == {
        "emp-0043 Background Checks.pdf": (
            [],
            [{"ref": "PBC-002", "id": "EMP-0043", "for": ["background check"]}],
        ),
        "PBC-002/EMP-0044 offer letter.pdf": (
            [],
            [{"ref": "PBC-002", "id": "EMP-0044", "for": ["offer letter"]}],
        ),
        "PBC-002/population.csv": (["PBC-002"], []),
    }
    text = ok(capsys, "attach", str(sampled), "--folder", str(folder))
    assert "PBC-002 sample EMP-0043 (background check)" in text
    assert "attached 3 files" in text
    samples = {s["id"]: s for s in items(capsys, sampled)["PBC-002"]["samples"]}
    assert [f["requirement"] for f in samples["EMP-0043"]["files"]] == ["background check"]
    assert [f["name"] for f in samples["EMP-0044"]["files"]] == ["EMP-0044 offer letter.pdf"]
    assert items(capsys, sampled)["PBC-002"]["evidence_count"] == 1  # population.csv only


def test_next_period_prior_and_reuse(
    sampled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.pdf"
    policy.write_bytes(b"%PDF-1.4 policy")
    ok(capsys, "attach", str(sampled), "PBC-001", str(policy))
    ok(capsys, "set", str(sampled), "PBC-001", "--status", "accepted", "--owner", "Elena Petrova")
    new = tmp_path / "acme-2027.auditwb"
    report = json.loads(
        ok(capsys, "next-period", str(sampled), str(new), "--period", "2027-01-01..2027-12-31", "--json")
    )
    assert report["path"] == str(new) and report["period"] == {"start": "2027-01-01", "end": "2027-12-31"}
    assert (report["requests"], report["evidence_files"], report["sample_plans"]) == (4, 2, 1)
    assert report["prior_links"] == 2

    carried = items(capsys, new)
    assert carried["PBC-001"]["status"] == "open" and carried["PBC-001"]["owner"] == "Elena Petrova"
    # Last period's files are not this period's evidence.
    assert carried["PBC-001"]["evidence_count"] == 0
    assert carried["PBC-002"]["required"] == REQUIRED and carried["PBC-002"]["samples"] == []

    prior = json.loads(ok(capsys, "prior", str(new), "PBC-001", "--json"))
    assert [(p["name"], p["reused"], p["period"]) for p in prior] == [
        ("policy.pdf", False, "2026-01-01..2026-06-30")
    ]
    assert "1 prior-period file" in ok(capsys, "prior", str(new), "PBC-001")
    out = ok(capsys, "reuse", str(new), "PBC-001", prior[0]["sha256"][:8])
    assert out.startswith("PBC-001: policy.pdf sha256 ") and "reused as this period's evidence" in out
    assert items(capsys, new)["PBC-001"]["evidence_count"] == 1
    assert "already current evidence" in ok(capsys, "reuse", str(new), "PBC-001", prior[0]["sha256"])
    assert "no single prior-period file" in refused(capsys, "reuse", str(new), "PBC-003", prior[0]["sha256"])

    log = ok(capsys, "log", str(new))
    assert "started from last period's workbook acme.auditwb (log head " in log
    assert "carried PBC-001 from the previous period (owner Elena Petrova)" in log
    assert "reused last period's policy.pdf for PBC-001" in log
    assert ok(capsys, "verify", str(new)).rstrip().endswith("intact")

    text = ok(
        capsys, "next-period", str(new), str(tmp_path / "acme-2028"), "--period", "2028-01-01..2028-12-31"
    )
    assert text.startswith(
        f"created {tmp_path / 'acme-2028.auditwb'} for 2028-01-01..2028-12-31 from acme-2027"
    )


def test_next_period_refusals(sampled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = str(tmp_path / "next.auditwb")
    assert "inside the old one" in refused(
        capsys, "next-period", str(sampled), new, "--period", "2026-03-01..2027-02-28"
    )
    assert "is not a period" in refused(capsys, "next-period", str(sampled), new, "--period", "2027")
    assert "already exists" in refused(
        capsys, "next-period", str(sampled), str(sampled), "--period", "2027-01-01..2027-12-31"
    )
    assert not Path(new).exists()
