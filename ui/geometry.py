"""Window sizes that fit the screen they open on."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

SCREEN_SHARE = 0.9


def fitted(wanted: QSize, available: QSize) -> QSize:
    """`wanted`, but never more than 90 % of the screen's available area."""
    return QSize(
        min(wanted.width(), int(available.width() * SCREEN_SHARE)),
        min(wanted.height(), int(available.height() * SCREEN_SHARE)),
    )


def fitted_size(widget: QWidget, width: int, height: int) -> QSize:
    """The size a window opens at on the screen it is on (the primary one before it is shown)."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return QSize(width, height)
    return fitted(QSize(width, height), screen.availableGeometry().size())


def fit_dialog(dialog: QWidget, width: int, height: int) -> None:
    """Open `dialog` at `width`×`height`, or smaller on a small screen (its minimum width yields too)."""
    size = fitted_size(dialog.parentWidget() or dialog, width, height)
    dialog.setMinimumWidth(size.width())
    dialog.resize(size)
