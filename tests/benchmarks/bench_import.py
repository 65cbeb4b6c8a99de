"""Import end to end (parse, detect, map, write to a workbook) against a bare openpyxl read of the same file.

Run: .venv/bin/python tests/benchmarks/bench_import.py [ROWS] [--big ROWS]
Prints `name: value unit (ratio vs reference)` lines. Target (issue 3): 10,000 rows x 12 columns in at most
1.5x the reference; 100,000 rows with peak RSS under 400 MB (measured in a child process).
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

HEADERS = [
    "Request ID",
    "TSC",
    "Section",
    "Title",
    "Request Description",
    "Owner",
    "Status",
    "Due Date",
    "Priority",
    "Auditor Comments",
    "Client Response",
    "Sample Period",
]


def make_checklist(path: Path, rows: int) -> Path:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Requests")
    sheet.append(["Example Assurance LLP — request list"])
    sheet.append([])
    sheet.append(HEADERS)
    for i in range(1, rows + 1):
        sheet.append(
            [
                f"PBC-{i:05d}",
                f"CC{1 + i % 9}.{1 + i % 4}, CC{1 + i % 5}.1",
                f"CC{1 + i % 9}",
                f"Title {i}",
                f"Provide the population and samples for control {i} across the period.",
                "",
                "Open",
                f"2026-{1 + i % 12:02d}-15",
                "High" if i % 3 else "Low",
                "",
                "",
                "Q1-Q2",
            ]
        )
    book.save(path)
    return path


def bare_openpyxl(path: Path) -> float:
    start = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    count = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            count += sum(1 for v in row if v is not None)
    book.close()
    assert count > 0
    return time.perf_counter() - start


def full_import(path: Path, folder: Path) -> float:
    from workbook.model import Actor
    from workbook.services.importing import ImportService
    from workbook.services.workbook import Workbook

    target = folder / f"bench-{time.monotonic_ns()}.auditwb"
    actor = Actor("Bench", "bench")
    with Workbook.create(target, actor, client="Bench") as workbook:
        start = time.perf_counter()
        summary = ImportService(workbook.db, actor, profiles_path=folder / "p.json").import_checklist(path)
        elapsed = time.perf_counter() - start
    assert summary.items > 0
    return elapsed


def child_peak_rss(path: Path, folder: Path) -> tuple[float, int]:
    code = (
        "import resource, sys, time; from pathlib import Path; sys.path.insert(0, sys.argv[3]);"
        "import bench_import as b; t = b.full_import(Path(sys.argv[1]), Path(sys.argv[2]));"
        "print(t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path), str(folder), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), int(out[1]) * 1024


def main(argv: list[str]) -> list[str]:
    rows = int(argv[0]) if argv and argv[0].isdigit() else 10_000
    big = int(argv[argv.index("--big") + 1]) if "--big" in argv else 100_000
    lines = []
    with tempfile.TemporaryDirectory(prefix="bench-import-") as work:
        folder = Path(work)
        path = make_checklist(folder / "checklist.xlsx", rows)
        refs, ours = [], []
        for _ in range(3):
            refs.append(bare_openpyxl(path))
            ours.append(full_import(path, folder))
        ref, mine = statistics.median(refs), statistics.median(ours)
        lines.append(f"import_{rows}_rows_reference_openpyxl_read_only: {ref:.2f} s")
        lines.append(
            f"import_{rows}_rows_end_to_end: {mine:.2f} s ({mine / ref:.2f}x vs reference; target <= 1.5x)"
        )
        if big:
            big_path = make_checklist(folder / "big.xlsx", big)
            elapsed, rss = child_peak_rss(big_path, folder)
            lines.append(f"import_{big}_rows_end_to_end: {elapsed:.1f} s")
            lines.append(f"import_{big}_rows_peak_rss: {rss / 2**20:.0f} MB (target < 400 MB)")
    return lines


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    for line in main(sys.argv[1:]):
        print(line, flush=True)
    print(f"benchmark process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
