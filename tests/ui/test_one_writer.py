"""Every write goes through the one writer thread: edits never wait on the GUI thread, undo follows redo."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

import ui.request_edits
from ui.main_window import MainWindow
from workbook.jobs import CancelToken, Progress
from workbook.model import Status


@pytest.fixture
def held_writer(qtbot: QtBot, opened: MainWindow) -> Iterator[threading.Event]:
    """A long write job holding the writer thread until the test sets the event it yields."""
    release, holding = threading.Event(), threading.Event()

    def hold(progress: Progress, cancel: CancelToken) -> None:
        holding.set()
        release.wait(30)

    opened.jobs.run("Holding the writer", hold, writes=True, on_finished=lambda _: None)
    assert holding.wait(10)
    yield release
    release.set()
    qtbot.waitUntil(lambda: not opened.jobs.writing(), timeout=10000)


def status_of(window: MainWindow, ref: str) -> Status:
    workbook = window.workbook
    assert workbook is not None
    return workbook.requests.get(ref).status


def test_an_edit_behind_a_long_write_returns_at_once_and_is_saved_after_it(
    qtbot: QtBot, opened: MainWindow, held_writer: threading.Event
) -> None:
    opened.select_refs(["PBC-002"])
    opened.set_status(Status.READY_FOR_AUDITOR)
    # The GUI thread is back while the writer is still held: the edit is queued, not waiting on SQLite.
    assert opened.jobs.writing()
    assert status_of(opened, "PBC-002") is Status.OPEN
    # The panel shows the edit at once.
    panel_request = opened.panel.request
    assert panel_request is not None and panel_request.status is Status.READY_FOR_AUDITOR
    held_writer.set()
    qtbot.waitUntil(lambda: not opened.jobs.writing(), timeout=10000)
    assert status_of(opened, "PBC-002") is Status.READY_FOR_AUDITOR
    assert opened.model.request_at(1).status is Status.READY_FOR_AUDITOR


def test_an_undo_asked_before_its_step_was_saved_runs_after_it(
    qtbot: QtBot, opened: MainWindow, held_writer: threading.Event
) -> None:
    opened.select_refs(["PBC-003"])
    opened.set_status(Status.ACCEPTED)
    opened.undo_action.trigger()
    held_writer.set()
    qtbot.waitUntil(lambda: not opened.jobs.writing(), timeout=10000)
    assert status_of(opened, "PBC-003") is Status.OPEN
    workbook = opened.workbook
    assert workbook is not None
    sets = [
        (entry.before, entry.after)
        for entry in sorted(workbook.activity.list(), key=lambda e: e.id)
        if entry.action == "request.set" and entry.target == "PBC-003"
    ]
    assert sets == [("open", "accepted"), ("accepted", "open")]


def test_text_not_saved_within_the_wait_stays_in_the_panel_and_is_never_written(
    qtbot: QtBot, opened: MainWindow, held_writer: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ui.request_edits, "PENDING_WAIT_MS", 200)
    opened.select_refs(["PBC-004"])
    opened.panel.notes.setFocus()
    qtbot.keyClicks(opened.panel.notes, "Asked IT for the export")
    assert not opened.edits.commit_pending_edits()
    box = opened.findChild(ui.request_edits.QMessageBox, "pending_edits_box")
    assert box is not None and "another task is still writing" in box.text()
    assert opened.panel.pending_edits() == {"notes": "Asked IT for the export"}
    held_writer.set()
    qtbot.waitUntil(lambda: not opened.jobs.writing(), timeout=10000)
    workbook = opened.workbook
    assert workbook is not None
    assert workbook.requests.get("PBC-004").notes == ""
    # Once the writer is free, the same text saves.
    assert opened.edits.commit_pending_edits()
    assert workbook.requests.get("PBC-004").notes == "Asked IT for the export"


def test_a_comment_is_written_off_the_gui_thread(
    qtbot: QtBot, opened: MainWindow, held_writer: threading.Event
) -> None:
    opened.select_refs(["PBC-001"])
    opened.panel.comment_added.emit("Screenshots are from the old tenant")
    workbook = opened.workbook
    assert workbook is not None
    assert workbook.requests.comments("PBC-001") == []
    held_writer.set()
    qtbot.waitUntil(lambda: not opened.jobs.writing(), timeout=10000)
    assert [c.body for c in workbook.requests.comments("PBC-001")] == ["Screenshots are from the old tenant"]
