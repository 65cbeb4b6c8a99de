"""The request panel's samples tab as an auditee works it: the grid, add, drop, edit, remove, undo."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.writes import saved
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from ui.sample_actions import SampleActions, sample_actions_for
from ui.widgets.request_panel import PanelTab
from ui.widgets.sample_grid import FIRST_ITEM, MISSING_TEXT, SAMPLE_COLUMN, SampleGridModel
from ui.widgets.samples_tab import SamplesTab
from workbook.model import SampleGrid, Status

REQUIRED = ("offer letter", "background check")


def actions_of(window: MainWindow) -> SampleActions:
    """The window's sample actions (made here while the window does not make them itself)."""
    found = getattr(window, "sample_actions", None)
    if not isinstance(found, SampleActions):
        found = sample_actions_for(window)
        window.sample_actions = found  # type: ignore[attr-defined]
    return found


@pytest.fixture
def sampled(qtbot: QtBot, opened: MainWindow, tmp_path: Path) -> MainWindow:
    """PBC-002 needs an offer letter and a background check of two employees; Alex's offer letter is in."""
    actions_of(opened)
    workbook = opened.workbook
    assert workbook is not None
    workbook.samples.set_required("PBC-002", REQUIRED)
    workbook.samples.add("PBC-002", [("EMP-0042", "Alex Kim"), ("EMP-0107", "Priya Raman")])
    letter = tmp_path / "offer-alex.txt"
    letter.write_text("Offer letter, Alex Kim\n")
    workbook.samples.attach("PBC-002", "EMP-0042", [letter], requirement="offer letter")
    opened.select_refs(["PBC-001"])
    opened.select_refs(["PBC-002"])
    opened.panel.show_tab(PanelTab.SAMPLES)
    return opened


def tab_of(window: MainWindow) -> SamplesTab:
    return window.panel.samples_tab


