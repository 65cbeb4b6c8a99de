"""Errors into words: user errors explain, bugs get a copyable report written to the log."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from ui.messages import log_file, show_error
from workbook.errors import ReadOnlyError, UserError


def test_a_user_error_says_what_where_and_what_to_do(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    error = UserError(
        "the header row has no Ref column",
        where="checklist.xlsx, sheet PBC, row 4",
        hint="map a column to Ref by hand",
    )
    box = show_error(parent, error)
    assert box.windowTitle() == "Please check"
    assert box.text() == "The header row has no Ref column"
    assert box.informativeText() == "Where: checklist.xlsx, sheet PBC, row 4\nMap a column to Ref by hand"
    assert box.icon() == QMessageBox.Icon.Warning
    box.close()


def test_a_read_only_error_is_titled_as_such(qtbot: QtBot) -> None:
    box = show_error(None, ReadOnlyError("this workbook is open read-only", hint="in use by Sam"))
    assert box.windowTitle() == "Read-only workbook"
    box.close()


def test_a_bug_gets_a_report_with_the_traceback_and_a_log_entry(qtbot: QtBot) -> None:
    try:
        {}["missing"]
    except KeyError as error:
        box = show_error(None, error, action="Saving notes")
    assert box.windowTitle() == "Something went wrong"
    assert "KeyError: 'missing'" in box.detailedText()
    assert str(log_file()) in box.informativeText()
    assert "KeyError: 'missing'" in log_file().read_text(encoding="utf-8")
    box.close()
