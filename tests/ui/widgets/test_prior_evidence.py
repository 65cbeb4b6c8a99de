"""Last period's files beside a request: listed, openable, never counted, reused for this period."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers.window import click_row
from helpers.workbooks import create_acme, insert_requests, reopen, sample_request
from helpers.writes import saved
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from ui.cycles_actions import reuse_warning
from ui.main_window import MainWindow
from ui.models.request_table_model import Column
from workbook.model import Actor, Engagement, Evidence, ReuseResult
from workbook.services.workbook import Workbook

POLICY = b"Information security policy v3, approved 2026-01-15.\n"


@pytest.fixture
def next_file(tmp_path: Path, actor: Actor) -> Path:
    """Acme's first half of 2026 with a dated policy on PBC-001, carried into the second half."""
    old = tmp_path / "acme.auditwb"
    with create_acme(old, actor) as workbook:
        insert_requests(workbook, (sample_request(f"PBC-00{n}", n) for n in range(1, 4)))
        attached = workbook.evidence.attach_bytes("PBC-001", POLICY, "Security policy.txt")
        workbook.evidence.set_details(attached.evidence.sha256, effective_date=dt.date(2026, 1, 15))
    new = tmp_path / "acme FY2027.auditwb"
    Workbook.next_period(old, new, actor, period_start=dt.date(2026, 7, 1), period_end=dt.date(2027, 6, 30))
    return new


@pytest.fixture
def carried(qtbot: QtBot, window: MainWindow, next_file: Path, open_file: object) -> MainWindow:
    with qtbot.waitSignal(window.workbook_opened, timeout=30000):
        assert window.open_path(next_file)
    return window


def test_a_request_shows_last_periods_files_under_their_period(qtbot: QtBot, carried: MainWindow) -> None:
    click_row(qtbot, carried, 0)
    tab = carried.panel.evidence_tab

    assert tab.prior_section.isVisibleTo(tab)
    assert tab.prior_heading.text() == "Last period (2026-01-01..2026-06-30)"
    assert tab.prior_list.count() == 1
    assert tab.prior_list.item(0).text().splitlines() == [
        "Security policy.txt",
        "dated 2026-01-15 · 53 bytes",
    ]


def test_last_periods_files_are_not_this_periods_evidence(qtbot: QtBot, carried: MainWindow) -> None:
    click_row(qtbot, carried, 0)

    assert carried.panel.evidence_tab.evidence_list.count() == 0
    assert (
        carried.panel.tabs.tabText(carried.panel.tabs.indexOf(carried.panel.evidence_tab)) == "Evidence (0)"
    )
    assert carried.proxy.index(0, Column.EVIDENCE).data() == ""


def test_a_request_without_last_periods_files_has_no_section(qtbot: QtBot, carried: MainWindow) -> None:
    click_row(qtbot, carried, 1)

    assert carried.panel.evidence_tab.prior_section.isHidden()


def test_a_file_of_last_period_opens_like_evidence(
    qtbot: QtBot, carried: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[Path] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: shown.append(Path(url.toLocalFile())))
    click_row(qtbot, carried, 0)
    tab = carried.panel.evidence_tab
    tab.prior_list.setCurrentRow(0)

    assert tab.open_button.isEnabled() and not tab.unlink_button.isEnabled()
    assert not tab.details.isVisibleTo(tab)
    tab.open_button.click()

    assert [p.name for p in shown] == ["Security policy.txt"]
    assert shown[0].read_bytes() == POLICY


def test_selecting_one_list_clears_the_other(qtbot: QtBot, carried: MainWindow) -> None:
    click_row(qtbot, carried, 0)
    tab = carried.panel.evidence_tab
    tab.prior_list.setCurrentRow(0)
    tab.reuse_button.click()
    saved(qtbot, carried)

    assert tab.evidence_list.selectedItems() and not tab.prior_list.selectedItems()
    tab.prior_list.setCurrentRow(0)
    assert not tab.evidence_list.selectedItems()


