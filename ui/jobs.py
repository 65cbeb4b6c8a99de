"""Run Qt-free service jobs on worker threads; progress reaches the GUI throttled, cancel is a token."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from workbook.jobs import Cancelled, CancelToken, Progress

JobFunction = Callable[[Progress, CancelToken], Any]
PROGRESS_INTERVAL = 0.05


class Job(QObject):
    """One piece of long work; its signals arrive on the GUI thread (queued)."""

    progressed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    done = Signal()

    def __init__(self, title: str, function: JobFunction) -> None:
        super().__init__()
        self.title = title
        self.token = CancelToken()
        self._function = function
        self._last_emit = 0.0
        self.running = False
        self.writes = False
        # Work the user asked for (attach, import, export): closing asks before stopping it.
        self.ask_before_stop = False
        # The last progress reported (written on the worker): how far a stopped job got.
        self.done_count = 0
        self.total_count = 0
        # Set on the worker as the function returns, before the queued `done` reaches the GUI thread.
        self.ended = False
        # "finished", "cancelled" or "failed", set on the worker with `ended`.
        self.outcome = ""

    def cancel(self) -> None:
        self.token.cancel()

    def _progress(self, done: int, total: int) -> None:
        self.done_count, self.total_count = done, total
        # Throttled: a job reporting per file must not flood the GUI thread's event queue.
        now = time.monotonic()
        if done >= total or now - self._last_emit >= PROGRESS_INTERVAL:
            self._last_emit = now
            self.progressed.emit(done, total)

    def run(self) -> None:
        """Called on the worker thread."""
        try:
            result = self._function(self._progress, self.token)
        except Cancelled:
            self.outcome = "cancelled"
            self.cancelled.emit()
        except Exception as error:
            self.outcome = "failed"
            self.failed.emit(error)
        else:
            self.outcome = "finished"
            self.finished.emit(result)
        self.ended = True
        self.done.emit()


class _Runnable(QRunnable):
    def __init__(self, job: Job) -> None:
        super().__init__()
        self._job = job

    def run(self) -> None:
        self._job.run()


class JobRunner(QObject):
    """Two pools: one thread for anything that writes the workbook (SQLite has one writer), more for reads."""

    job_started = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._readers = QThreadPool(self)
        self._writer = QThreadPool(self)
        self._writer.setMaxThreadCount(1)
        self._active: set[Job] = set()

    def start(
        self,
        title: str,
        function: JobFunction,
        *,
        writes: bool,
        paused: bool = False,
        ask_before_stop: bool | None = None,
    ) -> Job:
        """Queue the work; `paused` holds it until `resume` so a caller can connect to its signals first.

        `ask_before_stop` (by default: every writer) makes closing the workbook ask before cancelling it.
        """
        job = Job(title, function)
        job.running = True
        job.writes = writes
        job.ask_before_stop = writes if ask_before_stop is None else ask_before_stop
        self._active.add(job)
        job.done.connect(self._on_job_done)
        if not paused:
            self.resume(job)
        self.job_started.emit(job)
        return job

    def resume(self, job: Job) -> None:
        (self._writer if job.writes else self._readers).start(_Runnable(job))

    def _on_job_done(self) -> None:
        # A bound method of a GUI-thread QObject, so the queued call runs here, not on the worker.
        job = self.sender()
        if isinstance(job, Job):
            job.running = False
            self._active.discard(job)

    @property
    def active(self) -> list[Job]:
        return list(self._active)

    def asking_before_stop(self) -> list[Job]:
        """Running jobs the user started and would lose work by: closing asks before stopping them."""
        return [job for job in self._active if job.ask_before_stop and not job.ended]

    def wait(self, msecs: int = 30000) -> bool:
        """Block until every job has ended (used when closing the workbook)."""
        for job in self._active:
            job.cancel()
        ok = self._writer.waitForDone(msecs) and self._readers.waitForDone(msecs)
        return bool(ok)
