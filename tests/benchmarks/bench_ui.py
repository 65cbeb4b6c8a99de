"""UI figures: start-up vs a bare QTableView window, 10k-row filter and sort, GUI stalls while jobs run."""

from __future__ import annotations

import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from ui.main_window import MainWindow
    from workbook.model import Request

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
STALL_TICK_MS = 10
TYPING = "population 12"


def figure(name: str, value: float, unit: str, reference: float | None = None, what: str = "") -> None:
    """One line per figure: `name: value unit (ratio vs reference)`."""
    ratio = f" ({value / reference:.2f}x {what})" if reference else f" ({what})" if what else ""
    print(f"{name}: {value:.1f} {unit}{ratio}", flush=True)


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, cwd=REPO, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def startup(runs: int) -> dict[str, float]:
    from workbook.identity import current_actor
    from workbook.services.demo import build_demo

    folder = Path(tempfile.mkdtemp(prefix="aw-bench-"))
    demo = build_demo(folder, current_actor("Bench"))
    env = dict(
        os.environ, HOME=str(folder), XDG_CONFIG_HOME=str(folder / "cfg"), XDG_DATA_HOME=str(folder / "d")
    )
    bare, ours, ready = [], [], []
    for _ in range(runs):
        bare.append(timed([sys.executable, "-c", BARE], env))
        ours.append(timed([sys.executable, "-c", APP, str(demo), "--quit-after-paint"], env))
        ready.append(timed([sys.executable, "-c", APP, str(demo), "--quit-when-ready"], env))
    return {
        "bare_wall": statistics.median(w for w, _ in bare),
        "bare_cpu": statistics.median(c for _, c in bare),
        "app_wall": statistics.median(w for w, _ in ours),
        "app_cpu": statistics.median(c for _, c in ours),
        "ready_wall": statistics.median(w for w, _ in ready),
    }


def make_requests(count: int) -> list[Request]:
    from workbook.model import Request, Status

    now = dt.datetime.now(dt.UTC)
    statuses = list(Status)
    return [
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


def filter_and_sort(count: int) -> dict[str, float]:
    """Model + proxy + view only: each search keystroke of TYPING, then every column sorted."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QTableView

    from ui.models.request_table_model import RequestCriteria, RequestFilterProxyModel, RequestTableModel

    app = QApplication.instance() or QApplication([])
    rows = make_requests(count)
    start = time.perf_counter()
    model = RequestTableModel()
    model.set_rows(rows)
    set_rows = time.perf_counter() - start
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
    for char in TYPING:
        text += char
        start = time.perf_counter()
        proxy.set_criteria(RequestCriteria(text=text))
        app.processEvents()
        keystrokes.append(time.perf_counter() - start)
    proxy.set_criteria(RequestCriteria())
    app.processEvents()
    sorts = []
    for column in range(8):
        for order in (Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder):
            start = time.perf_counter()
            view.sortByColumn(column, order)
            app.processEvents()
            sorts.append(time.perf_counter() - start)
    view.close()
    return {
        "set_rows": set_rows,
        "key_median": statistics.median(keystrokes),
        "key_worst": max(keystrokes),
        "sort_median": statistics.median(sorts),
        "sort_worst": max(sorts),
    }


class StallMeter:
    """A 10 ms GUI-thread timer; the largest gap between its ticks is the worst stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.worst = 0.0
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setInterval(STALL_TICK_MS)
        self._timer.timeout.connect(self._on_tick)

    def _on_tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self._last)
        self._last = now

    def start(self) -> None:
        self.worst = 0.0
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> float:
        self._on_tick()
        self._timer.stop()
        return self.worst


def wait_until(app: QApplication, done: Callable[[], bool], timeout: float = 600.0) -> None:
    from PySide6.QtCore import QEventLoop

    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the job did not finish")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def open_and_wait(app: QApplication, window: MainWindow, path: Path) -> None:
    """Open as the app does (snapshot first) and wait until the full workbook is open."""
    assert window.open_path(path)
    wait_until(app, lambda: window.workbook is not None and not window.opening)


def run_job(
    app: QApplication,
    window: MainWindow,
    title: str,
    work: Callable[..., Any],
    after: Callable[[Any], None],
) -> tuple[float, float]:
    """Run `work` through the window's job runner as the app does, then `after` (the app's refresh).

    Returns (worst GUI stall in seconds, job duration in seconds); the meter runs until the refresh is done,
    including a reload of the requests that the refresh started on a reader job.
    """
    meter = StallMeter()
    results: list[Any] = []
    job = window.jobs.start(title, work, writes=True, paused=True)
    refresh: list[float] = []

    def on_finished(result: Any) -> None:
        start = time.perf_counter()
        after(result)
        refresh.append(time.perf_counter() - start)
        results.append(result)

    job.finished.connect(on_finished)
    job.failed.connect(lambda error: results.append(error))
    window.job_status.track(job)  # the status-bar progress the app shows for its own jobs
    meter.start()
    start = time.perf_counter()
    window.jobs.resume(job)
    wait_until(app, lambda: bool(results))
    duration = time.perf_counter() - start
    app.processEvents()
    if isinstance(results[0], BaseException):
        raise results[0]
    window.job_status.end(job)
    landed = time.perf_counter()
    wait_until(app, lambda: not window.request_list.reloading)
    reload_ms = (time.perf_counter() - landed) * 1000
    print(
        f"  ({title}: the app's refresh on the GUI thread took {refresh[0] * 1000 if refresh else 0:.0f} ms,"
        f" then {reload_ms:.0f} ms until the reloaded requests were shown)"
    )
    return meter.stop(), duration


