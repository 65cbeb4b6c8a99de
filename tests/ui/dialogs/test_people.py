"""Edit → People…: counts, rename, merge duplicates and undo, email addresses, reminder emails as drafts."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from helpers.writes import saved
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from ui.dialogs.people import PeopleDialog
from ui.main_window import MainWindow
from workbook.model import FieldChange


def owners(window: MainWindow) -> dict[str, str]:
    workbook = window.workbook
    assert workbook is not None
    return {r.ref: r.owner for r in workbook.requests.list()}


@pytest.fixture
def staffed(qtbot: QtBot, opened: MainWindow) -> MainWindow:
    """PBC-001 and 002 owned by "D. Ops", 003 by "Dana Ops", 004 by "Priya Shah"."""
    edits = opened.edits
    edits.apply_change(["PBC-001", "PBC-002"], FieldChange(owner="D. Ops"))
    edits.apply_change(["PBC-003"], FieldChange(owner="Dana Ops"))
    edits.apply_change(["PBC-004"], FieldChange(owner="Priya Shah"))
    saved(qtbot, opened)
    return opened


def open_people(window: MainWindow) -> PeopleDialog:
    dialog = window.people_action.open()
    assert dialog is not None and dialog.isVisible()
    return dialog


def rows(dialog: PeopleDialog) -> list[tuple[str, str, str]]:
    table = dialog.table
    return [tuple(table.item(r, c).text() for c in range(3)) for r in range(table.rowCount())]  # type: ignore[misc]


def test_the_dialog_lists_everyone_with_their_request_counts(staffed: MainWindow) -> None:
    dialog = open_people(staffed)
    assert rows(dialog) == [("D. Ops", "", "2"), ("Dana Ops", "", "1"), ("Priya Shah", "", "1")]


def test_merging_two_people_moves_their_requests_and_undo_splits_them_again(
    qtbot: QtBot, staffed: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = open_people(staffed)
    dialog.select("D. Ops")
    monkeypatch.setattr(QInputDialog, "getItem", lambda *args, **kwargs: ("Dana Ops", True))
    dialog.merge_button.click()
    saved(qtbot, staffed)
    assert owners(staffed) == {
        "PBC-001": "Dana Ops",
        "PBC-002": "Dana Ops",
        "PBC-003": "Dana Ops",
        "PBC-004": "Priya Shah",
        "PBC-005": "",
        "PBC-006": "",
    }
    assert rows(dialog) == [("Dana Ops", "", "3"), ("Priya Shah", "", "1")]
    assert staffed.undo_action.text() == "&Undo Merge D. Ops into Dana Ops"
    staffed.undo_action.trigger()
    saved(qtbot, staffed)
    assert owners(staffed)["PBC-001"] == owners(staffed)["PBC-002"] == "D. Ops"
    assert owners(staffed)["PBC-003"] == "Dana Ops"
    assert rows(dialog) == [("D. Ops", "", "2"), ("Dana Ops", "", "1"), ("Priya Shah", "", "1")]
    staffed.redo_action.trigger()
    saved(qtbot, staffed)
    assert rows(dialog) == [("Dana Ops", "", "3"), ("Priya Shah", "", "1")]
    # The table shows the merged owner too.
    assert {staffed.model.request_at(r).owner for r in range(3)} == {"Dana Ops"}


def test_rename_and_email_are_undoable_and_a_name_in_use_is_refused(
    qtbot: QtBot, staffed: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = open_people(staffed)
    dialog.select("Priya Shah")
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("priya@acme.example", True))
    dialog.email_button.click()
    saved(qtbot, staffed)
    assert ("Priya Shah", "priya@acme.example", "1") in rows(dialog)
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("Priya  Shah-Iyer", True))
    dialog.rename_button.click()
    saved(qtbot, staffed)
    assert owners(staffed)["PBC-004"] == "Priya Shah-Iyer"
    staffed.undo_action.trigger()
    saved(qtbot, staffed)
    assert owners(staffed)["PBC-004"] == "Priya Shah"
    staffed.undo_action.trigger()
    saved(qtbot, staffed)
    assert ("Priya Shah", "", "1") in rows(dialog)
    # A name someone else has: refused with words, nothing changed.
    dialog.select("Priya Shah")
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("dana ops", True))
    dialog.rename_button.click()
    saved(qtbot, staffed)
    assert owners(staffed)["PBC-004"] == "Priya Shah"
    box = staffed.findChild(type(staffed._open_boxes[-1]), "user_error_box") if staffed._open_boxes else None
    assert box is not None and "already in this workbook" in box.text()


def test_reminder_emails_are_saved_as_drafts_one_per_owner_listing_their_open_requests(
    qtbot: QtBot, staffed: MainWindow, tmp_path: Path
) -> None:
    dialog = open_people(staffed)
    written = dialog.save_drafts(str(tmp_path))
    assert sorted(p.name for p in written) == [
        "open-requests-D.-Ops.eml",
        "open-requests-Dana-Ops.eml",
        "open-requests-Priya-Shah.eml",
    ]
    message = email.message_from_bytes(
        (tmp_path / "open-requests-D.-Ops.eml").read_bytes(), policy=email.policy.default
    )
    body = message.get_content()
    assert message["X-Unsent"] == "1"
    assert "2 open requests, 1 overdue" in message["Subject"]
    assert body.startswith("Hello D. Ops,")
    # PBC-002 is the one overdue request of the workbook the tests open.
    assert "Overdue (1):\n- PBC-002: Title of PBC-002" in body
    assert "Open (1):\n- PBC-001: Title of PBC-001" in body
    assert body.rstrip().endswith("Thank you\nDana Ops")
    assert "PBC-003" not in body
    assert "Saved 3 reminder emails" in dialog.note.text()
