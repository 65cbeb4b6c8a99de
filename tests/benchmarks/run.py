"""Run every tests/benchmarks/bench_*.py that defines run() -> list[str] or main(), printing figure lines.

Usage: .venv/bin/python tests/benchmarks/run.py [--list] [NAME ...]   (NAME filters by substring: `attach`)
Each benchmark runs in its own process (so its peak memory is its own and a crash stops only it) and prints
`name: value unit (ratio vs reference)` lines. Exit status 1 if any benchmark failed.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

# Imported in the child: call run() and print its lines, else main() (with no arguments, or an empty argv).
_CHILD = """
import inspect, runpy, sys
sys.path.insert(0, {root!r})
sys.path.insert(0, {here!r})  # benchmarks may share helpers by module name, as when run directly
sys.argv = [{path!r}]
module = runpy.run_path({path!r}, run_name="bench")
if {entry!r} == "run":
    for line in module["run"]():
        print(line, flush=True)
else:
    main = module["main"]
    result = main([]) if inspect.signature(main).parameters else main()
    if isinstance(result, list):
        for line in result:
            print(line, flush=True)
"""


def entry_point(path: Path) -> str | None:
    """'run' or 'main' when the file defines one at top level (read, not imported), else None."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    names = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    for name in ("run", "main"):
        if name in names:
            return name
    return None


def discover(filters: list[str]) -> list[tuple[Path, str]]:
    found = []
    for path in sorted(HERE.glob("bench_*.py")):
        entry = entry_point(path)
        if entry and (not filters or any(f in path.stem for f in filters)):
            found.append((path, entry))
    return found


def run_one(path: Path, entry: str) -> int:
    """Stream the benchmark's lines as they come; returns its exit status."""
    code = _CHILD.format(root=str(ROOT), here=str(HERE), path=str(path), entry=entry)
    started = time.perf_counter()
    # stderr goes to a file: a pipe nobody reads would block a chatty benchmark.
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as errors,
        subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True
        ) as child,
    ):
        assert child.stdout is not None
        for line in child.stdout:
            print(line.rstrip("\n"), flush=True)
        child.wait()
        errors.seek(0)
        err = errors.read()
    elapsed = time.perf_counter() - started
    if child.returncode != 0:
        last = err.strip().splitlines()[-1] if err.strip() else "no message"
        print(f"# {path.name} FAILED (exit {child.returncode}) after {elapsed:.0f} s: {last}", flush=True)
    else:
        print(f"# {path.name} done in {elapsed:.0f} s", flush=True)
    return child.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks and print one line per figure.")
    parser.add_argument("names", nargs="*", help="only benchmarks whose file name contains one of these")
    parser.add_argument("--list", action="store_true", help="list the benchmarks found and exit")
    args = parser.parse_args(argv)
    benches = discover(args.names)
    if args.list:
        for path, entry in benches:
            print(f"{path.name} ({entry})")
        return 0
    if not benches:
        print("no benchmark matched", file=sys.stderr)
        return 2
    failed = []
    for path, entry in benches:
        print(f"# {path.name}", flush=True)
        if run_one(path, entry) != 0:
            failed.append(path.name)
    if failed:
        print(f"# failed: {', '.join(failed)}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
