"""Run the `audit-workbook` command line with a SIGKILL armed inside its write transactions.

Usage: `python crashpoint.py COMMAND ARGS...` (what `audit-workbook COMMAND ARGS...` takes). The environment
says where to die; the points are found on every connection the app opens, through SQLite's statement trace:

CRASH_TXN_MODE  `stmt`: as the Nth statement inside a write transaction (after BEGIN IMMEDIATE) starts;
                `commit`: as the Nth write transaction's COMMIT starts (nothing of it is on disk yet);
                `committed`: right after the Nth write transaction's COMMIT returned (on disk, not yet
                acknowledged: the command has not exited 0); `count`: die nowhere, count all three
CRASH_TXN_AT    N (1-based, counted over the whole process)
CRASH_TXN_LOG   a file to append "stmt S commit C" to at exit (count mode) or "kill MODE N SQL" to at the kill

This file runs as a script in the child: it imports nothing of the test suite, only the app and the stdlib.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
from pathlib import Path
from typing import Any


class _Points:
    def __init__(self, mode: str, at: int, log: str) -> None:
        self.mode, self.at, self.log = mode, at, log
        self.counts = {"stmt": 0, "commit": 0, "committed": 0}

    def hit(self, kind: str, sql: str = "") -> None:
        self.counts[kind] += 1
        if kind == self.mode and self.counts[kind] == self.at:
            self._append(f"kill {kind} {self.at} {' '.join(sql.split())[:120]}\n")
            os.kill(os.getpid(), signal.SIGKILL)

    def report(self) -> None:
        if self.mode == "count":
            self._append(f"stmt {self.counts['stmt']} commit {self.counts['commit']}\n")

    def _append(self, line: str) -> None:
        if self.log:
            with Path(self.log).open("a", encoding="utf-8") as handle:
                handle.write(line)


def _arm(points: _Points) -> None:
    """Trace every GuardedConnection (each connection the app opens to a workbook) and wrap its commit."""
    from workbook.storage import safety

    base_init = safety.GuardedConnection.__init__
    base_commit = safety.GuardedConnection.commit

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        base_init(self, *args, **kwargs)
        in_write = [False]

        def trace(sql: str) -> None:
            head = sql.lstrip()[:16].upper()
            if head.startswith("BEGIN IMMEDIATE"):
                in_write[0] = True
            elif not in_write[0]:
                return
            elif head.startswith("COMMIT"):
                points.hit("commit", sql)
            elif head.startswith("ROLLBACK") and not head.startswith("ROLLBACK TO"):
                in_write[0] = False
            else:
                points.hit("stmt", sql)

        def commit() -> None:
            was_writing = in_write[0]
            base_commit(self)
            if was_writing:
                in_write[0] = False
                points.hit("committed", "COMMIT")

        self.set_trace_callback(trace)
        self.commit = commit

    safety.GuardedConnection.__init__ = init  # type: ignore[method-assign]


def main() -> int:
    mode = os.environ.get("CRASH_TXN_MODE", "count")
    points = _Points(mode, int(os.environ.get("CRASH_TXN_AT", "0") or 0), os.environ.get("CRASH_TXN_LOG", ""))
    _arm(points)
    atexit.register(points.report)
    sys.argv = ["audit-workbook", *sys.argv[1:]]
    from workbook.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
