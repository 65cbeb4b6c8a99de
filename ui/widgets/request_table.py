"""The request table view: status drawn as a coloured label, files dropped on a row attach to that request."""

from __future__ import annotations

import enum
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent, QPainter, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.models.request_table_model import REF_ROLE, STATUS_ROLE, Column
from ui.widgets.evidence_list import files_in
from workbook.model import Status

# Hidden first when the table is narrow (1024x640 with the panel open): the least needed first.
OPTIONAL_COLUMNS = (Column.CHANGED, Column.CRITERIA, Column.EVIDENCE)
MIN_TITLE_WIDTH = 160
# Mid-tone fills readable with white text on light and dark palettes alike.
STATUS_COLORS: dict[str, str] = {
    Status.OPEN.value: "#757575",
    Status.IN_PROGRESS.value: "#1e88e5",
    Status.READY_FOR_REVIEW.value: "#8e24aa",
    Status.READY_FOR_AUDITOR.value: "#00897b",
    Status.ACCEPTED.value: "#2e7d32",
    Status.FOLLOW_UP.value: "#e65100",
    Status.NOT_APPLICABLE.value: "#9e9e9e",
}


class StatusDelegate(QStyledItemDelegate):
    """Paints the status as a rounded coloured label."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        style = option.widget.style() if option.widget else None
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, option.widget)
        color = QColor(STATUS_COLORS.get(str(index.data(STATUS_ROLE)), "#757575"))
        metrics = option.fontMetrics
        width = min(metrics.horizontalAdvance(text) + 14, option.rect.width() - 6)
        height = min(metrics.height() + 4, option.rect.height() - 4)
        rect = QRectF(option.rect.x() + 3, option.rect.center().y() - height / 2 + 1, width, height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setPen(QColor("white"))
        painter.drawText(
            rect,
            Qt.AlignmentFlag.AlignCenter,
            metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(width) - 10),
        )
        painter.restore()


class TableState(enum.Enum):
    """What the table area shows: rows, or a message saying why there are none and what to do."""

    ROWS = "rows"
    NO_REQUESTS = "no_requests"
    NO_MATCH = "no_match"


NO_REQUESTS_TEXT = (
    "This workbook has no requests yet.\n"
    "Import the auditor's checklist (xlsx, xlsm or csv) as it is: each of its rows becomes a request."
)
NO_MATCH_TEXT = "No request matches these filters."


class TableMessage(QWidget):
    """A centred message with one button, over the table's empty viewport."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("table_message")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        self.label = QLabel()
        self.label.setObjectName("table_message_text")
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.button = QPushButton()
        self.button.setObjectName("table_message_button")
        layout.addWidget(self.label)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.hide()

    def place(self, area: QRect) -> None:
        """Centred in `area` and no bigger than its text, so the rest of the table takes drops and clicks."""
        width = min(area.width(), 460)
        wanted = self.heightForWidth(width)
        height = min(area.height(), wanted if wanted > 0 else self.sizeHint().height())
        self.setGeometry(
            area.x() + (area.width() - width) // 2, area.y() + (area.height() - height) // 2, width, height
        )


