"""Jobs on worker threads: results, errors, cancel and throttled progress reach the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from ui.jobs import JobRunner
from workbook.errors import UserError
from workbook.jobs import CancelToken, Progress


def test_a_job_result_arrives_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = JobRunner()
    threads: list[str] = []

    def work(progress: Progress, cancel: CancelToken) -> int:
        threads.append(threading.current_thread().name)
        return 42

    seen: list[bool] = []
    with qtbot.waitSignal(runner.job_started) as started:
        job = runner.start("answer", work, writes=True, paused=True)
    job.finished.connect(lambda _: seen.append(QThread.currentThread() is gui_thread))
    gui_thread = QThread.currentThread()
    with qtbot.waitSignal(job.finished, timeout=5000) as blocker:
        runner.resume(started.args[0])
    assert blocker.args == [42]
    assert seen == [True]
    assert threads and threads[0] != threading.main_thread().name
    qtbot.waitUntil(lambda: runner.active == [])


def test_a_user_error_is_handed_over_not_raised(qtbot: QtBot) -> None:
    runner = JobRunner()

    def work(progress: Progress, cancel: CancelToken) -> None:
        raise UserError("the file is empty", where="x.xlsx")

    job = runner.start("fail", work, writes=False, paused=True)
    with qtbot.waitSignal(job.failed, timeout=5000) as blocker:
        runner.resume(job)
    assert isinstance(blocker.args[0], UserError)
    assert blocker.args[0].one_line() == "x.xlsx: the file is empty"


def test_cancel_stops_the_job_between_units(qtbot: QtBot) -> None:
    runner = JobRunner()
    started = threading.Event()
    release = threading.Event()
    done: list[int] = []

    def work(progress: Progress, cancel: CancelToken) -> None:
        started.set()
        release.wait(5)
        for n in range(100):
            cancel.raise_if_cancelled()
            done.append(n)

    job = runner.start("long", work, writes=True)
    assert started.wait(5)
    job.cancel()
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        release.set()
    assert done == []


def test_progress_is_throttled_but_the_last_step_always_arrives(qtbot: QtBot) -> None:
    runner = JobRunner()
    received: list[tuple[int, int]] = []

    def work(progress: Progress, cancel: CancelToken) -> None:
        for n in range(1, 10001):
            progress(n, 10000)

    job = runner.start("many", work, writes=False, paused=True)
    job.progressed.connect(lambda d, t: received.append((d, t)))
    with qtbot.waitSignal(job.done, timeout=5000):
        runner.resume(job)
    qtbot.wait(50)
    assert received[-1] == (10000, 10000)
    assert len(received) < 100


def test_writers_run_one_at_a_time(qtbot: QtBot) -> None:
    runner = JobRunner()
    running = []
    peak = []
    lock = threading.Lock()

    def work(progress: Progress, cancel: CancelToken) -> None:
        with lock:
            running.append(1)
            peak.append(len(running))
        threading.Event().wait(0.02)
        with lock:
            running.pop()

    jobs = [runner.start(f"w{n}", work, writes=True, paused=True) for n in range(4)]
    with qtbot.waitSignals([j.done for j in jobs], timeout=5000):
        for job in jobs:
            runner.resume(job)
    assert max(peak) == 1


def test_closing_asks_about_writer_jobs_the_user_started_but_not_about_readers_or_opening(
    qtbot: QtBot,
) -> None:
    runner = JobRunner()

    def work(progress: Progress, cancel: CancelToken) -> None:
        return None

    attach = runner.start("Attaching", work, writes=True, paused=True)
    runner.start("Opening", work, writes=True, paused=True, ask_before_stop=False)
    runner.start("Preview", work, writes=False, paused=True)
    assert runner.asking_before_stop() == [attach]
    for job in runner.active:
        with qtbot.waitSignal(job.done, timeout=5000):
            runner.resume(job)
    assert runner.asking_before_stop() == []
