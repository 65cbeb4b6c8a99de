"""The selected evidence file's details: effective date, source system, what it shows, provenance hint."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QWidget,
)

from ui.widgets.date_field import DateField
from workbook.model import EvidenceDetails, EvidenceLink

DETAIL_FIELDS = (
    ("description", "Description", "What this file is"),
    ("source_system", "Source system", "e.g. Okta admin console, Jira, AWS IAM"),
    ("shows", "What it shows", "e.g. MFA enforced for all users"),
    ("population", "Population", "e.g. all 212 active employees"),
    ("period_covered", "Period covered", "e.g. Q1 2026"),
)
PROVENANCE_FLAG = "provenance_missing"
PROVENANCE_HINT = (
    "This screenshot does not say where it comes from. Auditors ask: fill in the source system "
    "and what it shows."
)
# An undated file is asked about, not stamped with today (which flagged every new file as out of period).
UNDATED_PROMPT = "When is this evidence from? Type the date it shows (or pick it) and save."
TITLE_CHARS = 24
NEVER_EXPORT_TIP = (
    "Kept in this workbook, left out of every package, zip and filled-in checklist (applies at once; undo "
    "brings it back)"
)


class EvidenceDetailsBox(QGroupBox):
    """Edits one evidence file's details; `saved` carries its SHA-256 and the details when they changed.

    `never_export_toggled` (SHA-256, name, on) is emitted at once when "Never export" is clicked.
    """

    saved = Signal(str, object)
    never_export_toggled = Signal(str, str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Details of the selected file", parent)
        self.setObjectName("evidence_details")
        self._link: EvidenceLink | None = None
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.effective = DateField("effective_date", "Effective date", "No date")
        self.effective.edit.returnPressed.connect(self._on_save_details_clicked)
        self.clear_effective = QToolButton()
        self.clear_effective.setObjectName("clear_effective_date")
        self.clear_effective.setText("Clear")
        self.clear_effective.setAccessibleName("Clear effective date")
        self.clear_effective.clicked.connect(lambda: self.effective.set_date(None))
        effective_row = QHBoxLayout()
        effective_row.addWidget(self.effective, 1)
        effective_row.addWidget(self.clear_effective)
        self.detail_edits: dict[str, QLineEdit] = {}
        self.undated_prompt = QLabel(UNDATED_PROMPT)
        self.undated_prompt.setObjectName("undated_prompt")
        self.undated_prompt.setWordWrap(True)
        self.undated_prompt.setStyleSheet("QLabel { color: #8a5300; }")
        self.undated_prompt.hide()
        form.addRow(self.undated_prompt)
        form.addRow("Effective", effective_row)
        self.problem = QLabel()
        self.problem.setObjectName("evidence_details_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("QLabel { color: #c62828; }")
        self.problem.hide()
        form.addRow(self.problem)
        for name, label, placeholder in DETAIL_FIELDS:
            edit = QLineEdit()
            edit.setObjectName(f"evidence_{name}")
            edit.setAccessibleName(label)
            edit.setPlaceholderText(placeholder)
            edit.returnPressed.connect(self._on_save_details_clicked)
            self.detail_edits[name] = edit
            form.addRow(label, edit)
        self.provenance_hint = QLabel(PROVENANCE_HINT)
        self.provenance_hint.setObjectName("provenance_hint")
        self.provenance_hint.setWordWrap(True)
        self.provenance_hint.setStyleSheet("QLabel { color: #8a5300; }")
        self.provenance_hint.hide()
        form.addRow(self.provenance_hint)
        self.never_export = QCheckBox("Never export this file")
        self.never_export.setObjectName("never_export_box")
        self.never_export.setAccessibleName("Never export this file")
        self.never_export.setToolTip(NEVER_EXPORT_TIP)
        # clicked, not toggled: showing another file's state must not emit.
        self.never_export.clicked.connect(self._on_never_export_clicked)
        self.save_details = QPushButton("Save details")
        self.save_details.setObjectName("save_details_button")
        self.save_details.setAccessibleName("Save the evidence details")
        self.save_details.clicked.connect(self._on_save_details_clicked)
        row = QHBoxLayout()
        row.addWidget(self.never_export)
        row.addStretch(1)
        row.addWidget(self.save_details)
        form.addRow(row)
        self.hide()

    def set_writable(self, writable: bool) -> None:
        self.save_details.setEnabled(writable)
        self.clear_effective.setEnabled(writable)
        self.never_export.setEnabled(writable)

    def show_link(self, link: EvidenceLink | None) -> None:
        """The details of `link`'s file; hidden for None (no file or several selected)."""
        self._link = link
        if link is None:
            self.hide()
            return
        evidence = link.evidence
        # A group box is as wide as its title: a long name pushed the panel past its scroll area at 1024 px.
        name = evidence.name
        title = name if len(name) <= TITLE_CHARS else name[: TITLE_CHARS - 1] + "…"
        self.setTitle(f"Details of {title}")
        self.effective.set_date(evidence.effective_date)
        self.undated_prompt.setVisible(evidence.effective_date is None and link.current)
        self.problem.hide()
        for field, edit in self.detail_edits.items():
            edit.setText(str(getattr(evidence, field)))
        # The service's own flag, so the hint and the list's warning never disagree.
        self.provenance_hint.setVisible(PROVENANCE_FLAG in link.flags)
        self.never_export.setChecked(evidence.never_export)
        self.show()

    def current_details(self) -> EvidenceDetails:
        """The details as typed; raises ValueError when the effective date is not a date."""
        texts = {name: edit.text().strip() for name, edit in self.detail_edits.items()}
        return EvidenceDetails(effective_date=self.effective.date(), **texts)

    def ask_date(self) -> None:
        """Put the cursor in the effective date (Details… on an undated file)."""
        self.effective.edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.effective.edit.selectAll()

    def _on_save_details_clicked(self) -> None:
        if self._link is None or not self.save_details.isEnabled():
            return
        # A date that is not one keeps everything typed in the box, with words saying what is accepted.
        self.problem.setText(self.effective.problem())
        self.problem.setVisible(not self.effective.is_valid())
        if not self.effective.is_valid():
            return
        details = self.current_details()
        if details != EvidenceDetails.of(self._link.evidence):
            self.saved.emit(self._link.evidence.sha256, details)

    def _on_never_export_clicked(self, on: bool) -> None:
        if self._link is not None:
            evidence = self._link.evidence
            self.never_export_toggled.emit(evidence.sha256, evidence.name, on)
