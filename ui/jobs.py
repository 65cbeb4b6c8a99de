"""Run Qt-free service jobs on worker threads; progress reaches the GUI throttled, cancel is a token."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from workbook.jobs import Cancelled, CancelToken, Progress

JobFunction = Callable[[Progress, CancelToken], Any]
T = TypeVar("T")
PROGRESS_INTERVAL = 0.05


class Job(QObject):
    """One piece of long work; its signals arrive on the GUI thread (queued).

    `released` is called on the GUI thread once the job has ended and every report has been handed over.
    """

    progressed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    done = Signal()

    def __init__(
        self, title: str, function: JobFunction, released: Callable[[Job], object] | None = None
    ) -> None:
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
        # What a failed job raised (set on the worker with `ended`).
        self.error: BaseException | None = None
        # Set on the worker as the job starts, and once it has ended: what `JobRunner.wait_for` waits on.
        self.started = threading.Event()
        self.ended_event = threading.Event()
        # For work whose finished steps stay when it is stopped (an attach): words for (done, total).
        self.kept_when_stopped: Callable[[int, int], str] | None = None
        self._released = released
        self._subscriptions: list[_Subscription] = []
        self._handed_over = False
        # Connected first, and `done` is emitted last: this runs after every other report has arrived.
        self.done.connect(self._on_done)

    def cancel(self) -> None:
        self.token.cancel()

    def stopped_words(self) -> str:
        """What this job had done when it was stopped (read once it has ended)."""
        if self.outcome == "finished":
            return f"{self.title} had finished before it could be stopped."
        if self.outcome == "failed":
            return f"{self.title} failed as it was stopped."
        if self.kept_when_stopped is not None:
            return f"{self.title} was stopped: {self.kept_when_stopped(self.done_count, self.total_count)}."
        return f"{self.title} was stopped; nothing of it was kept."

    def subscribe(
        self,
        context: QObject,
        *,
        finished: Callable[[Any], object] | None = None,
        failed: Callable[[BaseException], object] | None = None,
        cancelled: Callable[[], object] | None = None,
        progressed: Callable[[int, int], object] | None = None,
    ) -> None:
        """Call these on the GUI thread as the job reports, while `context` (their owner) is not deleted."""
        if not self._handed_over:
            self._subscriptions.append(_Subscription(self, context, finished, failed, cancelled, progressed))

    @Slot()
    def _on_done(self) -> None:
        self.running = False
        self._handed_over = True
        # Every report has been handed over: dropping the callbacks breaks the cycles their closures make.
        self._subscriptions.clear()
        if self._released is not None:
            self._released(self)

    def _progress(self, done: int, total: int) -> None:
        self.done_count, self.total_count = done, total
        # Throttled: a job reporting per file must not flood the GUI thread's event queue.
        now = time.monotonic()
        if done >= total or now - self._last_emit >= PROGRESS_INTERVAL:
            self._last_emit = now
            self.progressed.emit(done, total)

    def run(self) -> None:
        """Called on the worker thread."""
        self.started.set()
        try:
            result = self._function(self._progress, self.token)
        except Cancelled:
            self.outcome = "cancelled"
            self.cancelled.emit()
        except Exception as error:
            self.outcome = "failed"
            self.error = error
            self.failed.emit(error)
        else:
            self.outcome = "finished"
            self.finished.emit(result)
        self.ended = True
        self.ended_event.set()
        self.done.emit()


class _Subscription(QObject):
    """A job's reports handed to plain callables: a GUI-thread object, so they arrive queued, on this thread.

    The context is checked when a report arrives, not watched: a deleted context (a dialog closed mid-job)
    means its callbacks are not called.
    """

    def __init__(
        self,
        job: Job,
        context: QObject,
        finished: Callable[[Any], object] | None,
        failed: Callable[[BaseException], object] | None,
        cancelled: Callable[[], object] | None,
        progressed: Callable[[int, int], object] | None,
    ) -> None:
        super().__init__()
        self._context = weakref.ref(context)
        self._finished, self._failed, self._cancelled, self._progressed = (
            finished,
            failed,
            cancelled,
            progressed,
        )
        if finished is not None:
            job.finished.connect(self._on_job_finished)
        if failed is not None:
            job.failed.connect(self._on_job_failed)
        if cancelled is not None:
            job.cancelled.connect(self._on_job_cancelled)
        if progressed is not None:
            job.progressed.connect(self._on_job_progressed)

    def _context_alive(self) -> bool:
        context = self._context()
        return context is not None and shiboken6.isValid(context)

    @Slot(object)
    def _on_job_finished(self, result: object) -> None:
        if self._finished is not None and self._context_alive():
            self._finished(result)

    @Slot(object)
    def _on_job_failed(self, error: BaseException) -> None:
        if self._failed is not None and self._context_alive():
            self._failed(error)

    @Slot()
    def _on_job_cancelled(self) -> None:
        if self._cancelled is not None and self._context_alive():
            self._cancelled()

    @Slot(int, int)
    def _on_job_progressed(self, done: int, total: int) -> None:
        if self._progressed is not None and self._context_alive():
            self._progressed(done, total)


class _Runnable(QRunnable):
    def __init__(self, job: Job) -> None:
        super().__init__()
        self._job = job
        # Kept (by the runner) until its job is done, so that a queued one can be taken back safely.
        self.setAutoDelete(False)

    def run(self) -> None:
        self._job.run()


class JobRunner(QObject):
    """Two pools: one thread for anything that writes the workbook (SQLite has one writer), more for reads.

    Every write goes through the one writer thread, in the order asked: the long jobs (attach, import) and
    the short edits and undo steps (`write`), so the GUI thread never waits on SQLite's write lock.
    """

    job_started = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._readers = QThreadPool(self)
        self._writer = QThreadPool(self)
        self._writer.setMaxThreadCount(1)
        self._active: set[Job] = set()
        self._runnables: dict[Job, _Runnable] = {}

    def run(
        self,
        title: str,
        function: Callable[[Progress, CancelToken], T],
        *,
        writes: bool,
        on_finished: Callable[[T], object],
        on_failed: Callable[[BaseException], object] | None = None,
        on_cancelled: Callable[[], object] | None = None,
        on_progress: Callable[[int, int], object] | None = None,
        ask_before_stop: bool | None = None,
        kept_when_stopped: Callable[[int, int], str] | None = None,
        context: QObject | None = None,
    ) -> Job:
        """Start the work with its callbacks connected first; they are called on the GUI thread.

        `context` (by default: this runner) is what the callbacks belong to: once it is deleted (a dialog
        closed mid-job) they are not called. `ask_before_stop` as for `start`; `kept_when_stopped` words
        what stays of a stopped job's finished steps, given (done, total).
        """
        job = self.start(title, function, writes=writes, paused=True, ask_before_stop=ask_before_stop)
        job.kept_when_stopped = kept_when_stopped
        job.subscribe(
            context or self,
            finished=on_finished,
            failed=on_failed,
            cancelled=on_cancelled,
            progressed=on_progress,
        )
        self.resume(job)
        return job

    def write(
        self,
        title: str,
        action: Callable[[], T],
        *,
        on_finished: Callable[[T], object],
        on_failed: Callable[[BaseException], object],
    ) -> Job:
        """A short write (an edit, an undo step) on the writer thread, after every write asked before it.

        Closing never cancels or asks about it: closing waits for it, so an edit made is an edit saved.
        """

        def work(_progress: Progress, _cancel: CancelToken) -> T:
            return action()

        return self.run(
            title, work, writes=True, on_finished=on_finished, on_failed=on_failed, ask_before_stop=False
        )

    def writing(self) -> bool:
        """True while any write (a job or an edit) is queued, running, or has reports still on their way."""
        return any(job.writes for job in self._active)

    def wait_for(self, job: Job, msecs: int) -> bool:
        """Block until `job` has ended (its reports then arrive as usual, queued).

        A job that has not started after `msecs` (it waits behind a long write) is taken off the queue and
        never runs: False. One that has started is waited for to its end.
        """
        if job.ended_event.wait(msecs / 1000):
            return True
        runnable = self._runnables.get(job)
        if not job.started.is_set() and runnable is not None and self._writer.tryTake(runnable):
            job.outcome, job.ended, job.running = "cancelled", True, False
            job.ended_event.set()
            self._forget(job)
            return False
        job.ended_event.wait()
        return True

    def start(
        self,
        title: str,
        function: JobFunction,
        *,
        writes: bool,
        paused: bool = False,
        ask_before_stop: bool | None = None,
    ) -> Job:
        """Queue the work; `paused` holds it until `resume` (the app itself uses `run`, which connects first).

        `ask_before_stop` (by default: every writer) makes closing the workbook ask before cancelling it.
        """
        job = Job(title, function, released=self._forget)
        job.running = True
        job.writes = writes
        job.ask_before_stop = writes if ask_before_stop is None else ask_before_stop
        self._active.add(job)
        if not paused:
            self.resume(job)
        self.job_started.emit(job)
        return job

    def resume(self, job: Job) -> None:
        runnable = _Runnable(job)
        self._runnables[job] = runnable
        (self._writer if job.writes else self._readers).start(runnable)

    def _forget(self, job: Job) -> None:
        self._active.discard(job)
        self._runnables.pop(job, None)

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
