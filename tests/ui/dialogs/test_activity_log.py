"""The Activity log window, used as a person would: read, filter, export, verify; and the History tab."""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.window import click_row
from helpers.writes import saved
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from ui.dialogs.activity_log import ActivityLogDialog
from ui.dialogs.verify_result import VerifyResultDialog
from ui.main_window import MainWindow
from ui.models.activity_table_model import ActivityColumn
from workbook.activity_csv import HEADER
from workbook.model import Actor, FieldChange, Status
from workbook.services.workbook import Workbook

OpenFile = Callable[[MainWindow, Path], None]
SAM = Actor("Sam Reviewer", "sam")


@pytest.fixture
def workbook_file(workbook_file: Path, tmp_path: Path) -> Path:
    """The six-request workbook after a morning's work by Sam: statuses, an owner, a comment, an attach."""
    proof = tmp_path / "access-review.csv"
    proof.write_text("user,reviewed\nana,yes\n")
    with Workbook.open(workbook_file, SAM) as workbook:
        workbook.requests.set("PBC-001", FieldChange(status=Status.IN_PROGRESS))
        workbook.requests.set("PBC-002", FieldChange(status=Status.READY_FOR_AUDITOR, owner="Lee Chen"))
        workbook.requests.add_comment("PBC-002", "Q2 list attached")
        workbook.evidence.attach("PBC-002", [proof])
    return workbook_file


def open_log(qtbot: QtBot, window: MainWindow) -> ActivityLogDialog:
    """File → Activity log…, and wait until the log has been read."""
    window.activity_log_action.trigger()
    dialog = window.activity_view.dialog
    assert dialog is not None
    assert dialog.isVisible() and not dialog.isModal()
    qtbot.waitUntil(lambda: dialog.ready, timeout=10000)
    return dialog


def column(dialog: ActivityLogDialog, which: ActivityColumn) -> list[str]:
    model = dialog.table.model()
    return [str(model.index(row, which).data()) for row in range(model.rowCount())]


def result_dialog(qtbot: QtBot, window: MainWindow) -> VerifyResultDialog:
    qtbot.waitUntil(
        lambda: (
            window.activity_view.result_dialog is not None and window.activity_view.result_dialog.isVisible()
        ),
        timeout=30000,
    )
    dialog = window.activity_view.result_dialog
    assert dialog is not None
    return dialog


def test_the_log_opens_from_the_file_menu_with_every_entry_in_plain_words(
    qtbot: QtBot, opened: MainWindow
) -> None:
    action = opened.activity_log_action
    assert action.shortcut() == QKeySequence("Ctrl+Shift+L")
    file_menu = opened.menuBar().actions()[0].menu()
    assert action in file_menu.actions()
    dialog = open_log(qtbot, opened)
    assert dialog.count_label.text() == "7 of 7 entries"
    assert column(dialog, ActivityColumn.WHAT) == [
        "Sam Reviewer attached access-review.csv to PBC-002",
        "Sam Reviewer commented on PBC-002: “Q2 list attached”",
        "Sam Reviewer set status of PBC-002 from Open to Ready for auditor",
        "Sam Reviewer set owner of PBC-002 to Lee Chen",
        "Sam Reviewer added Lee Chen to the people",
        "Sam Reviewer set status of PBC-001 from Open to In progress",
        "Dana Ops created the workbook for Acme Cloud, Inc. (SOC 2 Type II)",
    ]
    assert column(dialog, ActivityColumn.REQUEST)[:3] == ["PBC-002", "PBC-002", "PBC-002"]
    assert column(dialog, ActivityColumn.WHO)[-1] == "Dana Ops"
    when = column(dialog, ActivityColumn.WHEN)[0]
    assert dt.datetime.strptime(when, "%Y-%m-%d %H:%M").date() == dt.date.today()
    # Opening it again brings the same window forward.
    opened.activity_log_action.trigger()
    assert opened.activity_view.dialog is dialog


