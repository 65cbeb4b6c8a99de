"""The status bar's running task: its title, a progress bar and Cancel, for one job at a time."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QWidget

from ui.jobs import Job


class JobStatus(QWidget):
    """Shows the job last given to `track` until it ends; hidden when there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("job_status")
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setFixedWidth(200)
        self.bar.setAccessibleName("Progress of the running task")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel the running task")
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        # As wide as its parts, as when they sat in the status bar one by one.
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.label, self.bar, self.cancel_button):
            layout.addWidget(widget)
        self._job: Job | None = None
        self.hide()

    @property
    def job(self) -> Job | None:
        return self._job

    def track(self, job: Job) -> None:
        """Show `job` (in place of any other) with what it has reported so far."""
        self._job = job
        self.label.setText(job.title)
        self.bar.setRange(0, 0)
        if job.total_count:
            self._show_progress(job.done_count, job.total_count)
        job.subscribe(self, progressed=lambda done, total: self._on_job_progressed(job, done, total))
        self.show()

    def end(self, job: Job | None) -> None:
        """`job` has ended: hide it if it is the one shown."""
        if job is not None and job is self._job:
            self._job = None
            self.hide()

    def _on_job_progressed(self, job: Job, done: int, total: int) -> None:
        if job is self._job:
            self._show_progress(done, total)

    def _show_progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)

    def _on_cancel_button_clicked(self) -> None:
        if self._job is not None:
            self._job.cancel()
