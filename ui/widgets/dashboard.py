"""The dashboard, painted by hand: readiness by status, owner and section; what is late, unproven or flagged;
samples still missing per owner.

Every number is a `Tally` of `workbook/readiness.py`: its count is drawn, and a click (or Enter on the focused
number) emits `show_refs(refs, description)` with exactly the refs it counted. Colours come from the palette's
roles (text, base, highlight), so the light and dark themes both read; the status colours are the table's
mid-tone fills. `hits()` gives every clickable item's rectangle, for keyboard focus and for tests.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFont,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
)
from PySide6.QtWidgets import QScrollArea, QSizePolicy, QToolTip, QWidget

from ui.widgets.dashboard_paint import (
    BAR_HEIGHT,
    FLAGGED,
    GAP,
    LIST_LIMIT,
    MARGIN,
    MISSING,
    READY,
    TWO_COLUMNS,
    Hit,
    _Block,
    _Fonts,
    _Laid,
    _Pass,
    blend,
)
from ui.widgets.request_table import STATUS_COLORS
from workbook.readiness import Readiness, Tally


class Dashboard(QWidget):
    """The figures of a `Readiness`; `show_refs(refs, description)` when a number or an entry is clicked."""

    show_refs = Signal(list, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard")
        self.setAccessibleName("Dashboard")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Base)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.readiness: Readiness | None = None
        self._hits: list[Hit] = []
        self._hits_width = -1
        # (width, height) of the last layout asked for: the scroll area asks on every resize.
        self._height_for: tuple[int, int] = (-1, 0)
        self._fonts: _Fonts | None = None
        self._hover = -1
        self._focus = -1
        self._pressed = -1

    # What is shown

    def set_readiness(self, readiness: Readiness | None) -> None:
        self.readiness = readiness
        self._forget_layout()
        # The keyboard focus keeps its place (clamped when used): an edit elsewhere must not reset it.
        self._hover = self._pressed = -1
        self.setAccessibleDescription(self.summary())
        self.updateGeometry()
        self.update()

    def summary(self) -> str:
        """The dashboard in one sentence (its accessible description)."""
        r = self.readiness
        if r is None or not r.requests.count:
            return "No requests yet."
        text = (
            f"{r.ready.count} of {r.requests.count} requests ready; {r.overdue.count} overdue, "
            f"{r.missing_evidence.count} missing evidence, {r.flagged.count} with flagged evidence."
        )
        missing = sum(owner.missing for owner in r.samples_missing)
        return text + (f" {missing} sample{'s' if missing != 1 else ''} missing." if missing else "")

    def hits(self) -> list[Hit]:
        """Every clickable item at the current width, in reading (and Tab) order."""
        if self._hits_width != self.width():
            self._hits = self._run(self.width(), None).hits
            self._hits_width = self.width()
        return list(self._hits)

    def hit(self, name: str) -> Hit:
        for hit in self.hits():
            if hit.name == name:
                return hit
        raise KeyError(name)

    def hit_at(self, pos: QPoint) -> int:
        for index, hit in enumerate(self.hits()):
            if hit.rect.adjusted(-2, -1, 2, 1).contains(pos):
                return index
        return -1

    def activate(self, index: int) -> None:
        hits = self.hits()
        if 0 <= index < len(hits):
            hit = hits[index]
            self.show_refs.emit(list(hit.refs), hit.description)

    # Layout and painting

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        if self._height_for[0] != width:
            self._height_for = (width, self._run(width, None, height_only=True).height)
        return self._height_for[1]

    def _forget_layout(self) -> None:
        self._hits_width = -1
        self._height_for = (-1, 0)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._fonts = None
            self._forget_layout()
            self.updateGeometry()
        super().changeEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(640, self.heightForWidth(640))

    def minimumSizeHint(self) -> QSize:
        return QSize(320, 200)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._hits_width = -1

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            laid = self._run(self.width(), painter)
        finally:
            painter.end()
        self._hits, self._hits_width = laid.hits, self.width()

    def _run(self, width: int, painter: QPainter | None, *, height_only: bool = False) -> _Laid:
        if self._fonts is None:
            self._fonts = _Fonts(self.font())
        focus = self._focus if self.hasFocus() else -1
        step = _Pass(self, self._fonts, painter, self._hover, focus, height_only=height_only)
        r = self.readiness
        inner = max(width - 2 * MARGIN, 200)
        if r is None or not r.requests.count:
            step.text(
                MARGIN, MARGIN, "No requests yet: import the auditor's checklist.", color=step.colors.dim
            )
            return _Laid(MARGIN * 2 + step.line, step.hits)
        y = self._overview(step, r, MARGIN, MARGIN, inner) + GAP
        # Samples missing per owner, beside who is behind, only in a workbook whose requests have samples.
        people: tuple[_Block, ...] = (self._owners, self._samples) if r.samples_missing else (self._owners,)
        if inner >= TWO_COLUMNS:
            column = (inner - GAP) // 2
            columns: tuple[tuple[int, tuple[_Block, ...]], ...] = (
                (MARGIN, (*people, self._statuses, self._sections)),
                (MARGIN + column + GAP, (self._lists,)),
            )
        else:
            column = inner
            columns = ((MARGIN, (*people, self._statuses, self._sections, self._lists)),)
        bottom = y
        for x, blocks in columns:
            at = y
            for block in blocks:
                at = block(step, r, x, at, column) + GAP
            bottom = max(bottom, at)
        return _Laid(bottom - GAP + MARGIN, step.hits)

    def _overview(self, step: _Pass, r: Readiness, x: int, y: int, width: int) -> int:
        """ "45 of 112 ready (40 %)", the three problems, and one bar split by status."""
        big = step.metrics(step.big)
        at = x
        at += step.number("ready", at, y, r.ready, font=step.big)
        at += step.text(at, y, " of ", font=step.big)
        at += step.number("requests", at, y, r.requests, font=step.big)
        at += step.text(at, y, " ready", font=step.big)
        percent = 100 * r.ready.count // r.requests.count
        step.text(at, y, f"  {percent} %", font=step.big, color=step.colors.dim, width=x + width - at)
        y += big.height() + 6
        at = x
        problems = (
            ("overdue", r.overdue, " overdue", step.colors.overdue),
            ("missing_evidence", r.missing_evidence, " missing evidence", None),
            ("flagged", r.flagged, " with flagged evidence", None),
        )
        for index, (name, tally, words, color) in enumerate(problems):
            if index:
                at += step.text(at, y, "   ·   ", color=step.colors.dim)
            at += step.number(name, at, y, tally, color=color if tally.refs else None)
            at += step.text(at, y, words, color=step.colors.text if tally.refs else step.colors.dim)
        y += step.line + 4
        parts = [
            (f"stack:{s.status.value}", s.requests, QColor(STATUS_COLORS[s.status.value]))
            for s in r.by_status
        ]
        step.bar(QRect(x, y, width, BAR_HEIGHT), parts, r.requests.count)
        return y + BAR_HEIGHT

    def _statuses(self, step: _Pass, r: Readiness, x: int, y: int, width: int) -> int:
        y = step.heading(x, y, width, "By status")
        metrics = step.metrics(step.font)
        label_width = max(metrics.horizontalAdvance(s.status.label) for s in r.by_status) + 12
        count_width = step.metrics(step.bold).horizontalAdvance(f"{r.requests.count:,}") + 8
        bar_left = x + 16 + label_width
        bar_width = max(width - (bar_left - x) - count_width - 8, 40)
        most = max(s.requests.count for s in r.by_status)
        for line in r.by_status:
            color = QColor(STATUS_COLORS[line.status.value])
            top = y + (step.line - metrics.height()) // 2
            if step.painter is not None:
                step.painter.fillRect(QRect(x, top + metrics.height() // 2 - 5, 10, 10), color)
            step.text(x + 16, top, line.status.label, width=label_width - 6)
            bar = QRect(bar_left, y + (step.line - 10) // 2, bar_width, 10)
            step.bar(bar, [(f"bar:{line.status.value}", line.requests, color)], most)
            step.number(
                f"status:{line.status.value}", bar_left + bar_width + 8, top, line.requests, width=count_width
            )
            y += step.line
        return y

    def _person_table(
        self, step: _Pass, x: int, y: int, width: int, title: str, headers: tuple[str, ...]
    ) -> tuple[int, list[int], int, int]:
        """A table of people's figures: its heading and header row; (y below, column widths, name width,
        the text's top padding in a line)."""
        y = step.heading(x, y, width, title)
        bold = step.metrics(step.bold)
        columns = [max(bold.horizontalAdvance(h), bold.horizontalAdvance("9,999")) + 18 for h in headers]
        name_width = max(width - sum(columns), 80)
        top_pad = (step.line - bold.height()) // 2
        at = x + name_width
        step.text(x, y + top_pad, "Person", font=step.bold, color=step.colors.dim)
        for header, column in zip(headers, columns, strict=True):
            step.text(
                at, y + top_pad, header, font=step.bold, color=step.colors.dim, width=column - 6, right=True
            )
            at += column
        return y + step.line, columns, name_width, top_pad

    def _owners(self, step: _Pass, r: Readiness, x: int, y: int, width: int) -> int:
        y, columns, name_width, top_pad = self._person_table(
            step, x, y, width, "Who is behind", ("Open", "Overdue", "Missing evidence")
        )
        bold = step.metrics(step.bold)
        for row, person in enumerate(r.by_owner):
            if step.painter is not None and row % 2 == 0:
                shade = QColor(step.colors.track)
                step.painter.fillRect(QRect(x - 4, y, width + 8, step.line), shade)
            top = y + top_pad
            if not step.height_only:
                name_used = min(step.metrics(step.font).horizontalAdvance(person.label), name_width - 12)
                step.hit(f"owner:{person.label}", QRect(x, top, name_used, bold.height()), person.requests)
            dim = not person.owner
            step.text(x, top, person.label, width=name_width - 12, color=step.colors.dim if dim else None)
            at = x + name_width
            cells = (
                ("open", person.open, None),
                ("overdue", person.overdue, step.colors.overdue),
                ("missing_evidence", person.missing_evidence, None),
            )
            for (key, tally, color), column in zip(cells, columns, strict=True):
                step.number(
                    f"owner:{person.label}:{key}", at, top, tally, color=color, width=column - 6, right=True
                )
                at += column
            y += step.line
        return y

    def _samples(self, step: _Pass, r: Readiness, x: int, y: int, width: int) -> int:
        """Per owner: sampled requests with a sample missing, their samples, and how many are missing."""
        y, columns, name_width, top_pad = self._person_table(
            step, x, y, width, "Samples missing", ("Requests", "Samples", "Missing")
        )
        bold = step.metrics(step.bold)
        for row, owner in enumerate(r.samples_missing):
            if step.painter is not None and row % 2 == 0:
                step.painter.fillRect(QRect(x - 4, y, width + 8, step.line), QColor(step.colors.track))
            top = y + top_pad
            if not step.height_only:
                name_used = min(step.metrics(step.font).horizontalAdvance(owner.label), name_width - 12)
                step.hit(f"samples:{owner.label}", QRect(x, top, name_used, bold.height()), owner.requests)
            dim = step.colors.dim
            step.text(x, top, owner.label, width=name_width - 12, color=None if owner.owner else dim)
            at = x + name_width
            step.number(
                f"samples:{owner.label}:requests", at, top, owner.requests, width=columns[0] - 6, right=True
            )
            at += columns[0]
            step.text(at, top, f"{owner.samples:,}", width=columns[1] - 6, right=True, color=dim)
            at += columns[1]
            step.number(
                f"samples:{owner.label}:missing",
                at,
                top,
                owner.requests,
                color=step.colors.overdue,
                width=columns[2] - 6,
                right=True,
                figure=owner.missing,
            )
            y += step.line
        return y

    def _sections(self, step: _Pass, r: Readiness, x: int, y: int, width: int) -> int:
        y = step.heading(x, y, width, "By section")
        metrics = step.metrics(step.font)
        bold = step.metrics(step.bold)
        longest = max(metrics.horizontalAdvance(s.label) for s in r.by_section) + 12
        label_width = min(longest, max(width * 2 // 5, 120))
        counts_width = bold.horizontalAdvance(f"{r.requests.count:,} / {r.requests.count:,}") + 8
        bar_left = x + label_width
        bar_width = max(width - label_width - counts_width - 8, 40)
        not_ready = blend(step.colors.track, step.colors.text, 0.25)
        for section in r.by_section:
            top = y + (step.line - metrics.height()) // 2
            step.hit(
                f"section:{section.label}",
                QRect(
                    x, top, min(metrics.horizontalAdvance(section.label), label_width - 12), metrics.height()
                ),
                section.requests,
            )
            step.text(x, top, section.label, width=label_width - 12)
            bar = QRect(bar_left, y + (step.line - 10) // 2, bar_width, 10)
            step.bar(
                bar,
                [
                    (f"section:{section.label}:bar_ready", section.ready, READY),
                    (f"section:{section.label}:bar_not_ready", section.not_ready, not_ready),
                ],
                section.requests.count,
            )
            at = bar_left + bar_width + 8
            at += step.number(f"section:{section.label}:ready", at, top, section.ready)
            at += step.text(at, top, " / ", color=step.colors.dim)
            step.number(f"section:{section.label}:requests", at, top, section.requests, font=step.font)
            y += step.line
        return y

    def _lists(self, step: _Pass, r: Readiness, x: int, y: int, width: int) -> int:
        def overdue_detail(ref: str) -> str:
            request = r.request(ref)
            days = (r.today - request.due).days if request.due else 0
            return f"{days} day{'s' if days != 1 else ''} overdue"

        def flagged_detail(ref: str) -> str:
            return "evidence dates flagged" if ref in r.date_flagged else "reworded by the auditor"

        def follow_up_detail(ref: str) -> str:
            return r.request(ref).owner or "unassigned"

        blocks: tuple[tuple[str, str, Tally, Callable[[str], str], QColor], ...] = (
            ("overdue", "Overdue", r.overdue, overdue_detail, step.colors.overdue),
            (
                "missing",
                "Missing evidence",
                r.missing_evidence,
                lambda ref: r.request(ref).status.label,
                MISSING,
            ),
            ("flagged", "Flagged evidence", r.flagged, flagged_detail, FLAGGED),
            ("follow_up", "Follow-ups", r.follow_ups, follow_up_detail, step.colors.overdue),
        )
        for index, (key, title, tally, detail, marker) in enumerate(blocks):
            if index:
                y += GAP // 2
            y = step.heading(x, y, width, title, tally, f"{key}:all")
            if not tally.refs:
                step.text(
                    x, y + (step.line - step.metrics(step.font).height()) // 2, "None", color=step.colors.dim
                )
                y += step.line
                continue
            y = self._entries(step, r, key, tally, detail, marker, x, y, width)
        return y

    def _entries(
        self,
        step: _Pass,
        r: Readiness,
        key: str,
        tally: Tally,
        detail: Callable[[str], str],
        marker: QColor,
        x: int,
        y: int,
        width: int,
    ) -> int:
        metrics = step.metrics(step.font)
        bold = step.metrics(step.bold)
        ref_width = max(bold.horizontalAdvance(ref) for ref in tally.refs[:LIST_LIMIT]) + 12
        for ref in tally.refs[:LIST_LIMIT]:
            request = r.request(ref)
            top = y + (step.line - metrics.height()) // 2
            step.hit(f"{key}:{ref}", QRect(x, y + 1, width, step.line - 2), Tally((ref,), ref))
            if step.painter is not None:
                step.painter.fillRect(QRect(x, y + 4, 3, step.line - 8), marker)
            step.text(x + 10, top, ref, font=step.bold)
            words = detail(ref) + (f" · {' '.join(request.owner.split())}" if request.owner.strip() else "")
            words_width = min(metrics.horizontalAdvance(words) + 4, width // 2)
            title_left = x + 10 + ref_width
            step.text(title_left, top, request.headline, width=width - (title_left - x) - words_width - 12)
            step.text(
                x + width - words_width, top, words, color=step.colors.dim, width=words_width, right=True
            )
            y += step.line
        more = tally.count - LIST_LIMIT
        if more > 0:
            top = y + (step.line - metrics.height()) // 2
            label = f"and {more:,} more…"
            rect = QRect(x + 10, top, metrics.horizontalAdvance(label), metrics.height())
            active = step.hit(f"{key}:more", rect, tally)
            font = QFont(step.font)
            font.setUnderline(active)
            step.text(x + 10, top, label, font=font)
            y += step.line
        return y

    # Mouse and keyboard

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self.hit_at(event.position().toPoint())
        if index != self._hover:
            self._hover = index
            self.setCursor(Qt.CursorShape.PointingHandCursor if index >= 0 else Qt.CursorShape.ArrowCursor)
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        if self._hover >= 0:
            self._hover = -1
            self.update()
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed = self.hit_at(event.position().toPoint())
            if self._pressed >= 0:
                self._focus = self._pressed
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            index = self.hit_at(event.position().toPoint())
            pressed, self._pressed = self._pressed, -1
            if index >= 0 and index == pressed:
                self.activate(index)
                return
        super().mouseReleaseEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.hit_at(event.pos())
            if index >= 0:
                hit = self.hits()[index]
                count = len(hit.refs)
                QToolTip.showText(
                    event.globalPos(),
                    f"Show {'the request' if count == 1 else f'these {count:,} requests'} in the table: "
                    f"{hit.description}",
                    self,
                    hit.rect,
                )
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab and Shift+Tab go through the numbers before leaving the dashboard."""
        if self.hasFocus():
            count = len(self.hits())
            index = self._focus + (1 if next else -1)
            if 0 <= index < count:
                self._move_focus(index)
                return True
            self._focus = -1
        return super().focusNextPrevChild(next)

    def focusInEvent(self, event: QFocusEvent) -> None:
        if self._focus < 0 and self.hits():
            backwards = event.reason() == Qt.FocusReason.BacktabFocusReason
            self._focus = len(self.hits()) - 1 if backwards else 0
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        count = len(self.hits())
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and 0 <= self._focus < count:
            self.activate(self._focus)
        elif key in (Qt.Key.Key_Down, Qt.Key.Key_Right) and count:
            self._move_focus(min(self._focus + 1, count - 1))
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Left) and count:
            self._move_focus(max(min(self._focus, count) - 1, 0))
        else:
            super().keyPressEvent(event)

    def _move_focus(self, index: int) -> None:
        self._focus = index
        rect = self.hits()[index].rect
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if isinstance(parent, QScrollArea):
            parent.ensureVisible(rect.center().x(), rect.center().y(), 40, rect.height() + 24)
        self.update()
