"""Benchmark: start the next period of a workbook holding 1 GiB of evidence vs copying the workbook file.

Run: .venv/bin/python tests/benchmarks/bench_next_period.py [--scale 0.1] [--workdir DIR]
Target (issue 12): next-period < 2x the time of copying the same workbook, and the new file holds each
evidence byte once (its chunks sum to the evidence carried, the file is not much larger). Two references,
each timed in the same run before and after (the faster kept; these machines are noisy): `shutil.copyfile`
alone (which may leave the copy in the page cache), and copyfile + fsync (a copy that survives a power cut,
which next-period's commit must also pay). Not part of the default test run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

GIB = 1024**3
FILES = 64
REQUESTS = 120
TARGET_RATIO = 2.0


def build(folder: Path, total: int) -> Path:
    """A workbook with REQUESTS requests (imported) and FILES evidence files of random bytes (`total` bytes),
    some of them given to two requests (stored once), attached the way the app attaches them."""
    import openpyxl

    from workbook.model import Actor
    from workbook.services.workbook import Workbook

    actor = Actor("Bench", "bench")
    checklist = folder / "list.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Request #", "Request Description", "Owner"])
    for n in range(1, REQUESTS + 1):
        sheet.append(
            [f"PBC-{n:03d}", f"Provide the evidence for control number {n} of the period.", f"Owner {n % 7}"]
        )
    book.save(checklist)
    path = folder / "FY2026.auditwb"
    rng = random.Random(12)
    size = total // FILES
    with Workbook.create(
        path, actor, client="Bench Co", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31)
    ) as wb:
        wb.imports().import_checklist(checklist, remember=False)
        files = folder / "files"
        files.mkdir()
        for index in range(FILES):
            file = files / f"export-{index:03d}.bin"
            file.write_bytes(rng.randbytes(size))
            refs = [f"PBC-{index % REQUESTS + 1:03d}"]
            if index % 4 == 0:
                refs.append(f"PBC-{(index + 50) % REQUESTS + 1:03d}")
            wb.evidence.attach_to_refs(refs, file)
            file.unlink()
    return path


def copy_seconds(path: Path, folder: Path, *, durable: bool = False) -> float:
    """shutil.copyfile of the workbook; `durable`: and fsync the copy, as any crash-safe write must."""
    dest = folder / "copy.auditwb"
    start = time.perf_counter()
    shutil.copyfile(path, dest)
    if durable:
        with dest.open("rb+") as handle:
            os.fsync(handle.fileno())
    seconds = time.perf_counter() - start
    dest.unlink()
    return seconds


def run(scale: float = 1.0, workdir: str | None = None) -> list[str]:
    from workbook.model import Actor
    from workbook.services.workbook import Workbook

    with tempfile.TemporaryDirectory(dir=workdir, prefix="awb-bench-next-") as name:
        folder = Path(name)
        old = build(folder, int(GIB * scale))
        reference = copy_seconds(old, folder)
        durable = copy_seconds(old, folder, durable=True)
        start = time.perf_counter()
        result = Workbook.next_period(
            old,
            folder / "FY2027.auditwb",
            Actor("Bench", "bench"),
            period_start=dt.date(2027, 1, 1),
            period_end=dt.date(2027, 12, 31),
        )
        seconds = time.perf_counter() - start
        reference = min(reference, copy_seconds(old, folder))
        durable = min(durable, copy_seconds(old, folder, durable=True))
        with sqlite3.connect(result.path) as con:
            (stored,) = con.execute("SELECT COALESCE(SUM(LENGTH(data)), 0) FROM evidence_chunks").fetchone()
        new_size = result.path.stat().st_size
        ratio = seconds / reference
        once = stored == result.evidence_bytes
        return [
            f"next_period_workbook: {old.stat().st_size / 1024**2:.0f} MB, {result.evidence_files} files, "
            f"{result.prior_links} prior-period links",
            f"next_period_seconds: {seconds:.2f} s ({ratio:.2f}x copyfile {reference:.2f} s; "
            f"{seconds / durable:.2f}x copyfile+fsync {durable:.2f} s; target < {TARGET_RATIO}x)",
            f"next_period_evidence_once: {'yes' if once else 'NO'} "
            f"(chunks {stored} B, carried {result.evidence_bytes} B)",
            f"next_period_file_size: {new_size / 1024**2:.0f} MB "
            f"({new_size / max(result.evidence_bytes, 1):.3f}x the evidence carried)",
        ]


def main(argv: list[str] | None = None) -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--workdir")
    args = parser.parse_args(argv)
    lines = run(args.scale, args.workdir)
    if argv is None:
        for line in lines:
            print(line)
    return lines


if __name__ == "__main__":
    main()
