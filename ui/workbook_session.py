"""The workbook shown: painted from its snapshot, opened in full on the writer, checked, closed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QInputDialog, QLabel, QLineEdit, QMessageBox, QStatusBar, QWidget

from ui.jobs import Job, JobRunner
from ui.widgets.job_status import JobStatus
from ui.widgets.verify_banner import VerifyBanner
from workbook.errors import UserError, WorkbookError
from workbook.model import Engagement, Person, Request, RequestFilter, VerifyReport, date_flagged_refs

if TYPE_CHECKING:
    from ui.dialogs.new_workbook import NewWorkbookRequest
    from workbook.services.workbook import Workbook

# The full workbook opens after the snapshot's first paint, or after this long if nothing paints (hidden).
OPEN_FALLBACK_MS = 300
# How many times an encrypted workbook's passphrase is asked for before the refusal is shown.
PASSPHRASE_TRIES = 3
# The check on open starts after the first edits are possible, so it never competes with the open itself.
VERIFY_DELAY_MS = 1500


class WorkbookGateway(Protocol):
    """How the window gets workbooks; built by the composition root with the acting person."""

    def open(self, path: Path, passphrase: str | None = None) -> Workbook: ...

    def needs_passphrase(self, path: Path) -> bool: ...

    def create(self, request: NewWorkbookRequest) -> Workbook: ...

    def build_demo(self, folder: Path) -> Path: ...


class ShowError(Protocol):
    """The window's way of putting an error in front of the user (`action`: what was being done)."""

    def __call__(self, error: BaseException, *, action: str = "") -> None: ...


