"""A non-modal banner naming what a workbook check found altered, with details and "Verify now"."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from workbook.model import VerifyReport

SHOWN_PROBLEMS = 50


def summary_text(report: VerifyReport) -> str:
    """One sentence a user reads first: how many problems, the first one named."""
    count = len(report.problems)
    first = report.problems[0].message
    more = f" (and {count - 1} more)" if count > 1 else ""
    return (
        f"Checking this workbook found {count} problem{'s' if count != 1 else ''}: {first}{more}. "
        "It was changed outside Audit Workbook: keep this file as it is and compare it with a backup."
    )


class VerifyBanner(QFrame):
    """Shown above the table while the last check found problems; never blocks the window."""

    verify_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verify_banner")
        self.setAccessibleName("Workbook check found problems")
        self.setStyleSheet(
            "QFrame#verify_banner { background: #fdecea; border: 1px solid #e0a39d; border-radius: 3px; }"
            " QFrame#verify_banner QLabel { color: #611a15; }"
        )
        self.message = QLabel()
        self.message.setObjectName("verify_message")
        self.message.setWordWrap(True)
        self.details = QLabel()
        self.details.setObjectName("verify_details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(self.details.textInteractionFlags().TextSelectableByMouse)
        self.details.hide()
        self.details_button = QPushButton("Show all")
        self.details_button.setObjectName("verify_details_button")
        self.details_button.setAccessibleName("Show every problem the check found")
        self.details_button.setCheckable(True)
        self.details_button.toggled.connect(self._on_details_button_toggled)
        self.again_button = QPushButton("Verify now")
        self.again_button.setObjectName("verify_again_button")
        self.again_button.setAccessibleName("Check the workbook again")
        self.again_button.clicked.connect(self.verify_requested)
        self.dismiss_button = QToolButton()
        self.dismiss_button.setText("✕")
        self.dismiss_button.setObjectName("verify_dismiss_button")
        self.dismiss_button.setAccessibleName("Hide this message")
        self.dismiss_button.setToolTip("Hide this message (File → Verify now checks again)")
        self.dismiss_button.clicked.connect(self.hide)

        top = QHBoxLayout()
        top.addWidget(self.message, 1)
        top.addWidget(self.details_button)
        top.addWidget(self.again_button)
        top.addWidget(self.dismiss_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(top)
        layout.addWidget(self.details)
        self.hide()

    def show_report(self, report: VerifyReport) -> None:
        """Show the problems of `report`, or hide when it found none."""
        if report.ok:
            self.clear()
            return
        self.message.setText(summary_text(report))
        lines = [f"• {p.message}" for p in report.problems[:SHOWN_PROBLEMS]]
        if len(report.problems) > SHOWN_PROBLEMS:
            lines.append(f"… and {len(report.problems) - SHOWN_PROBLEMS} more (run `audit-workbook verify`).")
        self.details.setText("\n".join(lines))
        self.details_button.setVisible(len(report.problems) > 1)
        self.show()

    def clear(self) -> None:
        self.details_button.setChecked(False)
        self.hide()

    def _on_details_button_toggled(self, on: bool) -> None:
        self.details.setVisible(on)
        self.details_button.setText("Hide list" if on else "Show all")
