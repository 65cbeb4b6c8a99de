"""Add samples: pasted text and the auditor's selection spreadsheet, previewed with what is left out."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from ui.dialogs.sample_selection import SPREADSHEET, SampleSelectionDialog
from ui.jobs import JobRunner

SELECTION = (
    "Selection for control HR-03,,\n"
    ",,\n"
    "Employee ID,Name,Hire date\n"
    "EMP-0042,Alex Kim,2026-02-03\n"
    "EMP-0107,Priya Raman,2026-02-17\n"
    "EMP-0119,Jonas Weber,2026-03-02\n"
    "EMP-0107,Priya Raman,2026-02-17\n"
)


@pytest.fixture
def dialog(qtbot: QtBot, tmp_path: Path) -> SampleSelectionDialog:
    made = SampleSelectionDialog(
        "PBC-004", JobRunner(), str(tmp_path), ["EMP-0042"], choose_file=lambda parent, folder: ""
    )
    qtbot.addWidget(made)
    made.show()
    return made


def previewed(dialog: SampleSelectionDialog) -> list[tuple[str, str]]:
    table = dialog.preview
    return [(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())]


def ok_button(dialog: SampleSelectionDialog) -> str:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).text()


def test_typed_ids_are_previewed_without_those_the_request_has_and_a_bad_id_is_explained(
    dialog: SampleSelectionDialog,
) -> None:
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dialog.text.setPlainText(f"CHG-2291;Firewall change\nEMP-0042\tAlex Kim\n{'9' * 130}\nCHG-2305\n")
    assert previewed(dialog) == [("CHG-2291", "Firewall change"), ("CHG-2305", "")]
    assert "line 3: the sample id is longer than 120 characters" in dialog.skipped.toPlainText()
    assert dialog.skipped.isVisible()
    assert ok_button(dialog) == "Add 2 samples"
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.items == (("CHG-2291", "Firewall change"), ("CHG-2305", ""))


def test_a_selection_spreadsheet_is_read_as_any_checklist_layout_and_its_id_column_can_be_chosen(
    qtbot: QtBot, dialog: SampleSelectionDialog, tmp_path: Path
) -> None:
    path = tmp_path / "hr-03-selection.csv"
    path.write_text(SELECTION, encoding="utf-8")
    dialog.read_file(path)
    assert dialog.tabs.currentIndex() == 1
    qtbot.waitUntil(lambda: not dialog.reading, timeout=10000)
    assert previewed(dialog) == [("EMP-0107", "Priya Raman"), ("EMP-0119", "Jonas Weber")]
    assert "ids from column Employee ID" in dialog.preview_label.text()
    labels = [dialog.column_picker.itemText(i) for i in range(dialog.column_picker.count())]
    assert labels[0] == "As the reader chose (Employee ID)"
    assert "B · Name" in labels

    dialog.column_picker.setCurrentIndex(labels.index("B · Name"))
    dialog.column_picker.activated.emit(dialog.column_picker.currentIndex())
    qtbot.waitUntil(lambda: not dialog.reading, timeout=10000)
    assert [code for code, _ in previewed(dialog)] == ["Alex Kim", "Priya Raman", "Jonas Weber"]
    assert dialog.column_picker.currentText() == "B · Name"


def test_a_file_that_is_not_a_spreadsheet_is_said_in_words_and_adds_nothing(
    qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "selection.xlsx"
    path.write_bytes(b"not a zip at all")
    made = SampleSelectionDialog("PBC-004", JobRunner(), str(tmp_path), mode=SPREADSHEET)
    qtbot.addWidget(made)
    made.read_file(path)
    qtbot.waitUntil(lambda: not made.reading, timeout=10000)
    assert made.preview.rowCount() == 0
    assert made.preview_label.text()
    assert not made.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
