"""Qt test set-up: offscreen before Qt loads, isolated settings and data folders, a workbook with requests."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers.workbooks import create_acme, insert_requests, sample_request
from PySide6.QtCore import QSettings, QStandardPaths
from pytestqt.qtbot import QtBot

from ui.app import Gateway
from ui.jobs import JobRunner
from ui.main_window import MainWindow
from ui.settings import Settings
from workbook.model import Actor
from workbook.services.workbook import Workbook

# The offscreen platform plugin warns about window size hints it cannot pass on; not our bug.
OFFSCREEN_NOISE = "This plugin does not support"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


def add_requests(workbook: Workbook, count: int, *, today: dt.date | None = None) -> list[str]:
    """Insert requests directly (tests only: the UI itself never touches storage)."""
    today = today or dt.date.today()
    refs = [f"PBC-{n:03d}" for n in range(1, count + 1)]
    return insert_requests(
        workbook,
        (
            sample_request(
                ref,
                position,
                section="Access" if position % 3 else "Change management",
                due=today - dt.timedelta(days=3) if position == 1 else today + dt.timedelta(days=10),
                extra={"Auditor notes": f"sample {position}"},
            )
            for position, ref in enumerate(refs)
        ),
    )


@pytest.fixture(autouse=True)
def isolated_folders(tmp_path: Path) -> Iterator[None]:
    QStandardPaths.setTestModeEnabled(True)
    yield
    QStandardPaths.setTestModeEnabled(False)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    result = Settings(store)
    result.display_name = "Dana Ops"
    return result


@pytest.fixture
def workbook_file(tmp_path: Path, actor: Actor) -> Path:
    path = tmp_path / "acme.auditwb"
    with create_acme(path, actor) as workbook:
        add_requests(workbook, 6)
    return path


def open_and_wait(qtbot: QtBot, window: MainWindow, path: Path) -> None:
    """Open a file as a user does: the snapshot paints at once, editing starts when the workbook is open."""
    with qtbot.waitSignal(window.workbook_opened, timeout=30000):
        assert window.open_path(path)
    assert not window.opening


@pytest.fixture
def open_file(qtbot: QtBot) -> Callable[[MainWindow, Path], None]:
    """`open_and_wait` for test modules (they cannot import this conftest by name)."""
    return lambda window, path: open_and_wait(qtbot, window, path)


@pytest.fixture
def window(qtbot: QtBot, settings: Settings, actor: Actor) -> Iterator[MainWindow]:
    main = MainWindow(settings, JobRunner(), Gateway(actor))
    qtbot.addWidget(main)
    main.resize(1280, 800)
    main.show()
    yield main
    # A test that left a task running must not stop here on the "Stop it and close?" question.
    main._confirm_stop = lambda jobs: True  # type: ignore[method-assign]
    main.close_workbook()


@pytest.fixture
def opened(qtbot: QtBot, window: MainWindow, workbook_file: Path) -> MainWindow:
    open_and_wait(qtbot, window, workbook_file)
    return window
