"""What a first-time user met: shortcuts, a steady toolbar, a small screen, empty states, dialogs, export."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
from helpers.writes import saved
from PySide6 import QtGui
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QDialog, QLabel, QMessageBox, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from ui.dialogs.export_dialog import ExportDialog
from ui.dialogs.import_wizard import ImportWizard
from ui.dialogs.new_workbook import NewWorkbookDialog, file_stem
from ui.geometry import fitted
from ui.main_window import MainWindow
from ui.models.request_table_model import Column
from ui.settings import DEFAULTS, Key
from ui.widgets.request_panel import PanelTab
from ui.widgets.request_table import TableState
from workbook.model import Actor, FieldChange
from workbook.services.workbook import Workbook


def shortcuts(window: QWidget) -> list[tuple[str, str, str]]:
    """Every key of the window's actions and shortcuts (menus' and children's too): (key, scope, owner).

    The scope is "window" for what works wherever the focus is, else the one widget a shortcut works in.
    """
    keys = []
    for action in window.findChildren(QAction):
        scope = "window" if action.shortcutContext() != Qt.ShortcutContext.WidgetShortcut else "widget"
        keys += [(k.toString(), scope, action.objectName()) for k in action.shortcuts() if not k.isEmpty()]
    for shortcut in window.findChildren(QShortcut):
        parent = shortcut.parent()
        widget_only = shortcut.context() == Qt.ShortcutContext.WidgetShortcut
        scope = parent.objectName() if widget_only and isinstance(parent, QWidget) else "window"
        keys.append((shortcut.key().toString(), scope, f"shortcut of {parent.objectName()}"))
    return keys


def test_no_key_of_the_main_window_is_bound_twice(opened: MainWindow) -> None:
    """One key on two actions (or twice on one) is an "ambiguous shortcut" that Qt never triggers."""
    keys = shortcuts(opened)
    assert len(keys) > 15
    window_wide = collections.Counter(key for key, scope, _ in keys if scope == "window")
    in_widget = collections.Counter((key, scope) for key, scope, _ in keys if scope != "window")
    twice = {key for key, count in window_wide.items() if count > 1}
    twice |= {key for (key, _), count in in_widget.items() if count > 1 or key in window_wide}
    assert not twice, [entry for entry in keys if entry[0] in twice]
    assert [k.toString() for k in opened.redo_action.shortcuts()] == ["Ctrl+Shift+Z", "Ctrl+Y"]
    assert [k.toString() for k in opened.undo_action.shortcuts()] == ["Ctrl+Z"]


@pytest.mark.parametrize("keys", ["Ctrl+Shift+Z", "Ctrl+Y"])
def test_redo_answers_ctrl_shift_z_and_ctrl_y(qtbot: QtBot, opened: MainWindow, keys: str) -> None:
    assert opened.workbook is not None
    opened.select_refs(["PBC-001"])
    opened.edits.apply_change(["PBC-001"], FieldChange(owner="Priya Shah"))
    opened.undo_action.trigger()
    saved(qtbot, opened)
    assert opened.model.request_at(0).owner == ""
    opened.table.setFocus()
    sequence = QKeySequence(keys)[0]
    qtbot.keyClick(opened.table, sequence.key(), sequence.keyboardModifiers())
    saved(qtbot, opened)
    assert opened.model.request_at(0).owner == "Priya Shah"


def test_the_toolbars_undo_button_keeps_its_text_and_width_and_tells_the_detail_in_its_tooltip(
    opened: MainWindow,
) -> None:
    button = opened.bulk_bar.widgetForAction(opened.undo_action)
    assert isinstance(button, QToolButton)
    width, export_x = button.sizeHint().width(), opened.bulk_bar.widgetForAction(opened.export_action).x()
    opened.edits.apply_change(["PBC-002"], FieldChange(owner="Sarah Lindqvist-Okafor"))
    assert opened.undo_action.text() == "&Undo Set owner of PBC-002 to Sarah Lindqvist-Okafor"
    assert button.text() == "Undo"
    assert button.sizeHint().width() == width
    assert opened.bulk_bar.widgetForAction(opened.export_action).x() == export_x
    assert button.toolTip() == "Undo Set owner of PBC-002 to Sarah Lindqvist-Okafor (Ctrl+Z)"
    opened.undo_action.trigger()
    redo = opened.bulk_bar.widgetForAction(opened.redo_action)
    assert isinstance(redo, QToolButton)
    assert redo.text() == "Redo"
    assert redo.toolTip() == "Redo Set owner of PBC-002 to Sarah Lindqvist-Okafor (Ctrl+Shift+Z)"


def test_at_1024_by_640_on_the_demo_every_panel_tab_reads_in_full_and_the_table_keeps_its_key_columns(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, actor: Actor
) -> None:
    from workbook.services.demo import build_demo

    demo = build_demo(tmp_path / "demo", actor)
    with Workbook.open(demo, actor) as workbook:
        ref = next(r.ref for r in workbook.requests.list() if r.evidence_count)
        for n in range(12):
            workbook.requests.add_comment(ref, f"Review note {n + 1}")
    window.resize(1024, 640)
    with qtbot.waitSignal(window.workbook_opened, timeout=30000):
        window.open_path(demo)
    window.select_refs([ref])
    window.panel.show_tab(PanelTab.EVIDENCE)
    bar = window.panel.tabs.tabBar()
    texts = [bar.tabText(i) for i in range(bar.count())]
    assert texts[3] == "Comments (12)" and texts[1].startswith("Evidence (")

    def cut() -> list[str]:
        # Qt elides a tab's text when its rect is narrower than the text needs.
        return [texts[i] for i in range(bar.count()) if bar.tabRect(i).width() < bar.tabSizeHint(i).width()]

    qtbot.waitUntil(lambda: window.width() == 1024 and bar.isVisible() and not cut(), timeout=3000)
    assert all(bar.tabRect(i).right() <= bar.width() for i in range(bar.count()))
    header = window.table.horizontalHeader()
    viewport = window.table.viewport().width()
    for column in (Column.REF, Column.TITLE, Column.OWNER, Column.STATUS, Column.DUE):
        assert not header.isSectionHidden(column), column.name
        assert header.sectionViewportPosition(column) + header.sectionSize(column) <= viewport, column.name
    assert header.sectionSize(Column.TITLE) >= 160


def test_every_dialog_opens_within_the_screen(qtbot: QtBot, opened: MainWindow) -> None:
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    limit = fitted(QSize(100_000, 100_000), screen.availableGeometry().size())  # 90 % of the screen
    opened.export_action.trigger()
    opened.new_action.trigger()
    opened.select_refs(["PBC-001"])
    opened.edits.due_action.trigger()
    wizard = opened.import_checklist()
    assert wizard is not None
    opened.people_action.trigger()
    opened.preferences_action.trigger()
    opened.activity_log_action.trigger()
    opened.help.show_guide()
    dialogs = [d for d in opened.findChildren(QDialog) if d.isVisible() and not isinstance(d, QMessageBox)]
    assert {type(d).__name__ for d in dialogs} >= {
        "ExportDialog",
        "NewWorkbookDialog",
        "DueDateDialog",
        "ImportWizard",
        "PeopleDialog",
        "PreferencesDialog",
        "GuideDialog",
        "ActivityLogDialog",
    }
    presenter = opened.review.start()
    assert presenter is not None
    area = screen.availableGeometry()
    for window in [*dialogs, presenter]:
        name = type(window).__name__
        assert window.width() <= limit.width() and window.height() <= limit.height(), name
        assert window.minimumWidth() <= limit.width(), name
        # Every button can be reached: it lies inside the screen.
        for button in window.findChildren(QAbstractButton):
            if button.isVisible():
                corner = button.mapToGlobal(button.rect().bottomRight())
                assert area.contains(corner), f"{name}: {button.text()!r} at {corner}"
    for dialog in dialogs:
        dialog.reject()
    presenter.close()


def test_no_label_shows_its_mnemonic_ampersand_as_text(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    opened.new_action.trigger()
    opened.export_action.trigger()
    for top in (opened, opened.findChild(NewWorkbookDialog), opened.findChild(ExportDialog)):
        assert top is not None
        for label in top.findChildren(QLabel):
            text = label.text().replace("&&", "")
            rich = label.textFormat() == Qt.TextFormat.RichText or QtGui.Qt.mightBeRichText(text)
            if "&" in text and not rich:
                assert label.buddy() is not None, f"{label.text()!r} shows its & as text"


def test_the_suggested_file_name_drops_punctuation_at_the_end_instead_of_replacing_it() -> None:
    assert file_stem("Brightpath Labs Inc.") == "Brightpath Labs Inc"
    assert file_stem("Acme, Inc. (EMEA)") == "Acme, Inc. (EMEA)"
    assert file_stem("R&D: Labs / West") == "R&D_ Labs _ West"
    assert file_stem("...") == "workbook"


def test_the_new_workbook_dialog_suggests_the_clients_name_as_the_file(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    window.settings.last_folder = str(tmp_path)
    window.new_action.trigger()
    dialog = window.findChild(NewWorkbookDialog)
    assert dialog is not None
    qtbot.keyClicks(dialog.client, "Brightpath Labs Inc.")
    assert dialog.path.text() == str(tmp_path / "Brightpath Labs Inc.auditwb")


def test_the_first_start_page_says_what_the_app_does_and_what_each_button_is_for(window: MainWindow) -> None:
    page = window.start_page
    assert window.pages.currentWidget() is page
    assert not page.recent.isVisible() and not page.recent_title.isVisible()
    hint = page.empty_hint.text()
    assert page.empty_hint.isVisible()
    for words in ("New workbook…", "Open…", "Open demo", "import the auditor's checklist"):
        assert words in hint
    assert page.findChild(QLabel, "start_tagline").text().startswith("Answer an auditor's checklist in one")


def test_an_empty_workbook_offers_to_import_its_checklist_in_the_table(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, actor: Actor
) -> None:
    path = tmp_path / "new.auditwb"
    Workbook.create(path, actor, client="Brightpath Labs Inc.").close()
    with qtbot.waitSignal(window.workbook_opened, timeout=30000):
        window.open_path(path)
    table = window.table
    assert table.table_state is TableState.NO_REQUESTS
    assert table.message.isVisible()
    assert table.message.label.text().startswith("This workbook has no requests yet.")
    assert table.message.button.text() == "Import checklist…" and table.message.button.isEnabled()
    assert window.panel._empty.text().startswith("No requests yet.")
    table.message.button.click()
    wizard = window.findChild(ImportWizard)
    assert wizard is not None and wizard.isVisible()
    wizard.reject()


def test_filters_that_match_nothing_say_so_and_clear_with_one_click(qtbot: QtBot, opened: MainWindow) -> None:
    qtbot.keyClicks(opened.filter_bar.search, "no such request")
    assert opened.proxy.rowCount() == 0
    assert opened.table.table_state is TableState.NO_MATCH
    assert opened.table.message.isVisible()
    assert opened.table.message.label.text() == "No request matches these filters."
    qtbot.mouseClick(opened.table.message.button, Qt.MouseButton.LeftButton)
    assert opened.filter_bar.search.text() == ""
    assert opened.proxy.rowCount() == 6
    assert not opened.table.message.isVisible()


def test_export_offers_to_create_a_missing_folder_and_remembers_it(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    assert DEFAULTS[Key.EXPORT_FOLDER] == ""
    opened.export_action.trigger()
    dialog = opened.findChild(ExportDialog)
    assert dialog is not None
    assert dialog.folder.text() == str(tmp_path)  # the workbook's folder before any export
    target = tmp_path / "for-auditor" / "2026-q3"
    dialog.folder.setText(str(target))
    dialog.xlsx.setChecked(False)
    dialog.zip.setChecked(False)
    dialog.export_button.click()
    box = dialog.create_folder_box
    assert box is not None and box.isVisible()
    assert str(target) in box.text()
    create = next(b for b in box.buttons() if b.text() == "Create folder and export")
    with qtbot.waitSignal(dialog.export_finished, timeout=60000):
        create.click()
    assert [p.suffix for p in target.iterdir()] == [".pdf"]
    assert opened.settings.export_folder == str(target)
    dialog.reject()
    opened.export_action.trigger()
    again = [d for d in opened.findChildren(ExportDialog) if d.isVisible()]
    assert again and again[-1].folder.text() == str(target)


def test_declining_to_create_the_folder_exports_nothing(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    opened.export_action.trigger()
    dialog = opened.findChild(ExportDialog)
    assert dialog is not None
    target = tmp_path / "not-yet"
    dialog.folder.setText(str(target))
    dialog.export_button.click()
    box = dialog.create_folder_box
    assert box is not None
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert not target.exists()
    assert dialog.message.text().startswith("Nothing was exported")
