"""Waiting for the writer thread: edits and undo steps are saved there, and the view refreshes after."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow


def saved(qtbot: QtBot, window: MainWindow) -> None:
    """Return once every write asked of the window (edit, undo, comment, job) is saved and shown."""
    qtbot.waitUntil(lambda: not window.jobs.writing(), timeout=10000)
