"""Edit → Preferences…: name, theme, export defaults and the workbook's freshness window, saved and used."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.writes import saved
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ui.dialogs.export_dialog import ExportDialog
from ui.main_window import MainWindow
from ui.theme import apply_theme, is_dark


@pytest.fixture(autouse=True)
def system_theme_after() -> Iterator[None]:
    yield
    apply_theme("system")


def test_preferences_are_saved_the_theme_applies_and_the_export_dialog_starts_from_them(
    qtbot: QtBot, opened: MainWindow
) -> None:
    assert opened.workbook is not None
    assert opened.workbook.engagement().freshness_days == 365
    dialog = opened.preferences()
    assert dialog.freshness.isEnabled() and dialog.freshness.value() == 365
    dialog.name.setText("  Dana   Ops ")
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.page_size.setCurrentIndex(dialog.page_size.findData("a4"))
    dialog.final.setChecked(True)
    dialog.outputs["zip"].setChecked(False)
    dialog.outputs["xlsx"].setChecked(False)
    dialog.freshness.setValue(30)
    dialog.accept()
    saved(qtbot, opened)

    settings = opened.settings
    assert (settings.display_name, settings.theme, settings.export_page_size) == ("Dana Ops", "dark", "a4")
    assert settings.export_final and settings.export_outputs == ("pdf",)
    assert is_dark(QApplication.palette())
    assert opened.workbook.engagement().freshness_days == 30
    entries = [e for e in opened.workbook.activity.list() if e.action == "engagement.set"]
    assert [(e.field, e.before, e.after) for e in entries] == [("freshness_days", "365", "30")]

    opened.export_action.trigger()
    export = opened.findChild(ExportDialog)
    assert export is not None
    assert export.page_size.currentData() == "a4"
    assert export.final.isChecked()
    assert (export.pdf.isChecked(), export.zip.isChecked(), export.xlsx.isChecked()) == (True, False, False)
    assert export.options().page_size == "a4"
    export.reject()


def test_without_a_workbook_the_freshness_window_cannot_be_set_and_cancel_changes_nothing(
    window: MainWindow,
) -> None:
    before = QApplication.palette().color(QPalette.ColorRole.Window).name()
    dialog = window.preferences()
    assert not dialog.freshness.isEnabled()
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.reject()
    assert window.settings.theme == "system"
    assert QApplication.palette().color(QPalette.ColorRole.Window).name() == before
