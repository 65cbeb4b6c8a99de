"""Date fields acting as a user types: a whole date typed over another is that date, in every form offered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.writes import saved
from PySide6.QtCore import QDate, QLocale, Qt
from pytestqt.qtbot import QtBot

from ui.dialogs.due_date import DueDateDialog
from ui.dialogs.new_workbook import NewWorkbookDialog
from ui.main_window import MainWindow
from ui.widgets.date_field import DateField, parse_date
from ui.widgets.request_panel import PanelTab
from workbook.model import Actor
from workbook.services.workbook import Workbook

US = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
UK = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)
GERMANY = QLocale(QLocale.Language.German, QLocale.Country.Germany)


@pytest.fixture
def us_locale() -> Iterator[None]:
    """The fields read the user's locale; these tests fix it to the United States' (M/d/yy)."""
    before = QLocale()
    QLocale.setDefault(US)
    yield
    QLocale.setDefault(before)


def type_over(qtbot: QtBot, field: DateField, text: str) -> None:
    """Select everything in the field and type `text`, as a user replacing a date does."""
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, text)


def test_iso_and_the_locales_short_dates_are_read_as_written() -> None:
    assert parse_date("2025-09-30", US) == dt.date(2025, 9, 30)
    assert parse_date(" 2025-9-3 ", US) == dt.date(2025, 9, 3)
    assert parse_date("9/30/2025", US) == dt.date(2025, 9, 30)
    assert parse_date("9/30/25", US) == dt.date(2025, 9, 30)
    assert parse_date("30/09/2025", UK) == dt.date(2025, 9, 30)
    assert parse_date("30.09.25", GERMANY) == dt.date(2025, 9, 30)
    assert parse_date("", US) is None


def test_a_value_that_is_not_a_date_says_what_is_accepted() -> None:
    for text in ("2025-02-30", "30/09/2025", "next friday"):
        with pytest.raises(ValueError, match="Type it as 2026-09-30 or 9/30/2026"):
            parse_date(text, US)


@pytest.mark.usefixtures("us_locale")
def test_a_full_date_typed_over_another_replaces_the_year_too(qtbot: QtBot) -> None:
    field = DateField("due", "Due date", "No due date")
    qtbot.addWidget(field)
    field.show()
    field.set_date(dt.date(2026, 1, 1))
    type_over(qtbot, field, "2025-09-30")
    assert field.date() == dt.date(2025, 9, 30)
    type_over(qtbot, field, "9/30/2024")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.date() == dt.date(2024, 9, 30)
    assert field.text() == "2024-09-30"


@pytest.mark.usefixtures("us_locale")
def test_no_date_is_an_empty_field_that_is_typed_into_like_any_other(qtbot: QtBot) -> None:
    field = DateField("due", "Due date", "No due date")
    qtbot.addWidget(field)
    field.show()
    field.set_date(None)
    assert (field.text(), field.edit.placeholderText(), field.date()) == ("", "No due date", None)
    qtbot.keyClicks(field.edit, "2025-09-30")
    assert field.date() == dt.date(2025, 9, 30)


def test_the_calendar_opens_on_the_date_shown_or_on_today(qtbot: QtBot) -> None:
    field = DateField("due", "Due date", "No due date")
    qtbot.addWidget(field)
    field.show()
    field.set_date(dt.date(2025, 9, 30))
    field._menu.aboutToShow.emit()
    assert field.calendar.selectedDate() == QDate(2025, 9, 30)
    assert (field.calendar.yearShown(), field.calendar.monthShown()) == (2025, 9)
    field.set_date(None)
    field._menu.aboutToShow.emit()
    assert field.calendar.selectedDate() == QDate.currentDate()
    with qtbot.waitSignal(field.edited):
        field.calendar.clicked.emit(QDate(2025, 10, 2))
    assert field.date() == dt.date(2025, 10, 2)


@pytest.mark.usefixtures("us_locale")
def test_the_new_workbooks_audit_period_is_the_one_typed(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, actor: Actor
) -> None:
    window.settings.last_folder = str(tmp_path)
    window.new_action.trigger()
    dialog = window.findChild(NewWorkbookDialog)
    assert dialog is not None
    qtbot.keyClicks(dialog.client, "Brightpath Labs Inc.")
    type_over(qtbot, dialog.period_start, "2025-10-01")
    type_over(qtbot, dialog.period_end, "31/02/2026")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert dialog.isVisible()
    assert dialog.problem.text() == (
        "The audit period's end: “31/02/2026” is not a date. Type it as 2026-09-30 or 9/30/2026."
    )
    type_over(qtbot, dialog.period_end, "9/30/2026")
    with qtbot.waitSignal(window.workbook_opened):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    with Workbook.open(tmp_path / "Brightpath Labs Inc.auditwb", actor, read_only=True) as workbook:
        engagement = workbook.engagement()
    assert (engagement.period_start, engagement.period_end) == (dt.date(2025, 10, 1), dt.date(2026, 9, 30))


@pytest.mark.usefixtures("us_locale")
def test_a_due_date_typed_in_the_panel_is_saved_as_typed(qtbot: QtBot, opened: MainWindow) -> None:
    opened.select_refs(["PBC-001"])
    due = opened.panel.due
    assert due.date() == opened.model.request_at(0).due
    type_over(qtbot, due, "2025-09-30")
    qtbot.keyClick(due.edit, Qt.Key.Key_Return)
    saved(qtbot, opened)
    assert opened.model.request_at(0).due == dt.date(2025, 9, 30)
    opened.panel.clear_due.click()
    saved(qtbot, opened)
    assert opened.model.request_at(0).due is None
    assert (due.text(), due.edit.placeholderText()) == ("", "No due date")
    qtbot.keyClicks(due.edit, "10/1/25")
    qtbot.keyClick(due.edit, Qt.Key.Key_Return)
    saved(qtbot, opened)
    assert opened.model.request_at(0).due == dt.date(2025, 10, 1)


@pytest.mark.usefixtures("us_locale")
def test_a_due_date_that_is_not_a_date_is_marked_and_not_saved(qtbot: QtBot, opened: MainWindow) -> None:
    opened.select_refs(["PBC-001"])
    before = opened.model.request_at(0).due
    type_over(qtbot, opened.panel.due, "2025-13-01")
    qtbot.keyClick(opened.panel.due.edit, Qt.Key.Key_Return)
    assert opened.model.request_at(0).due == before
    assert opened.panel.due_problem.isVisible()
    assert "Type it as 2026-09-30 or 9/30/2026." in opened.panel.due_problem.text()
    assert opened.panel.pending_edits() == {}


@pytest.mark.usefixtures("us_locale")
def test_the_set_due_dialog_stays_open_on_a_bad_value_and_saves_a_good_one(
    qtbot: QtBot, opened: MainWindow
) -> None:
    opened.select_refs(["PBC-003", "PBC-004"])
    opened.edits.due_action.trigger()
    dialog = opened.findChild(DueDateDialog)
    assert dialog is not None and dialog.isVisible()
    # The two share a due date: the field and its calendar start there.
    assert dialog.field.date() == opened.model.request_at(2).due
    type_over(qtbot, dialog.field, "30 September")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert dialog.isVisible()
    assert dialog.problem.text() == "“30 September” is not a date. Type it as 2026-09-30 or 9/30/2026."
    type_over(qtbot, dialog.field, "2025-09-30")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert not dialog.isVisible()
    saved(qtbot, opened)
    assert [opened.model.request_at(row).due for row in (2, 3)] == [dt.date(2025, 9, 30)] * 2
    assert opened.undo_action.text() == "&Undo Set due date of 2 requests to 2025-09-30"


@pytest.mark.usefixtures("us_locale")
def test_an_evidence_files_effective_date_is_the_one_typed(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    proof = tmp_path / "access-review.csv"
    proof.write_text("user,reviewed\n")
    with qtbot.waitSignal(opened.attach_finished, timeout=10000):
        opened.attach_files("PBC-001", [proof])
    opened.select_refs(["PBC-001"])
    opened.panel.show_tab(PanelTab.EVIDENCE)
    opened.panel.evidence.setCurrentRow(0)
    details = opened.panel.evidence_tab.details
    assert details.undated_prompt.isVisible()
    type_over(qtbot, details.effective, "bad")
    details.save_details.click()
    assert details.problem.isVisible() and "is not a date" in details.problem.text()
    assert opened.workbook is not None
    assert opened.workbook.evidence.for_request("PBC-001")[0].evidence.effective_date is None
    type_over(qtbot, details.effective, "2025-09-30")
    qtbot.keyClick(details.effective.edit, Qt.Key.Key_Return)
    saved(qtbot, opened)
    assert opened.workbook.evidence.for_request("PBC-001")[0].evidence.effective_date == dt.date(2025, 9, 30)
