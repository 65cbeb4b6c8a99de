"""What a workbook check the user asked for found: "intact" with the log's head, or every problem named."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.geometry import fit_dialog
from workbook.model import VerifyReport

ALTERED_ADVICE = (
    "The workbook was changed outside Audit Workbook. Keep this file as it is (do not edit or repair it yet) "
    "and compare it with a backup or the copy the auditor has."
)


def _plural(count: int, one: str, many: str = "") -> str:
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def headline(report: VerifyReport) -> str:
    if report.ok:
        return "Intact: nothing was altered."
    return f"The check found {_plural(len(report.problems), 'problem')}."


def checked_words(report: VerifyReport) -> str:
    return (
        f"Checked {_plural(report.evidence_checked, 'evidence file')} and "
        f"{_plural(report.activity_checked, 'activity log entry', 'activity log entries')}."
    )


def report_text(report: VerifyReport) -> str:
    """The whole result as plain text (what Copy puts on the clipboard)."""
    lines = [headline(report), checked_words(report), f"Activity log head: {report.head}"]
    if report.problems:
        lines.append("")
        lines.extend(f"• {problem.message}" for problem in report.problems)
    if report.not_covered:
        lines.append("")
        lines.append("Not checked:")
        lines.extend(f"• {gap}" for gap in report.not_covered)
    return "\n".join(lines)


class VerifyResultDialog(QDialog):
    """Opened (not exec'd) when a check the user asked for ends; Copy puts the result on the clipboard."""

    def __init__(self, report: VerifyReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verify_result_dialog")
        self.setWindowTitle("Workbook check")
        self.report = report
        self.headline = QLabel(headline(report))
        self.headline.setObjectName("verify_result_headline")
        font = self.headline.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.headline.setFont(font)
        if not report.ok:
            self.headline.setStyleSheet("QLabel { color: #b71c1c; }")
        checked = QLabel(checked_words(report))
        checked.setWordWrap(True)
        self.head = QLabel(f"Activity log head: {report.head}")
        self.head.setObjectName("verify_result_head")
        self.head.setWordWrap(True)
        self.head.setTextInteractionFlags(self.head.textInteractionFlags().TextSelectableByMouse)
        self.head.setToolTip("What a later `audit-workbook verify --expect-head` can compare the log with")
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(checked)
        layout.addWidget(self.head)
        self.problems = QPlainTextEdit()
        self.problems.setObjectName("verify_result_problems")
        self.problems.setAccessibleName("What the check found")
        self.problems.setReadOnly(True)
        details = [f"• {problem.message}" for problem in report.problems]
        if report.not_covered:
            details += ["", "Not checked:", *(f"• {gap}" for gap in report.not_covered)]
        self.problems.setPlainText("\n".join(details))
        self.problems.setVisible(bool(details))
        if report.problems:
            advice = QLabel(ALTERED_ADVICE)
            advice.setWordWrap(True)
            layout.addWidget(advice)
        layout.addWidget(self.problems, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setAccessibleName("Copy the result of the check")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        fit_dialog(self, 640, 420 if details else self.sizeHint().height())

    def text(self) -> str:
        return report_text(self.report)

    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
