"""Edit → Preferences…: your name, the look, the export dialog's defaults, and this workbook's evidence
freshness window (how old a file may be before it is flagged)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui.geometry import fitted_size
from ui.settings import Settings

THEME_WORDS = {"system": "As the system", "light": "Light", "dark": "Dark"}
OUTPUT_WORDS = {"pdf": "PDF package", "zip": "Zip of originals", "xlsx": "Filled-in checklist"}


@dataclass(frozen=True)
class Chosen:
    """What the dialog was left with (read after it is accepted)."""

    display_name: str
    theme: str
    page_size: str
    final: bool
    outputs: tuple[str, ...]
    export_folder: str
    backups_kept: int
    freshness_days: int | None  # None: no workbook open (or read-only): nothing to change there


class PreferencesDialog(QDialog):
    """The form only: the window saves what was chosen and applies the theme (`MainWindow.preferences`)."""

    def __init__(self, settings: Settings, freshness_days: int | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferences_dialog")
        self.setWindowTitle("Preferences")

        you = QGroupBox("You")
        you_form = QFormLayout(you)
        self.name = QLineEdit(settings.display_name)
        self.name.setObjectName("preferences_name")
        self.name.setPlaceholderText("as the activity log should name you")
        you_form.addRow("Your &name", self.name)
        you_form.addRow(
            QLabel("Used from the next workbook you open; every change you make is logged with it.")
        )

        look = QGroupBox("Appearance")
        look_form = QFormLayout(look)
        self.theme = QComboBox()
        self.theme.setObjectName("preferences_theme")
        for key, words in THEME_WORDS.items():
            self.theme.addItem(words, key)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        look_form.addRow("&Theme", self.theme)

        export = QGroupBox("Exports start with")
        export_form = QFormLayout(export)
        self.page_size = QComboBox()
        self.page_size.setObjectName("preferences_page_size")
        self.page_size.addItem("Letter", "letter")
        self.page_size.addItem("A4", "a4")
        self.page_size.setCurrentIndex(max(0, self.page_size.findData(settings.export_page_size)))
        export_form.addRow("&Page size", self.page_size)
        self.final = QCheckBox("Final (no DRAFT stamp)")
        self.final.setObjectName("preferences_final")
        self.final.setChecked(settings.export_final)
        export_form.addRow("Kind", self.final)
        outputs = QHBoxLayout()
        self.outputs: dict[str, QCheckBox] = {}
        for key, words in OUTPUT_WORDS.items():
            box = self.outputs[key] = QCheckBox(words)
            box.setObjectName(f"preferences_output_{key}")
            box.setChecked(key in settings.export_outputs)
            outputs.addWidget(box)
        export_form.addRow("Outputs", outputs)
        folder_row = QHBoxLayout()
        self.folder = QLineEdit(settings.export_folder)
        self.folder.setObjectName("preferences_export_folder")
        self.folder.setPlaceholderText("the workbook's own folder")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose_folder)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(choose)
        export_form.addRow("Folder", folder_row)

        safety = QGroupBox("Backups")
        safety_form = QFormLayout(safety)
        self.backups = QSpinBox()
        self.backups.setObjectName("preferences_backups")
        self.backups.setRange(0, 365)
        self.backups.setSpecialValueText("none")
        self.backups.setSuffix(" days")
        self.backups.setValue(settings.backups_kept)
        safety_form.addRow("Daily backups &kept", self.backups)
        backups_note = QLabel(
            "Taken once a day when a workbook is opened, into NAME.backups beside it; one is also taken "
            "before every re-import. Restore one with audit-workbook restore."
        )
        backups_note.setWordWrap(True)
        safety_form.addRow(backups_note)

        evidence = QGroupBox("This workbook")
        evidence_form = QFormLayout(evidence)
        self.freshness = QSpinBox()
        self.freshness.setObjectName("preferences_freshness")
        self.freshness.setRange(1, 3650)
        self.freshness.setSuffix(" days")
        self.freshness.setValue(freshness_days or 365)
        self.freshness.setEnabled(freshness_days is not None)
        evidence_form.addRow("Evidence &freshness", self.freshness)
        hint = QLabel(
            "Evidence dated more than this before today (or before the end of the audit period, once it is "
            "over) is flagged as stale."
            if freshness_days is not None
            else "Open a workbook you may change to set how old its evidence may be."
        )
        hint.setWordWrap(True)
        evidence_form.addRow(hint)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for group in (you, look, export, safety, evidence):
            layout.addWidget(group)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.resize(fitted_size(self, 560, 640))
        self._had_freshness = freshness_days is not None

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def chosen(self) -> Chosen:
        return Chosen(
            display_name=" ".join(self.name.text().split()),
            theme=str(self.theme.currentData()),
            page_size=str(self.page_size.currentData()),
            final=self.final.isChecked(),
            outputs=tuple(key for key, box in self.outputs.items() if box.isChecked()),
            export_folder=self.folder.text().strip(),
            backups_kept=self.backups.value(),
            freshness_days=self.freshness.value() if self._had_freshness else None,
        )
