"""The crash harness's terminal summary: a line per run, then its table (docs/recovery.md quotes it)."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from crash.harness import REPORTS

    for report in REPORTS:
        terminalreporter.write_line(report.headline())
        for line in report.table():
            terminalreporter.write_line(f"  {line}")
        for failure in report.failures:
            terminalreporter.write_line(f"  FAILED CASE {failure}")
