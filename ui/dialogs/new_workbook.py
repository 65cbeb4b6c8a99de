"""New workbook: client, framework, audit period, auditor firm, where to save it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

FRAMEWORKS = ("SOC 2 Type II", "SOC 2 Type I", "ISO 27001", "HIPAA", "PCI DSS", "Other")


@dataclass(frozen=True)
class NewWorkbookRequest:
    path: Path
    client: str
    framework: str
    period_start: dt.date
    period_end: dt.date
    auditor: str


def _date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class NewWorkbookDialog(QDialog):
    def __init__(self, folder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New workbook")
        self.setObjectName("new_workbook_dialog")
        self._folder = folder
        self._path_edited = False
        form = QFormLayout()
        self.client = QLineEdit()
        self.client.setObjectName("client_edit")
        self.client.setAccessibleName("Client")
        self.client.setPlaceholderText("Acme Corp")
        self.client.textChanged.connect(self._on_client_changed)
        self.framework = QComboBox()
        self.framework.setEditable(True)
        self.framework.addItems(FRAMEWORKS)
        self.framework.setAccessibleName("Framework")
        today = QDate.currentDate()
        self.period_start = QDateEdit(QDate(today.year(), 1, 1))
        self.period_end = QDateEdit(QDate(today.year(), 12, 31))
        for edit, name in ((self.period_start, "Audit period start"), (self.period_end, "Audit period end")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
        period = QHBoxLayout()
        period.addWidget(self.period_start)
        period.addWidget(QLabel("to"))
        period.addWidget(self.period_end)
        self.auditor = QLineEdit()
        self.auditor.setAccessibleName("Auditor firm")
        self.auditor.setPlaceholderText("The audit firm (optional)")
        self.path = QLineEdit()
        self.path.setObjectName("path_edit")
        self.path.setAccessibleName("Save as")
        self.path.textEdited.connect(self._on_path_edited)
        browse = QPushButton("Choose…")
        browse.setAccessibleName("Choose where to save the workbook")
        browse.clicked.connect(self._on_browse_clicked)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)
        form.addRow("&Client", self.client)
        form.addRow("&Framework", self.framework)
        form.addRow("Audit &period", period)
        form.addRow("&Auditor", self.auditor)
        form.addRow("&Save as", where)
        self.problem = QLabel()
        self.problem.setObjectName("new_workbook_problem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        self.buttons.accepted.connect(self._on_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self.result_request: NewWorkbookRequest | None = None

    def _on_client_changed(self, text: str) -> None:
        if not self._path_edited:
            stem = "".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in text).strip() or "workbook"
            self.path.setText(str(Path(self._folder) / f"{stem}.auditwb"))

    def _on_path_edited(self) -> None:
        self._path_edited = True

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the new workbook as", self.path.text(), "Audit workbooks (*.auditwb)"
        )
        if path:
            self._path_edited = True
            self.path.setText(path if path.endswith(".auditwb") else path + ".auditwb")

    def _say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def _on_accepted(self) -> None:
        client = self.client.text().strip()
        path = Path(self.path.text().strip()).expanduser()
        start, end = _date(self.period_start.date()), _date(self.period_end.date())
        if not client:
            self._say("Enter the client's name.")
            return
        if end < start:
            self._say("The audit period ends before it starts.")
            return
        if not self.path.text().strip() or not path.parent.is_dir():
            self._say("Choose a folder that exists to save the workbook in.")
            return
        if path.exists():
            self._say(f"{path.name} already exists there; choose another name.")
            return
        self.result_request = NewWorkbookRequest(
            path, client, self.framework.currentText().strip(), start, end, self.auditor.text().strip()
        )
        self.accept()
