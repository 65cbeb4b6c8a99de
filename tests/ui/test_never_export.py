"""Never export: a file kept in the workbook but out of every package, marked in the list, undoable."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.window import click_row
from helpers.workbooks import reopen
from helpers.writes import saved
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from ui.widgets.evidence_list import NEVER_EXPORTED
from workbook.model import Actor
from workbook.services.workbook import Workbook

SECRET = b"customer list with personal data\n"


@pytest.fixture
def with_file(workbook_file: Path, actor: Actor) -> Path:
    with Workbook.open(workbook_file, actor) as workbook:
        workbook.evidence.attach_bytes("PBC-001", SECRET, "customers.csv")
    return workbook_file


@pytest.fixture
def shown(qtbot: QtBot, window: MainWindow, with_file: Path, open_file: object) -> MainWindow:
    with qtbot.waitSignal(window.workbook_opened, timeout=30000):
        assert window.open_path(with_file)
    click_row(qtbot, window, 0)
    window.panel.evidence_tab.evidence_list.setCurrentRow(0)
    return window


def never_exported(path: Path, actor: Actor) -> bool:
    with reopen(path, actor) as workbook:
        return workbook.evidence.for_request("PBC-001")[0].evidence.never_export


def test_the_context_menu_marks_a_file_never_to_be_exported(
    qtbot: QtBot, shown: MainWindow, with_file: Path, actor: Actor
) -> None:
    tab = shown.panel.evidence_tab
    assert tab.never_export_action in tab.context_menu.actions()
    assert tab.never_export_action.isEnabled() and not tab.never_export_action.isChecked()

    tab.never_export_action.trigger()
    saved(qtbot, shown)

    assert never_exported(with_file, actor)
    assert NEVER_EXPORTED in tab.evidence_list.item(0).text()
    assert tab.never_export_action.isChecked()
    assert tab.details.never_export.isChecked()


def test_the_details_box_marks_it_too_and_undo_takes_the_mark_off(
    qtbot: QtBot, shown: MainWindow, with_file: Path, actor: Actor
) -> None:
    tab = shown.panel.evidence_tab
    tab.details.never_export.click()
    saved(qtbot, shown)
    assert never_exported(with_file, actor)
    assert shown.undo_action.text() == "&Undo Never export customers.csv"

    shown.undo_action.trigger()
    saved(qtbot, shown)

    assert not never_exported(with_file, actor)
    assert NEVER_EXPORTED not in tab.evidence_list.item(0).text()
    assert not tab.details.never_export.isChecked()
    shown.redo_action.trigger()
    saved(qtbot, shown)
    assert never_exported(with_file, actor)


def test_unticking_exports_the_file_again(
    qtbot: QtBot, shown: MainWindow, with_file: Path, actor: Actor
) -> None:
    tab = shown.panel.evidence_tab
    tab.never_export_action.trigger()
    saved(qtbot, shown)

    tab.never_export_action.trigger()
    saved(qtbot, shown)

    assert not never_exported(with_file, actor)
    assert shown.undo_action.text() == "&Undo Export customers.csv again"


def test_the_mark_says_why_in_the_tooltip(qtbot: QtBot, shown: MainWindow) -> None:
    tab = shown.panel.evidence_tab
    tab.never_export_action.trigger()
    saved(qtbot, shown)

    assert "Never exported: kept in this workbook" in tab.evidence_list.item(0).toolTip()


def test_a_read_only_view_cannot_change_the_mark(qtbot: QtBot, shown: MainWindow) -> None:
    tab = shown.panel.evidence_tab
    request = shown.model.request_at(0)
    shown.panel.show_request(request, tab.evidence_list.selected_evidence(), [], [], read_only=True)
    tab.evidence_list.setCurrentRow(0)

    assert not tab.never_export_action.isEnabled()
    assert not tab.details.never_export.isEnabled()