class RequestTableView(QTableView):
    """Sortable, multi-select; emits `files_dropped(ref, paths)` when files land on a row.

    With no rows to show it says why, with a button: `import_requested` (an empty workbook) or
    `clear_filters_requested` (filters that match nothing).
    """

    files_dropped = Signal(str, list)
    checklist_dropped = Signal(object)
    import_requested = Signal()
    clear_filters_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("request_table")
        self.setAccessibleName("Requests")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSortingEnabled(True)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(True)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        self._auto_hidden: set[int] = set()
        self._status_delegate = StatusDelegate(self)
        self.setItemDelegateForColumn(Column.STATUS, self._status_delegate)
        self.table_state = TableState.ROWS
        self.message = TableMessage(self.viewport())
        self.message.button.clicked.connect(self._on_message_button_clicked)

    def set_state(self, state: TableState, *, can_import: bool = True) -> None:
        """Rows, or the message for an empty workbook (Import checklist…) or for filters matching none."""
        self.table_state = state
        if state is TableState.ROWS:
            self.message.hide()
            return
        if state is TableState.NO_REQUESTS:
            self.message.label.setText(NO_REQUESTS_TEXT)
            self.message.button.setText("Import checklist…")
            self.message.button.setEnabled(can_import)
        else:
            self.message.label.setText(NO_MATCH_TEXT)
            self.message.button.setText("Clear filters")
            self.message.button.setEnabled(True)
        self.message.place(self.viewport().rect())
        self.message.show()

    def _on_message_button_clicked(self) -> None:
        if self.table_state is TableState.NO_REQUESTS:
            self.import_requested.emit()
        elif self.table_state is TableState.NO_MATCH:
            self.clear_filters_requested.emit()

    def set_default_widths(self) -> None:
        """Widths from the font, so "Ready for auditor" and "59 min ago" fit; the title takes the rest."""
        header = self.horizontalHeader()
        metrics = self.fontMetrics()
        pad = 16

        def fit(*texts: str) -> int:
            return max(metrics.horizontalAdvance(t) for t in texts) + pad

        widths = {
            Column.REF: fit("PBC-000-0"),
            Column.CRITERIA: fit("CC1.1, CC1"),
            Column.OWNER: fit("Sarah Lindqvist"),
            Column.STATUS: fit("Ready for auditor") + 12,
            Column.DUE: fit("2026-11-13"),
            Column.EVIDENCE: fit("Evidence"),
            Column.CHANGED: fit("Last change", "59 min ago", "just now"),
        }
        for column, width in widths.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(Column.TITLE, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        self._fit_columns()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()
        if self.message.isVisible():
            self.message.place(self.viewport().rect())

    def _fit_columns(self) -> None:
        """Hide the least needed columns while the title would get too narrow, so no sideways scrolling."""
        header = self.horizontalHeader()
        available = self.viewport().width()
        if available <= 0 or header.count() <= Column.TITLE:
            return
        # Every optional column is ours to hide: a restored header state may carry an old narrow window's.
        for column in reversed(OPTIONAL_COLUMNS):
            if header.isSectionHidden(column):
                header.showSection(column)
        self._auto_hidden.clear()
        for column in OPTIONAL_COLUMNS:
            fixed = sum(
                header.sectionSize(c)
                for c in range(header.count())
                if c != Column.TITLE and not header.isSectionHidden(c)
            )
            if fixed + MIN_TITLE_WIDTH <= available:
                break
            if not header.isSectionHidden(column):
                header.hideSection(column)
                self._auto_hidden.add(column)

    @property
    def auto_hidden(self) -> frozenset[int]:
        return frozenset(self._auto_hidden)

    def _checklist(self, event: QDragMoveEvent | QDropEvent) -> Path | None:
        from ui.dialogs.import_wizard import is_checklist

        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        path = Path(urls[0].toLocalFile()) if len(urls) == 1 else None
        return path if path is not None and is_checklist(path) else None

    def _accepts(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        mime = event.mimeData()
        return mime.hasUrls() and any(u.isLocalFile() for u in mime.urls())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._accepts(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        on_row = self.indexAt(event.position().toPoint()).isValid()
        if self._accepts(event) and (on_row or self._checklist(event) is not None):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        checklist = self._checklist(event)
        if not index.isValid() and checklist is not None:
            # A checklist dropped below the rows (or on an empty table) is imported, not attached.
            event.acceptProposedAction()
            self.checklist_dropped.emit(checklist)
            return
        if not self._accepts(event) or not index.isValid():
            event.ignore()
            return
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        self.files_dropped.emit(str(index.data(REF_ROLE)), files_in(paths))
