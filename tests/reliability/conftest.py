"""The hostile-input battery's set-up: its builders are plain modules beside this file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The battery's case modules (tests/reliability/hostile/) are imported as `hostile.*`.
sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line: how many hostile cases ran, the slowest and the largest (figures docs/import.md quotes)."""
    from hostile.case import MEASURED

    if not MEASURED:
        return
    slowest = max(MEASURED.items(), key=lambda item: item[1].wall_s)
    busiest = max(MEASURED.items(), key=lambda item: item[1].cpu_s)
    largest = max(MEASURED.items(), key=lambda item: item[1].peak_rss)
    terminalreporter.write_line(
        f"hostile battery: {len(MEASURED)} cases; slowest {slowest[1].wall_s:.2f} s wall ({slowest[0]}), "
        f"most CPU {busiest[1].cpu_s:.2f} s ({busiest[0]}), peak RSS {largest[1].peak_rss / 1048576:.0f} MB "
        f"({largest[0]})"
    )
