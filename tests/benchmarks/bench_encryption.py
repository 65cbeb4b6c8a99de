"""Benchmark: an encrypted workbook (SQLCipher) against the same workbook plain, in one run.

The demo workbook is built once, and an encrypted copy made of it with `encrypt`. Each round, alternating,
times for both: open + the `items` listing + close (a new process's work: the keyring starts empty, so the
encrypted open pays its key derivation), `verify`, the PDF package export, then a 64 MiB incompressible
evidence file attached and the workbook backed up (bytes through the cipher). Medians of the rounds.

Run: .venv/bin/python tests/benchmarks/bench_encryption.py [--rounds 3] [--workdir DIR]
Prints `name: value unit (ratio vs reference)` lines; not part of the default test run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PASSPHRASE = "correct horse battery staple"
BIG_EVIDENCE = 64 * 1024 * 1024


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def run(rounds: int = 3, workdir: Path | None = None) -> list[str]:
    from workbook.model import Actor, ExportOptions
    from workbook.services import encryption
    from workbook.services.demo import build_demo
    from workbook.services.exporting import ExportService
    from workbook.services.workbook import Workbook
    from workbook.storage import cipher

    actor = Actor("Bench", "bench")
    folder = Path(workdir or tempfile.mkdtemp(prefix="awb-bench-enc-"))
    plain = build_demo(folder, actor)
    encrypted = encryption.encrypt(plain, folder / "demo-encrypted.auditwb", PASSPHRASE)
    cipher._keys.clear()
    cases: dict[str, tuple[Path, str | None]] = {"plain": (plain, None), "encrypted": (encrypted, PASSPHRASE)}
    times: dict[tuple[str, str], list[float]] = {}

    def open_and_list(path: Path, passphrase: str | None) -> None:
        cipher._keys.clear()  # as a new process: the key is derived again
        with Workbook.open(path, actor, passphrase=passphrase, read_only=True) as workbook:
            assert len(workbook.requests.list()) > 100

    for round_ in range(rounds):
        for name, (path, passphrase) in cases.items():
            times.setdefault((name, "open+items"), []).append(_timed(lambda: open_and_list(path, passphrase)))  # noqa: B023
            with Workbook.open(path, actor, passphrase=passphrase) as workbook:
                verify = _timed(workbook.verify)
                pdf = folder / f"{name}-{round_}.pdf"
                export = _timed(lambda: ExportService(workbook).export(ExportOptions(pdf=pdf)))  # noqa: B023
            times.setdefault((name, "verify"), []).append(verify)
            times.setdefault((name, "export pdf"), []).append(export)
    # Evidence bytes through the cipher: one 64 MiB incompressible file attached, then the workbook backed up.
    big = folder / "big-evidence.bin"
    big.write_bytes(os.urandom(BIG_EVIDENCE))
    for round_ in range(rounds):
        for name, (path, passphrase) in cases.items():
            cipher._keys.clear()
            copy = folder / f"{name}-big-{round_}.auditwb"
            with Workbook.open(path, actor, passphrase=passphrase) as workbook:
                workbook.backup(copy)
            with Workbook.open(copy, actor, passphrase=passphrase) as workbook:
                attach = _timed(lambda: workbook.evidence.attach_one("PBC-001", big))
                backup = _timed(lambda: workbook.backup(folder / f"{name}-big-{round_}-backup.auditwb"))  # noqa: B023
            times.setdefault((name, "attach 64 MiB"), []).append(attach)
            times.setdefault((name, "backup with 64 MiB"), []).append(backup)
    lines = [
        f"encryption workbook size: {plain.stat().st_size / 1e6:.1f} MB plain, "
        f"{encrypted.stat().st_size / 1e6:.1f} MB encrypted",
        "encryption sqlcipher: "
        + str(cipher.dbapi().connect(":memory:").execute("PRAGMA cipher_version").fetchone()[0]),
    ]
    for step in ("open+items", "verify", "export pdf", "attach 64 MiB", "backup with 64 MiB"):
        base = statistics.median(times[("plain", step)])
        enc = statistics.median(times[("encrypted", step)])
        lines.append(
            f"encryption {step}: {enc * 1000:.0f} ms encrypted vs {base * 1000:.0f} ms plain "
            f"({enc / base:.2f}x)"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args(argv)
    for line in run(args.rounds, args.workdir):
        print(line, flush=True)


if __name__ == "__main__":
    main()
