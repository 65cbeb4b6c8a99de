"""A tool button that opens its menu on click and draws its arrow beside the text, not over it."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QStyle,
    QStyleOption,
    QStyleOptionToolButton,
    QStylePainter,
    QToolButton,
    QWidget,
)


class MenuToolButton(QToolButton):
    """Fusion draws an instant-popup button's arrow in the text's bottom-right corner; here it gets room."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText(text)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)

    def _arrow_width(self) -> int:
        return self.style().pixelMetric(QStyle.PixelMetric.PM_MenuButtonIndicator, None, self)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width() + self._arrow_width(), hint.height())

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionToolButton()
        self.initStyleOption(option)
        arrow = self._arrow_width()
        option.features &= ~QStyleOptionToolButton.ToolButtonFeature.HasMenu
        # The frame over the whole button, the label left of the arrow, the arrow in its own column.
        frame = QStyleOptionToolButton(option)
        frame.text = ""
        painter.drawComplexControl(QStyle.ComplexControl.CC_ToolButton, frame)
        option.rect = option.rect.adjusted(0, 0, -arrow, 0)
        painter.drawControl(QStyle.ControlElement.CE_ToolButtonLabel, option)
        indicator = QStyleOption()
        indicator.initFrom(self)
        indicator.rect = self.rect().adjusted(self.width() - arrow - 2, 0, -2, 0)
        painter.drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorArrowDown, indicator)
