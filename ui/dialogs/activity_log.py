"""The Activity log window: every entry in plain words, filtered by person, request, date and kind.

Non-modal. The log is read on reader jobs, newest first, a page at a time (500 entries, then 5,000 per
page, appended below what is shown), and afterwards only what was logged since, whenever the window is
shown, activated or told the workbook changed: a long log never holds the window, and its newest entries
show at once. Filtering is one pass over the lines read. "Verify integrity" runs the window's workbook check
(the session's; progress and Cancel here too; its result dialog is the window's) and "Export CSV…" writes
the lines shown, one row per log entry, on a reader job.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.geometry import fitted_size
from ui.jobs import Job, JobRunner
from ui.messages import show_error
from ui.models.activity_table_model import ActivityColumn, ActivityTableModel
from ui.widgets.date_field import DateField
from ui.widgets.job_status import JobStatus
from workbook.activity_csv import write_csv
from workbook.activity_words import GESTURE_ENTRIES, ActivityKind, LogFilter, LogLine, grouped, page_lines
from workbook.jobs import CancelToken, Progress
from workbook.model import VerifyReport

if TYPE_CHECKING:
    from workbook.services.workbook import Workbook

T = TypeVar("T")
EVERYONE = "Everyone"
ALL_KINDS = "All kinds"
# The log is read newest first, a page at a time: a short first page shows at once, then larger ones.
FIRST_PAGE = 500
PAGE = 5000


def _count(count: int, one: str, many: str = "") -> str:
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def count_text(shown: int, total: int) -> str:
    """`12 of 340 entries`: the lines shown of the lines read (an attach is one line)."""
    return f"{shown:,} of {_count(total, 'entry', 'entries')}"


def read_older(workbook: Workbook, before_id: int | None, limit: int) -> tuple[list[LogLine], bool]:
    """A page of lines older than entry #`before_id` (the newest when None), newest first; and whether the
    page reached the log's first entry (on a reader job)."""
    entries = workbook.activity.page(before_id, limit + GESTURE_ENTRIES - 1)
    return page_lines(entries, limit)


def read_newer(workbook: Workbook, after_id: int) -> list[LogLine]:
    """The lines logged after entry #`after_id`, newest first (on a reader job)."""
    entries = list(workbook.activity.since(after_id))
    entries.reverse()
    return grouped(entries)