def test_filters_by_person_request_kind_and_date_and_the_count_follows(
    qtbot: QtBot, opened: MainWindow
) -> None:
    dialog = open_log(qtbot, opened)
    assert [dialog.person.itemText(i) for i in range(dialog.person.count())] == [
        "Everyone",
        "Dana Ops",
        "Sam Reviewer",
    ]
    dialog.person.setCurrentIndex(dialog.person.findText("Dana Ops"))
    assert dialog.count_label.text() == "1 of 7 entries"
    dialog.person.setCurrentIndex(dialog.person.findText("Sam Reviewer"))
    assert dialog.count_label.text() == "6 of 7 entries"

    qtbot.keyClicks(dialog.request, "pbc-001")
    assert dialog.count_label.text() == "1 of 7 entries"
    assert column(dialog, ActivityColumn.WHAT) == [
        "Sam Reviewer set status of PBC-001 from Open to In progress"
    ]
    dialog.request.clear()
    qtbot.keyClicks(dialog.request, "PBC-002")
    assert dialog.count_label.text() == "4 of 7 entries"

    dialog.kind.setCurrentIndex(dialog.kind.findText("Evidence"))
    assert dialog.count_label.text() == "1 of 7 entries"
    dialog.kind.setCurrentIndex(dialog.kind.findText("Comments"))
    assert column(dialog, ActivityColumn.WHAT) == ["Sam Reviewer commented on PBC-002: “Q2 list attached”"]
    dialog.kind.setCurrentIndex(dialog.kind.findText("Status and fields"))
    assert dialog.count_label.text() == "2 of 7 entries"

    dialog.clear_button.click()
    assert dialog.count_label.text() == "7 of 7 entries"
    assert not dialog.clear_button.isEnabled()
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    qtbot.keyClicks(dialog.since.edit, tomorrow.isoformat())
    assert dialog.count_label.text() == "0 of 7 entries"
    dialog.since.edit.clear()
    qtbot.keyClicks(dialog.until.edit, dt.date.today().isoformat())
    qtbot.keyClick(dialog.until.edit, Qt.Key.Key_Return)
    assert dialog.count_label.text() == "7 of 7 entries"


def test_an_edit_in_the_window_appears_in_the_open_log(qtbot: QtBot, opened: MainWindow) -> None:
    dialog = open_log(qtbot, opened)
    click_row(qtbot, opened, 2)
    opened.set_status(Status.FOLLOW_UP)
    saved(qtbot, opened)
    qtbot.waitUntil(lambda: dialog.ready and dialog.count_label.text() == "8 of 8 entries", timeout=10000)
    assert column(dialog, ActivityColumn.WHAT)[0] == "Dana Ops set status of PBC-003 from Open to Follow-up"


def test_the_history_tab_uses_the_same_words_and_one_line_per_attach(
    qtbot: QtBot, opened: MainWindow
) -> None:
    click_row(qtbot, opened, 1)
    history = opened.panel.history.toPlainText()
    assert "Sam Reviewer attached access-review.csv to PBC-002" in history
    assert history.count("access-review.csv") == 1
    assert "Sam Reviewer set status of PBC-002 from Open to Ready for auditor" in history
    assert "ready_for_auditor" not in history and "→" not in history and "evidence link" not in history
    opened.set_status(Status.FOLLOW_UP)
    saved(qtbot, opened)
    qtbot.waitUntil(lambda: "from Ready for auditor to Follow-up" in opened.panel.history.toPlainText())


def test_the_history_tab_escapes_html(qtbot: QtBot, opened: MainWindow) -> None:
    click_row(qtbot, opened, 0)
    qtbot.keyClicks(opened.panel.comment_edit, "<b>not bold</b> & more")
    qtbot.keyClick(opened.panel.comment_edit, Qt.Key.Key_Return)
    saved(qtbot, opened)
    qtbot.waitUntil(lambda: "“<b>not bold</b> & more”" in opened.panel.history.toPlainText())


