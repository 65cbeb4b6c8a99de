"""UI figures: start-up to painted demo window vs a bare QTableView window, 10k-row filter and sort times."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

BARE = """
import sys
from PySide6.QtCore import QTimer, QObject, QEvent
from PySide6.QtGui import QStandardItemModel, QStandardItem
from PySide6.QtWidgets import QApplication, QTableView
app = QApplication(sys.argv)
view = QTableView()
model = QStandardItemModel(10, 4)
view.setModel(model)
class W(QObject):
    def eventFilter(self, o, e):
        if e.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, app.quit)
        return False
w = W()
view.viewport().installEventFilter(w)
view.show()
sys.exit(app.exec())
"""
APP = "import sys; from ui.app import run; sys.exit(run(sys.argv[1:], actor_name='Bench'))"


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=REPO, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def startup(runs: int) -> tuple[float, float]:
    from workbook.identity import current_actor
    from workbook.services.demo import build_demo

    folder = Path(tempfile.mkdtemp(prefix="aw-bench-"))
    demo = build_demo(folder, current_actor("Bench"))
    env = dict(
        os.environ, HOME=str(folder), XDG_CONFIG_HOME=str(folder / "cfg"), XDG_DATA_HOME=str(folder / "d")
    )
    bare, ours = [], []
    for _ in range(runs):
        bare.append(timed([sys.executable, "-c", BARE], env))
        ours.append(timed([sys.executable, "-c", APP, str(demo), "--quit-after-paint"], env))
    return statistics.median(bare), statistics.median(ours)


def filter_and_sort(count: int) -> tuple[float, float, float]:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QTableView

    from ui.models.request_table_model import RequestCriteria, RequestFilterProxyModel, RequestTableModel
    from workbook.model import Request, Status

    app = QApplication.instance() or QApplication([])
    now = dt.datetime.now(dt.UTC)
    statuses = list(Status)
    rows = [
        Request(
            n,
            f"PBC-{n:05d}",
            f"Provide the population listing {n}",
            f"Access reviews for system {n}",
            ("CC6.1", "CC6.2"),
            f"Section {n % 12}",
            f"Person {n % 40}",
            statuses[n % 7],
            dt.date(2026, 1, 1) + dt.timedelta(days=n % 300),
            "",
            "",
            "",
            (),
            "",
            None,
            n % 3,
            tuple(f"file{n}-{k}.pdf" for k in range(n % 3)),
            False,
            False,
            now,
            n,
        )
        for n in range(count)
    ]
    model = RequestTableModel()
    model.set_rows(rows)
    proxy = RequestFilterProxyModel()
    proxy.setSourceModel(model)
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.resize(1200, 800)
    view.show()
    app.processEvents()
    keystrokes = []
    text = ""
    for char in "population 12":
        text += char
        start = time.perf_counter()
        proxy.set_criteria(RequestCriteria(text=text))
        app.processEvents()
        keystrokes.append(time.perf_counter() - start)
    proxy.set_criteria(RequestCriteria())
    app.processEvents()
    sorts = []
    for column in range(8):
        start = time.perf_counter()
        view.sortByColumn(column, Qt.SortOrder.DescendingOrder)
        app.processEvents()
        sorts.append(time.perf_counter() - start)
    return statistics.median(keystrokes), max(keystrokes), max(sorts)


def main() -> int:
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    bare, ours = startup(runs)
    print(
        f"start-up to first paint (median of {runs}): bare QTableView {bare * 1000:.0f} ms, "
        f"demo workbook {ours * 1000:.0f} ms, ratio {ours / bare:.2f} (budget 2.5)"
    )
    median, worst, sort = filter_and_sort(10_000)
    print(
        f"10,000 requests: search keystroke median {median * 1000:.1f} ms (worst {worst * 1000:.1f} ms, "
        f"budget 50 ms median); slowest column sort {sort * 1000:.1f} ms (budget 200 ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
