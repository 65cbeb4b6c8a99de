"""Export dialog: PDF package, zip bundle, filled-in checklist; scope, draft/final, progress and cancel."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ui.geometry import fit_dialog
from ui.jobs import Job, JobRunner
from ui.messages import show_error
from workbook.errors import UserError
from workbook.model import Status

if TYPE_CHECKING:
    from workbook.model import ExportResult
    from workbook.services.workbook import Workbook

ANY = "__any__"


def file_stem(client: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", client).strip("-") or "workbook"


class ExportDialog(QDialog):
    """Asks what to export and where, runs the export as a job, then offers to open or show the result."""

    export_finished = Signal(object)
    # The folder an export was started in (created first if the user asked): remembered for the next one.
    folder_used = Signal(str)

    def __init__(
        self,
        workbook: Workbook,
        jobs: JobRunner,
        folder: str,
        sections: Sequence[str],
        parent: QWidget | None = None,
        *,
        page_size: str = "letter",
        final: bool = False,
        outputs: Sequence[str] = ("pdf", "zip", "xlsx"),
    ) -> None:
        """`page_size`, `final` and `outputs` are what the dialog starts with (Preferences set them)."""
        super().__init__(parent)
        self.setObjectName("export_dialog")
        self.setWindowTitle("Export evidence package")
        self._workbook = workbook
        self._jobs = jobs
        self._job: Job | None = None
        self.result_value: ExportResult | None = None
        client = workbook.engagement().client
        self._stem = f"{file_stem(client)}-{dt.date.today():%Y-%m-%d}"

        what = QGroupBox("What to export")
        what_layout = QVBoxLayout(what)
        self.pdf = QCheckBox("PDF evidence package (bookmarked, hash-stamped)")
        self.zip = QCheckBox("Zip of the original files with a manifest (BagIt)")
        self.xlsx = QCheckBox("The auditor's checklist with the answers filled in")
        for key, box in (("pdf", self.pdf), ("zip", self.zip), ("xlsx", self.xlsx)):
            box.setAccessibleName(box.text())
            box.setChecked(key in outputs)
            what_layout.addWidget(box)

        scope = QGroupBox("Which requests")
        scope_form = QFormLayout(scope)
        self.status = QComboBox()
        self.status.setAccessibleName("Export requests with status")
        self.status.addItem("Every request", ANY)
        self.status.addItem("Ready for the auditor or accepted", "ready")
        for status in Status:
            self.status.addItem(status.label, status.value)
        self.section = QComboBox()
        self.section.setAccessibleName("Export requests of section")
        self.section.addItem("Every section", ANY)
        for name in sections:
            self.section.addItem(name, name)
        scope_form.addRow("Status", self.status)
        scope_form.addRow("Section", self.section)

        kind = QGroupBox("Draft or final")
        kind_layout = QHBoxLayout(kind)
        self.draft = QRadioButton("Draft (stamped DRAFT)")
        self.final = QRadioButton("Final")
        (self.final if final else self.draft).setChecked(True)
        kind_layout.addWidget(self.draft)
        kind_layout.addWidget(self.final)
        kind_layout.addStretch(1)
        self.page_size = QComboBox()
        self.page_size.setObjectName("export_page_size")
        self.page_size.setAccessibleName("Page size of the PDF's own pages")
        self.page_size.addItem("Letter", "letter")
        self.page_size.addItem("A4", "a4")
        self.page_size.setCurrentIndex(max(0, self.page_size.findData(page_size)))
        kind_layout.addWidget(QLabel("Page size"))
        kind_layout.addWidget(self.page_size)

        where = QHBoxLayout()
        self.folder = QLineEdit(folder)
        self.folder.setAccessibleName("Destination folder")
        browse = QPushButton("Choose…")
        browse.setAccessibleName("Choose the destination folder")
        browse.clicked.connect(self._on_browse_clicked)
        where.addWidget(QLabel("Save in"))
        where.addWidget(self.folder, 1)
        where.addWidget(browse)

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Export progress")
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        # A "0%" bar before anything started read as a stuck export: shown only while one runs or after.
        policy = self.progress.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.progress.setSizePolicy(policy)
        self.progress.hide()
        self.message = QLabel("")
        self.message.setObjectName("export_message")
        self.message.setWordWrap(True)

        buttons = QHBoxLayout()
        self.show_folder = QPushButton("Show in folder")
        self.open_file = QPushButton("Open")
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.close_button = QPushButton("Close")
        self.show_folder.clicked.connect(self._on_show_folder_clicked)
        self.open_file.clicked.connect(self._on_open_clicked)
        self.export_button.clicked.connect(self._on_export_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.close_button.clicked.connect(self.reject)
        for button in (self.show_folder, self.open_file):
            button.hide()
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (self.export_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        self.cancel_button.hide()
        for box in (self.pdf, self.zip, self.xlsx):
            box.toggled.connect(self._update_buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addWidget(scope)
        layout.addWidget(kind)
        layout.addLayout(where)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.create_folder_box: QMessageBox | None = None
        fit_dialog(self, 600, self.sizeHint().height())

    def _update_buttons(self) -> None:
        self.export_button.setEnabled(self.pdf.isChecked() or self.zip.isChecked() or self.xlsx.isChecked())

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def _on_export_clicked(self) -> None:
        """Export; a folder that does not exist yet is offered to be created first (not refused)."""
        text = self.folder.text().strip()
        folder = Path(text).expanduser()
        if not text:
            self.message.setText("Choose the folder to save the package in.")
            return
        if folder.is_dir():
            self.start()
            return
        if folder.exists():
            self.message.setText(f"{folder} is a file, not a folder: choose a folder to save the package in.")
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Create the folder?",
            f"The folder {folder} does not exist yet. Create it and export there?",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setObjectName("create_folder_box")
        create = box.addButton("Create folder and export", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(create)
        box.finished.connect(lambda _result: self._on_create_folder_answered(box, create, folder))
        self.create_folder_box = box
        box.open()

    def _on_create_folder_answered(self, box: QMessageBox, create: QAbstractButton, folder: Path) -> None:
        self.create_folder_box = None
        if box.clickedButton() is not create:
            self.message.setText("Nothing was exported: choose or create the folder to save the package in.")
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            show_error(
                self, UserError(f"could not create the folder ({error.strerror or error})", where=str(folder))
            )
            return
        self.start()

    def options(self) -> Any:
        from workbook.model import ExportOptions

        folder = Path(self.folder.text().strip()).expanduser()
        status = self.status.currentData()
        if status == ANY:
            statuses: tuple[Status, ...] = ()
        elif status == "ready":
            statuses = (Status.READY_FOR_AUDITOR, Status.ACCEPTED)
        else:
            statuses = (Status(status),)
        section = self.section.currentData()
        return ExportOptions(
            pdf=folder / f"{self._stem}.pdf" if self.pdf.isChecked() else None,
            zip=folder / f"{self._stem}.zip" if self.zip.isChecked() else None,
            xlsx=folder / f"{self._stem}-checklist.xlsx" if self.xlsx.isChecked() else None,
            final=self.final.isChecked(),
            page_size="a4" if self.page_size.currentData() == "a4" else "letter",
            statuses=statuses,
            sections=() if section == ANY else (str(section),),
        )

    def start(self) -> Job:
        from workbook.services.exporting import ExportService

        options = self.options()
        service = ExportService(self._workbook)
        self.folder_used.emit(str(Path(self.folder.text().strip()).expanduser()))

        def work(progress: Callable[[int, int], None], cancel: Any) -> ExportResult:
            return service.export(options, progress=progress, cancel=cancel)

        job = self._jobs.run(
            "Exporting",
            work,
            writes=True,
            on_finished=self._on_job_finished,
            on_failed=self._on_job_failed,
            on_cancelled=self._on_job_cancelled,
            on_progress=self._on_job_progressed,
            context=self,
        )
        self._job = job
        self.progress.setValue(0)
        self.progress.show()
        self.message.setText("Exporting…")
        self.export_button.setEnabled(False)
        self.cancel_button.show()
        return job

    def _on_job_progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _finish(self) -> None:
        self._job = None
        self.cancel_button.hide()
        self.export_button.setEnabled(True)

    def _on_job_finished(self, result: ExportResult) -> None:
        self._finish()
        self.result_value = result
        self.progress.setValue(self.progress.maximum())
        names = ", ".join(o.path.name for o in result.outputs)
        text = f"Exported {result.requests} requests and {result.evidence} evidence files: {names}."
        if result.problems:
            text += "\n" + "\n".join(f"• {p}" for p in result.problems[:5])
        self.message.setText(text)
        self.show_folder.show()
        self.open_file.show()
        self.export_finished.emit(result)

    def _on_job_failed(self, error: BaseException) -> None:
        self._finish()
        self.message.setText("The export did not finish; nothing was written.")
        show_error(self, error, action="Export")

    def _on_job_cancelled(self) -> None:
        self._finish()
        self.progress.setValue(0)
        self.progress.hide()
        self.message.setText("Cancelled; nothing was written.")

    def _on_cancel_clicked(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def _first_output(self) -> Path | None:
        if self.result_value is None or not self.result_value.outputs:
            return None
        return self.result_value.outputs[0].path

    def _on_show_folder_clicked(self) -> None:
        path = self._first_output()
        if path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))

    def _on_open_clicked(self) -> None:
        path = self._first_output()
        if path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def reject(self) -> None:
        if self._job is not None:
            self._job.cancel()
        super().reject()
