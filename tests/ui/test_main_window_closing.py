"""Closing, quitting and moving on keep the work: pending edits are saved first, tasks are asked about."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.window import click_row
from helpers.workbooks import reopen
from helpers.writes import saved
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot

from ui.jobs import Job
from ui.main_window import MainWindow
from workbook.errors import StorageError
from workbook.jobs import CancelToken, Progress
from workbook.model import Actor

BUSY = StorageError("could not write the workbook: database is locked", where="acme.auditwb")


def answer_stop_box(window: MainWindow, button: str, seen: list[str]) -> None:
    """Click `button` of the "Stop it and close?" question once it is shown (it runs its own loop)."""

    def click() -> None:
        box = window.findChild(QMessageBox, "stop_jobs_box")
        if box is None or not box.isVisible():
            QTimer.singleShot(10, click)
            return
        seen.append(box.text())
        for candidate in box.buttons():
            if candidate.text() == button:
                candidate.click()

    QTimer.singleShot(0, click)


@pytest.fixture
def failing_writes(opened: MainWindow, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[bool], None]]:
    """Make every field write fail as if a long attach held the database (`fail(False)` lets them through)."""
    assert opened.workbook is not None
    requests = opened.workbook.requests
    real = requests.bulk_set
    failing = [True]

    def bulk_set(*args: Any, **kwargs: Any) -> Any:
        if failing[0]:
            raise BUSY
        return real(*args, **kwargs)

    monkeypatch.setattr(requests, "bulk_set", bulk_set)
    yield lambda on: failing.__setitem__(0, on)
    failing[0] = False


class SlowAttach:
    """Attach whose third file waits until the job is cancelled or released, so a close finds it running."""

    def __init__(self, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
        assert window.workbook is not None
        evidence = window.workbook.evidence
        self.real = evidence.attach_one
        self.reached = threading.Event()
        self.release = threading.Event()
        monkeypatch.setattr(evidence, "attach_one", self.attach_one)
        self.calls = 0

    def attach_one(self, ref: str, path: Path, **kwargs: Any) -> Any:
        self.calls += 1
        cancel: CancelToken = kwargs["cancel"]
        if self.calls == 3:
            self.reached.set()
            while not (cancel.cancelled or self.release.wait(0.005)):
                pass
            cancel.raise_if_cancelled()
        return self.real(ref, path, **kwargs)


def files(tmp_path: Path, count: int) -> list[Path]:
    paths = []
    for number in range(count):
        path = tmp_path / f"evidence-{number}.txt"
        path.write_text(f"proof {number}\n")
        paths.append(path)
    return paths


def test_notes_whose_save_fails_on_close_keep_the_workbook_open_and_are_saved_next_time(
    qtbot: QtBot,
    opened: MainWindow,
    failing_writes: Callable[[bool], None],
    workbook_file: Path,
    actor: Actor,
) -> None:
    click_row(qtbot, opened, 0)
    qtbot.keyClicks(opened.panel.notes, "Asked IT for the export")
    assert not opened.close_workbook()
    assert opened.workbook is not None
    assert opened.panel.notes.toPlainText() == "Asked IT for the export"
    assert opened.panel.notes.document().isModified()
    box = opened.findChild(QMessageBox, "pending_edits_box")
    assert box is not None and box.isVisible()
    assert "notes for PBC-001 could not be saved" in box.text()
    assert "stays open" in box.informativeText()
    box.accept()
    failing_writes(False)
    assert opened.close_workbook()
    with reopen(workbook_file, actor) as workbook:
        assert workbook.requests.get("PBC-001").notes == "Asked IT for the export"


def test_notes_saved_with_the_button_stay_unsaved_when_the_save_fails(
    qtbot: QtBot, opened: MainWindow, failing_writes: Callable[[bool], None]
) -> None:
    click_row(qtbot, opened, 0)
    qtbot.keyClicks(opened.panel.notes, "Draft")
    opened.panel.save_notes.click()
    saved(qtbot, opened)
    assert opened.panel.notes.document().isModified()
    assert opened.panel.save_notes.isEnabled()
    box = opened.findChild(QMessageBox, "user_error_box")
    assert box is not None and "database is locked" in box.text()
    box.accept()
    failing_writes(False)
    opened.panel.save_notes.click()
    saved(qtbot, opened)
    assert not opened.panel.notes.document().isModified()
    assert opened.model.request_at(0).notes == "Draft"


def test_notes_whose_save_fails_keep_the_selection_on_their_request(
    qtbot: QtBot, opened: MainWindow, failing_writes: Callable[[bool], None]
) -> None:
    click_row(qtbot, opened, 0)
    qtbot.keyClicks(opened.panel.notes, "Keep me")
    click_row(qtbot, opened, 2)
    qtbot.waitUntil(lambda: opened.selected_refs() == ["PBC-001"])
    assert opened.panel.request is not None and opened.panel.request.ref == "PBC-001"
    assert opened.panel.notes.toPlainText() == "Keep me"
    failing_writes(False)
    click_row(qtbot, opened, 2)
    saved(qtbot, opened)
    assert opened.model.request_at(0).notes == "Keep me"
    assert opened.panel.request is not None and opened.panel.request.ref == "PBC-003"


def test_closing_stops_running_jobs_before_it_saves_the_notes(
    qtbot: QtBot, opened: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert opened.workbook is not None
    started = threading.Event()

    def work(progress: Progress, cancel: CancelToken) -> None:
        started.set()
        try:
            while not cancel.cancelled:
                cancel_wait.wait(0.005)
            cancel.raise_if_cancelled()
        finally:
            left.set()

    cancel_wait = threading.Event()
    left = threading.Event()
    opened.jobs.start("Background writer", work, writes=True, ask_before_stop=False)
    qtbot.waitUntil(started.is_set)
    requests = opened.workbook.requests
    real = requests.bulk_set
    job_ended_at_save: list[bool] = []

    def bulk_set(*args: Any, **kwargs: Any) -> Any:
        job_ended_at_save.append(left.is_set())
        return real(*args, **kwargs)

    monkeypatch.setattr(requests, "bulk_set", bulk_set)
    opened.select_refs(["PBC-001"])
    qtbot.keyClicks(opened.panel.notes, "After the attach")
    assert opened.close_workbook()
    assert job_ended_at_save == [True]


def test_an_owner_typed_without_enter_is_saved_when_another_request_is_selected(
    qtbot: QtBot, opened: MainWindow
) -> None:
    click_row(qtbot, opened, 1)
    owner = opened.panel.owner
    owner.lineEdit().selectAll()
    qtbot.keyClicks(owner.lineEdit(), "Priya Shah")
    click_row(qtbot, opened, 3)
    saved(qtbot, opened)
    assert opened.model.request_at(1).owner == "Priya Shah"
    assert opened.undo_action.text() == "&Undo Set owner of PBC-002 to Priya Shah"
    opened.undo_action.trigger()
    saved(qtbot, opened)
    assert opened.model.request_at(1).owner == ""


def test_a_due_date_typed_without_leaving_the_field_is_saved_when_the_workbook_closes(
    qtbot: QtBot, opened: MainWindow, workbook_file: Path, actor: Actor
) -> None:
    click_row(qtbot, opened, 0)
    due = opened.panel.due
    due.setFocus()
    due.edit.selectAll()
    qtbot.keyClicks(due.edit, "2026-09-30")  # typed, and editing has not finished
    owner = opened.panel.owner
    owner.lineEdit().selectAll()
    qtbot.keyClicks(owner.lineEdit(), "Lee Wong")
    assert opened.close_workbook()
    with reopen(workbook_file, actor) as workbook:
        request = workbook.requests.get("PBC-001")
        assert (request.due.isoformat() if request.due else "", request.owner) == ("2026-09-30", "Lee Wong")


def test_an_owner_typed_without_enter_is_saved_when_the_app_quits(
    qtbot: QtBot, opened: MainWindow, workbook_file: Path, actor: Actor
) -> None:
    click_row(qtbot, opened, 2)
    owner = opened.panel.owner
    owner.lineEdit().selectAll()
    qtbot.keyClicks(owner.lineEdit(), "Sam Lee")
    opened.quit_action.trigger()
    assert not opened.isVisible()
    with reopen(workbook_file, actor) as workbook:
        assert workbook.requests.get("PBC-003").owner == "Sam Lee"


def test_quitting_with_an_unsaved_edit_that_cannot_be_saved_keeps_the_app_open(
    qtbot: QtBot, opened: MainWindow, failing_writes: Callable[[bool], None]
) -> None:
    click_row(qtbot, opened, 2)
    qtbot.keyClicks(opened.panel.notes, "Not yet saved")
    opened.quit_action.trigger()
    assert opened.isVisible()
    assert opened.workbook is not None
    assert opened.panel.notes.toPlainText() == "Not yet saved"


def test_closing_during_an_attach_asks_and_says_how_many_files_were_attached(
    qtbot: QtBot,
    opened: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    workbook_file: Path,
    actor: Actor,
) -> None:
    slow = SlowAttach(opened, monkeypatch)
    job = opened.attach_files("PBC-002", files(tmp_path, 5))
    assert isinstance(job, Job)
    qtbot.waitUntil(slow.reached.is_set)
    asked: list[str] = []
    answer_stop_box(opened, "Stop it and close", asked)
    assert opened.close_workbook()
    assert asked == ["Attaching 5 files to PBC-002 is still running. Stop it and close?"]
    assert opened.statusBar().currentMessage() == (
        "Attaching 5 files to PBC-002 was stopped: 2 of 5 files had been attached to PBC-002 (they stay)."
    )
    with reopen(workbook_file, actor) as workbook:
        assert len(workbook.evidence.for_request("PBC-002")) == 2


def test_choosing_wait_keeps_the_workbook_open_and_the_attach_going(
    qtbot: QtBot, opened: MainWindow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    slow = SlowAttach(opened, monkeypatch)
    opened.attach_files("PBC-002", files(tmp_path, 4))
    qtbot.waitUntil(slow.reached.is_set)
    asked: list[str] = []
    answer_stop_box(opened, "Wait", asked)
    assert not opened.close_workbook()
    assert asked and opened.workbook is not None
    with qtbot.waitSignal(opened.attach_finished, timeout=10000) as finished:
        slow.release.set()
    assert len(finished.args[0]) == 4
    QApplication.processEvents()


def test_an_owner_added_on_the_fly_leaves_the_people_lists_on_undo_and_returns_on_redo(
    qtbot: QtBot, opened: MainWindow
) -> None:
    click_row(qtbot, opened, 1)
    owner = opened.panel.owner
    owner.lineEdit().selectAll()
    qtbot.keyClicks(owner.lineEdit(), "Priya Shah")
    qtbot.keyClick(owner.lineEdit(), Qt.Key.Key_Return)
    saved(qtbot, opened)
    assert opened.filter_bar.owner.findText("Priya Shah") >= 0
    opened.undo_action.trigger()
    saved(qtbot, opened)
    assert opened.workbook is not None
    assert [p.name for p in opened.workbook.people.list()] == []
    assert opened.filter_bar.owner.findText("Priya Shah") < 0
    assert owner.findText("Priya Shah") < 0
    opened.redo_action.trigger()
    saved(qtbot, opened)
    assert [p.name for p in opened.workbook.people.list()] == ["Priya Shah"]
    assert opened.filter_bar.owner.findText("Priya Shah") >= 0


def test_undoing_an_owner_who_already_existed_keeps_that_person(qtbot: QtBot, opened: MainWindow) -> None:
    opened.select_refs(["PBC-001"])
    opened.edits.apply_change(["PBC-001"], _owner("Priya Shah"))
    opened.select_refs(["PBC-002"])
    opened.edits.apply_change(["PBC-002"], _owner("priya shah"))
    opened.undo_action.trigger()
    saved(qtbot, opened)
    assert opened.workbook is not None
    assert [p.name for p in opened.workbook.people.list()] == ["Priya Shah"]


def test_add_person_is_one_undoable_step_that_removes_the_person_again(
    qtbot: QtBot, opened: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("Lee  Wong", True))
    click_row(qtbot, opened, 0)
    opened.panel.add_person_requested.emit()
    saved(qtbot, opened)
    assert opened.model.request_at(0).owner == "Lee Wong"
    assert opened.undo_action.text() == "&Undo Set owner of PBC-001 to Lee Wong"
    opened.undo_action.trigger()
    saved(qtbot, opened)
    assert opened.workbook is not None
    assert opened.model.request_at(0).owner == ""
    assert opened.workbook.people.list() == []
    assert opened.filter_bar.owner.findText("Lee Wong") < 0


def _owner(name: str) -> Any:
    from workbook.model import FieldChange

    return FieldChange(owner=name)
