"""Waiting for the writer thread: edits and undo steps are saved there, and the view refreshes after."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow


def saved(qtbot: QtBot, window: MainWindow) -> None:
    """Return once every write asked of the window (edit, undo, comment, job) is saved and shown.

    Shown: a change to many requests reads them all again on a reader job; that is waited for too.
    """
    qtbot.waitUntil(lambda: not window.jobs.writing() and not window.request_list.reloading, timeout=10000)
