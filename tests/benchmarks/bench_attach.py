"""Benchmark: bulk-attach 2,000 files (1 GiB, 10 KB .. 200 MB) with auto-match vs sha256 + copyfile.

Run: .venv/bin/python tests/benchmarks/bench_attach.py [--scale 0.1] [--workdir DIR]
Prints `name: value unit (ratio vs reference)` lines; not part of the default test run. The attach runs in
a child process so its peak RSS (ru_maxrss) is its own; every file is created under the temp dir and
deleted afterwards.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

GIB = 1024**3
FILES = 2_000
REQUESTS = 150
SMALLEST = 10_000
LARGEST = 200 * 1024**2
TARGET_RATIO = 3.0
RSS_BUDGET_MB = 200


def sizes(total: int, count: int, seed: int = 7) -> list[int]:
    """`count` sizes between SMALLEST and LARGEST summing to `total`: a few big files, many small ones."""
    rng = random.Random(seed)
    big = [LARGEST, 120 * 1024**2, 80 * 1024**2, 50 * 1024**2, 30 * 1024**2]
    big = [max(SMALLEST, int(b * total / GIB)) for b in big]
    rest_total = total - sum(big)
    rest = [math.exp(rng.uniform(math.log(SMALLEST), math.log(4 * 1024**2))) for _ in range(count - len(big))]
    scale = rest_total / sum(rest)
    out = big + [max(SMALLEST, min(LARGEST, int(r * scale))) for r in rest]
    out[-1] += total - sum(out)
    return out


def make_files(folder: Path, total: int, count: int) -> list[Path]:
    """Random bytes (no dedupe) under names an auditor's client would use, half of them in ref folders."""
    paths = []
    block = random.Random(1).randbytes(8 * 1024**2)
    for index, size in enumerate(sizes(total, count)):
        ref = f"PBC-{index % REQUESTS + 1:03d}"
        if index % 2:
            path = folder / ref / f"export {index:04d}.bin"
        else:
            path = folder / "inbox" / f"{ref.lower().replace('-', '_')} evidence {index:04d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            out.write(index.to_bytes(8, "big"))
            left = size - 8
            offset = index * 4099 % len(block)
            while left > 0:
                piece = block[offset : offset + left]
                out.write(piece)
                left -= len(piece)
                offset = 0
        paths.append(path)
    return paths


def reference(paths: list[Path], dest: Path) -> float:
    """The physical floor: hash every file with hashlib.sha256 and copy it with shutil.copyfile."""
    dest.mkdir()
    start = time.perf_counter()
    for index, path in enumerate(paths):
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
        shutil.copyfile(path, dest / f"{index}.bin")
    return time.perf_counter() - start


def child(folder: Path, workbook_path: Path) -> None:
    """In the child process: create a workbook with the requests, then plan and apply the folder."""
    import datetime as dt

    from workbook.model import Actor
    from workbook.services import ingest
    from workbook.services.workbook import Workbook
    from workbook.storage.schema import RequestRow

    actor = Actor("Bench", "bench")
    with Workbook.create(workbook_path, actor, client="Bench") as workbook:
        now = dt.datetime.now(dt.UTC)
        with workbook.db.write() as session:
            for position in range(REQUESTS):
                session.add(
                    RequestRow(
                        ref=f"PBC-{position + 1:03d}",
                        criteria=["CC6.1"],
                        position=position,
                        created_at=now,
                        updated_at=now,
                    )
                )
        start = time.perf_counter()
        plan = ingest.plan_folder(workbook.db, folder)
        planned = time.perf_counter() - start
        result = ingest.apply_plan(workbook.evidence, plan)
        elapsed = time.perf_counter() - start
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "plan_seconds": planned,
                "attached": len(result.attached),
                "unmatched": len(plan.unmatched) + len(plan.ambiguous),
                "failed": len(result.failed),
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def run(scale: float = 1.0, workdir: Path | None = None) -> list[str]:
    total = int(GIB * scale)
    count = max(10, int(FILES * scale)) if scale < 1 else FILES
    with tempfile.TemporaryDirectory(prefix="awb-bench-attach-", dir=workdir) as tmp_name:
        tmp = Path(tmp_name)
        paths = make_files(tmp / "evidence", total, count)
        size = sum(p.stat().st_size for p in paths)
        ref = reference(paths, tmp / "copy")
        shutil.rmtree(tmp / "copy")
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(tmp / "evidence"), str(tmp / "bench.auditwb")],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"attach child failed: {done.stderr.strip()[-2000:]}")
        ours = json.loads(done.stdout.strip().splitlines()[-1])
        workbook_mb = (tmp / "bench.auditwb").stat().st_size / 2**20
    label = f"attach_{len(paths)}_files_{size / 2**20:.0f}_MiB"
    return [
        f"{label}_reference_sha256_copyfile: {ref:.2f} s (1.00x)",
        f"{label}: {ours['seconds']:.2f} s "
        f"({ours['seconds'] / ref:.2f}x vs reference; target <= {TARGET_RATIO:.0f}x)",
        f"{label}_plan_only: {ours['plan_seconds']:.3f} s ({ours['plan_seconds'] / ref:.3f}x vs reference)",
        f"{label}_attached: {ours['attached']} files ({ours['attached'] / len(paths):.2f}x of files given; "
        f"{ours['failed']} failed, {ours['unmatched']} not matched)",
        f"{label}_peak_rss: {ours['peak_mb']:.0f} MB "
        f"({ours['peak_mb'] / RSS_BUDGET_MB:.2f}x vs {RSS_BUDGET_MB} MB budget)",
        f"{label}_workbook_size: {workbook_mb:.0f} MB ({workbook_mb * 2**20 / size:.3f}x vs evidence bytes)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 1 GiB / 2,000-file corpus")
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where to create the files (default: /tmp)"
    )
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "WORKBOOK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    for line in run(args.scale, args.workdir):
        print(line, flush=True)


if __name__ == "__main__":
    main()
