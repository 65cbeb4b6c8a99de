"""Checklist parse benchmark: analyse_sheet against a bare openpyxl read-only pass over the same file."""

from __future__ import annotations

import datetime as dt
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

from workbook.formats.checklist.reader import analyse_sheet

HEADERS = [
    "Request ID", "Control", "TSC Ref", "Request Description", "Section", "Assigned To",
    "Due Date", "Status", "Priority", "Auditor Comments", "Notes", "Population",
]  # fmt: skip


def build(path: Path, rows: int) -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("PBC List")
    ws.append(["Client X — SOC 2 Type II request list"])
    ws.append([])
    ws.append(HEADERS)
    for i in range(rows):
        ws.append([
            f"PBC-{i + 1:05d}", f"Title of request {i}", f"CC{i % 9 + 1}.{i % 5 + 1}, CC6.{i % 8 + 1}",
            f"Provide evidence {i}: population listing and a sample of tickets for the period",
            f"Section {i // 100}", f"Owner {i % 17}", dt.date(2025, 1, 1) + dt.timedelta(days=i % 300),
            ("Open", "Submitted", "Complete", "N/A")[i % 4], ("High", "Low")[i % 2], "", f"note {i}", i * 3,
        ])  # fmt: skip
    wb.save(path)


def reference(path: Path) -> int:
    wb = openpyxl.load_workbook(path, read_only=True)
    cells = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for _value in row:
                cells += 1
    wb.close()
    return cells


def best_of(fn: object, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def peak_rss_child(path: Path) -> float:
    """Peak RSS in MB of a fresh process that analyses `path` (so this process's memory does not count)."""
    code = (
        "import resource,sys;from workbook.formats.checklist.reader import analyse_sheet;"
        "a=analyse_sheet(sys.argv[1]);print(len(a.rows));"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    _rows, rss_kb = out.stdout.split()
    return int(rss_kb) / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pbc-10k.xlsx"
        build(path, 10_000)
        ref = best_of(lambda: reference(path))
        ours = best_of(lambda: analyse_sheet(path))
        rows = len(analyse_sheet(path).rows)
        print(f"openpyxl_read_only_every_cell_10k: {ref:.3f} s (reference)")
        print(f"analyse_sheet_10k: {ours:.3f} s ({ours / ref:.2f}x reference, {rows} rows)")
        big = Path(tmp) / "pbc-100k.xlsx"
        build(big, 100_000)
        ref_big = best_of(lambda: reference(big), repeat=1)
        ours_big = best_of(lambda: analyse_sheet(big), repeat=1)
        print(f"openpyxl_read_only_every_cell_100k: {ref_big:.3f} s (reference)")
        print(f"analyse_sheet_100k: {ours_big:.3f} s ({ours_big / ref_big:.2f}x reference)")
        print(f"analyse_sheet_100k_peak_rss: {peak_rss_child(big):.0f} MB (limit 400 MB)")
        print(f"bench_process_peak_rss: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
