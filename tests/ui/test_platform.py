"""Platform guards: the PySide6 6.12.0-on-3.11 None refcount bug, and the start-up contract."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

REPO = Path(__file__).resolve().parents[2]


def test_void_qt_calls_do_not_drop_references_to_none(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for n in range(3000):
        label.setText(str(n))
        label.clear()
    after = sys.getrefcount(None)
    # The bug lowers the count by one per call (6000 here); ordinary churn moves it by a handful.
    assert after > before - 500, f"None lost {before - after} references: PySide6 6.12.0 on Python 3.11?"


def test_quit_after_paint_opens_the_workbook_and_exits_zero(workbook_file: Path, tmp_path: Path) -> None:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "cfg"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    code = "import sys; from ui.app import run; sys.exit(run(sys.argv[1:], actor_name='Dana'))"
    done = subprocess.run(
        [sys.executable, "-c", code, str(workbook_file), "--quit-after-paint"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_quit_after_paint_on_a_bad_file_exits_one(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.auditwb"
    bogus.write_text("not a workbook")
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "cfg"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    code = "import sys; from ui.app import run; sys.exit(run(sys.argv[1:], actor_name='Dana'))"
    done = subprocess.run(
        [sys.executable, "-c", code, str(bogus), "--quit-after-paint"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
