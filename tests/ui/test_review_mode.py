"""Review with the auditor: read-only but for verdicts; the presenter steps, shows evidence, logs verdicts."""

from __future__ import annotations

from pathlib import Path

from helpers.window import copy_image
from helpers.writes import saved
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from ui.widgets.presenter import Presenter, ReviewFilter
from workbook.model import FieldChange, Status


def start(qtbot: QtBot, window: MainWindow) -> Presenter:
    window.review.action.trigger()
    presenter = window.review.presenter
    assert presenter is not None
    presenter.activateWindow()
    qtbot.waitUntil(presenter.isActiveWindow)
    return presenter


def test_in_review_the_window_changes_nothing_and_leaving_gives_editing_back(
    qtbot: QtBot, opened: MainWindow
) -> None:
    opened.select_refs(["PBC-001"])
    presenter = start(qtbot, opened)
    assert presenter.current is not None and presenter.current.ref == "PBC-001"
    assert opened.read_only
    assert not opened.status_actions[0].isEnabled() and not opened.import_action.isEnabled()
    assert not opened.panel.status.isEnabled()
    assert opened.edits.apply_change(["PBC-001"], FieldChange(status=Status.ACCEPTED)) is None
    saved(qtbot, opened)
    assert opened.workbook is not None
    assert opened.workbook.requests.get("PBC-001").status is Status.OPEN
    box = opened.findChild(QMessageBox, "user_error_box")
    assert box is not None and "in review with the auditor: only verdicts are recorded" in box.text()
    box.accept()
    presenter.activateWindow()
    qtbot.waitUntil(presenter.isActiveWindow)
    qtbot.keyClick(presenter, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: opened.review.presenter is None)
    assert not opened.read_only
    assert opened.status_actions[0].isEnabled()
    assert opened.panel.status.isEnabled()


def test_a_verdict_is_the_status_and_a_comment_naming_the_auditor_logged_with_who_and_when(
    qtbot: QtBot, opened: MainWindow
) -> None:
    presenter = start(qtbot, opened)
    presenter.go_to("PBC-002")
    presenter.accept_button.click()
    saved(qtbot, opened)
    workbook = opened.workbook
    assert workbook is not None
    assert workbook.requests.get("PBC-002").status is Status.ACCEPTED
    assert [c.body for c in workbook.requests.comments("PBC-002")] == [
        "Accepted by Northbridge Assurance LLP."
    ]
    assert "PBC-002: accepted" in presenter.verdict_note.text()

    presenter.go_to("PBC-003")
    presenter.follow_up_button.click()
    assert "Say what the auditor still needs" in presenter.verdict_note.text()
    saved(qtbot, opened)
    assert workbook.requests.get("PBC-003").status is Status.OPEN
    qtbot.keyClicks(presenter.follow_up_text, "The list misses Q2 joiners")
    qtbot.keyClick(presenter.follow_up_text, Qt.Key.Key_Return)
    saved(qtbot, opened)
    assert workbook.requests.get("PBC-003").status is Status.FOLLOW_UP
    assert [c.body for c in workbook.requests.comments("PBC-003")] == [
        "Follow-up from Northbridge Assurance LLP: The list misses Q2 joiners"
    ]
    log = [(e.actor, e.action, e.target, e.field, e.after) for e in workbook.activity.list(limit=4)]
    assert ("Dana Ops", "request.set", "PBC-003", "status", "follow_up") in log
    assert (
        "Dana Ops",
        "comment.add",
        "PBC-003",
        "",
        "Follow-up from Northbridge Assurance LLP: The list misses Q2 joiners",
    ) in log
    # The table shows the verdicts, and follow-ups are a filter of their own in the presenter.
    assert opened.model.request_at(opened.model.row_of("PBC-003") or 0).status is Status.FOLLOW_UP
    presenter.filter.setCurrentIndex(presenter.filter.findData(ReviewFilter.FOLLOW_UP))
    assert [r.ref for r in presenter.requests] == ["PBC-003"]


def test_the_presenter_steps_jumps_and_filters_to_what_is_ready(qtbot: QtBot, opened: MainWindow) -> None:
    opened.edits.apply_change(["PBC-004", "PBC-006"], FieldChange(status=Status.READY_FOR_AUDITOR))
    saved(qtbot, opened)
    presenter = start(qtbot, opened)
    presenter.filter.setCurrentIndex(presenter.filter.findData(ReviewFilter.ALL))
    presenter.go_to("PBC-001")
    qtbot.keyClick(presenter, Qt.Key.Key_PageDown)
    assert presenter.current is not None and presenter.current.ref == "PBC-002"
    assert presenter.position.text() == "2 of 6"
    presenter.go_to_text("PBC-005")
    assert presenter.current.ref == "PBC-005"
    presenter.go_to_text("title of pbc-006")
    assert presenter.current.ref == "PBC-006"
    presenter.filter.setCurrentIndex(presenter.filter.findData(ReviewFilter.READY))
    assert [r.ref for r in presenter.requests] == ["PBC-004", "PBC-006"]
    assert presenter.current.ref == "PBC-006"
    presenter.go_to_text("nothing like this")
    assert "No request matches" in presenter.verdict_note.text()


def test_evidence_is_shown_large_images_zoom_and_csv_is_a_table(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    opened.select_refs(["PBC-001"])
    copy_image(400, 300)
    with qtbot.waitSignal(opened.attach_finished, timeout=10000):
        opened.paste_action.trigger()
    table = tmp_path / "users.csv"
    table.write_text("user;role\nana;admin\nbo;viewer\n")
    with qtbot.waitSignal(opened.attach_finished, timeout=10000):
        opened.attach_files("PBC-002", [table])
    presenter = start(qtbot, opened)
    presenter.go_to("PBC-001")
    qtbot.waitUntil(lambda: presenter.viewer.kind == "image", timeout=10000)
    before = presenter.viewer.zoom
    presenter.viewer.step_zoom(1)
    assert presenter.viewer.zoom > before
    assert presenter.viewer.image_label.pixmap().width() > 0
    presenter.go_to("PBC-002")
    qtbot.waitUntil(lambda: presenter.viewer.kind == "table", timeout=10000)
    viewer_table = presenter.viewer.table
    assert [viewer_table.horizontalHeaderItem(c).text() for c in range(2)] == ["user", "role"]
    assert viewer_table.item(1, 1).text() == "viewer"
    presenter.go_to("PBC-003")
    assert "No evidence is attached" in presenter.viewer.message.text()
