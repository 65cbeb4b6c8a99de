"""Start next period: the next audit period's workbook made from this one, on a job with progress and stop."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.geometry import fit_dialog
from ui.jobs import Job, JobRunner
from ui.messages import describe, show_error
from ui.widgets.date_field import DateField
from workbook.errors import WorkbookError
from workbook.filtering import human_size

if TYPE_CHECKING:
    from workbook.model import Actor, Engagement, NextPeriodResult

SUFFIX = ".auditwb"
EXPLANATION = (
    "<p><b>Carried over:</b> the client, people, checklist mappings and settings, and every request with "
    "its owner.</p>"
    "<p><b>Reset:</b> every request goes back to <i>Open</i>; notes and due dates are cleared.</p>"
    "<p><b>Last period's evidence</b> is linked to each request as prior-period evidence: shown beside the "
    "request and openable, but not counted or exported until you choose <i>Reuse for this period</i>.</p>"
    "<p>This workbook is not changed.</p>"
)


def _plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def next_period_dates(end: dt.date | None, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The 12 months after the period ending `end`; with no end, next calendar year."""
    if end is None:
        year = (today or dt.date.today()).year + 1
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    start = end + dt.timedelta(days=1)
    return start, _plus_years(start, 1) - dt.timedelta(days=1)


def next_file_path(current: Path, old_end: dt.date | None, new_end: dt.date) -> Path:
    """`Acme FY2026.auditwb` → `Acme FY2027.auditwb`; a name without the old year gets ` FY2027` added.

    Beside the current file, and never a name that exists already (` (2)`, ` (3)`… is added).
    """
    stem, year = current.stem, str(new_end.year)
    old = str(old_end.year) if old_end else ""
    at = stem.rfind(old) if old and old != year else -1
    stem = stem[:at] + year + stem[at + len(old) :] if at >= 0 else f"{stem} FY{year}"
    candidate = current.with_name(stem + SUFFIX)
    number = 2
    while candidate.exists():
        candidate = current.with_name(f"{stem} ({number}){SUFFIX}")
        number += 1
    return candidate