def cells(tab: SamplesTab) -> list[list[str]]:
    model = tab.model
    return [
        [str(model.index(row, column).data() or "") for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]


def grid(window: MainWindow, ref: str = "PBC-002") -> SampleGrid:
    assert window.workbook is not None
    return window.workbook.samples.grid(ref)


def plain(text: str) -> str:
    return text.replace("\u00a0", " ")


def drop_files(qtbot: QtBot, tab: SamplesTab, row: int, column: int, paths: list[Path]) -> None:
    """Enter, move, drop files on a cell of the grid, as from a file manager (Qt drops only where entered)."""
    view = tab.view
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    view.scrollTo(tab.model.index(row, column))
    pos = view.visualRect(tab.model.index(row, column)).center()
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    action = Qt.DropAction.CopyAction
    QApplication.sendEvent(view.viewport(), QDragEnterEvent(pos, action, mime, buttons, keys))
    QApplication.sendEvent(view.viewport(), QDragMoveEvent(pos, action, mime, buttons, keys))
    assert view.drop_target() == (tab.model.sample_at(row).code, tab.model.requirement_at(column))
    QApplication.sendEvent(view.viewport(), QDropEvent(QPointF(pos), action, mime, buttons, keys))
    assert view.drop_target() is None


def test_the_grid_shows_each_sample_against_each_required_item_and_marks_what_is_missing(
    sampled: MainWindow,
) -> None:
    tab = tab_of(sampled)
    assert [str(tab.model.headerData(c, Qt.Orientation.Horizontal)) for c in range(4)] == [
        "Sample",
        "offer letter",
        "background check",
        "Status",
    ]
    assert cells(tab) == [
        ["EMP-0042 · Alex Kim", "✓ offer-alex.txt", MISSING_TEXT, "In progress"],
        ["EMP-0107 · Priya Raman", MISSING_TEXT, MISSING_TEXT, "Open"],
    ]
    assert plain(tab.summary.text()) == "0/2 samples provided · 3 items missing"
    # Missing reads without colour (the mark and the word), and with it (a tint unlike a provided cell's).
    missing, given = tab.model.index(0, FIRST_ITEM + 1), tab.model.index(0, FIRST_ITEM)
    assert missing.data(Qt.ItemDataRole.BackgroundRole) != given.data(Qt.ItemDataRole.BackgroundRole)
    assert "Missing." in str(missing.data(Qt.ItemDataRole.ToolTipRole))
    assert "Each sample needs: offer letter, background check" in tab.needs_toggle.text()


def test_the_grid_model_passes_qts_model_checks(qtmodeltester: ModelTester, sampled: MainWindow) -> None:
    model = SampleGridModel()
    model.set_grid(grid(sampled))
    qtmodeltester.check(model)
    model.set_grid(None)
    qtmodeltester.check(model)


def test_pasted_samples_are_previewed_with_the_lines_left_out_then_added_as_one_undo_step(
    qtbot: QtBot, sampled: MainWindow
) -> None:
    actions = actions_of(sampled)
    dialog = actions.add_samples("paste")
    assert dialog is not None
    dialog.text.setPlainText(
        "EMP-0119\tJonas Weber\nEMP-0042\tAlex Kim\n\nEMP-0133, Maria Gonzalez\nemp-0119\n"
    )
    assert plain(dialog.preview_label.text()).startswith("2 samples will be added to PBC-002")
    assert "1 it has already is left as before" in dialog.preview_label.text()
    assert dialog.skipped.isVisible()
    assert "line 5: 'emp-0119' is listed twice (kept once)" in dialog.skipped.toPlainText()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.text() == "Add 2 samples"
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    saved(qtbot, sampled)
    assert [s.code for s in grid(sampled).samples] == ["EMP-0042", "EMP-0107", "EMP-0119", "EMP-0133"]
    assert [row[0] for row in cells(tab_of(sampled))][2:] == [
        "EMP-0119 · Jonas Weber",
        "EMP-0133 · Maria Gonzalez",
    ]
    assert sampled.undo_action.text() == "&Undo Add 2 samples to PBC-002"

    sampled.undo_action.trigger()
    saved(qtbot, sampled)
    assert [s.code for s in grid(sampled).samples] == ["EMP-0042", "EMP-0107"]
    assert tab_of(sampled).model.rowCount() == 2


def test_a_file_dropped_on_a_cell_is_given_for_that_sample_and_item_and_undo_takes_it_off(
    qtbot: QtBot, sampled: MainWindow, tmp_path: Path
) -> None:
    check = tmp_path / "bg-check-priya.txt"
    check.write_text("Background check, Priya Raman: clear\n")
    tab = tab_of(sampled)
    with qtbot.waitSignal(actions_of(sampled).attach_finished, timeout=10000):
        drop_files(qtbot, tab, 1, FIRST_ITEM + 1, [check])
    saved(qtbot, sampled)
    priya = grid(sampled).samples[1]
    assert [(f.name, f.requirement) for f in priya.files] == [("bg-check-priya.txt", "background check")]
    assert cells(tab)[1][FIRST_ITEM + 1] == "✓ bg-check-priya.txt"
    assert priya.missing(REQUIRED) == ("offer letter",)

    sampled.undo_action.trigger()
    saved(qtbot, sampled)
    assert grid(sampled).samples[1].files == ()
    assert cells(tab)[1][FIRST_ITEM + 1] == MISSING_TEXT


def test_a_file_dropped_on_a_samples_name_is_given_for_no_item_and_shown_as_another_file(
    qtbot: QtBot, sampled: MainWindow, tmp_path: Path
) -> None:
    note = tmp_path / "hr-note.txt"
    note.write_text("HR note\n")
    tab = tab_of(sampled)
    with qtbot.waitSignal(actions_of(sampled).attach_finished, timeout=10000):
        drop_files(qtbot, tab, 1, SAMPLE_COLUMN, [note])
    saved(qtbot, sampled)
    assert [(f.name, f.requirement) for f in grid(sampled).samples[1].files] == [("hr-note.txt", "")]
    assert tab.model.headerData(tab.model.other_column or 0, Qt.Orientation.Horizontal) == "Other files"
    assert cells(tab)[1][tab.model.other_column or 0] == "✓ hr-note.txt"


def test_when_every_sample_is_provided_the_request_is_ready_for_review(
    qtbot: QtBot, sampled: MainWindow, tmp_path: Path
) -> None:
    actions = actions_of(sampled)
    for code, item in (
        ("EMP-0042", "background check"),
        ("EMP-0107", "offer letter"),
        ("EMP-0107", "background check"),
    ):
        path = tmp_path / f"{code}-{item}.txt"
        path.write_text(f"{item} of {code}\n")
        with qtbot.waitSignal(actions.attach_finished, timeout=10000):
            actions.attach_files(code, item, [path])
    saved(qtbot, sampled)
    assert plain(tab_of(sampled).summary.text()) == "2/2 samples provided · nothing missing"
    assert sampled.panel.status.currentText() == Status.READY_FOR_REVIEW.label


def test_a_samples_status_and_notes_are_saved_and_undone(qtbot: QtBot, sampled: MainWindow) -> None:
    tab = tab_of(sampled)
    tab.select_cell("EMP-0107", SAMPLE_COLUMN)
    assert tab.sample_status.isEnabled()
    tab.sample_status.setCurrentIndex(list(Status).index(Status.NOT_APPLICABLE))
    tab.sample_status.activated.emit(tab.sample_status.currentIndex())
    saved(qtbot, sampled)
    assert grid(sampled).samples[1].status is Status.NOT_APPLICABLE
    assert cells(tab)[1][FIRST_ITEM] == "— not needed"

    tab.sample_notes.setFocus()
    qtbot.keyClicks(tab.sample_notes, "Left before onboarding")
    qtbot.keyClick(tab.sample_notes, Qt.Key.Key_Return)
    saved(qtbot, sampled)
    assert grid(sampled).samples[1].notes == "Left before onboarding"
    assert sampled.undo_action.text() == "&Undo Edit notes of sample EMP-0107"

    sampled.undo_action.trigger()
    saved(qtbot, sampled)
    assert grid(sampled).samples[1].notes == ""
    sampled.undo_action.trigger()
    saved(qtbot, sampled)
    assert grid(sampled).samples[1].status is Status.OPEN
    assert tab.sample_notes.text() == ""


def test_renaming_a_required_item_keeps_its_files_and_undo_names_it_back(
    qtbot: QtBot, sampled: MainWindow
) -> None:
    tab = tab_of(sampled)
    tab.needs_toggle.click()
    assert tab.needs_box.isVisible()
    tab.required_list.item(0).setText("signed offer letter")
    saved(qtbot, sampled)
    assert grid(sampled).required == ("signed offer letter", "background check")
    assert [f.requirement for f in grid(sampled).samples[0].files] == ["signed offer letter"]
    assert tab.model.headerData(FIRST_ITEM, Qt.Orientation.Horizontal) == "signed offer letter"
    assert cells(tab)[0][FIRST_ITEM] == "✓ offer-alex.txt"

    qtbot.keyClicks(tab.new_item, "training record")
    qtbot.keyClick(tab.new_item, Qt.Key.Key_Return)
    saved(qtbot, sampled)
    assert grid(sampled).required == ("signed offer letter", "background check", "training record")
    assert plain(tab.summary.text()) == "0/2 samples provided · 5 items missing"

    sampled.undo_action.trigger()
    saved(qtbot, sampled)
    sampled.undo_action.trigger()
    saved(qtbot, sampled)
    assert grid(sampled).required == REQUIRED
    assert [f.requirement for f in grid(sampled).samples[0].files] == ["offer letter"]


def test_removed_samples_come_back_with_their_files_status_and_notes_on_undo(
    qtbot: QtBot, sampled: MainWindow
) -> None:
    assert sampled.workbook is not None
    sampled.workbook.samples.set(
        "PBC-002", "EMP-0042", status=Status.FOLLOW_UP, notes="Ask HR for the signed copy"
    )
    sampled.select_refs(["PBC-001"])
    sampled.select_refs(["PBC-002"])
    tab = tab_of(sampled)
    tab.select_cell("EMP-0042", SAMPLE_COLUMN)
    qtbot.mouseClick(tab.remove_button, Qt.MouseButton.LeftButton)
    saved(qtbot, sampled)
    assert [s.code for s in grid(sampled).samples] == ["EMP-0107"]
    assert sampled.undo_action.text() == "&Undo Remove EMP-0042 from PBC-002"

    sampled.undo_action.trigger()
    saved(qtbot, sampled)
    back = next(s for s in grid(sampled).samples if s.code == "EMP-0042")
    assert (back.status, back.notes, [f.name for f in back.files]) == (
        Status.FOLLOW_UP,
        "Ask HR for the signed copy",
        ["offer-alex.txt"],
    )


def test_a_cells_file_is_taken_off_and_given_back_by_undo(qtbot: QtBot, sampled: MainWindow) -> None:
    tab = tab_of(sampled)
    tab.select_cell("EMP-0042", FIRST_ITEM)
    assert tab.open_button.isEnabled() and tab.unlink_button.isEnabled()
    assert tab.cell_label.text() == "EMP-0042 · offer letter"
    qtbot.mouseClick(tab.unlink_button, Qt.MouseButton.LeftButton)
    saved(qtbot, sampled)
    assert grid(sampled).samples[0].files == ()
    assert cells(tab)[0][FIRST_ITEM] == MISSING_TEXT

    sampled.undo_action.trigger()
    saved(qtbot, sampled)
    assert [f.name for f in grid(sampled).samples[0].files] == ["offer-alex.txt"]


def test_a_request_without_samples_offers_to_add_them_and_name_what_each_needs(sampled: MainWindow) -> None:
    sampled.select_refs(["PBC-003"])
    tab = tab_of(sampled)
    assert sampled.panel.tabs.tabText(sampled.panel.tabs.indexOf(tab)) == "Samples"
    assert tab.model.rowCount() == 0
    assert tab.needs_box.isVisible()
    assert tab.add_button.isEnabled()
    assert "any one file" in tab.needs_toggle.text()


def test_every_panel_tab_keeps_its_place_with_samples_last(opened: MainWindow) -> None:
    tabs = opened.panel.tabs
    assert [tabs.tabText(i).split(" (")[0] for i in range(tabs.count())] == [
        "Request",
        "Evidence",
        "Notes",
        "Comments",
        "History",
        "Samples",
    ]
