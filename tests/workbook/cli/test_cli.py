"""The command line as a script would use it: exit codes, one-line refusals, JSON shapes."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from workbook.cli import main
from workbook.services.workbook import Workbook


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def path(workbook: Workbook) -> Path:
    workbook.close()
    return workbook.path


def test_new_then_items_json_lists_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "client.auditwb"
    code, _out, _ = run(capsys, "new", str(target), "--client", "Acme", "--period", "2026-01-01..2026-06-30")
    assert code == 0
    assert run(capsys, "items", str(target), "--json") == (0, "[]\n", "")


def test_items_json_has_the_documented_shape(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(
        capsys,
        "set",
        str(path),
        "PBC-001",
        "--owner",
        "Priya",
        "--status",
        "in_progress",
        "--due",
        "2026-03-01",
    )
    code, out, _ = run(capsys, "items", str(path), "--json")
    items = json.loads(out)
    assert code == 0
    assert items[0] == {
        "ref": "PBC-001",
        "title": "Title of PBC-001",
        "request": "Provide the evidence for PBC-001.",
        "criteria": ["CC6.1", "CC6.2"],
        "section": "Access",
        "owner": "Priya",
        "status": "in_progress",
        "due": "2026-03-01",
        "evidence_count": 0,
        "extra": {},
    }
    assert len(items) == 4


def test_set_as_someone_shows_in_the_log(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "set", str(path), "PBC-002", "--status", "accepted", "--as", "Dana Ops")
    assert code == 0
    code, out, _ = run(capsys, "log", str(path), "--json")
    last = json.loads(out)[-1]
    assert (last["actor"], last["target"], last["field"], last["before"], last["after"]) == (
        "Dana Ops",
        "PBC-002",
        "status",
        "open",
        "accepted",
    )
    assert last["at"].endswith("+00:00")


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["set", "{path}", "PBC-404", "--status", "accepted"], "no request with ref 'PBC-404'"),
        (["set", "{path}", "PBC-001", "--status", "done-ish"], "unknown status"),
        (["set", "{path}", "PBC-001", "--due", "31/02/2026"], "not a date"),
        (["items", "{missing}"], "no such file"),
        (["attach", "{path}", "PBC-001", "{missing}"], "does not exist"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_changes_nothing(
    path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], reason: str
) -> None:
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    args = [a.format(path=path, missing=path.with_name("missing.auditwb")) for a in argv]
    code, _, err = run(capsys, *args)
    assert code == 2
    assert reason in err
    assert err.count("\n") == 1
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_verify_names_evidence_whose_stored_bytes_were_flipped(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proof = tmp_path / "okta users.csv"
    proof.write_bytes(b"name,mfa\n" + b"user,yes\n" * 5000)
    assert run(capsys, "attach", str(path), "PBC-001", str(proof))[0] == 0
    assert run(capsys, "verify", str(path))[0] == 0
    con = sqlite3.connect(path)
    data = bytearray(con.execute("SELECT data FROM evidence_chunks WHERE seq = 0").fetchone()[0])
    data[100] ^= 0xFF
    con.execute("UPDATE evidence_chunks SET data = ? WHERE seq = 0", (bytes(data),))
    con.commit()
    con.close()
    code, out, _ = run(capsys, "verify", str(path))
    assert code == 1
    assert "okta users.csv" in out


def test_verify_fails_after_an_activity_row_is_deleted(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "set", str(path), "PBC-001", "--status", "accepted")
    run(capsys, "set", str(path), "PBC-002", "--status", "accepted")
    con = sqlite3.connect(path)
    con.execute("DELETE FROM activity WHERE id = 2")
    con.commit()
    con.close()
    code, out, _ = run(capsys, "verify", str(path))
    assert code == 1
    assert "#2" in out


def test_verify_with_the_expected_head(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _code, out, _ = run(capsys, "verify", str(path))
    head = out.split("log head ")[1].split()[0]
    assert run(capsys, "verify", str(path), "--expect-head", head)[0] == 0
    run(capsys, "set", str(path), "PBC-001", "--note", "x")
    assert run(capsys, "verify", str(path), "--expect-head", head)[0] == 1


def test_a_second_process_writing_is_refused_with_the_holders_name(
    workbook_path: Path, workbook: Workbook
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "workbook", "set", str(workbook_path), "PBC-001", "--status", "accepted"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "read-only" in result.stderr
    assert "Dana Ops" in result.stderr
    assert "Traceback" not in result.stderr
    assert workbook.requests.get("PBC-001").status.value == "open"


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2


def test_undecodable_bytes_in_a_note_are_kept_as_replacement_characters(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    note = b"\xff budget".decode("utf-8", "surrogateescape")
    assert run(capsys, "set", str(path), "PBC-001", "--note", note)[0] == 0
    code, out, _ = run(capsys, "items", str(path), "--json")
    assert code == 0
    assert run(capsys, "verify", str(path))[0] == 0
    code, out, _ = run(capsys, "log", str(path), "--json")
    assert json.loads(out)[-1]["after"] == "\ufffd budget"


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["backup", "{path}", "{tmp}/missing/b.auditwb"], "folder does not exist"),
        (["demo", "{path}", "--no-gui"], "is a file"),
        (["verify", "{path}", "--expect-head", ""], "not a log head"),
        (["new", "{path}", "--client", "Acme"], "already exists"),
    ],
)
def test_more_bad_input_is_refused_in_one_line(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], reason: str
) -> None:
    code, _, err = run(capsys, *[a.format(path=path, tmp=tmp_path) for a in argv])
    assert code == 2
    assert reason in err
    assert err.count("\n") == 1


def test_the_owner_filter_ignores_spacing_and_case(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "set", str(path), "PBC-001", "--owner", "Elena Petrova")
    _, out, _ = run(capsys, "items", str(path), "--owner", "elena   petrova", "--json")
    assert [i["ref"] for i in json.loads(out)] == ["PBC-001"]


def test_a_reader_that_stops_early_ends_the_command_quietly(path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write: every write fails with EPIPE
    try:
        writer = subprocess.run(
            [sys.executable, "-m", "workbook", "log", str(path), "--json"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(write_end)
    assert writer.returncode == 141
    assert writer.stderr == ""


SELF_TEST_WITH_PLUGGED_IN_CHECKS = """
import sys
from workbook.cli import main


def no_printer() -> str:
    raise RuntimeError("no printer here")


code = main(["--self-test"], self_checks=[("Qt", lambda: "checked by the launcher"), ("Printer", no_printer)])
print("Qt loaded:", any(name.partition(".")[0] in ("PySide6", "shiboken6") for name in sys.modules))
sys.exit(code)
"""


def test_the_self_test_reports_the_checks_the_launcher_plugs_in_and_loads_no_qt_itself() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SELF_TEST_WITH_PLUGGED_IN_CHECKS], capture_output=True, text=True, check=False
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 1
    assert [line.split(":")[0] for line in lines] == [
        "ok    libraries",
        "ok    resources",
        "ok    workbook round trip",
        "ok    Qt",
        "FAIL  Printer",
        "Qt loaded",
    ]
    assert "ok    Qt: checked by the launcher" in lines
    assert "FAIL  Printer: RuntimeError: no printer here" in lines
    assert lines[-1] == "Qt loaded: False"
    assert result.stderr == "self-test failed: 1 check(s)\n"