class ActivityLogDialog(QDialog):
    """The workbook's activity log; built by the window's ActivityView with the workbook and the jobs."""

    # The log (or what was new in it) was read and is shown.
    loaded = Signal()
    # A CSV was written: its Path.
    exported = Signal(object)

    def __init__(
        self,
        workbook: Workbook,
        jobs: JobRunner,
        verify: Callable[[], Job | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("activity_log_dialog")
        self.setWindowTitle(f"Activity log — {Path(workbook.path).name}")
        self.setModal(False)
        self._workbook = workbook
        self._jobs = jobs
        self._verify = verify
        # Every line read so far, newest first; the newest and oldest entry read; everyone named in them.
        self._lines: list[LogLine] = []
        self._newest_id = 0
        self._oldest_id: int | None = None
        self._entries_read = 0
        self._people: set[str] = set()
        # All of the log has been read (back to its first entry); the log held this many entries then.
        self._complete = False
        self._total = 0
        self._load_job: Job | None = None
        self._read_again = False
        self._verify_job: Job | None = None
        self._export_job: Job | None = None

        self.person = QComboBox()
        self.person.setObjectName("activity_person")
        self.person.setAccessibleName("Show entries by")
        self.person.addItem(EVERYONE, "")
        self.person.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.request = QLineEdit()
        self.request.setObjectName("activity_request")
        self.request.setAccessibleName("Show entries about the request")
        self.request.setPlaceholderText("Any request (e.g. PBC-012)")
        self.request.setClearButtonEnabled(True)
        self.since = DateField("activity_since", "From date", "Any date")
        self.until = DateField("activity_until", "To date", "Any date")
        self.kind = QComboBox()
        self.kind.setObjectName("activity_kind")
        self.kind.setAccessibleName("Show entries of the kind")
        self.kind.addItem(ALL_KINDS, None)
        for kind in ActivityKind:
            self.kind.addItem(kind.label, kind)
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.setObjectName("activity_clear_filters")
        self.clear_button.setAccessibleName("Clear the activity log's filters")
        self.clear_button.clicked.connect(self.clear_filters)

        filters = QGridLayout()
        filters.setHorizontalSpacing(8)
        for column, (text, widget) in enumerate(
            (("&Person", self.person), ("&Request", self.request), ("&Kind", self.kind))
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            filters.addWidget(label, 0, 2 * column)
            filters.addWidget(widget, 0, 2 * column + 1)
        for column, (text, field) in enumerate((("&From", self.since), ("&To", self.until))):
            label = QLabel(text)
            label.setBuddy(field.edit)
            filters.addWidget(label, 1, 2 * column)
            filters.addWidget(field, 1, 2 * column + 1)
        filters.addWidget(self.clear_button, 1, 5, Qt.AlignmentFlag.AlignLeft)
        for column in (1, 3, 5):
            filters.setColumnStretch(column, 1)

        self.model = ActivityTableModel()
        self.model.setParent(self)
        self.table = QTableView()
        self.table.setObjectName("activity_table")
        self.table.setAccessibleName("Activity log entries, newest first")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        metrics = self.table.fontMetrics()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(metrics.height() + 10)
        header = self.table.horizontalHeader()
        header.resizeSection(ActivityColumn.WHEN, metrics.horizontalAdvance("2026-09-30 23:59") + 24)
        header.resizeSection(ActivityColumn.WHO, metrics.horizontalAdvance("Firstname Lastname") + 16)
        header.resizeSection(ActivityColumn.REQUEST, metrics.horizontalAdvance("PBC-0000") + 24)
        header.setSectionResizeMode(ActivityColumn.WHAT, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)

        self.count_label = QLabel("Reading the activity log…")
        self.count_label.setObjectName("activity_count")
        self.check_label = QLabel()
        self.check_label.setObjectName("activity_check_state")
        self.job_status = JobStatus()
        self.verify_button = QPushButton("&Verify integrity")
        self.verify_button.setObjectName("activity_verify")
        self.verify_button.setAccessibleName("Verify the integrity of the workbook and its activity log")
        self.verify_button.setToolTip(
            "Re-hash every evidence file and re-check the activity log's hash chain; "
            "names anything altered outside the app"
        )
        self.verify_button.clicked.connect(self.verify)
        self.export_button = QPushButton("&Export CSV…")
        self.export_button.setObjectName("activity_export")
        self.export_button.setAccessibleName("Export the entries shown as a CSV file")
        self.export_button.clicked.connect(self.export_csv)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.verify_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        status = QHBoxLayout()
        status.addWidget(self.count_label)
        status.addSpacing(12)
        status.addWidget(self.check_label, 1)
        status.addWidget(self.job_status)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(status)
        layout.addWidget(buttons)

        self.person.currentIndexChanged.connect(self._apply_filter)
        self.kind.currentIndexChanged.connect(self._apply_filter)
        self.request.textChanged.connect(self._apply_filter)
        for field in (self.since, self.until):
            field.edited.connect(self._apply_filter)
            field.edit.textChanged.connect(self._on_date_text_changed)
        refresh = QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self)
        refresh.activated.connect(self.refresh)
        self._update_buttons()
        # Any size the user likes down to a small one; it opens at 980×620, or less on a small screen.
        self.setMinimumSize(560, 360)
        self.resize(fitted_size(parent or self, 980, 620))

    # --- reading -------------------------------------------------------------------------------------------

    @property
    def lines(self) -> list[LogLine]:
        """Every line read, newest first."""
        return list(self._lines)

    @property
    def shown(self) -> list[LogLine]:
        """The lines the filters let through, as the table shows them."""
        return self.model.lines

    @property
    def loading(self) -> bool:
        return self._load_job is not None

    @property
    def ready(self) -> bool:
        """The whole log has been read and nothing more is being read."""
        return self._complete and self._load_job is None

    def refresh(self) -> Job | None:
        """Read what the log gained since it was last read, on a reader job (the first time: its newest page,
        then the older pages one after the other)."""
        if self._load_job is not None:
            self._read_again = True
            return self._load_job
        if self._oldest_id is None:
            return self._read_older(FIRST_PAGE)
        return self._read_newer()

    def _read_older(self, limit: int) -> Job:
        workbook, before, start = self._workbook, self._oldest_id, self._entries_read

        def work(progress: Progress, cancel: CancelToken) -> tuple[list[LogLine], bool]:
            total = workbook.activity.count()
            progress(start, total)
            cancel.raise_if_cancelled()
            lines, complete = read_older(workbook, before, limit)
            progress(start + sum(len(item.entries) for item in lines), total)
            return lines, complete

        return self._read("Reading the activity log", work, self._on_older_read)

    def _read_newer(self) -> Job:
        workbook, after = self._workbook, self._newest_id

        def work(_progress: Progress, _cancel: CancelToken) -> list[LogLine]:
            return read_newer(workbook, after)

        return self._read("Reading the activity log", work, self._on_newer_read)

    def _read(self, title: str, work: Callable[[Progress, CancelToken], T], done: Callable[[T], None]) -> Job:
        job = self._jobs.run(
            title,
            work,
            writes=False,
            on_finished=lambda result: self._on_read(job, lambda: done(result)),
            on_failed=lambda error: self._on_read_failed(job, error),
            on_cancelled=lambda: self._on_read_ended(job),
            context=self,
        )
        self._load_job = job
        if not self._complete:
            self.job_status.track(job)
        return job

    def _on_read(self, job: Job, take: Callable[[], None]) -> None:
        self._on_read_ended(job)
        take()
        # The lines read live as long as the window and hold no cycles: out of the cyclic collector's sight,
        # as ui/app.py does with what is alive once a workbook is open. Walking 100,000 lines in every full
        # collection (run by whichever thread allocates) held the GIL 200-400 ms at a time.
        gc.freeze()
        self._show_count()
        self._update_buttons()
        if not self._complete:
            self._read_older(PAGE)
        elif self._read_again:
            self._read_again = False
            self._read_newer()
        if self.ready:
            self.loaded.emit()

    def _on_older_read(self, result: tuple[list[LogLine], bool]) -> None:
        lines, complete = result
        if lines:
            if self._oldest_id is None:
                self._newest_id = lines[0].entries[-1].id
            self._oldest_id = lines[-1].entries[0].id
            self._take(lines)
            self._lines.extend(lines)
            self.model.append_lines(self.log_filter().matching(lines))
        self._complete = complete or not lines

    def _on_newer_read(self, lines: list[LogLine]) -> None:
        if lines:
            self._newest_id = lines[0].entries[-1].id
            self._take(lines)
            self._lines[:0] = lines
            self.model.prepend_lines(self.log_filter().matching(lines))

    def _take(self, lines: Sequence[LogLine]) -> None:
        self._entries_read += sum(len(item.entries) for item in lines)
        names = {item.entry.actor for item in lines if item.entry.actor} - self._people
        if names:
            self._people |= names
            self._fill_people()

    def _on_read_failed(self, job: Job, error: BaseException) -> None:
        self._on_read_ended(job)
        self._complete = True  # nothing more is read after a failure; Refresh (F5) tries again
        self.count_label.setText("The activity log could not be read.")
        show_error(self, error, action="Cannot read the activity log")

    def _on_read_ended(self, job: Job) -> None:
        self.job_status.end(job)
        if job is self._load_job:
            self._load_job = None
        self._update_buttons()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # Back in the window after working in the main one: read what was logged meanwhile.
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow() and self._complete:
            self.refresh()

    # --- filtering -----------------------------------------------------------------------------------------

    def _fill_people(self) -> None:
        chosen = self.person.currentData()
        names = sorted(self._people, key=str.casefold)
        self.person.blockSignals(True)
        self.person.clear()
        self.person.addItem(EVERYONE, "")
        for name in names:
            self.person.addItem(name, name)
        self.person.setCurrentIndex(max(self.person.findData(chosen), 0))
        self.person.blockSignals(False)

    def _date(self, field: DateField) -> dt.date | None:
        try:
            return field.date()
        except ValueError:
            return None  # shown red by the field; the filter ignores it until it is a date

    def log_filter(self) -> LogFilter:
        kind = self.kind.currentData()
        return LogFilter(
            person=str(self.person.currentData() or ""),
            request=self.request.text(),
            since=self._date(self.since),
            until=self._date(self.until),
            kind=kind if isinstance(kind, ActivityKind) else None,
        )

    def _on_date_text_changed(self, text: str) -> None:
        # A whole ISO date filters as it is typed; other forms wait for Enter or leaving the field.
        if not text.strip() or re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            self._apply_filter()

    def _apply_filter(self) -> None:
        wanted = self.log_filter()
        self.model.set_lines(wanted.matching(self._lines))
        self.clear_button.setEnabled(wanted.active)
        self._show_count()
        self._update_buttons()

    def _show_count(self) -> None:
        if self._oldest_id is None:
            return  # "Reading the activity log…" until the first page is in
        text = count_text(self.model.rowCount(), len(self._lines))
        self.count_label.setText(text if self._complete else f"{text}; reading older entries…")

    def clear_filters(self) -> None:
        for widget in (self.person, self.kind, self.request, self.since.edit, self.until.edit):
            widget.blockSignals(True)
        self.person.setCurrentIndex(0)
        self.kind.setCurrentIndex(0)
        self.request.clear()
        self.since.set_date(None)
        self.until.set_date(None)
        for widget in (self.person, self.kind, self.request, self.since.edit, self.until.edit):
            widget.blockSignals(False)
        self._apply_filter()

    # --- verify --------------------------------------------------------------------------------------------

    def verify(self) -> Job | None:
        """Check the workbook as File → Verify now does; the window shows the result in a dialog."""
        job = self._verify()
        if job is None:
            return None
        self._verify_job = job
        self.check_label.setText("Checking every evidence file and the activity log…")
        self.job_status.track(job)
        job.subscribe(
            self,
            finished=lambda report: self._on_verify_finished(job, report),
            failed=lambda _error: self._on_verify_ended(job, "The check could not finish."),
            cancelled=lambda: self._on_verify_ended(job, "Check cancelled; nothing was changed."),
        )
        self._update_buttons()
        return job

    def _on_verify_finished(self, job: Job, report: VerifyReport) -> None:
        if report.ok:
            words = f"Checked just now: intact (log head {report.head[:12]}…)."
        else:
            words = f"Checked just now: {_count(len(report.problems), 'problem')} found."
        self._on_verify_ended(job, words)
        self.check_label.setStyleSheet("" if report.ok else "QLabel { color: #b71c1c; }")

    def _on_verify_ended(self, job: Job, words: str) -> None:
        self.job_status.end(job)
        if job is self._verify_job:
            self._verify_job = None
        self.check_label.setText(words)
        self._update_buttons()

    # --- export --------------------------------------------------------------------------------------------

    def default_csv_path(self) -> Path:
        path = Path(self._workbook.path)
        return path.with_name(f"{path.stem}-activity-{dt.date.today():%Y-%m-%d}.csv")

    def ask_csv_path(self) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export the activity log", str(self.default_csv_path()), "CSV files (*.csv);;All files (*)"
        )
        if not name:
            return None
        path = Path(name)
        return path if path.suffix.lower() == ".csv" else path.with_name(path.name + ".csv")

    def export_csv(self) -> Job | None:
        """Write the entries shown (as filtered) to a CSV the user names, on a reader job."""
        path = self.ask_csv_path()
        if path is None:
            return None
        return self.export_to(path)

    def export_to(self, path: Path) -> Job:
        lines: Sequence[LogLine] = self.model.lines

        def work(progress: Progress, cancel: CancelToken) -> int:
            return write_csv(lines, path, progress=progress, cancel=cancel)

        job = self._jobs.run(
            f"Exporting the activity log to {path.name}",
            work,
            writes=False,
            on_finished=lambda rows: self._on_exported(job, path, rows),
            on_failed=lambda error: self._on_export_failed(job, error),
            on_cancelled=lambda: self._on_export_ended(job, "Export cancelled; no file was written."),
            context=self,
        )
        self._export_job = job
        self.job_status.track(job)
        self._update_buttons()
        return job

    def _on_exported(self, job: Job, path: Path, rows: int) -> None:
        self._on_export_ended(job, f"Wrote {_count(rows, 'row')} to {path.name}.")
        self.exported.emit(path)

    def _on_export_failed(self, job: Job, error: BaseException) -> None:
        self._on_export_ended(job, "")
        show_error(self, error, action="Cannot export the activity log")

    def _on_export_ended(self, job: Job, words: str) -> None:
        self.job_status.end(job)
        if job is self._export_job:
            self._export_job = None
        if words:
            self.check_label.setStyleSheet("")
            self.check_label.setText(words)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.verify_button.setEnabled(self._verify_job is None)
        # The CSV holds what is shown once the whole log is read.
        self.export_button.setEnabled(
            self._export_job is None and self._complete and self.model.rowCount() > 0
        )
