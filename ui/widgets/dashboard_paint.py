"""The dashboard's drawing kit: palette-derived colours, fonts, one layout-or-paint pass, hit areas."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
)

from ui.widgets.request_table import STATUS_COLORS
from workbook.readiness import Readiness, Tally

if TYPE_CHECKING:
    from ui.widgets.dashboard import Dashboard

MARGIN = 16
GAP = 22
# Entries shown in each list; "and N more" shows the whole list in the table.
LIST_LIMIT = 8
# From this width the figures go in two columns.
TWO_COLUMNS = 960
BAR_HEIGHT = 18
OVERDUE = QColor("#e53935")
MISSING = QColor("#f9a825")
FLAGGED = QColor("#8e24aa")
READY = QColor(STATUS_COLORS["accepted"])


def blend(one: QColor, other: QColor, share: float) -> QColor:
    """`one` moved `share` of the way towards `other`."""
    return QColor(
        round(one.red() + (other.red() - one.red()) * share),
        round(one.green() + (other.green() - one.green()) * share),
        round(one.blue() + (other.blue() - one.blue()) * share),
    )


def luminance(color: QColor) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.red()) + 0.7152 * channel(color.green()) + 0.0722 * channel(color.blue())


def contrast(one: QColor, other: QColor) -> float:
    """The WCAG contrast ratio of two colours (1 to 21; 4.5 reads as body text)."""
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable(color: QColor, background: QColor, fallback: QColor) -> QColor:
    """`color` when it reads on `background` (3:1, for bold figures), else `fallback` (the text colour)."""
    return color if contrast(color, background) >= 3 else fallback


@dataclass(frozen=True)
class Hit:
    """One clickable item: where it is drawn and the requests it stands for."""

    name: str
    rect: QRect
    refs: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Colors:
    text: QColor
    dim: QColor
    base: QColor
    track: QColor
    line: QColor
    highlight: QColor
    overdue: QColor


def palette_colors(palette: QPalette) -> Colors:
    text = palette.color(QPalette.ColorRole.Text)
    base = palette.color(QPalette.ColorRole.Base)
    return Colors(
        text=text,
        dim=blend(text, base, 0.3),
        base=base,
        track=blend(base, text, 0.1),
        line=blend(base, text, 0.2),
        highlight=palette.color(QPalette.ColorRole.Highlight),
        overdue=readable(OVERDUE, base, text),
    )


class _Fonts:
    """Fonts and metrics made once per widget font: a layout pass asks for them hundreds of times."""

    def __init__(self, font: QFont) -> None:
        self.font = font
        self.bold = QFont(font)
        self.bold.setBold(True)
        self.title = QFont(self.bold)
        self.title.setPointSizeF(font.pointSizeF() * 1.15)
        self.big = QFont(self.bold)
        self.big.setPointSizeF(font.pointSizeF() * 1.8)
        self._metrics = {id(f): QFontMetrics(f) for f in (self.font, self.bold, self.title, self.big)}

    def metrics(self, font: QFont) -> QFontMetrics:
        found = self._metrics.get(id(font))
        return found if found is not None else QFontMetrics(font)


class _Pass:
    """One layout pass at a width: places every item and records its hit; paints too when given a painter."""

    def __init__(
        self,
        widget: Dashboard,
        fonts: _Fonts,
        painter: QPainter | None,
        hover: int,
        focus: int,
        *,
        height_only: bool = False,
    ) -> None:
        self.widget = widget
        self.painter = painter
        # Only the height is wanted (the scroll area asks at every width it tries): no text is measured.
        self.height_only = height_only
        self.hover = hover
        self.focus = focus
        self.hits: list[Hit] = []
        self.colors = palette_colors(widget.palette())
        self.font, self.bold, self.title, self.big = fonts.font, fonts.bold, fonts.title, fonts.big
        self.metrics = fonts.metrics
        self.line = fonts.metrics(fonts.font).height() + 6

    def text(
        self,
        x: int,
        y: int,
        text: str,
        *,
        font: QFont | None = None,
        color: QColor | None = None,
        width: int | None = None,
        right: bool = False,
        height: int | None = None,
    ) -> int:
        """Draw `text` with its top at `y` (elided to `width`); the width it took."""
        if self.height_only:
            return 0
        font = font or self.font
        metrics = self.metrics(font)
        if width is not None and self.painter is None:
            return min(metrics.horizontalAdvance(text), max(width, 0))
        if width is not None:
            text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(width, 0))
        advance = metrics.horizontalAdvance(text)
        height = height or metrics.height()
        if self.painter is not None and text:
            self.painter.setFont(font)
            self.painter.setPen(color or self.colors.text)
            left = x + (width - advance if right and width is not None else 0)
            flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            self.painter.drawText(QRect(left, y, advance + 2, height), flags, text)
        return advance

    def hit(self, name: str, rect: QRect, tally: Tally, *, outline: bool = False) -> bool:
        """Record a clickable item (nothing for an empty tally); True when it is hovered or focused."""
        if not tally.refs or self.height_only:
            return False
        index = len(self.hits)
        self.hits.append(Hit(name, rect, tally.refs, tally.what))
        active = index in (self.hover, self.focus)
        painter = self.painter
        if painter is not None and active:
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            area = QRectF(rect).adjusted(-3, -1, 3, 1)
            if outline or (index == self.focus and self.widget.hasFocus()):
                painter.setPen(self.colors.highlight)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(area.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
            if not outline:
                fill = QColor(self.colors.highlight)
                fill.setAlpha(45)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(fill)
                painter.drawRoundedRect(area, 3, 3)
            painter.restore()
        return active

    def number(
        self,
        name: str,
        x: int,
        y: int,
        tally: Tally,
        *,
        font: QFont | None = None,
        color: QColor | None = None,
        width: int | None = None,
        right: bool = False,
        figure: int | None = None,
    ) -> int:
        """A count that clicks through to its requests (dim and inert when zero); the width it took.

        `figure`: the number drawn when it is not the count of requests (samples missing, say).
        """
        if self.height_only:
            return 0
        font = font or self.bold
        metrics = self.metrics(font)
        label = f"{tally.count if figure is None else figure:,}"
        advance = metrics.horizontalAdvance(label)
        left = x + (width - advance if right and width is not None else 0)
        rect = QRect(left, y, advance, metrics.height())
        active = self.hit(name, rect, tally)
        if not tally.refs:
            self.text(left, y, label, font=font, color=self.colors.dim)
            return advance
        shown = QFont(font)
        shown.setUnderline(active)
        self.text(left, y, label, font=shown, color=color or self.colors.text)
        return advance

    def bar(self, rect: QRect, parts: Sequence[tuple[str, Tally, QColor]], total: int) -> None:
        """A horizontal bar on a track: each part as wide as its share of `total`, each part clickable."""
        if self.painter is not None:
            self.painter.fillRect(rect, self.colors.track)
        if total <= 0:
            return
        x = float(rect.x())
        for name, tally, color in parts:
            width = rect.width() * tally.count / total
            part = QRect(round(x), rect.y(), round(x + width) - round(x), rect.height())
            x += width
            if part.width() <= 0:
                continue
            if self.painter is not None:
                self.painter.fillRect(part, color)
            self.hit(name, part, tally, outline=True)

    def heading(
        self, x: int, y: int, width: int, text: str, tally: Tally | None = None, name: str = ""
    ) -> int:
        """A block's title (with its count, clickable, when given); the y below it."""
        advance = self.text(x, y, text, font=self.title, width=width)
        if tally is not None:
            gap = self.metrics(self.title).horizontalAdvance("  ")
            self.number(name, x + advance + gap, y, tally, font=self.title)
        metrics = self.metrics(self.title)
        if self.painter is not None:
            self.painter.setPen(self.colors.line)
            bottom = y + metrics.height() + 3
            self.painter.drawLine(x, bottom, x + width, bottom)
        return y + metrics.height() + 10


@dataclass(frozen=True)
class _Laid:
    height: int
    hits: list[Hit]


# A block of the dashboard: (pass, figures, x, y, width) -> the y below it.
_Block = Callable[[_Pass, Readiness, int, int, int], int]
