"""New workbook: client, framework, audit period, auditor firm, where to save it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
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

from ui.geometry import fit_dialog
from ui.widgets.date_field import DateField

FRAMEWORKS = ("SOC 2 Type II", "SOC 2 Type I", "ISO 27001", "HIPAA", "PCI DSS", "Other")


@dataclass(frozen=True)
class NewWorkbookRequest:
    path: Path
    client: str
    framework: str
    period_start: dt.date
    period_end: dt.date
    auditor: str


# Kept in a file name as typed; anything else (`/`, `:`, `?`, `*`…) becomes "_".
_NAME_PUNCTUATION = " -_.,&'()+"


def file_stem(client: str) -> str:
    """A file name for the client's workbook: `Brightpath Labs Inc.` → `Brightpath Labs Inc`.

    Characters a file system refuses become "_"; punctuation at either end is dropped, not replaced (a
    trailing dot is not allowed on Windows, and "Inc_" reads as a typo).
    """
    kept = "".join(ch if ch.isalnum() or ch in _NAME_PUNCTUATION else "_" for ch in client)
    stem = re.sub(r"_{2,}", "_", " ".join(kept.split()))
    return stem.strip(" ._-,&'+") or "workbook"


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
        year = dt.date.today().year
        self.period_start = DateField("period_start", "Audit period start")
        self.period_end = DateField("period_end", "Audit period end")
        self.period_start.set_date(dt.date(year, 1, 1))
        self.period_end.set_date(dt.date(year, 12, 31))
        period = QHBoxLayout()
        period.addWidget(self.period_start, 1)
        period.addWidget(QLabel("to"))
        period.addWidget(self.period_end, 1)
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
        # A row given a layout gets a label without a buddy, which shows its "&" as text: each label is ours.
        for text, buddy, field in (
            ("&Client", self.client, self.client),
            ("&Framework", self.framework, self.framework),
            ("Audit &period", self.period_start, period),
            ("&Auditor", self.auditor, self.auditor),
            ("&Save as", self.path, where),
        ):
            label = QLabel(text)
            label.setBuddy(buddy)
            form.addRow(label, field)
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
        fit_dialog(self, 560, self.sizeHint().height())
        self.result_request: NewWorkbookRequest | None = None

    def _on_client_changed(self, text: str) -> None:
        if not self._path_edited:
            self.path.setText(str(Path(self._folder) / f"{file_stem(text)}.auditwb"))

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
        if not client:
            self._say("Enter the client's name.")
            return
        for field, which in ((self.period_start, "start"), (self.period_end, "end")):
            if not field.is_valid() or field.date() is None:
                self._say(f"The audit period's {which}: {field.problem() or 'enter a date.'}")
                field.setFocus()
                return
        start, end = self.period_start.date(), self.period_end.date()
        assert start is not None and end is not None
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
