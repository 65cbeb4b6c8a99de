"""Crash safety: SIGKILL the real `audit-workbook` commands at random and inside their writes, then check.

The full run (40 kills per operation, half at random, half inside the write; a table at the end; about
21 minutes and 21 CPU-minutes on two shared cores):

    QT_QPA_PLATFORM=offscreen .venv/bin/pytest -m reliability tests/reliability/crash -q

The default test run runs `test_crash_fast` (two kills per operation on lighter inputs; about 60 s of CPU).

Operations (each a sequence of CLI commands on a copy of the demo workbook, each acknowledged — exit 0 —
before the next starts): `set` (four `set FILE REF --status …` in a row), `import` (a 2,000-request
checklist), `attach` (one 8 MB file; a pair of 3 and 4 MB in one command; `attach --folder` of three files
matched by ref), `export` (`--pdf --zip --xlsx` into one folder), `next-period` (the workbook into a new
file for the next year: the old file must not change; the new one is whole or absent, and running it again
clears what a killed one left).

Kill modes (harness.py): `random` (SIGKILL after a delay within the sequence's measured duration) and, in
the write, `stmt`/`commit`/`committed` (crashpoint.py wraps the CLI and kills at the Nth statement of a write
transaction, as the Nth COMMIT starts, or right after it returned) and `io` (crashshim.c, LD_PRELOAD: the
Nth write/sync/truncate/rename/unlink on the workbook, its journal, lock and backups folder or the export
folder — inside SQLite's COMMIT, the before-import backup, an export's staging). Where each kill lands is
drawn from random.Random(f"{seed}:{op}:{index}:{attempt}").

After each kill: `verify` exits 0; PRAGMA integrity_check is ok and foreign_key_check empty; every
acknowledged change is there and the step in flight is whole or absent; no chunk without its evidence, every
evidence's chunks complete and hashing to its SHA-256, none linked to no request; in the export folder only
complete outputs (pypdf and qpdf --check, zip CRCs, openpyxl) and no `.part`; one more export (of one
request) into the same folder leaves no `.auditwb-export-*` staging folder; the next `set` succeeds at once
(no stale lock); beside the workbook nothing but its lock and whole automatic backups. A failing case is
kept on disk and named with its seed.

Environment: CRASH_SEED (default 13), CRASH_KILLS (full run, default 40), CRASH_JOBS (cases at a time,
default the CPU count up to 4), CRASH_ONLY (case ids, e.g. `import-io-15`, to rerun one case). The commands
import the app as Python finds it: while others edit the tree, copy workbook/, ui/ and resources/ somewhere
and put that folder on PYTHONPATH so that the whole run tests one version (the report names the folder).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import zipfile
from pathlib import Path

import openpyxl
import pypdf
import pytest

from crash.harness import (
    FULL,
    LIGHT,
    OPERATIONS,
    CaseResult,
    Inputs,
    Kill,
    Reference,
    Run,
    Step,
    build_inputs,
    check_state,
    orphan_problems,
    output_problems,
    run_harness,
)

SEED = int(os.environ.get("CRASH_SEED", "13"))
FULL_KILLS = int(os.environ.get("CRASH_KILLS", "40"))
FAST_KILLS = 2
JOBS = int(os.environ.get("CRASH_JOBS", "0")) or max(1, min(4, os.cpu_count() or 1))


@pytest.fixture(scope="module")
def light_inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    return build_inputs(tmp_path_factory.mktemp("crash-light"), SEED, LIGHT)


@pytest.fixture(scope="module")
def full_inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    return build_inputs(tmp_path_factory.mktemp("crash-full"), SEED, FULL)


def _assert_clean(report_failures: list[str], headline: str) -> None:
    assert not report_failures, headline + "\n" + "\n".join(report_failures)


@pytest.mark.reliability
@pytest.mark.reliability_fast
def test_the_checks_see_what_they_look_for(light_inputs: Inputs, tmp_path: Path) -> None:
    """Each check fails on the damage it is for: a zero in the table means something."""
    damaged = tmp_path / "damaged.auditwb"
    shutil.copyfile(light_inputs.base, damaged)
    with sqlite3.connect(damaged) as con:
        first = con.execute("SELECT min(id) FROM evidence").fetchone()[0]
        # A file only a request link uses (the demo's sample files are not request links).
        last = con.execute(
            "SELECT max(evidence_id) FROM links WHERE evidence_id <> ?"
            " AND evidence_id NOT IN (SELECT evidence_id FROM sample_evidence)",
            (first,),
        ).fetchone()[0]
        con.execute("UPDATE evidence_chunks SET data = substr(data, 1, 10) WHERE evidence_id = ?", (first,))
        con.execute("INSERT INTO evidence_chunks (evidence_id, seq, data) VALUES (999999, 0, x'00')")
        con.execute("DELETE FROM links WHERE evidence_id = ?", (last,))
        problems = orphan_problems(con)
    assert len(problems) == 3, problems
    assert "which has no evidence row" in problems[0]
    assert "bytes hashing to" in problems[1]
    assert "linked to no request" in problems[2]

    out = tmp_path / "out"
    out.mkdir()
    writer = pypdf.PdfWriter()
    writer.add_blank_page(612, 792)
    writer.write(out / "package.pdf")
    with zipfile.ZipFile(out / "package.zip", "w") as zf:
        zf.writestr("manifest-sha256.txt", "x" * 100_000)
    book = openpyxl.Workbook()
    book.active.append(["PBC-001", "Open"])
    book.save(out / "checklist-answered.xlsx")
    assert output_problems(out) == []
    for name in ("package.pdf", "package.zip", "checklist-answered.xlsx"):
        data = (out / name).read_bytes()
        (out / name).write_bytes(data[: len(data) // 2])
    (out / ".package.pdf.1a2b.part").write_bytes(b"%PDF-1.7")
    assert len(output_problems(out)) == 4, output_problems(out)

    s0 = frozenset({("request", "PBC-001", "open"), ("request", "PBC-002", "open")})
    s1 = frozenset({("request", "PBC-001", "accepted"), ("request", "PBC-002", "open")})
    s2 = frozenset({("request", "PBC-001", "accepted"), ("request", "PBC-002", "accepted")})
    ref = Reference(states=(s0, s1, s2), counts=({}, {}), duration=1.0, steps=(Step(()), Step(())))
    for now, kind in ((s0, "lost"), (s1 | s2, "torn"), (s1, ""), (s2, "")):
        result = CaseResult("set", "self-test", "0", Kill("random"), Run(acknowledged=1, killed=1), tmp_path)
        check_state(ref, result, now)
        found = [k for k, v in result.problems.items() if v]
        assert found == ([kind] if kind else []), (now, result.problems)


@pytest.mark.reliability_fast
def test_crash_fast(light_inputs: Inputs, tmp_path: Path) -> None:
    """Two kills per operation (one random, one in the write) on light inputs: the default run's share."""
    report = run_harness(light_inputs, tmp_path, label="fast", seed=SEED, kills=FAST_KILLS, jobs=JOBS)
    _assert_clean(report.failures, report.headline())
    assert all(row.random + row.txn == FAST_KILLS for row in report.rows.values()), report.table()


@pytest.mark.reliability
@pytest.mark.timeout(4 * 3600)
def test_crash_full(full_inputs: Inputs, tmp_path: Path) -> None:
    """CRASH_KILLS kills per operation: half at random, half inside the write."""
    report = run_harness(full_inputs, tmp_path, label="full", seed=SEED, kills=FULL_KILLS, jobs=JOBS)
    _assert_clean(report.failures, report.headline())
    if not os.environ.get("CRASH_ONLY"):
        assert all(row.random + row.txn == FULL_KILLS for row in report.rows.values()), report.table()
    assert {row.op for row in report.rows.values()} == {op.name for op in OPERATIONS}
