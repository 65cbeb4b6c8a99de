"""Bad checklists through the real CLI: seconds each, exit 2, one line on stderr, the workbook unchanged."""

from __future__ import annotations

import hashlib
import runpy
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / ".venv" / "bin" / "audit-workbook"
LIMIT_S = 5.0
# The bomb the benchmark feeds: a sheet of a few hundred bytes that expands to 2 GiB.
BOMB_BYTES = 2 << 30


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli() -> list[str]:
    return [str(CLI)] if CLI.exists() else [sys.executable, "-m", "workbook.cli"]


def main() -> list[str]:
    # The test module's builders import the shared ones as `helpers.*` (tests/helpers/); with the root on the
    # path too, tests/workbook is not taken for the `workbook` package.
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    builders: dict[str, Any] = runpy.run_path(
        str(ROOT / "tests" / "workbook" / "formats" / "checklist" / "test_checklist_bad_input.py")
    )
    cases: dict[str, tuple[str, Any, str, str]] = builders["BAD_INPUTS"]
    lines: list[str] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        workbook = folder / "client.auditwb"
        subprocess.run([*cli(), "new", str(workbook), "--client", "Acme"], check=True, capture_output=True)
        before = sha256(workbook)
        start = time.perf_counter()
        subprocess.run([*cli(), "items", str(workbook)], check=True, capture_output=True)
        lines.append(f"cli_items_empty_workbook: {time.perf_counter() - start:.2f} s (reference: start-up)")
        for name, (file_name, build, message, where) in cases.items():
            target = folder / file_name
            if name == "zip_bomb":
                bad = builders["build_zip_bomb"](target, expanded=BOMB_BYTES)
            else:
                bad = build(target)
            start = time.perf_counter()
            done = subprocess.run(
                [*cli(), "import", str(workbook), str(bad)], capture_output=True, text=True, check=False
            )
            seconds = time.perf_counter() - start
            line = f"{name}: {seconds:.2f} s (exit {done.returncode}, {bad.stat().st_size:,} bytes)"
            lines.append(line)
            expected = f"audit-workbook: {where}: {message}"
            problems = []
            if done.returncode != 2:
                problems.append(f"exit {done.returncode}")
            if done.stderr.count("\n") != 1 or "Traceback" in done.stderr:
                problems.append(f"stderr {done.stderr[:300]!r}")
            if not done.stderr.startswith(expected):
                problems.append(f"message {done.stderr.strip()!r} does not start {expected!r}")
            if seconds > LIMIT_S:
                problems.append(f"{seconds:.2f} s is over {LIMIT_S} s")
            if sha256(workbook) != before:
                problems.append("the workbook changed")
            if problems:
                failures.append(f"{name}: " + "; ".join(problems))
            bad.unlink()
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    if failures:
        raise SystemExit(1)
    return lines


if __name__ == "__main__":
    for figure in main():
        print(figure)