class NextPeriodDialog(QDialog):
    """Asks for the new period, auditor and file; writes it on a job; then offers to open the new workbook."""

    # The new workbook was written (a NextPeriodResult).
    created = Signal(object)
    # "Open the new workbook" was clicked (its Path).
    open_requested = Signal(object)

    def __init__(
        self,
        source: Path,
        engagement: Engagement,
        actor: Actor,
        jobs: JobRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("next_period_dialog")
        self.setWindowTitle("Start next period")
        self._source = Path(source)
        self._engagement = engagement
        self._actor = actor
        self._jobs = jobs
        self._job: Job | None = None
        self._path_edited = False
        self.result_value: NextPeriodResult | None = None

        heading = QLabel("Start the next audit period")
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        heading.setFont(font)
        heading.setWordWrap(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        client = " · ".join(s for s in (engagement.client, engagement.framework) if s)
        self.client = QLabel(client)
        self.client.setObjectName("next_period_client")
        self.client.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.current_period = QLabel(self._period_text(engagement.period_start, engagement.period_end))
        self.current_period.setObjectName("next_period_current")
        start, end = next_period_dates(engagement.period_end)
        self.period_start = DateField("next_period_start", "New period start")
        self.period_end = DateField("next_period_end", "New period end")
        self.period_start.set_date(start)
        self.period_end.set_date(end)
        self.period_end.edited.connect(self._on_period_end_edited)
        period = QHBoxLayout()
        period.addWidget(self.period_start, 1)
        period.addWidget(QLabel("to"))
        period.addWidget(self.period_end, 1)
        self.auditor = QLineEdit(engagement.auditor)
        self.auditor.setObjectName("next_period_auditor")
        self.auditor.setAccessibleName("Auditor firm")
        self.auditor.setPlaceholderText("The audit firm (optional)")
        self.path = QLineEdit(str(next_file_path(self._source, engagement.period_end, end)))
        self.path.setObjectName("next_period_path")
        self.path.setAccessibleName("Save the new workbook as")
        self.path.textEdited.connect(self._on_path_edited)
        self.browse = QPushButton("Browse…")
        self.browse.setAccessibleName("Choose where to save the new workbook")
        self.browse.clicked.connect(self._on_browse_clicked)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(self.browse)
        for text, buddy, field in (
            ("Client", None, self.client),
            ("This period", None, self.current_period),
            ("&New period", self.period_start, period),
            ("&Auditor", self.auditor, self.auditor),
            ("&Save as", self.path, where),
        ):
            label = QLabel(text)
            if buddy is not None:
                label.setBuddy(buddy)
            form.addRow(label, field)
        self.explanation = QLabel(EXPLANATION)
        self.explanation.setObjectName("next_period_explanation")
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        self.problem = QLabel()
        self.problem.setObjectName("next_period_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("QLabel { color: #c62828; }")
        self.problem.hide()
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Progress of the new workbook")
        policy = self.progress.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.progress.setSizePolicy(policy)
        self.progress.hide()
        self.message = QLabel()
        self.message.setObjectName("next_period_message")
        self.message.setWordWrap(True)

        self.open_button = QPushButton("Open the new workbook")
        self.open_button.setObjectName("open_next_period_button")
        self.open_button.clicked.connect(self._on_open_clicked)
        self.open_button.hide()
        self.create_button = QPushButton("Create")
        self.create_button.setObjectName("create_next_period_button")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self._on_create_clicked)
        # "Cancel" before, "Stop" while the job runs, "Close" after.
        self.close_button = QPushButton("Cancel")
        self.close_button.setObjectName("close_next_period_button")
        self.close_button.clicked.connect(self._on_close_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addSpacing(6)
        layout.addWidget(self.explanation)
        layout.addWidget(self.problem)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        fit_dialog(self, 600, self.sizeHint().height())

    @staticmethod
    def _period_text(start: dt.date | None, end: dt.date | None) -> str:
        if start is None and end is None:
            return "not set"
        return f"{start.isoformat() if start else '…'} to {end.isoformat() if end else '…'}"

    def _on_period_end_edited(self) -> None:
        """A new end year renames the suggested file (FY2027 → FY2028) until the name is typed by hand."""
        if self._path_edited or not self.period_end.is_valid():
            return
        end = self.period_end.date()
        if end is not None:
            self.path.setText(str(next_file_path(self._source, self._engagement.period_end, end)))

    def _on_path_edited(self) -> None:
        self._path_edited = True

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the new workbook as", self.path.text(), "Audit workbooks (*.auditwb)"
        )
        if path:
            self._path_edited = True
            self.path.setText(path if path.endswith(SUFFIX) else path + SUFFIX)

    def _say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def chosen(self) -> tuple[Path, dt.date, dt.date, str] | None:
        """(file, start, end, auditor) as typed, or None with the reason shown in the dialog."""
        for field, which in ((self.period_start, "start"), (self.period_end, "end")):
            if not field.is_valid() or field.date() is None:
                self._say(f"The new period's {which}: {field.problem() or 'enter a date.'}")
                field.setFocus()
                return None
        start, end = self.period_start.date(), self.period_end.date()
        assert start is not None and end is not None
        if end < start:
            self._say("The new period ends before it starts.")
            return None
        old_start, old_end = self._engagement.period_start, self._engagement.period_end
        if old_end is not None and start <= old_end:
            current = self._period_text(old_start, old_end)
            self._say(
                f"The new period starts on {start.isoformat()}, inside this one ({current}): "
                f"start it on {(old_end + dt.timedelta(days=1)).isoformat()} or later."
            )
            self.period_start.setFocus()
            return None
        text = self.path.text().strip()
        path = Path(text).expanduser()
        if path.suffix.lower() != SUFFIX:
            path = path.with_name(path.name + SUFFIX)
        if not text or not path.parent.is_dir():
            self._say("Choose a folder that exists to save the new workbook in.")
            return None
        if path.exists():
            self._say(f"{path.name} already exists there: choose another name.")
            return None
        if path.resolve() == self._source.resolve():
            self._say("The next period needs a file of its own: choose another name.")
            return None
        self._say("")
        return path, start, end, self.auditor.text().strip()

    def _on_create_clicked(self) -> None:
        if self._job is None:
            self.start()

    def start(self) -> Job | None:
        """Check what was typed and write the new workbook on the writer thread (after any pending edit)."""
        chosen = self.chosen()
        if chosen is None:
            return None
        path, start, end, auditor = chosen
        source, actor = self._source, self._actor

        def work(progress: Callable[[int, int], None], cancel: Any) -> NextPeriodResult:
            from workbook.services.workbook import Workbook

            return Workbook.next_period(
                source,
                path,
                actor,
                period_start=start,
                period_end=end,
                auditor=auditor,
                progress=progress,
                cancel=cancel,
            )

        self._job = self._jobs.run(
            f"Starting the next period in {path.name}",
            work,
            writes=True,
            on_finished=self._on_job_finished,
            on_failed=self._on_job_failed,
            on_cancelled=self._on_job_cancelled,
            on_progress=self._on_job_progressed,
            context=self,
        )
        self.progress.setRange(0, 0)
        self.progress.show()
        self.message.setText(f"Writing {path.name}…")
        self._set_running(True)
        return self._job

    def _set_running(self, running: bool) -> None:
        for widget in (self.period_start, self.period_end, self.auditor, self.path, self.browse):
            widget.setEnabled(not running)
        self.create_button.setEnabled(not running)
        self.close_button.setText("Stop" if running else "Cancel")
        self.close_button.setToolTip("Stop; nothing is written" if running else "")

    def _on_job_progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _on_job_finished(self, result: NextPeriodResult) -> None:
        self._job = None
        self.result_value = result
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        files = f"{result.evidence_files} file{'s' if result.evidence_files != 1 else ''}"
        self.message.setText(
            f"Created {result.path.name}: {result.requests} requests and {result.people} people carried; "
            f"{files} ({human_size(result.evidence_bytes)}) of last period linked as prior-period evidence "
            f"({result.prior_links} link{'s' if result.prior_links != 1 else ''})."
        )
        for widget in (self.create_button, self.browse):
            widget.hide()
        self.close_button.setText("Close")
        self.open_button.show()
        self.open_button.setDefault(True)
        self.open_button.setFocus()
        self.created.emit(result)

    def _on_job_failed(self, error: BaseException) -> None:
        self._job = None
        self._set_running(False)
        self.progress.hide()
        if isinstance(error, WorkbookError):
            headline, details = describe(error)
            self.message.setText("")
            self._say(f"{headline}." + (f"\n{details}" if details else ""))
        else:
            self.message.setText("The new workbook was not written.")
            show_error(self, error, action="Start next period")

    def _on_job_cancelled(self) -> None:
        self._job = None
        self._set_running(False)
        self.progress.hide()
        self.message.setText("Stopped; nothing was written.")

    def _on_close_clicked(self) -> None:
        if self._job is not None:
            self._job.cancel()
            return
        if self.result_value is not None:
            self.accept()
        else:
            self.reject()

    def _on_open_clicked(self) -> None:
        if self.result_value is not None:
            self.accept()
            self.open_requested.emit(self.result_value.path)

    def reject(self) -> None:
        if self._job is not None:
            self._job.cancel()
        super().reject()