def ask_to_stop(parent: QWidget, jobs: Sequence[Job]) -> bool:
    """Ask before cancelling work the user started; True for "Stop it and close"."""
    job = jobs[0]
    more = f" (and {len(jobs) - 1} more task{'s' if len(jobs) > 2 else ''})" if len(jobs) > 1 else ""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "A task is still running",
        f"{job.title} is still running{more}. Stop it and close?",
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    box.setObjectName("stop_jobs_box")
    box.setAccessibleName(box.windowTitle())
    box.setInformativeText(
        "Files attached so far stay in the workbook; the file being attached, an import in progress "
        "and a package being written are not kept. Wait lets the task finish; close again after it."
    )
    stop = box.addButton("Stop it and close", QMessageBox.ButtonRole.DestructiveRole)
    wait = box.addButton("Wait", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(wait)
    box.setEscapeButton(wait)
    box.exec()
    return box.clickedButton() is stop


class PaintWatcher(QObject):
    """Reports the next paint of the table once it shows a workbook's rows (or the workbook has none)."""

    painted = Signal()

    def __init__(self, ready: Callable[[], bool]) -> None:
        super().__init__()
        self._ready = ready
        self.armed = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.armed and event.type() == QEvent.Type.Paint and self._ready():
            self.armed = False
            QTimer.singleShot(0, self.painted.emit)
        return False


@dataclass(frozen=True)
class OpenedWorkbook:
    """Everything the window shows of a workbook, read in one go (on a worker thread when opening)."""

    workbook: Workbook
    engagement: Engagement
    requests: tuple[Request, ...]
    people: tuple[Person, ...]
    sections: tuple[str, ...]
    # Refs whose current evidence is flagged for its date (what "Dates flagged" shows).
    date_flagged: frozenset[str] = frozenset()


def load_workbook(workbook: Workbook) -> OpenedWorkbook:
    return OpenedWorkbook(
        workbook,
        workbook.engagement(),
        tuple(workbook.requests.list(RequestFilter())),
        tuple(workbook.people.list()),
        tuple(workbook.requests.sections()),
        date_flagged_refs(workbook.evidence.flagged()),
    )


class _Opening:
    """A workbook painted from its snapshot whose full open (services, SQLAlchemy) is pending or running."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.started = False
        # Set on the worker as soon as the file is open, so closing early can still release its lock.
        self.workbook: Workbook | None = None


class WorkbookSession(QObject):
    """Which workbook is shown and in what state: from its snapshot (read-only), open, read-only, closed.

    The window shows what the signals carry; the session owns the workbook, its full open and its check.
    """

    # The file's rows are shown from its snapshot; editing waits for `opened`.
    snapshot_shown = Signal(object)
    # The full workbook (an OpenedWorkbook) is open; the bool: its snapshot was shown first.
    opened = Signal(object, bool)
    # A file (Path) could not be opened: the error says why.
    open_failed = Signal(object, object)
    # About to let go of the workbook: whatever refers to it is forgotten or saved now.
    closing = Signal()
    closed = Signal()
    # A workbook check ended (on open or "Verify now"); carries its VerifyReport.
    verify_finished = Signal(object)
    # A check the user asked for ended (Verify now, the banner's or the activity log's button): its
    # VerifyReport, for a result dialog. The check on open stays quiet (banner and status bar only).
    verify_reported = Signal(object)

    def __init__(
        self,
        jobs: JobRunner,
        gateway: WorkbookGateway,
        job_status: JobStatus,
        status_bar: QStatusBar,
        read_only_banner: QLabel,
        verify_banner: VerifyBanner,
        show_error: ShowError,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._jobs = jobs
        self._gateway = gateway
        self._job_status = job_status
        self._status_bar = status_bar
        self._read_only_banner = read_only_banner
        self._verify_banner = verify_banner
        self._show_error = show_error
        self.workbook: Workbook | None = None
        # The file shown (from its snapshot or open in full) and its engagement; None on the start page.
        self.shown: Path | None = None
        self.engagement: Engagement | None = None
        self._opening: _Opening | None = None
        self._verify_job: Job | None = None
        # The running check was asked for (not only the one on open): its end is reported.
        self._verify_asked = False
        # True while the workbook is in review with the auditor: only verdicts are recorded (review_mode.py).
        self.reviewing = False
        # How many daily automatic backups to keep beside a workbook (Preferences; 0: none are taken).
        self.backups_kept: Callable[[], int] = lambda: 7
        verify_banner.verify_requested.connect(self.verify)

    @property
    def showing(self) -> bool:
        """True while a file is shown, from its snapshot or open in full."""
        return self.shown is not None or self.workbook is not None

    @property
    def opening(self) -> bool:
        """True while a file is shown from its snapshot and its full workbook is not open yet."""
        return self._opening is not None

    @property
    def read_only(self) -> bool:
        """True when nothing may be changed from the window (review records verdicts, in its own window)."""
        return self.workbook is None or self.workbook.read_only or self.reviewing

    def ensure_writable(self) -> bool:
        """True when the open workbook can be changed; a read-only one says why (who holds it) first."""
        workbook = self.workbook
        if workbook is not None and workbook.read_only:
            self._show_error(UserError("this workbook is open read-only", hint=workbook.read_only_reason))
            return False
        if workbook is not None and self.reviewing:
            self._show_error(
                UserError(
                    "the workbook is in review with the auditor: only verdicts are recorded",
                    hint="leave review (Esc in the review window) to change anything else",
                )
            )
            return False
        return workbook is not None

    def open(self, path: Path, *, full: bool = True) -> bool:
        """Show a workbook file (nothing may be shown); False (after `open_failed`) if it cannot be opened.

        The table paints from a standard-library snapshot at once; the full workbook (services, SQLAlchemy)
        opens on a worker after that paint (`start_full_open`) and `opened` says when editing is possible.
        `full=False` shows the snapshot only (the start-up measurement, which exits after the paint).
        """
        from workbook.services.snapshot import read_snapshot

        try:
            snapshot = read_snapshot(path)
        except WorkbookError:
            # The full open words the problem as it always has, or opens what a snapshot cannot read.
            return self._open_now(path)
        self.shown, self.engagement = snapshot.path, snapshot.engagement
        self._read_only_banner.hide()
        self.snapshot_shown.emit(snapshot)
        if full:
            self._opening = _Opening(snapshot.path)
            QTimer.singleShot(OPEN_FALLBACK_MS, self.start_full_open)
        return True

    def _open_now(self, path: Path) -> bool:
        passphrase: str | None = None
        for attempt in range(PASSPHRASE_TRIES + 1):
            try:
                workbook = self._gateway.open(path, passphrase)
                break
            except WorkbookError as error:
                # An encrypted workbook: ask for its passphrase (again after a wrong one, a few times).
                wrong = passphrase is not None
                if attempt < PASSPHRASE_TRIES and self._gateway.needs_passphrase(path):
                    passphrase = self.ask_passphrase(path, wrong)
                    if passphrase is not None:
                        continue
                    if not wrong:
                        return False  # the person chose not to open it: nothing to explain
                self.open_failed.emit(path, error)
                return False
        self._adopt(load_workbook(workbook))
        return True

    def ask_passphrase(self, path: Path, wrong: bool) -> str | None:
        """The passphrase of an encrypted workbook, asked of the person (None: they cancelled)."""
        text = f"{path.name} is encrypted. Its passphrase:"
        if wrong:
            text = f"That passphrase does not open {path.name}. Try again:"
        parent = self.parent()
        value, ok = QInputDialog.getText(
            parent if isinstance(parent, QWidget) else None,
            "Encrypted workbook",
            text,
            QLineEdit.EchoMode.Password,
        )
        return value if ok and value else None

    def adopt(self, workbook: Workbook) -> None:
        """Show a workbook opened (or created) by the caller."""
        self._adopt(load_workbook(workbook))

    def start_full_open(self) -> None:
        """Open the workbook painted from its snapshot in full, on the writer pool (once)."""
        opening = self._opening
        if opening is None or opening.started:
            return
        opening.started = True
        gateway = self._gateway

        def work(progress: Callable[[int, int], None], cancel: Any) -> OpenedWorkbook:
            workbook = opening.workbook = gateway.open(opening.path)
            return load_workbook(workbook)

        # On the writer pool: opening may take the lock and migrate, and nothing may write before it.
        self._jobs.run(
            f"Opening {opening.path.name}",
            work,
            writes=True,
            ask_before_stop=False,
            on_finished=lambda opened: self._on_open_finished(opening, opened),
            on_failed=lambda error: self._on_open_failed(opening, error),
            context=self,
        )

    def _on_open_finished(self, opening: _Opening, opened: OpenedWorkbook) -> None:
        if opening is not self._opening:
            return  # the window moved on; closing already released that workbook
        self._opening = None
        self._status_bar.clearMessage()
        self._adopt(opened)

    def _on_open_failed(self, opening: _Opening, error: BaseException) -> None:
        if opening is self._opening:
            self.open_failed.emit(opening.path, error)

    def _adopt(self, opened: OpenedWorkbook) -> None:
        """The full workbook is open: editing is possible, and what the snapshot showed is refreshed."""
        workbook = opened.workbook
        from_snapshot = self.shown == Path(workbook.path)
        self.workbook = workbook
        self.shown, self.engagement = Path(workbook.path), opened.engagement
        if workbook.read_only:
            self._read_only_banner.setText(
                f"Read-only: {workbook.read_only_reason}. You can look and export, "
                "but changes are off until the other copy is closed."
            )
        self._read_only_banner.setVisible(workbook.read_only)
        self.opened.emit(opened, from_snapshot)
        QTimer.singleShot(VERIFY_DELAY_MS, lambda: self._verify_in_background(workbook))
        self._daily_backup(workbook)

    def close(
        self, *, ask_to_stop: Callable[[Sequence[Job]], bool], save_pending: Callable[[], bool]
    ) -> bool:
        """Close the file shown; False when the user chose to wait for a task or an edit was not saved.

        `ask_to_stop` asks about running tasks the user started; `save_pending` saves unsent edits (False:
        it could not, and the workbook stays open so that nothing typed is lost).
        """
        if not self.showing:
            return True
        asked = self._jobs.asking_before_stop()
        if asked and not ask_to_stop(asked):
            self._status_bar.showMessage(
                f"{asked[0].title} goes on; close the workbook again when it has finished.", 10000
            )
            return False
        # Jobs first: a running attach holds SQLite's one write lock, and the edits saved next must get it.
        if not self._jobs.wait(30000):
            return False
        stopped = " ".join(job.stopped_words() for job in asked)
        if not save_pending():
            return False
        self._release()
        if stopped:
            self._status_bar.showMessage(stopped, 20000)
        return True

    def _release(self) -> None:
        opening, self._opening = self._opening, None
        if opening is not None and opening.workbook is not None:
            opening.workbook.close()
        self._job_status.end(self._job_status.job)
        self.closing.emit()
        if self.workbook is not None:
            self.workbook.close()
        self.workbook = None
        self.shown = self.engagement = None
        self._read_only_banner.hide()
        self._verify_banner.clear()
        self._verify_job = None
        self._verify_asked = False
        self.reviewing = False
        self.closed.emit()

    def _daily_backup(self, workbook: Workbook) -> None:
        """Today's automatic backup of a workbook that can change, on a reader thread; a failure is said."""
        keep = self.backups_kept()
        if workbook.read_only or keep <= 0:
            return

        def failed(error: BaseException) -> None:
            if workbook is self.workbook:
                words = error.one_line() if isinstance(error, WorkbookError) else str(error)
                self._status_bar.showMessage(f"Today's automatic backup could not be taken: {words}", 15000)

        self._jobs.run(
            "Today's automatic backup",
            lambda _progress, _cancel: workbook.daily_backup(keep),
            writes=False,
            on_finished=lambda _path: None,
            on_failed=failed,
            ask_before_stop=False,
            context=self,
        )

    def verify(self) -> Job | None:
        """Verify now: the same check as on open, with progress and Cancel; its end is `verify_reported`."""
        if self.workbook is None:
            return None
        self._status_bar.showMessage("Checking every evidence file and the activity log…")
        job = self._verify_in_background(self.workbook, shown=True)
        self._verify_asked = job is not None
        return job

    def _verify_in_background(self, workbook: Workbook, *, shown: bool = False) -> Job | None:
        """Check `workbook` on a reader job; `shown` puts progress and Cancel in the status bar."""
        if workbook is not self.workbook:
            return None  # closed or replaced before the delayed check on open came round
        if self._verify_job is not None:
            if shown and self._job_status.job is None:
                self._job_status.track(self._verify_job)
            return self._verify_job

        def work(progress: Callable[[int, int], None], cancel: Any) -> VerifyReport:
            return workbook.verify(progress=progress, cancel=cancel)

        # The callbacks name `job`: it is bound before any queued result can reach this thread.
        job = self._jobs.run(
            f"Checking {Path(workbook.path).name}",
            work,
            writes=False,
            on_finished=lambda report: self._on_verify_finished(job, report),
            on_failed=lambda error: self._on_verify_failed(job, error),
            on_cancelled=lambda: self._on_verify_cancelled(job),
            context=self,
        )
        self._verify_job = job
        if shown:
            self._job_status.track(job)
        return job

    def _verify_ended(self, job: Job) -> bool:
        """Forget the ended check; False when it belonged to a workbook closed since."""
        self._job_status.end(job)
        if job is not self._verify_job:
            return False
        self._verify_job = None
        return True

    def _take_asked(self) -> bool:
        asked, self._verify_asked = self._verify_asked, False
        return asked

    def _on_verify_finished(self, job: Job, report: VerifyReport) -> None:
        if not self._verify_ended(job):
            return
        self._verify_banner.show_report(report)
        if report.ok:
            self._status_bar.showMessage(
                f"Checked {report.evidence_checked} evidence files and {report.activity_checked} log entries:"
                " nothing was altered.",
                10000,
            )
        else:
            self._status_bar.showMessage(
                f"The check found {len(report.problems)} problem(s); they are listed above the table.", 10000
            )
        asked = self._take_asked()
        self.verify_finished.emit(report)
        if asked:
            self.verify_reported.emit(report)

    def _on_verify_failed(self, job: Job, error: BaseException) -> None:
        if self._verify_ended(job):
            self._take_asked()
            self._status_bar.clearMessage()
            self._show_error(error, action="Cannot check the workbook")

    def _on_verify_cancelled(self, job: Job) -> None:
        if self._verify_ended(job):
            self._take_asked()
            self._status_bar.showMessage("Check cancelled; nothing was changed.", 8000)
