"""Every hostile input through the real command: a sentence and exit 2 (or 1: tampering found), in bounds.

Each case runs `python -m workbook …` in a child process and checks: the exit status, one line on stderr
naming the file (or, for exit 1, the findings on stdout), no traceback, at most 5 s wall and CPU, peak RSS
under 1 GB, the workbook's SHA-256 and the input itself unchanged. The fast cases (one or two per family)
run in the default test run; `pytest -m reliability tests/reliability` runs them all.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostile import evidence_files, packages, spreadsheets, text_and_xls, workbooks
from hostile.case import CPU_LIMIT_S, ROOT, RSS_LIMIT, WALL_LIMIT_S, Case, cli, make_workbook, run_case
from hostile.kit import checklist_rows, sheet_xml, xlsx

CASES: list[Case] = [
    *spreadsheets.CASES,
    *text_and_xls.CASES,
    *evidence_files.CASES,
    *workbooks.CASES,
    *packages.CASES,
]
# How long `items` on a small workbook takes on an idle machine: the start-up every case pays.
IDLE_START_S = 0.6


def _params() -> Iterator[object]:
    for case in CASES:
        marks = [pytest.mark.reliability]
        if case.fast:
            marks.append(pytest.mark.reliability_fast)
        yield pytest.param(case, id=case.id, marks=marks)


@pytest.fixture(scope="session")
def base_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("base")
    return make_workbook(folder, xlsx(folder / "checklist.xlsx", sheet_xml(checklist_rows(3))))


@pytest.fixture(scope="session")
def slowdown(base_workbook: Path) -> float:
    """How much slower than an idle machine this one starts the command now (at least 1)."""
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(cli("items", str(base_workbook)), check=True, capture_output=True, cwd=ROOT)
        runs.append(time.perf_counter() - start)
    return max(1.0, statistics.median(runs) / IDLE_START_S)


def test_the_battery_holds_over_120_cases_in_every_family() -> None:
    families = {case.family for case in CASES}
    assert len(CASES) >= 120
    assert families >= {"xlsx", "xlsm", "xls", "csv", "evidence", "workbook", "package"}
    assert len({case.id for case in CASES}) == len(CASES)
    assert {case.family for case in CASES if case.fast} == families


@pytest.mark.parametrize("case", list(_params()))
def test_hostile_input_ends_in_a_sentence_within_bounds(
    case: Case, tmp_path: Path, base_workbook: Path, slowdown: float
) -> None:
    outcome, target = run_case(case, tmp_path, base_workbook)
    shown = f"exit {outcome.code}; stdout {outcome.stdout[-500:]!r}; stderr {outcome.stderr[-1500:]!r}"
    assert "Traceback" not in outcome.stderr, shown
    assert outcome.code == case.exit, shown
    if case.exit == 2:
        assert outcome.stderr.startswith("audit-workbook: "), shown
        assert outcome.stderr.count("\n") == 1, shown
        names = {target.name, Path(os.path.realpath(target)).name}
        assert any(name in outcome.stderr for name in names), shown
        assert case.says in outcome.stderr, shown
    else:
        assert "ALTERED" in outcome.stdout, shown
        assert case.says in outcome.stdout, shown
    assert outcome.cpu_s <= CPU_LIMIT_S, f"{outcome.cpu_s:.2f} s of CPU; {shown}"
    assert outcome.wall_s <= WALL_LIMIT_S * slowdown, (
        f"{outcome.wall_s:.2f} s (slowdown {slowdown:.1f}); {shown}"
    )
    assert outcome.peak_rss < RSS_LIMIT, f"peak RSS {outcome.peak_rss / 1048576:.0f} MB"
    assert outcome.changed == [], f"changed: {outcome.changed}"
