"""Set due date of the selected requests: a date typed or picked, or none; a bad value is said, not lost."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from ui.geometry import fit_dialog
from ui.widgets.date_field import DateField


class DueDateDialog(QDialog):
    """Asks for one due date; OK with a value that is not a date keeps the dialog open and says why.

    `due` holds the answer once accepted (None: no due date).
    """

    def __init__(self, target: str, current: dt.date | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("due_date_dialog")
        self.setWindowTitle("Set due date")
        self.due: dt.date | None = None
        label = QLabel(f"Due date of {target} (leave empty for none):")
        self.field = DateField("due_date_edit", "Due date", "No due date")
        self.field.set_date(current)
        label.setBuddy(self.field)
        self.problem = QLabel()
        self.problem.setObjectName("due_date_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("QLabel { color: #c62828; }")
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.field)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        fit_dialog(self, 380, self.sizeHint().height())
        self.field.edit.selectAll()

    def _on_buttons_accepted(self) -> None:
        if not self.field.is_valid():
            self.problem.setText(self.field.problem())
            self.problem.show()
            self.field.setFocus()
            return
        self.due = self.field.date()
        self.accept()
