"""Verify on open and on demand: a banner names what was altered, the window never waits for the check."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from ui.widgets.verify_banner import VerifyBanner, summary_text
from workbook.jobs import Cancelled, CancelToken, Progress
from workbook.model import Actor, Problem, VerifyReport
from workbook.services.workbook import Workbook

OpenFile = Callable[[MainWindow, Path], None]


def altered_workbook(workbook_file: Path, actor: Actor, tmp_path: Path) -> Path:
    """A workbook with one evidence file whose stored bytes were changed behind the app's back."""
    proof = tmp_path / "access-review.csv"
    proof.write_text("user,reviewed\nana,yes\n")
    with Workbook.open(workbook_file, actor) as workbook:
        workbook.evidence.attach("PBC-001", [proof])
    con = sqlite3.connect(workbook_file)
    con.execute("UPDATE evidence_chunks SET data = X'00'")
    con.commit()
    con.close()
    return workbook_file


def test_an_intact_workbook_is_checked_on_open_and_shows_no_banner(
    qtbot: QtBot, window: MainWindow, workbook_file: Path, open_file: OpenFile
) -> None:
    with qtbot.waitSignal(window.verify_finished, timeout=30000) as blocker:
        open_file(window, workbook_file)
    assert blocker.args[0].ok
    assert not window.verify_banner.isVisible()
    assert window.statusBar().currentMessage().endswith("log entries: nothing was altered.")


def test_altered_evidence_found_on_open_is_named_in_a_banner_and_editing_goes_on(
    qtbot: QtBot, window: MainWindow, workbook_file: Path, actor: Actor, tmp_path: Path, open_file: OpenFile
) -> None:
    path = altered_workbook(workbook_file, actor, tmp_path)
    with qtbot.waitSignal(window.verify_finished, timeout=30000):
        open_file(window, path)
    banner = window.verify_banner
    assert banner.isVisible()
    assert banner.message.text().startswith(
        "Checking this workbook found 1 problem: evidence 'access-review.csv' (sha256 "
    )
    assert "its stored bytes were altered" in banner.message.text()
    assert not banner.details_button.isVisible()
    assert window.status_actions[1].isEnabled()
    assert QApplication.activeModalWidget() is None


def test_verify_now_runs_with_progress_and_its_banner_can_be_dismissed(
    qtbot: QtBot, window: MainWindow, workbook_file: Path, actor: Actor, tmp_path: Path, open_file: OpenFile
) -> None:
    path = altered_workbook(workbook_file, actor, tmp_path)
    with qtbot.waitSignal(window.verify_finished, timeout=30000):
        open_file(window, path)
    window.verify_banner.dismiss_button.click()
    assert not window.verify_banner.isVisible()
    assert window.verify_action.text() == "&Verify now"
    with qtbot.waitSignal(window.verify_finished, timeout=30000) as blocker:
        window.verify_action.trigger()
        assert window.job_status.cancel_button.isVisible()
    assert len(blocker.args[0].problems) == 1
    assert window.verify_banner.isVisible()
    assert not window.job_status.cancel_button.isVisible()


def test_a_cancelled_check_says_so_and_shows_no_banner(
    qtbot: QtBot, opened: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    qtbot.waitSignal(opened.verify_finished, timeout=30000).wait()
    started = threading.Event()

    def slow_verify(*, progress: Progress, cancel: CancelToken) -> VerifyReport:
        # A check that runs until cancelled, so Cancel always lands mid-check.
        started.set()
        while not cancel.cancelled:
            progress(0, 1)
            time.sleep(0.005)
        raise Cancelled()

    monkeypatch.setattr(opened.workbook, "verify", slow_verify)
    opened.verify_action.trigger()
    assert started.wait(10)
    with qtbot.waitSignal(opened.statusBar().messageChanged, timeout=30000):
        opened.job_status.cancel_button.click()
    assert opened.statusBar().currentMessage() == "Check cancelled; nothing was changed."
    assert not opened.job_status.cancel_button.isVisible()
    assert not opened.verify_banner.isVisible()


def test_closing_the_workbook_hides_the_banner(
    qtbot: QtBot, window: MainWindow, workbook_file: Path, actor: Actor, tmp_path: Path, open_file: OpenFile
) -> None:
    path = altered_workbook(workbook_file, actor, tmp_path)
    with qtbot.waitSignal(window.verify_finished, timeout=30000):
        open_file(window, path)
    assert window.close_workbook()
    assert not window.verify_banner.isVisible()


def test_the_banner_lists_every_problem_when_asked(qtbot: QtBot) -> None:
    banner = VerifyBanner()
    qtbot.addWidget(banner)
    report = VerifyReport(
        evidence_checked=2,
        activity_checked=9,
        head="ab",
        problems=(
            Problem("evidence", "a.png", "evidence 'a.png' was swapped"),
            Problem("log", "3", "entry 3 edited"),
        ),
    )
    assert summary_text(report) == (
        "Checking this workbook found 2 problems: evidence 'a.png' was swapped (and 1 more). "
        "It was changed outside Audit Workbook: keep this file as it is and compare it with a backup."
    )
    banner.show_report(report)
    banner.details_button.click()
    assert banner.details.text() == "• evidence 'a.png' was swapped\n• entry 3 edited"
    assert banner.details_button.text() == "Hide list"
    banner.show_report(VerifyReport(evidence_checked=2, activity_checked=9, head="ab"))
    assert banner.isHidden()
