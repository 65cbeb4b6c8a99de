"""Opening paints from the file's snapshot, then edits once the workbook is open; reloads run off the GUI."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers.workbooks import insert_requests
from helpers.writes import saved
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from ui.models.request_table_model import Column
from workbook.model import Actor, Changes, FieldChange, Request, RequestFilter, Status
from workbook.services.workbook import Workbook

REPO = Path(__file__).resolve().parents[2]


def add_more_requests(workbook: Workbook, refs: list[str]) -> None:
    """Rows written behind the window's back, as an import would (tests only: the UI never does this)."""
    rows = (
        {
            "ref": ref,
            "title": f"Title of {ref}",
            "request_text": "",
            "criteria": [],
            "section": "Imported",
            "extra": {},
        }
        for ref in refs
    )
    insert_requests(workbook, rows, start=100)


def test_the_table_paints_from_the_snapshot_and_edits_work_once_the_workbook_is_open(
    qtbot: QtBot, window: MainWindow, workbook_file: Path
) -> None:
    assert window.open_path(workbook_file)
    assert window.opening and window.workbook is None
    assert window.proxy.rowCount() == 6
    assert window.header.text() == "0 of 6 ready · 1 overdue"
    assert window.engagement_label.text() == (
        "Acme Cloud, Inc. · SOC 2 Type II · 01 Jan 2026 – 30 Jun 2026 · Northbridge Assurance LLP"
    )
    assert window.windowTitle() == "acme.auditwb — Acme Cloud, Inc. — Audit Workbook"
    assert window.panel.heading.text() == "PBC-001 · Title of PBC-001"
    assert window.panel.tabs.tabText(1) == "Evidence (0)"
    assert not window.panel.status.isEnabled()
    assert not window.status_actions[0].isEnabled()
    assert not window.bulk_bar.isEnabled()
    window.select_refs(["PBC-003"])
    resets: list[None] = []
    window.model.modelReset.connect(lambda: resets.append(None))

    with qtbot.waitSignal(window.workbook_opened, timeout=30000):
        pass
    assert not window.opening and window.workbook is not None
    assert resets == []
    assert window.selected_refs() == ["PBC-003"]
    assert window.panel.heading.text() == "PBC-003 · Title of PBC-003"
    assert window.panel.status.isEnabled()
    assert window.status_actions[0].isEnabled()

    window.status_actions[list(Status).index(Status.READY_FOR_AUDITOR)].trigger()
    saved(qtbot, window)
    row = window.model.row_of("PBC-003")
    assert row is not None
    assert window.model.index(row, Column.STATUS).data() == "Ready for auditor"
    assert window.header.text() == "1 of 6 ready · 1 overdue"
    assert window.workbook.requests.get("PBC-003").status is Status.READY_FOR_AUDITOR


def test_closing_before_the_workbook_is_open_releases_it(
    qtbot: QtBot, window: MainWindow, workbook_file: Path, actor: Actor
) -> None:
    assert window.open_path(workbook_file)
    assert window.opening
    assert window.close_workbook()
    assert not window.opening and window.workbook is None
    assert window.pages.currentWidget() is window.start_page
    with Workbook.open(workbook_file, actor) as again:
        assert not again.read_only


