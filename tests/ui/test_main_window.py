"""The main window acting as a user: create, open, change owner/status/due, undo/redo, drop, paste."""

from __future__ import annotations

import dataclasses
import datetime as dt
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.window import click_row, copy_image
from helpers.workbooks import reopen
from helpers.writes import saved
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
)
from PySide6.QtWidgets import QApplication, QMessageBox, QToolButton
from pytestqt.qtbot import QtBot

from ui.dashboard_view import View
from ui.dialogs.new_workbook import NewWorkbookDialog
from ui.main_window import MainWindow
from ui.models.request_table_model import Column
from workbook.model import Actor, Changes, FieldChange, Status
from workbook.services.workbook import Workbook

OpenFile = Callable[[MainWindow, Path], None]


def test_new_workbook_dialog_creates_the_file_and_shows_it(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    window.settings.last_folder = str(tmp_path)
    window.new_action.trigger()
    dialog = window.findChild(NewWorkbookDialog)
    assert dialog is not None
    qtbot.keyClicks(dialog.client, "Globex Ltd")
    assert dialog.path.text() == str(tmp_path / "Globex Ltd.auditwb")
    qtbot.keyClicks(dialog.auditor, "Northbridge")
    with qtbot.waitSignal(window.workbook_opened):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert (tmp_path / "Globex Ltd.auditwb").is_file()
    assert window.windowTitle() == "Globex Ltd.auditwb — Globex Ltd — Audit Workbook"
    assert window.header.text() == "0 of 0 ready · 0 overdue"
    assert window.settings.recent()[0].client == "Globex Ltd"


def test_new_workbook_dialog_refuses_an_empty_client(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    window.settings.last_folder = str(tmp_path)
    window.new_action.trigger()
    dialog = window.findChild(NewWorkbookDialog)
    assert dialog is not None
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert dialog.isVisible()
    assert dialog.problem.text() == "Enter the client's name."


def test_opening_shows_every_request_and_the_progress_header(opened: MainWindow) -> None:
    assert opened.proxy.rowCount() == 6
    assert opened.header.text() == "0 of 6 ready · 1 overdue"
    assert opened.engagement_label.text() == (
        "Acme Cloud, Inc. · SOC 2 Type II · 01 Jan 2026 – 30 Jun 2026 · Northbridge Assurance LLP"
    )
    due = opened.proxy.index(1, Column.DUE)
    assert due.data(Qt.ItemDataRole.ForegroundRole) == QColor("#e53935")
    assert opened.panel.heading.text() == "PBC-001 · Title of PBC-001"


def test_status_set_with_mouse_and_keyboard_is_saved_and_undone(
    qtbot: QtBot, opened: MainWindow, workbook_file: Path, actor: Actor
) -> None:
    click_row(qtbot, opened, 2)
    assert opened.selected_refs() == ["PBC-003"]
    qtbot.keyClick(opened.table, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    saved(qtbot, opened)
    assert opened.proxy.index(2, Column.STATUS).data() == "Ready for auditor"
    assert opened.header.text() == "1 of 6 ready · 1 overdue"
    assert opened.undo_action.text() == "&Undo Set status of PBC-003 to Ready for auditor"
    opened.undo_action.trigger()
    saved(qtbot, opened)
    assert opened.proxy.index(2, Column.STATUS).data() == "Open"
    opened.redo_action.trigger()
    saved(qtbot, opened)
    assert opened.panel.status.currentText() == "Ready for auditor"
    with reopen(workbook_file, actor) as workbook:
        assert workbook.requests.get("PBC-003").status is Status.READY_FOR_AUDITOR


def test_status_picker_in_the_panel_changes_the_request(qtbot: QtBot, opened: MainWindow) -> None:
    click_row(qtbot, opened, 0)
    opened.panel.status.setFocus()
    qtbot.keyClick(opened.panel.status, Qt.Key.Key_Down)
    saved(qtbot, opened)
    assert opened.model.request_at(0).status is Status.IN_PROGRESS


def test_owner_typed_in_the_picker_is_added_and_can_be_undone(
    qtbot: QtBot, opened: MainWindow, workbook_file: Path, actor: Actor
) -> None:
    click_row(qtbot, opened, 1)
    owner = opened.panel.owner
    owner.lineEdit().selectAll()
    qtbot.keyClicks(owner.lineEdit(), "Priya Shah")
    qtbot.keyClick(owner.lineEdit(), Qt.Key.Key_Return)
    saved(qtbot, opened)
    assert opened.proxy.index(1, Column.OWNER).data() == "Priya Shah"
    assert opened.filter_bar.owner.findText("Priya Shah") >= 0
    qtbot.keyClick(opened.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    saved(qtbot, opened)
    assert opened.proxy.index(1, Column.OWNER).data() == ""
    qtbot.keyClick(
        opened.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    saved(qtbot, opened)
    with reopen(workbook_file, actor) as workbook:
        assert workbook.requests.get("PBC-002").owner == "Priya Shah"


def test_bulk_status_on_several_selected_requests_undoes_each_to_its_own_value(
    qtbot: QtBot, opened: MainWindow
) -> None:
    opened.select_refs(["PBC-001"])
    opened.set_status(Status.IN_PROGRESS)
    saved(qtbot, opened)
    opened.select_refs(["PBC-001", "PBC-002", "PBC-003"])
    assert opened.panel.request is None
    opened.status_actions[4].trigger()
    saved(qtbot, opened)
    assert [opened.model.request_at(r).status for r in range(3)] == [Status.ACCEPTED] * 3
    assert opened.header.text() == "3 of 6 ready · 0 overdue"
    opened.undo_action.trigger()
    saved(qtbot, opened)
    assert [opened.model.request_at(r).status for r in range(3)] == [
        Status.IN_PROGRESS,
        Status.OPEN,
        Status.OPEN,
    ]


def test_search_and_filters_narrow_the_table(qtbot: QtBot, opened: MainWindow) -> None:
    opened.find_action.trigger()
    qtbot.keyClicks(opened.filter_bar.search, "pbc-00 cc7")
    assert [opened.proxy.ref_at(r) for r in range(opened.proxy.rowCount())] == [
        "PBC-002",
        "PBC-004",
        "PBC-006",
    ]
    assert opened.header.text() == "0 of 6 ready · 1 overdue · showing 3"
    opened.filter_bar.search.clear()
    opened.filter_bar.overdue.click()
    assert [opened.proxy.ref_at(r) for r in range(opened.proxy.rowCount())] == ["PBC-002"]
    opened.filter_bar.clear()
    opened.filter_bar.section.setCurrentIndex(opened.filter_bar.section.findText("Change management"))
    assert [opened.proxy.ref_at(r) for r in range(opened.proxy.rowCount())] == ["PBC-001", "PBC-004"]
    assert opened.settings.filters()["section"] == "Change management"


def test_sorting_by_due_date_puts_the_overdue_request_first(opened: MainWindow) -> None:
    opened.table.sortByColumn(Column.DUE, Qt.SortOrder.AscendingOrder)
    assert opened.proxy.ref_at(0) == "PBC-002"
    opened.table.sortByColumn(Column.REF, Qt.SortOrder.DescendingOrder)
    assert opened.proxy.ref_at(0) == "PBC-006"


def drop_files(qtbot: QtBot, target: object, pos: QPoint, paths: list[Path]) -> None:
    """Enter, move, drop: Qt delivers a drop only to the widget that accepted the drag."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    action = Qt.DropAction.CopyAction
    for event in (
        QDragEnterEvent(pos, action, mime, buttons, keys),
        QDragMoveEvent(pos, action, mime, buttons, keys),
        QDropEvent(QPointF(pos), action, mime, buttons, keys),
    ):
        QApplication.sendEvent(target, event)  # type: ignore[arg-type]


def test_a_file_dropped_on_the_evidence_list_is_attached_and_unlink_is_undoable(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    click_row(qtbot, opened, 0)
    proof = tmp_path / "access-review.csv"
    proof.write_text("user,reviewed\nana,yes\n")
    evidence = opened.panel.evidence
    opened.panel.tabs.setCurrentIndex(1)
    with qtbot.waitSignal(opened.attach_finished, timeout=10000) as blocker:
        drop_files(qtbot, evidence.viewport(), evidence.viewport().rect().center(), [proof])
    assert [r.evidence.name for r in blocker.args[0]] == ["access-review.csv"]
    assert evidence.count() == 1
    # Undated (a file's mtime is not its date) and flagged so, not stamped with today.
    assert evidence.item(0).text() == "access-review.csv\n22 bytes · ⚠ no effective date"
    assert opened.proxy.index(0, Column.EVIDENCE).data() == "1"
    assert opened.panel.tabs.tabText(1) == "Evidence (1)"
    evidence.setCurrentRow(0)
    evidence.setFocus()
    qtbot.keyClick(evidence, Qt.Key.Key_Delete)
    saved(qtbot, opened)
    assert evidence.count() == 0
    opened.undo_action.trigger()
    saved(qtbot, opened)
    assert evidence.count() == 1
    opened.undo_action.trigger()
    saved(qtbot, opened)
    assert evidence.count() == 0
    assert opened.proxy.index(0, Column.EVIDENCE).data() == ""


def test_a_folder_dropped_on_a_table_row_attaches_every_file_in_it(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    folder = tmp_path / "q1"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("a")
    (folder / "sub" / "b.txt").write_text("b")
    (folder / ".hidden").write_text("x")
    rect = opened.table.visualRect(opened.proxy.index(3, Column.TITLE))
    with qtbot.waitSignal(opened.attach_finished, timeout=10000) as blocker:
        drop_files(qtbot, opened.table.viewport(), rect.center(), [folder])
    assert sorted(r.evidence.name for r in blocker.args[0]) == ["a.txt", "b.txt"]
    assert opened.proxy.index(3, Column.EVIDENCE).data() == "2"


def test_pasting_an_image_attaches_it_as_png_evidence(qtbot: QtBot, opened: MainWindow) -> None:
    click_row(qtbot, opened, 4)
    copy_image(40, 30)
    with qtbot.waitSignal(opened.attach_finished, timeout=10000) as blocker:
        qtbot.keyClick(opened.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    result = blocker.args[0][0]
    assert result.evidence.media_type == "image/png"
    assert result.evidence.name.startswith("screenshot-") and result.evidence.name.endswith(".png")
    evidence = opened.panel.evidence
    opened.panel.tabs.setCurrentIndex(1)
    with qtbot.waitSignal(opened.preview_shown, timeout=10000):
        evidence.setCurrentRow(0)
    assert opened.panel.evidence_tab.preview.pixmap().height() > 0


def test_a_comment_appears_in_the_thread_and_the_history_records_changes(
    qtbot: QtBot, opened: MainWindow
) -> None:
    click_row(qtbot, opened, 0)
    qtbot.keyClicks(opened.panel.comment_edit, "Auditor wants the Q2 list too")
    qtbot.keyClick(opened.panel.comment_edit, Qt.Key.Key_Return)
    saved(qtbot, opened)
    assert "Auditor wants the Q2 list too" in opened.panel.comments.toPlainText()
    opened.set_status(Status.FOLLOW_UP)
    saved(qtbot, opened)
    assert "Dana Ops set status of PBC-001 from Open to Follow-up" in opened.panel.history.toPlainText()


def test_notes_are_saved_with_ctrl_return_and_before_moving_on(qtbot: QtBot, opened: MainWindow) -> None:
    click_row(qtbot, opened, 0)
    qtbot.keyClicks(opened.panel.notes, "Asked IT")
    click_row(qtbot, opened, 1)
    saved(qtbot, opened)
    assert opened.model.request_at(0).notes == "Asked IT"
    assert opened.undo_action.text() == "&Undo Edit notes of PBC-001"


def test_a_read_only_workbook_says_who_holds_it_and_refuses_edits(
    window: MainWindow, workbook_file: Path, open_file: OpenFile
) -> None:
    holder = Workbook.open(workbook_file, Actor("Sam Lee", "sam"))
    try:
        open_file(window, workbook_file)
        assert window.read_only_banner.isVisibleTo(window)
        assert "Sam Lee" in window.read_only_banner.text()
        assert window.windowTitle().endswith("[read-only]")
        assert not window.status_actions[0].isEnabled()
        assert not window.panel.status.isEnabled()
    finally:
        window.close_workbook()
        holder.close()


def test_opening_a_file_that_is_not_a_workbook_explains_why(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    bogus = tmp_path / "notes.auditwb"
    bogus.write_text("hello")
    assert not window.open_path(bogus)
    box = window.findChild(QMessageBox, "user_error_box")
    assert box is not None
    assert box.text() == "Cannot open notes.auditwb: Not an Audit Workbook file"
    assert box.informativeText() == f"Where: {bogus}\nOpen a .auditwb file made by Audit Workbook"


def test_window_state_and_recent_list_survive_a_restart(
    qtbot: QtBot, opened: MainWindow, workbook_file: Path, open_file: OpenFile
) -> None:
    opened.splitter.setSizes([700, 500])
    sizes = opened.splitter.sizes()
    opened.close()
    from ui.app import Gateway
    from ui.jobs import JobRunner

    again = MainWindow(opened.settings, JobRunner(), Gateway(Actor("Dana Ops", "dana")))
    qtbot.addWidget(again)
    again.resize(opened.size())
    again.show()
    open_file(again, workbook_file)
    assert again.splitter.sizes() == sizes
    recent = opened.settings.recent()
    assert [(r.path, r.client, r.total) for r in recent] == [(str(workbook_file), "Acme Cloud, Inc.", 6)]
    again.close_workbook()
    assert again.start_page.recent.item(0).text().startswith("Acme Cloud, Inc.\n0 of 6 ready")


def test_the_window_is_usable_at_1024_by_640(qtbot: QtBot, opened: MainWindow) -> None:
    opened.resize(1024, 640)
    qtbot.wait(10)
    assert opened.width() <= 1024 and opened.height() <= 640
    assert opened.table.width() > 500
    assert opened.panel.owner.isVisibleTo(opened)


def test_overdue_dates_are_relative_to_today(opened: MainWindow) -> None:
    request = opened.model.request_at(1)
    assert request.due == dt.date.today() - dt.timedelta(days=3)
    assert (
        opened.proxy.index(1, Column.DUE).data(Qt.ItemDataRole.ToolTipRole) == f"Overdue since {request.due}"
    )


def test_export_writes_the_package_and_reports_when_finished(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    from ui.dialogs.export_dialog import ExportDialog

    opened.settings.last_folder = str(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    opened.export_action.trigger()
    dialog = opened.findChild(ExportDialog)
    assert dialog is not None
    dialog.folder.setText(str(out))
    dialog.xlsx.setChecked(False)
    with qtbot.waitSignal(dialog.export_finished, timeout=60000) as blocker:
        dialog.export_button.click()
    result = blocker.args[0]
    assert sorted(p.suffix for p in out.iterdir()) == [".pdf", ".zip"]
    assert result.requests == 6
    assert dialog.show_folder.isVisible()
    assert dialog.message.text().startswith("Exported 6 requests and 0 evidence files:")


def test_open_demo_builds_the_demo_workbook_and_opens_it(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    window.settings.store.setValue("paths/demo_folder", str(tmp_path / "demo"))
    with qtbot.waitSignal(window.workbook_opened, timeout=60000):
        window.start_page.demo_button.click()
    assert window.windowTitle().startswith("demo.auditwb — ")
    assert window.proxy.rowCount() > 10


def test_at_1024_by_640_less_needed_columns_hide_instead_of_scrolling_sideways(
    qtbot: QtBot, opened: MainWindow
) -> None:
    opened.views.choose(View.REQUESTS)  # the table fits its columns when it is the view shown
    opened.resize(1024, 640)
    qtbot.waitUntil(lambda: {Column.CHANGED, Column.CRITERIA} <= opened.table.auto_hidden)
    header = opened.table.horizontalHeader()
    assert header.length() <= opened.table.viewport().width()
    assert not opened.table.horizontalScrollBar().isVisible()
    assert header.sectionSize(Column.TITLE) >= 160
    opened.resize(1280, 800)
    qtbot.waitUntil(lambda: not opened.table.auto_hidden)
    assert not header.isSectionHidden(Column.CHANGED)
    assert header.length() <= opened.table.viewport().width()


def test_the_last_change_column_fits_its_words_and_the_heading_is_not_cut(opened: MainWindow) -> None:
    header = opened.table.horizontalHeader()
    metrics = opened.table.fontMetrics()
    assert header.sectionSize(Column.CHANGED) > metrics.horizontalAdvance("59 min ago")
    assert header.sectionSize(Column.STATUS) > metrics.horizontalAdvance("Ready for auditor") + 20
    from ui.widgets.request_panel import heading_text

    request = opened.model.request_at(0)
    long_title = "Provide evidence of how information security policies are communicated to employees"
    assert heading_text(dataclasses.replace(request, title=long_title)) == f"PBC-001 · {long_title}"


def test_a_date_given_to_an_undated_file_is_undone_back_to_no_date(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    workbook = opened.workbook
    assert workbook is not None
    proof = tmp_path / "policy.txt"
    proof.write_text("policy")
    sha = workbook.evidence.attach("PBC-001", [proof])[0].evidence.sha256
    workbook.evidence.set_details(sha, clear_effective_date=True)
    click_row(qtbot, opened, 1)
    click_row(qtbot, opened, 0)
    panel = opened.panel
    panel.tabs.setCurrentIndex(1)
    panel.evidence.setCurrentRow(0)
    effective = panel.evidence_tab.details.effective
    assert (effective.text(), effective.edit.placeholderText()) == ("", "No date")
    qtbot.keyClicks(effective.edit, "2026-03-31")
    qtbot.mouseClick(panel.evidence_tab.details.save_details, Qt.MouseButton.LeftButton)
    saved(qtbot, opened)
    assert workbook.evidence.for_request("PBC-001")[0].evidence.effective_date == dt.date(2026, 3, 31)
    assert opened.undo_action.isEnabled()
    opened.undo_action.trigger()
    saved(qtbot, opened)
    assert workbook.evidence.for_request("PBC-001")[0].evidence.effective_date is None
    panel.evidence.setCurrentRow(0)
    assert effective.text() == ""
    opened.redo_action.trigger()
    saved(qtbot, opened)
    assert workbook.evidence.for_request("PBC-001")[0].evidence.effective_date == dt.date(2026, 3, 31)


def test_the_clear_button_removes_an_effective_date_and_undo_puts_it_back(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    workbook = opened.workbook
    assert workbook is not None
    proof = tmp_path / "review.csv"
    proof.write_text("a,b\n")
    workbook.evidence.attach("PBC-001", [proof], effective_date=dt.date(2026, 2, 1))
    click_row(qtbot, opened, 1)
    click_row(qtbot, opened, 0)
    panel = opened.panel
    panel.tabs.setCurrentIndex(1)
    panel.evidence.setCurrentRow(0)
    qtbot.mouseClick(panel.evidence_tab.details.clear_effective, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.evidence_tab.details.save_details, Qt.MouseButton.LeftButton)
    saved(qtbot, opened)
    assert workbook.evidence.for_request("PBC-001")[0].evidence.effective_date is None
    opened.undo_action.trigger()
    saved(qtbot, opened)
    assert workbook.evidence.for_request("PBC-001")[0].evidence.effective_date == dt.date(2026, 2, 1)


def test_an_attach_ending_after_a_new_workbook_was_created_leaves_the_new_one_alone(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Asked whether to stop the attach (when it is still running), the user says "Stop it and close".
    monkeypatch.setattr(opened, "_confirm_stop", lambda jobs: True)
    proof = tmp_path / "policy.txt"
    proof.write_text("the policy")
    job = opened.attach_files("PBC-001", [proof])
    assert job is not None
    opened.settings.last_folder = str(tmp_path)
    opened.new_action.trigger()
    dialog = opened.findChild(NewWorkbookDialog)
    assert dialog is not None
    qtbot.keyClicks(dialog.client, "Globex Ltd")
    with qtbot.waitSignal(opened.workbook_opened):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    # The old job's queued result arrives now, while the new workbook is open.
    QApplication.processEvents()
    assert opened.windowTitle() == "Globex Ltd.auditwb — Globex Ltd — Audit Workbook"
    assert opened.undo_stack.count() == 0
    assert opened.findChild(QMessageBox, "bug_box") is None
    assert not opened.job_status.bar.isVisible()


def test_a_comment_typed_for_one_request_is_not_posted_to_the_next_one_selected(
    qtbot: QtBot, opened: MainWindow
) -> None:
    click_row(qtbot, opened, 0)
    qtbot.keyClicks(opened.panel.comment_edit, "Ask Priya for the Q2 list")
    click_row(qtbot, opened, 1)
    assert opened.panel.comment_edit.text() == ""
    qtbot.keyClick(opened.panel.comment_edit, Qt.Key.Key_Return)
    assert opened.workbook is not None
    assert opened.workbook.requests.comments("PBC-002") == []
    click_row(qtbot, opened, 0)
    assert opened.panel.comment_edit.text() == "Ask Priya for the Q2 list"


def test_at_1024_by_640_every_tab_of_the_request_panel_is_in_sight(qtbot: QtBot, opened: MainWindow) -> None:
    opened.resize(1024, 640)
    click_row(qtbot, opened, 0)
    opened.panel.tabs.setTabText(3, "Comments (12)")
    bar = opened.panel.tabs.tabBar()
    qtbot.waitUntil(lambda: bar.width() < 400)
    assert all(bar.tabRect(i).right() <= bar.width() for i in range(bar.count()))
    assert not any(button.isVisible() for button in bar.findChildren(QToolButton))
    assert bar.tabText(1).startswith("Evidence")


def test_the_status_button_keeps_its_arrow_clear_of_its_text(opened: MainWindow) -> None:
    from PySide6.QtWidgets import QStyle

    button = next(b for b in opened.bulk_bar.findChildren(QToolButton) if b.text() == "Status")
    arrow = button.style().pixelMetric(QStyle.PixelMetric.PM_MenuButtonIndicator, None, button)
    plain = QToolButton()
    plain.setText("Status")
    assert button.width() >= plain.sizeHint().width() + arrow
    plain.deleteLater()


def test_a_change_naming_a_request_that_has_gone_refreshes_the_others_without_a_bug_dialog(
    opened: MainWindow,
) -> None:
    assert opened.workbook is not None
    opened.workbook.requests.set("PBC-001", FieldChange(owner="Priya Shah"))
    # PBC-404 was archived (or never existed) by the time the change is shown.
    opened._on_changed(Changes(refs=frozenset(["PBC-001", "PBC-404"])))
    assert opened.model.request_at(0).owner == "Priya Shah"
    assert opened.findChild(QMessageBox, "bug_box") is None


def test_opening_evidence_again_rewrites_a_temporary_copy_that_was_changed(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proof = tmp_path / "policy.txt"
    proof.write_text("the signed policy\n")
    with qtbot.waitSignal(opened.attach_finished, timeout=10000) as attached:
        opened.attach_files("PBC-001", [proof])
    evidence = attached.args[0][0].evidence
    shown: list[Path] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: shown.append(Path(url.toLocalFile())))
    opened.open_evidence(evidence.sha256, evidence.name)
    copy = shown[0]
    assert copy.read_text() == "the signed policy\n"
    copy.write_text("edited in the viewer\n")
    opened.open_evidence(evidence.sha256, evidence.name)
    assert shown[1] == copy
    assert copy.read_text() == "the signed policy\n"


def test_copies_opened_in_the_system_viewer_are_private_and_go_when_the_workbook_closes(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proof = tmp_path / "access-review.csv"
    proof.write_text("user,reviewed\n")
    with qtbot.waitSignal(opened.attach_finished, timeout=10000) as attached:
        opened.attach_files("PBC-001", [proof])
    evidence = attached.args[0][0].evidence
    shown: list[Path] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: shown.append(Path(url.toLocalFile())))
    opened.open_evidence(evidence.sha256, evidence.name)
    copy = shown[0]
    assert copy.read_text() == "user,reviewed\n"
    private = copy.parent.parent
    assert private.name.startswith("audit-workbook-open-")
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert opened.close_workbook()
    assert not copy.exists() and not private.exists()