def job_stalls(rows: int, files: int, file_mb: int) -> dict[str, tuple[float, float]]:
    """Worst GUI stall while import, attach and export run as jobs in the main window."""
    from bench_import import make_checklist
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from ui.app import build_window
    from ui.settings import Settings
    from workbook.identity import current_actor
    from workbook.model import Changes, ExportOptions
    from workbook.services.demo import build_demo
    from workbook.services.exporting import ExportService
    from workbook.services.workbook import Workbook

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    folder = Path(tempfile.mkdtemp(prefix="aw-bench-jobs-"))
    actor = current_actor("Bench")
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    window = build_window(settings, "Bench")  # as the app builds it
    window.resize(1280, 800)
    window.show()
    results: dict[str, tuple[float, float]] = {}

    checklist = make_checklist(folder / "checklist.xlsx", rows)
    Workbook.create(folder / "big.auditwb", actor, client="Bench Co").close()
    open_and_wait(app, window, folder / "big.auditwb")
    workbook = window.workbook
    assert workbook is not None
    importer = workbook.imports(profiles_path=folder / "profiles.json")
    results[f"import {rows:,} rows"] = run_job(
        app,
        window,
        "Importing",
        lambda progress, cancel: importer.import_checklist(checklist, progress=progress, cancel=cancel),
        lambda _: window._on_changed(Changes(all_requests=True, people=True)),
    )
    evidence = folder / "evidence"
    evidence.mkdir()
    chunk = os.urandom(1024 * 1024)
    paths = []
    for n in range(files):
        path = evidence / f"screenshot-{n:03d}.bin"
        with path.open("wb") as handle:
            for k in range(file_mb):
                handle.write(chunk[k:] + chunk[:k] + n.to_bytes(4, "big"))
        paths.append(path)
    ref = window.model.request_at(0).ref
    window.select_refs([ref])
    results[f"attach {files} files / {files * file_mb} MB"] = run_job(
        app,
        window,
        "Attaching",
        lambda progress, cancel: workbook.evidence.attach(ref, paths, progress=progress, cancel=cancel),
        lambda _: window._on_changed(Changes(refs=frozenset([ref]), evidence=True)),
    )
    window.close_workbook()

    demo = build_demo(folder / "demo", actor)
    open_and_wait(app, window, demo)
    demo_workbook = window.workbook
    assert demo_workbook is not None
    service = ExportService(demo_workbook)
    options = ExportOptions(pdf=folder / "package.pdf", zip=folder / "package.zip")
    results["export demo package (pdf + zip)"] = run_job(
        app,
        window,
        "Exporting",
        lambda progress, cancel: service.export(options, progress=progress, cancel=cancel),
        lambda _: None,
    )
    window.close_workbook()
    window.close()
    return results


def main() -> int:
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    rows = int(os.environ.get("BENCH_ROWS", "10000"))
    start = startup(runs)
    what = "vs bare QTableView window, budget 2.5x"
    figure("start-up bare QTableView window, wall", start["bare_wall"] * 1000, "ms", what="reference")
    figure(
        "start-up demo workbook window, wall", start["app_wall"] * 1000, "ms", start["bare_wall"] * 1000, what
    )
    figure("start-up bare QTableView window, CPU", start["bare_cpu"] * 1000, "ms", what="reference")
    figure(
        "start-up demo workbook window, CPU", start["app_cpu"] * 1000, "ms", start["bare_cpu"] * 1000, what
    )
    figure(
        "start-up until the demo workbook can be edited (full open after the paint), wall",
        start["ready_wall"] * 1000,
        "ms",
        start["bare_wall"] * 1000,
        "vs bare QTableView window, for context",
    )
    table = filter_and_sort(rows)
    figure(f"set {rows:,} rows on the model", table["set_rows"] * 1000, "ms", 100, "vs 100 ms stall budget")
    keys = f"search keystroke on {rows:,} rows"
    figure(f"{keys}, median", table["key_median"] * 1000, "ms", 50, "vs 50 ms budget")
    figure(f"{keys}, worst", table["key_worst"] * 1000, "ms", 50, "vs 50 ms budget")
    figure(
        f"column sort on {rows:,} rows, median", table["sort_median"] * 1000, "ms", 200, "vs 200 ms budget"
    )
    figure(f"column sort on {rows:,} rows, worst", table["sort_worst"] * 1000, "ms", 200, "vs 200 ms budget")
    if os.environ.get("BENCH_JOBS", "1") != "0":
        files = int(os.environ.get("BENCH_FILES", "200"))
        stalls = job_stalls(rows, files, int(os.environ.get("BENCH_FILE_MB", "1")))
        for name, (stall, duration) in stalls.items():
            figure(f"worst GUI stall during {name}", stall * 1000, "ms", 100, "vs 100 ms budget")
            figure(f"duration of {name}", duration, "s", what="job, for context")
    return 0


if __name__ == "__main__":
    sys.exit(main())
