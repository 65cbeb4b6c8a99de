"""The Help menu: a guide on F1, shortcuts read from the window's actions, About saying where data lives."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from pytestqt.qtbot import QtBot

from ui.dialogs.help import AboutDialog, GuideDialog, ShortcutsDialog
from ui.main_window import MainWindow
from workbook import __version__


def test_f1_opens_the_guide_with_its_three_steps(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = window.findChild(GuideDialog)
    assert dialog is not None and dialog.isVisible()
    text = dialog.text.toPlainText()
    for step in ("1. Create a workbook", "2. Assign, track and attach proof", "3. Export for the auditor"):
        assert step in text


def test_the_shortcuts_list_is_every_key_the_window_answers(qtbot: QtBot, opened: MainWindow) -> None:
    dialog = opened.help.show_shortcuts()
    assert isinstance(dialog, ShortcutsDialog)
    listed = {(e.what, e.keys) for e in dialog.entries}
    assert ("Undo", "Ctrl+Z") in listed
    assert ("Redo", "Ctrl+Shift+Z, Ctrl+Y") in listed
    assert ("Import checklist", "Ctrl+I") in listed
    assert ("Getting started", "F1") in listed
    # Every action with a key is listed (and nothing else): the list is read, not written by hand.
    keyed = {a for a in opened.findChildren(QAction) if any(not s.isEmpty() for s in a.shortcuts())}
    native = QKeySequence.SequenceFormat.NativeText
    for action in keyed:
        keys = ", ".join(s.toString(native) for s in action.shortcuts() if not s.isEmpty())
        assert any(e.keys == keys for e in dialog.entries), action.objectName()
    assert dialog.table.rowCount() == len(dialog.entries)
    assert all("&" not in e.what.replace("&&", "") for e in dialog.entries)


def test_about_names_the_version_the_licence_and_where_the_open_workbook_is(
    opened: MainWindow, workbook_file: Path
) -> None:
    dialog = opened.help.show_about()
    assert isinstance(dialog, AboutDialog)
    text = dialog.text.text()
    assert f"Audit Workbook {__version__}" in text
    assert "MIT" in text
    assert str(workbook_file) in text
    assert "mapping-profiles.json" in text


def test_the_help_menu_offers_the_demo(window: MainWindow) -> None:
    assert window.demo_action in window.help.menu.actions()
    titles = [a.text() for a in window.help.menu.actions() if a.text()]
    assert titles == ["&Getting started", "&Keyboard shortcuts", "Open &demo", "&About Audit Workbook"]