def test_export_writes_the_entries_shown_as_csv(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = open_log(qtbot, opened)
    qtbot.keyClicks(dialog.request, "PBC-002")
    target = tmp_path / "out" / "acme-log"
    target.parent.mkdir()
    asked: list[str] = []

    def save_as(_parent: object, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(target), "CSV files (*.csv)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    with qtbot.waitSignal(dialog.exported, timeout=10000) as blocker:
        dialog.export_button.click()
    written = blocker.args[0]
    assert written == target.with_name("acme-log.csv")
    assert Path(asked[0]).name.startswith("acme-activity-")
    with written.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(HEADER)
    # Four lines shown; the attach is two entries, each with its own hash.
    assert [row["Action"] for row in rows] == [
        "evidence.link",
        "evidence.add",
        "comment.add",
        "request.set",
        "request.set",
    ]
    assert rows[0]["What"] == "Sam Reviewer attached access-review.csv to PBC-002"
    assert rows[3]["What"] == "Sam Reviewer set status of PBC-002 from Open to Ready for auditor"
    assert (rows[3]["Before"], rows[3]["After"], rows[3]["Login"]) == ("open", "ready_for_auditor", "sam")
    assert all(len(row["Hash"]) == 64 and row["When (UTC)"].endswith("+00:00") for row in rows)
    assert dialog.check_label.text() == "Wrote 5 rows to acme-log.csv."


def test_verify_integrity_runs_as_a_job_and_says_intact_with_the_head(
    qtbot: QtBot, opened: MainWindow
) -> None:
    dialog = open_log(qtbot, opened)
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    assert not dialog.verify_button.isEnabled()
    result = result_dialog(qtbot, opened)
    assert result.parent() is dialog
    assert result.headline.text() == "Intact: nothing was altered."
    head = opened.workbook.activity.head() if opened.workbook else ""
    assert result.head.text() == f"Activity log head: {head}"
    # Only what the check could not compare, if anything: no problem is listed.
    assert result.problems.toPlainText().split("Not checked:")[0].strip() == ""
    assert dialog.verify_button.isEnabled()
    assert dialog.check_label.text() == f"Checked just now: intact (log head {head[:12]}…)."


def test_a_tampered_entry_is_named_in_the_result(
    qtbot: QtBot, window: MainWindow, workbook_file: Path, open_file: OpenFile
) -> None:
    con = sqlite3.connect(workbook_file)
    (edited,) = con.execute(
        "SELECT id FROM activity WHERE action = 'request.set' AND field = 'status' ORDER BY id LIMIT 1"
    ).fetchone()
    con.execute("UPDATE activity SET after = 'accepted' WHERE id = ?", (edited,))
    con.commit()
    con.close()
    with qtbot.waitSignal(window.verify_finished, timeout=30000):
        open_file(window, workbook_file)
    # The check on open stays quiet: the banner names it, no dialog pops up.
    assert window.verify_banner.isVisible()
    assert window.activity_view.result_dialog is None
    dialog = open_log(qtbot, window)
    # The log shows the entry as it now reads; verify says it was altered.
    assert "Sam Reviewer set status of PBC-001 from Open to Accepted" in column(dialog, ActivityColumn.WHAT)
    dialog.verify_button.click()
    result = result_dialog(qtbot, window)
    assert result.headline.text().startswith("The check found ")
    text = result.problems.toPlainText()
    assert f"activity entry #{edited} (" in text
    assert "Sam Reviewer: request.set PBC-001) was edited after it was written" in text
    assert result.problems.isVisible()
    assert dialog.check_label.text().startswith("Checked just now: ")
    assert dialog.check_label.text().endswith(" found.")


def test_file_verify_now_shows_its_result_in_a_dialog_too(qtbot: QtBot, opened: MainWindow) -> None:
    qtbot.waitSignal(opened.verify_finished, timeout=30000).wait()
    assert opened.activity_view.result_dialog is None
    opened.verify_action.trigger()
    result = result_dialog(qtbot, opened)
    assert result.parent() is opened
    assert result.headline.text() == "Intact: nothing was altered."
    result.copy_button.click()
    from PySide6.QtGui import QGuiApplication

    assert (
        QGuiApplication.clipboard().text().startswith("Intact: nothing was altered.\nChecked 1 evidence file")
    )


def test_closing_the_workbook_closes_its_log(qtbot: QtBot, opened: MainWindow) -> None:
    open_log(qtbot, opened)
    assert opened.close_workbook()
    assert opened.activity_view.dialog is None
    assert not opened.activity_log_action.isEnabled()


def test_the_log_is_read_on_a_job_not_on_the_gui_thread(qtbot: QtBot, opened: MainWindow) -> None:
    opened.activity_log_action.trigger()
    dialog = opened.activity_view.dialog
    assert dialog is not None
    # Shown at once, still empty: the entries arrive from a reader job.
    assert dialog.loading and dialog.table.model().rowCount() == 0
    assert any(job.title == "Reading the activity log" and not job.writes for job in opened.jobs.active)
    qtbot.waitUntil(lambda: dialog.ready, timeout=10000)
    assert dialog.table.model().rowCount() == 7


def test_a_long_log_shows_its_newest_page_first_and_reads_the_rest_page_by_page(
    qtbot: QtBot, opened: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ui.dialogs.activity_log as activity_log

    monkeypatch.setattr(activity_log, "FIRST_PAGE", 2)
    monkeypatch.setattr(activity_log, "PAGE", 2)
    pages: list[int] = []
    opened.activity_log_action.trigger()
    dialog = opened.activity_view.dialog
    assert dialog is not None
    dialog.model.rowsInserted.connect(lambda _parent, first, last: pages.append(last - first + 1))
    qtbot.waitUntil(lambda: dialog.ready, timeout=10000)
    assert len(pages) >= 3
    assert dialog.count_label.text() == "7 of 7 entries"
    # The attach is still one line although pages of two entries cut through it.
    assert column(dialog, ActivityColumn.WHAT)[0] == "Sam Reviewer attached access-review.csv to PBC-002"
    assert [len(line.entries) for line in dialog.lines] == [2, 1, 1, 1, 1, 1, 1]
