"""A request's samples against what each must provide: the grid's item model and its view (a drop zone).

Rows are samples ("EMP-0042 · Alex Kim"); one column per required item (one "file" column when the request
names none) comes next, so the grid's point stays in sight in a narrow panel, and the sample's status last.
A cell says what is given (✓ and the file name) or that it is missing (✗ missing), in words and a mark as well
as a colour; files given for no item the request names have their own column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from ui.models.request_table_model import STATUS_ROLE
from ui.widgets.evidence_list import files_in
from ui.widgets.request_table import StatusDelegate
from workbook.filtering import human_size
from workbook.model import Sample, SampleFile, SampleGrid
from workbook.model.cycles import SETTLED

Index = QModelIndex | QPersistentModelIndex

FILES_ROLE = int(Qt.ItemDataRole.UserRole) + 20
CODE_ROLE = int(Qt.ItemDataRole.UserRole) + 21
REQUIREMENT_ROLE = int(Qt.ItemDataRole.UserRole) + 22
MISSING_ROLE = int(Qt.ItemDataRole.UserRole) + 23

MISSING_TEXT = "✗ missing"
NOT_NEEDED_TEXT = "— not needed"
OTHER_FILES = "Other files"
PROVIDED_TINT = QColor(46, 125, 50, 38)
MISSING_TINT = QColor(229, 57, 53, 40)


# The sample's id and label; the required items follow it, then the other files (if any) and the status.
SAMPLE_COLUMN = 0
FIRST_ITEM = 1


def sample_words(sample: Sample) -> str:
    """ "EMP-0042 · Alex Kim" (the id alone when it has no label)."""
    return f"{sample.code} · {sample.label}" if sample.label else sample.code


def grid_summary(grid: SampleGrid | None) -> str:
    """ "6/10 samples provided · 12 items missing" (or what to do when there are none)."""
    if grid is None or not grid.samples:
        return "No samples yet"
    missing = grid.missing_cells
    words = f"{missing} item{'s' if missing != 1 else ''} missing" if missing else "nothing missing"
    # A narrow panel wraps the line between its two parts, not inside one.
    return " · ".join(part.replace(" ", "\u00a0") for part in (grid.summary, words))


class SampleGridModel(QAbstractTableModel):
    """The cells of a `SampleGrid`; an item cell holds its files (`FILES_ROLE`) and whether it is missing."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.grid: SampleGrid | None = None
        self._items: tuple[str, ...] = ()
        self._other = False

    def set_grid(self, grid: SampleGrid | None) -> None:
        self.beginResetModel()
        self.grid = grid
        self._items = grid.columns if grid is not None else ()
        self._other = grid is not None and any(self._other_files(grid, s) for s in grid.samples)
        self.endResetModel()

    @staticmethod
    def _other_files(grid: SampleGrid, sample: Sample) -> tuple[SampleFile, ...]:
        """Files given for no item the request names now (or for none at all)."""
        if not grid.required:
            return ()
        return tuple(f for f in sample.files if f.requirement not in grid.required)

    @property
    def items(self) -> tuple[str, ...]:
        return self._items

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() or self.grid is None else len(self.grid.samples)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        if parent.isValid() or self.grid is None:
            return 0
        return self.status_column + 1

    @property
    def status_column(self) -> int:
        return FIRST_ITEM + len(self._items) + (1 if self._other else 0)

    @property
    def other_column(self) -> int | None:
        """The column of files given for no item the request names (None when there are none)."""
        return FIRST_ITEM + len(self._items) if self._other else None

    def sample_at(self, row: int) -> Sample:
        assert self.grid is not None
        return self.grid.samples[row]

    def row_of(self, code: str) -> int | None:
        if self.grid is None:
            return None
        return next((row for row, s in enumerate(self.grid.samples) if s.code == code), None)

    def item_at(self, column: int) -> str | None:
        """The required item of an item column (None for the sample, status and other-files columns)."""
        at = column - FIRST_ITEM
        return self._items[at] if 0 <= at < len(self._items) else None

    def requirement_at(self, column: int) -> str:
        """What a file dropped or attached in `column` is given for: its item, or "" for none."""
        item = self.item_at(column)
        return item if item is not None and self.grid is not None and self.grid.required else ""

    def files_at(self, index: Index) -> tuple[SampleFile, ...]:
        if not index.isValid() or self.grid is None:
            return ()
        sample = self.grid.samples[index.row()]
        item = self.item_at(index.column())
        if item is not None:
            return self.grid.cell(sample, item)
        if index.column() == self.other_column:
            return self._other_files(self.grid, sample)
        return ()

    def is_missing(self, index: Index) -> bool:
        item = self.item_at(index.column())
        if item is None or self.grid is None:
            return False
        return item in self.grid.samples[index.row()].missing(self.grid.required)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if section == SAMPLE_COLUMN:
                return "Sample"
            if section == self.status_column:
                return "Status"
            item = self.item_at(section)
            return item if item is not None else OTHER_FILES
        if role == Qt.ItemDataRole.ToolTipRole:
            item = self.item_at(section)
            if item is not None and self.grid is not None and self.grid.required:
                missing = sum(1 for s in self.grid.samples if item in s.missing(self.grid.required))
                return f"Each sample needs: {item} ({missing} still missing)"
            if item is not None:
                return "Each sample needs one file (the request names no items)"
            if section == self.other_column:
                return "Files given for a sample but for none of the items the request names now"
            if section == self.status_column:
                return "The sample's status: moved by its files, or set below for a reason"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.grid is None:
            return None
        sample = self.grid.samples[index.row()]
        column = index.column()
        if role == CODE_ROLE:
            return sample.code
        if column == SAMPLE_COLUMN:
            return self._sample_data(sample, role)
        if column == self.status_column:
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return sample.status.label
            if role == STATUS_ROLE:
                return sample.status.value
            return None
        return self._cell_data(index, sample, role)

    def _sample_data(self, sample: Sample, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return sample_words(sample)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [sample_words(sample), f"Status: {sample.status.label}"]
            missing = sample.missing(self.grid.required if self.grid else ())
            lines.append(f"Missing: {', '.join(missing)}" if missing else "Nothing missing")
            if sample.notes:
                lines.append(f"Notes: {sample.notes}")
            lines.append("Drop files here to give them for no particular item")
            return "\n".join(lines)
        return None

    def _cell_data(self, index: Index, sample: Sample, role: int) -> Any:
        files = self.files_at(index)
        missing = self.is_missing(index)
        item = self.item_at(index.column())
        if role == FILES_ROLE:
            return files
        if role == MISSING_ROLE:
            return missing
        if role == REQUIREMENT_ROLE:
            return self.requirement_at(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if files:
                more = f" +{len(files) - 1}" if len(files) > 1 else ""
                return f"✓ {files[0].name}{more}"
            if missing:
                return MISSING_TEXT
            if item is not None and sample.status in SETTLED:
                return NOT_NEEDED_TEXT
            return ""
        if role == Qt.ItemDataRole.BackgroundRole:
            if missing:
                return MISSING_TINT
            return PROVIDED_TINT if files and item is not None else None
        if role == Qt.ItemDataRole.ForegroundRole and missing:
            return _missing_text_color()
        if role == Qt.ItemDataRole.ToolTipRole:
            what = item if item is not None and self.grid and self.grid.required else "a file"
            lines = [f"{sample.code}: {what}"]
            lines += [f"✓ {f.name} ({human_size(f.size)})" for f in files]
            if missing:
                lines.append("Missing. Double-click (or Enter) to attach a file, or drop one here.")
            elif files:
                lines.append("Double-click to open; drop more files here to add them.")
            elif item is not None and sample.status in SETTLED:
                lines.append(f"Not needed: the sample is {sample.status.label.lower()}.")
            return "\n".join(lines)
        return None


def _missing_text_color() -> QColor:
    """A red that reads on the theme's base colour (darker on light themes, lighter on dark ones)."""
    from PySide6.QtWidgets import QApplication

    base = QApplication.palette().color(QPalette.ColorRole.Base)
    return QColor("#b71c1c") if base.lightness() > 128 else QColor("#ef9a9a")


class _CellDelegate(StatusDelegate):
    """The status column's coloured label; every other cell as the style draws it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        if index.data(STATUS_ROLE) is None:
            QStyledItemDelegate.paint(self, painter, option, index)
        else:
            super().paint(painter, option, index)


class SampleGridView(QTableView):
    """The grid; files dropped on a cell are given for that sample and item (on its name: for no item)."""

    # (sample id, requirement, paths): files dropped on a cell.
    files_dropped = Signal(str, str, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sample_grid")
        self.setAccessibleName("Samples and what each still needs")
        self.setAccessibleDescription("One row per sample; drop files on a cell to attach them for that item")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        # A file's name is known by its start; the row and the column say the rest.
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(False)
        self.setItemDelegate(_CellDelegate(self))
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setMinimumSectionSize(60)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self._drop_target: QPersistentModelIndex | None = None
        self.placeholder = ""

    def grid_model(self) -> SampleGridModel:
        model = self.model()
        assert isinstance(model, SampleGridModel)
        return model

    def fit_columns(self) -> None:
        """The sample column as wide as its text needs (within a third of the view), the status as its longest
        label; the items share the rest, each at least as wide as "✗ missing" (the status goes out of sight
        first)."""
        model = self.grid_model()
        if model.columnCount() == 0:
            return
        metrics = self.fontMetrics()
        samples = model.grid.samples if model.grid else ()
        width = max(self.viewport().width(), 240)
        widest = max((metrics.horizontalAdvance(sample_words(s)) for s in samples), default=80)
        self.setColumnWidth(SAMPLE_COLUMN, min(widest + 16, max(width // 3, 130)))
        status = max((metrics.horizontalAdvance(s.status.label) for s in samples), default=60) + 26
        self.setColumnWidth(model.status_column, status)
        cells = range(FIRST_ITEM, model.status_column)
        least = metrics.horizontalAdvance(MISSING_TEXT) + 24
        # (The last section stretches: its width is read back as the rest of the view, so it is not read.)
        rest = width - self.columnWidth(SAMPLE_COLUMN) - status
        if rest < least * len(cells):
            rest += status  # narrow: the items in sight, the status scrolls
        for column in cells:
            self.setColumnWidth(column, max(rest // max(len(cells), 1), least))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.fit_columns()

    def _cell_at(self, pos: QPoint) -> QModelIndex:
        return self.indexAt(pos)

    def _has_files(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        mime = event.mimeData()
        return mime.hasUrls() and any(url.isLocalFile() for url in mime.urls())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._has_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        index = self._cell_at(event.position().toPoint())
        if not self._has_files(event) or not index.isValid():
            self._set_drop_target(None)
            event.ignore()
            return
        self._set_drop_target(index)
        event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._set_drop_target(None)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        index = self._cell_at(event.position().toPoint())
        self._set_drop_target(None)
        if not self._has_files(event) or not index.isValid():
            event.ignore()
            return
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        event.acceptProposedAction()
        model = self.grid_model()
        code = model.sample_at(index.row()).code
        self.files_dropped.emit(code, model.requirement_at(index.column()), files_in(paths))

    def _set_drop_target(self, index: QModelIndex | None) -> None:
        target = QPersistentModelIndex(index) if index is not None else None
        if target != self._drop_target:
            self._drop_target = target
            self.viewport().update()

    def drop_target(self) -> tuple[str, str] | None:
        """(sample id, requirement) of the cell a drag is over now."""
        target = self._drop_target
        if target is None or not target.isValid():
            return None
        model = self.grid_model()
        return model.sample_at(target.row()).code, model.requirement_at(target.column())

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        painter = QPainter(self.viewport())
        try:
            target = self._drop_target
            if target is not None and target.isValid():
                rect = self.visualRect(self.model().index(target.row(), target.column()))
                if target.column() < FIRST_ITEM:  # on the sample's name: the whole row
                    first = self.visualRect(self.model().index(target.row(), 0))
                    rect = QRect(first.left(), first.top(), self.viewport().width(), first.height())
                painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2))
                painter.drawRect(rect.adjusted(1, 1, -2, -2))
            if self.model() is not None and self.model().rowCount() == 0 and self.placeholder:
                painter.setPen(self.palette().placeholderText().color())
                area = QRect(self.viewport().rect()).adjusted(12, 12, -12, -12)
                flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
                painter.drawText(area, flags, self.placeholder)
        finally:
            painter.end()
