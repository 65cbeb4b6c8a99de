"""Review mode and the dashboard on 10,000 requests: presenter next/previous, dashboard figures.

Targets (issue 11): next/previous under 100 ms median; the dashboard computes in under 200 ms. Each step is
timed from the key to the request shown with its evidence list and comments read (the file itself is read on
a reader thread and is not waited for). The reference, in the same run, is one `requests.get` of the same
request, so the ratio says what the presenter adds to the bare read.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

ROWS = 10_000
STEPS = 60


def main() -> list[str]:
    from bench_import import make_checklist
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from ui.app import build_window
    from ui.settings import Settings
    from workbook.identity import current_actor
    from workbook.model import RequestFilter, date_flagged_refs
    from workbook.readiness import readiness
    from workbook.services.workbook import Workbook

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    folder = Path(tempfile.mkdtemp(prefix="aw-bench-review-"))
    actor = current_actor("Bench")
    path = folder / "big.auditwb"
    with Workbook.create(path, actor, client="Bench Co") as workbook:
        workbook.imports(profiles_path=folder / "p.json").import_checklist(
            make_checklist(folder / "checklist.xlsx", ROWS), remember=False
        )
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    window = build_window(settings, "Bench")
    window.resize(1280, 800)
    window.show()
    window.open_path(path)
    deadline = time.monotonic() + 120
    while (window.workbook is None or window.opening) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    workbook = window.workbook
    assert workbook is not None
    presenter = window.review.start()
    assert presenter is not None
    presenter.go_to(presenter.requests[ROWS // 2].ref)
    steps: list[float] = []
    reference: list[float] = []
    for i in range(STEPS):
        start = time.perf_counter()
        presenter.step(1 if i % 4 != 3 else -1)
        app.processEvents()
        steps.append(time.perf_counter() - start)
        current = presenter.current
        assert current is not None
        start = time.perf_counter()
        workbook.requests.get(current.ref)
        reference.append(time.perf_counter() - start)
    presenter.close()

    requests = workbook.requests.list(RequestFilter())
    flagged = date_flagged_refs(workbook.evidence.flagged())
    computes = []
    for _ in range(5):
        start = time.perf_counter()
        readiness(requests, dt.date.today(), flagged)
        computes.append(time.perf_counter() - start)
    window._confirm_stop = lambda jobs: True  # type: ignore[method-assign]
    window.close_workbook()

    step_ms = statistics.median(steps) * 1000
    ref_ms = statistics.median(reference) * 1000
    compute_ms = statistics.median(computes) * 1000
    return [
        f"review next/previous on {ROWS:,} requests: median {step_ms:.1f} ms, "
        f"worst {max(steps) * 1000:.1f} ms over {STEPS} steps "
        f"({step_ms / ref_ms:.1f}x one requests.get at {ref_ms:.2f} ms; target < 100 ms)",
        f"dashboard figures on {ROWS:,} requests: median {compute_ms:.1f} ms of 5 (target < 200 ms)",
    ]


if __name__ == "__main__":
    for line in main():
        print(line)