def test_reuse_makes_it_this_periods_evidence_and_says_its_date_is_outside(
    qtbot: QtBot, carried: MainWindow, next_file: Path, actor: Actor
) -> None:
    click_row(qtbot, carried, 0)
    tab = carried.panel.evidence_tab
    tab.prior_list.setCurrentRow(0)
    assert tab.reuse_button.isEnabled()

    tab.reuse_button.click()
    saved(qtbot, carried)

    assert tab.evidence_list.count() == 1
    assert "Security policy.txt" in tab.evidence_list.item(0).text()
    assert "✓ reused for this period" in tab.prior_list.item(0).text()
    assert carried.proxy.index(0, Column.EVIDENCE).data() == "1"
    box = carried.cycles.message_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.informativeText() == (
        "Dated 2026-01-15, outside this period (2026-07-01 to 2027-06-30): "
        "update its effective date or attach a newer file."
    )
    # The reused file is selected, its date ready to be changed.
    assert tab.details.isVisibleTo(tab) and tab.details.effective.date() == dt.date(2026, 1, 15)
    tab.prior_list.setCurrentRow(0)
    assert not tab.reuse_button.isEnabled()
    with reopen(next_file, actor) as workbook:
        assert [link.evidence.name for link in workbook.evidence.for_request("PBC-001")] == [
            "Security policy.txt"
        ]
        assert workbook.activity.list(target="PBC-001", limit=1)[0].action == "evidence.reuse"


def test_undo_takes_a_reused_file_back_out_of_this_period(qtbot: QtBot, carried: MainWindow) -> None:
    click_row(qtbot, carried, 0)
    tab = carried.panel.evidence_tab
    tab.prior_list.setCurrentRow(0)
    tab.reuse_button.click()
    saved(qtbot, carried)
    assert carried.undo_action.text() == "&Undo Reuse Security policy.txt for PBC-001"

    carried.undo_action.trigger()
    saved(qtbot, carried)

    assert tab.evidence_list.count() == 0
    assert "reused" not in tab.prior_list.item(0).text()


def test_the_context_menu_offers_open_and_reuse(qtbot: QtBot, carried: MainWindow) -> None:
    click_row(qtbot, carried, 0)
    tab = carried.panel.evidence_tab
    tab.prior_list.setCurrentRow(0)

    assert [a.objectName() for a in tab.prior_menu.actions()] == ["open_evidence", "reuse_prior"]
    assert tab.reuse_action.isEnabled()
    tab.reuse_action.trigger()
    saved(qtbot, carried)
    assert tab.evidence_list.count() == 1


def test_reuse_warning_words_each_flag() -> None:
    engagement = Engagement("Acme", "SOC 2", dt.date(2026, 7, 1), dt.date(2027, 6, 30), "", 365)

    def warning(date: dt.date | None, *flags: str) -> str:
        evidence = Evidence(
            1, "ab" * 32, "a.txt", "text/plain", 3, date, "", "", "", "", "", "Dana", dt.datetime(2026, 1, 1)
        )
        return reuse_warning(ReuseResult(evidence, "PBC-001", False, flags), engagement)

    assert warning(dt.date(2026, 8, 1)) == ""
    assert warning(None, "undated") == "No effective date: update its effective date or attach a newer file."
    assert warning(dt.date(2025, 1, 2), "outside_period", "stale") == (
        "Dated 2025-01-02, outside this period (2026-07-01 to 2027-06-30); dated 2025-01-02, older than the "
        "freshness window: update its effective date or attach a newer file."
    )


def test_items_in_the_list_keep_double_click_to_open(qtbot: QtBot, carried: MainWindow) -> None:
    click_row(qtbot, carried, 0)
    tab = carried.panel.evidence_tab
    carried.panel.tabs.setCurrentWidget(tab)
    opened: list[tuple[str, str]] = []
    tab.open_requested.connect(lambda sha, name: opened.append((sha, name)))
    item = tab.prior_list.item(0)
    rect = tab.prior_list.visualItemRect(item)
    # A double click is a press and release, then the double click itself (which needs the press before it).
    qtbot.mouseClick(tab.prior_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tab.prior_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    assert [name for _sha, name in opened] == ["Security policy.txt"]
