"""Main-window gestures shared by the Qt tests."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from ui.models.request_table_model import Column


def click_row(qtbot: QtBot, window: MainWindow, row: int) -> None:
    """Click a row of the request table (its title cell), as a user selects a request."""
    rect = window.table.visualRect(window.proxy.index(row, Column.TITLE))
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def copy_image(width: int = 40, height: int = 30, color: str = "teal") -> None:
    """Put an image of one colour on the clipboard, as a screenshot tool does."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    QGuiApplication.clipboard().setImage(image)