def test_after_an_import_the_requests_are_read_off_the_gui_thread_and_the_table_follows(
    qtbot: QtBot, opened: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    workbook = opened.workbook
    assert workbook is not None
    readers: list[str] = []
    real_list = workbook.requests.list

    def spying_list(query: RequestFilter | None = None) -> list[Request]:
        readers.append(threading.current_thread().name)
        return real_list(query or RequestFilter())

    opened.select_refs(["PBC-002"])
    add_more_requests(workbook, ["PBC-101", "PBC-102"])
    monkeypatch.setattr(workbook.requests, "list", spying_list)
    with qtbot.waitSignal(opened.requests_reloaded):
        opened._on_changed(Changes(all_requests=True, people=True))  # what a finished import reports
        assert opened.proxy.rowCount() == 6  # the GUI thread went on; the table changes when the job ends
    assert readers and threading.main_thread().name not in readers
    refs = [opened.proxy.index(r, Column.REF).data() for r in range(opened.proxy.rowCount())]
    assert refs == ["PBC-001", "PBC-002", "PBC-003", "PBC-004", "PBC-005", "PBC-006", "PBC-101", "PBC-102"]
    assert opened.header.text() == "0 of 8 ready · 1 overdue"
    assert opened.selected_refs() == ["PBC-002"]


def test_an_edit_made_while_the_requests_are_being_read_is_not_lost(
    qtbot: QtBot, opened: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    workbook = opened.workbook
    assert workbook is not None
    gate = threading.Event()
    real_list = workbook.requests.list

    def slow_list(query: RequestFilter | None = None) -> list[Request]:
        rows = real_list(query or RequestFilter())
        gate.wait(10)
        return rows

    monkeypatch.setattr(workbook.requests, "list", slow_list)
    opened.select_refs(["PBC-004"])
    with qtbot.waitSignal(opened.requests_reloaded):
        opened.reload_requests()
        opened.status_actions[list(Status).index(Status.ACCEPTED)].trigger()
        gate.set()
    # The edit is saved on the writer thread; once saved, the table shows it whatever the reload read.
    saved(qtbot, opened)
    row = opened.model.row_of("PBC-004")
    assert row is not None
    assert opened.model.request_at(row).status is Status.ACCEPTED
    assert opened.model.index(row, Column.STATUS).data() == "Accepted"


def test_a_file_changed_between_the_snapshot_and_the_open_shows_what_the_workbook_holds(
    qtbot: QtBot, window: MainWindow, workbook_file: Path, actor: Actor
) -> None:
    assert window.open_path(workbook_file)
    with Workbook.open(workbook_file, actor) as other:  # taken before the window's own open starts
        other.requests.set("PBC-005", FieldChange(status=Status.ACCEPTED))
    with qtbot.waitSignal(window.workbook_opened, timeout=30000):
        pass
    row = window.model.row_of("PBC-005")
    assert row is not None
    assert window.model.request_at(row).status is Status.ACCEPTED
    assert window.header.text() == "1 of 6 ready · 1 overdue"
    assert not window.read_only


def test_a_workbook_shown_only_from_its_snapshot_is_remembered_when_closed(
    window: MainWindow, workbook_file: Path, actor: Actor
) -> None:
    assert window.open_path(workbook_file, full=False)
    shown = [window.model.request_at(r) for r in range(window.model.rowCount())]
    with Workbook.open(workbook_file, actor, read_only=True) as workbook:
        assert shown == workbook.requests.list(RequestFilter())
    assert window.close_workbook()
    recent = window.settings.recent()[0]
    assert (recent.path, recent.client, recent.ready, recent.total) == (
        str(workbook_file),
        "Acme Cloud, Inc.",
        0,
        6,
    )


PAINT_PROBE = """
import sys
import ui.main_window as main_window
from ui.app import run

seen = []
painted = main_window.MainWindow._on_table_painted


def probe(self):
    loaded = "sqlalchemy" in sys.modules
    seen.append((self.proxy.rowCount(), self.header.text(), loaded, self._start_page is None))
    painted(self)


main_window.MainWindow._on_table_painted = probe
status = run(sys.argv[1:], actor_name="Dana")
print(seen)
sys.exit(status)
"""


def app_env(tmp_path: Path) -> dict[str, str]:
    return dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "cfg"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )


def test_the_first_paint_shows_the_requests_before_sqlalchemy_or_the_start_page_load(
    workbook_file: Path, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PAINT_PROBE, str(workbook_file), "--quit-after-paint"],
        cwd=REPO,
        env=app_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[(6, '0 of 6 ready · 1 overdue', False, True)]"


def test_quit_when_ready_exits_zero_once_the_full_workbook_is_open(
    workbook_file: Path, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PAINT_PROBE, str(workbook_file), "--quit-when-ready"],
        cwd=REPO,
        env=app_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[(6, '0 of 6 ready · 1 overdue', False, True)]"


def test_files_dropped_on_a_request_while_the_workbook_opens_are_attached_once_it_is_open(
    qtbot: QtBot, window: MainWindow, workbook_file: Path, tmp_path: Path
) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    proof = tmp_path / "mfa.txt"
    proof.write_text("MFA enforced")
    assert window.open_path(workbook_file)
    assert window.opening
    viewport = window.table.viewport()
    pos = window.table.visualRect(window.proxy.index(1, Column.TITLE)).center()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(proof))])
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    action = Qt.DropAction.CopyAction
    with qtbot.waitSignal(window.attach_finished, timeout=30000):
        for event in (
            QDragEnterEvent(pos, action, mime, buttons, keys),
            QDragMoveEvent(pos, action, mime, buttons, keys),
            QDropEvent(QPointF(pos), action, mime, buttons, keys),
        ):
            QApplication.sendEvent(viewport, event)
    assert window.workbook is not None
    assert [link.evidence.name for link in window.workbook.evidence.for_request("PBC-002")] == ["mfa.txt"]
