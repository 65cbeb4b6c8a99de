"""File ▸ Start next period…: what the dialog suggests, what it refuses in words, the job, the new file."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from helpers.workbooks import reopen
from pytestqt.qtbot import QtBot

from ui.dialogs.next_period import NextPeriodDialog, next_file_path, next_period_dates
from ui.main_window import MainWindow
from workbook.model import Actor


def start_dialog(window: MainWindow) -> NextPeriodDialog:
    window.cycles.next_period_action.trigger()
    dialog = window.cycles.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_the_next_period_is_the_twelve_months_after_this_one() -> None:
    assert next_period_dates(dt.date(2026, 6, 30)) == (dt.date(2026, 7, 1), dt.date(2027, 6, 30))
    assert next_period_dates(dt.date(2026, 12, 31)) == (dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert next_period_dates(dt.date(2027, 2, 28)) == (dt.date(2027, 3, 1), dt.date(2028, 2, 29))


def test_the_new_file_is_named_for_the_new_year_beside_this_one(tmp_path: Path) -> None:
    current = tmp_path / "Acme FY2026.auditwb"

    assert next_file_path(current, dt.date(2026, 12, 31), dt.date(2027, 12, 31)) == (
        tmp_path / "Acme FY2027.auditwb"
    )
    assert next_file_path(tmp_path / "acme.auditwb", dt.date(2026, 6, 30), dt.date(2027, 6, 30)) == (
        tmp_path / "acme FY2027.auditwb"
    )
    (tmp_path / "Acme FY2027.auditwb").write_bytes(b"")
    assert next_file_path(current, dt.date(2026, 12, 31), dt.date(2027, 12, 31)).name == (
        "Acme FY2027 (2).auditwb"
    )


def test_the_menu_item_waits_for_an_open_workbook(window: MainWindow) -> None:
    assert window.cycles.next_period_action in window.menuBar().actions()[0].menu().actions()
    assert not window.cycles.next_period_action.isEnabled()


def test_the_dialog_is_prefilled_from_the_engagement(opened: MainWindow, workbook_file: Path) -> None:
    dialog = start_dialog(opened)

    assert dialog.client.text().startswith("Acme Cloud, Inc.")
    assert dialog.current_period.text() == "2026-01-01 to 2026-06-30"
    assert dialog.period_start.date() == dt.date(2026, 7, 1)
    assert dialog.period_end.date() == dt.date(2027, 6, 30)
    assert dialog.auditor.text() == "Northbridge Assurance LLP"
    assert Path(dialog.path.text()) == workbook_file.with_name("acme FY2027.auditwb")
    assert "goes back to <i>Open</i>" in dialog.explanation.text()
    assert "not counted or exported" in dialog.explanation.text()


def test_a_later_end_year_renames_the_suggested_file(opened: MainWindow, workbook_file: Path) -> None:
    dialog = start_dialog(opened)

    dialog.period_end.set_date(dt.date(2028, 6, 30))
    dialog.period_end.edited.emit()

    assert Path(dialog.path.text()).name == "acme FY2028.auditwb"


def test_a_new_period_inside_this_one_is_refused_in_words(opened: MainWindow) -> None:
    dialog = start_dialog(opened)
    dialog.period_start.set_date(dt.date(2026, 3, 1))

    assert dialog.start() is None
    assert "inside this one (2026-01-01 to 2026-06-30)" in dialog.problem.text()
    assert "2026-07-01" in dialog.problem.text()


def test_an_existing_file_is_refused_in_words(opened: MainWindow, tmp_path: Path) -> None:
    dialog = start_dialog(opened)
    taken = tmp_path / "taken.auditwb"
    taken.write_bytes(b"")
    dialog.path.setText(str(taken))

    assert dialog.start() is None
    assert dialog.problem.text() == "taken.auditwb already exists there: choose another name."


def test_create_writes_the_next_period_while_this_workbook_is_open(
    qtbot: QtBot, opened: MainWindow, workbook_file: Path, actor: Actor
) -> None:
    dialog = start_dialog(opened)
    dialog.auditor.setText("Harbor & Co")

    with qtbot.waitSignal(dialog.created, timeout=30000) as created:
        dialog.create_button.click()

    result = created.args[0]
    assert result.path == workbook_file.with_name("acme FY2027.auditwb")
    assert "Created acme FY2027.auditwb: 6 requests" in dialog.message.text()
    assert dialog.open_button.isVisible() and dialog.close_button.text() == "Close"
    with reopen(result.path, actor) as new:
        engagement = new.engagement()
        assert (engagement.period_start, engagement.period_end) == (dt.date(2026, 7, 1), dt.date(2027, 6, 30))
        assert engagement.auditor == "Harbor & Co"
    assert opened.workbook is not None and not opened.read_only
    assert str(result.path) in [entry.path for entry in opened.settings.recent()]
    assert any(str(result.path) in action.text() for action in opened.recent_menu.actions())


def test_open_the_new_workbook_opens_it_in_this_window(
    qtbot: QtBot, opened: MainWindow, workbook_file: Path
) -> None:
    dialog = start_dialog(opened)
    with qtbot.waitSignal(dialog.created, timeout=30000):
        dialog.create_button.click()

    with qtbot.waitSignal(opened.workbook_opened, timeout=30000) as shown:
        dialog.open_button.click()

    assert shown.args[0] == str(workbook_file.with_name("acme FY2027.auditwb"))
    assert "2026-07-01" in opened.engagement_label.text() or "01 Jul 2026" in opened.engagement_label.text()
    assert opened.settings.recent()[0].path == shown.args[0]


def test_stop_before_it_ends_writes_nothing(qtbot: QtBot, opened: MainWindow) -> None:
    dialog = start_dialog(opened)
    target = Path(dialog.path.text())
    # Held behind a write queued first, so Stop reaches the job before it reads anything.
    release = threading.Event()
    opened.jobs.write("hold", lambda: release.wait(10), on_finished=lambda _r: None, on_failed=print)
    dialog.start()
    assert dialog.close_button.text() == "Stop" and not dialog.create_button.isEnabled()
    dialog.close_button.click()
    release.set()

    qtbot.waitUntil(lambda: dialog.message.text() == "Stopped; nothing was written.", timeout=30000)
    assert not target.exists()
    assert dialog.create_button.isEnabled() and dialog.close_button.text() == "Cancel"
    assert list(target.parent.glob(f"{target.name}*")) == []
