"""The import wizard's live preview grid: the first rows under headings saying what each column fills."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

AnyIndex = QModelIndex | QPersistentModelIndex
MAX_CELL_CHARS = 160

FIELD_LABELS: dict[str, str] = {
    "ref": "Ref",
    "title": "Title",
    "request": "Request text",
    "criteria": "Criteria",
    "section": "Section",
    "owner": "Owner",
    "due": "Due date",
    "status": "Status",
    "priority": "Priority",
    "comment": "Auditor's comment",
    "response": "Response",
    "evidence": "Evidence",
}
# The field menu says what the two answer fields are for: the auditor's columns our answers are written into.
FIELD_MENU_HINTS: dict[str, str] = {
    "response": " (your answers go here)",
    "evidence": " (file names go here)",
}
NOT_IMPORTED = "not imported (kept as extra column)"
HEADER_TINT = "#d6e6f5"
LOW_CONFIDENCE = 0.6
LOW_CONFIDENCE_COLOR = "#c43e00"


@dataclass(frozen=True)
class PreviewColumn:
    """One column as the grid heads it; a Qt-free mirror of the reader's ColumnInfo."""

    letter: str
    header: str
    field: str | None
    confidence: float
    hidden: bool
    reason: str = ""

    @property
    def doubtful(self) -> bool:
        return self.field is not None and self.confidence < LOW_CONFIDENCE

    @property
    def target(self) -> str:
        """What the column fills, in words: "Owner", or "Owner?" when the guess is weak."""
        if not self.field:
            return "not imported"
        return FIELD_LABELS.get(self.field, self.field) + ("?" if self.doubtful else "")

    @property
    def heading(self) -> str:
        name = " ".join(self.header.split()) or "(no heading)"
        if len(name) > 28:
            name = name[:27] + "…"
        hidden = " · hidden" if self.hidden else ""
        return f"{self.letter}{hidden} · {name}\n→ {self.target}"

    @property
    def tooltip(self) -> str:
        target = FIELD_LABELS.get(self.field, self.field) if self.field else NOT_IMPORTED
        lines = [f"{self.header or 'Column ' + self.letter} → {target}"]
        if self.field and self.reason:
            lines.append(f"Why: {self.reason}.")
        if self.doubtful:
            lines.append("A weak guess: check it.")
        if self.hidden:
            lines.append("This column is hidden in the checklist.")
        lines.append("Click to change what it fills.")
        return "\n".join(lines)


class MappingPreviewModel(QAbstractTableModel):
    """Raw cell texts by sheet row; header rows bold and tinted, rows above them and skipped rows greyed."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[tuple[str, ...]] = []
        self._columns: list[PreviewColumn] = []
        self._header_first = 0
        self._header_row = 0
        self._skipped: dict[int, str] = {}
        self._width = 0

    def set_preview(
        self,
        rows: Sequence[Sequence[str]],
        columns: Sequence[PreviewColumn],
        *,
        header_first_row: int,
        header_row: int,
        skipped: Mapping[int, str],
    ) -> None:
        self.beginResetModel()
        self._rows = [tuple(r) for r in rows]
        self._columns = list(columns)
        self._header_first = header_first_row
        self._header_row = header_row
        self._skipped = dict(skipped)
        self._width = max([len(self._columns), *(len(r) for r in self._rows)], default=0)
        self.endResetModel()

    def clear(self) -> None:
        self.set_preview([], [], header_first_row=0, header_row=0, skipped={})

    def column(self, section: int) -> PreviewColumn | None:
        return self._columns[section] if 0 <= section < len(self._columns) else None

    def sheet_row(self, row: int) -> int:
        """The 1-based sheet row shown at a grid row."""
        return row + 1

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._width

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, col = index.row(), index.column()
        number = row + 1
        cells = self._rows[row]
        text = cells[col] if col < len(cells) else ""
        in_header = self._header_first <= number <= self._header_row
        above = number < self._header_first
        if role == Qt.ItemDataRole.DisplayRole:
            flat = " ".join(text.split())
            return flat if len(flat) <= MAX_CELL_CHARS else flat[: MAX_CELL_CHARS - 1] + "…"
        if role == Qt.ItemDataRole.ToolTipRole:
            if number in self._skipped:
                return f"Row {number} is left out: {self._skipped[number]}"
            if above:
                return f"Row {number} is above the header and is not imported"
            return text or None
        if role == Qt.ItemDataRole.FontRole and in_header:
            font = QFont(QApplication.font())
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and in_header:
            return QBrush(QColor(HEADER_TINT))
        if role == Qt.ItemDataRole.ForegroundRole:
            column = self.column(col)
            if in_header:
                return QBrush(QColor("black"))
            if above or number in self._skipped or (column is not None and column.hidden):
                return QApplication.palette().brush(QPalette.ColorRole.PlaceholderText)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._rows):
                return str(section + 1)
            if role == Qt.ItemDataRole.ToolTipRole and 0 <= section < len(self._rows):
                return f"Click to make row {section + 1} the header row"
            return None
        column = self.column(section)
        if role == Qt.ItemDataRole.DisplayRole and 0 <= section < self._width:
            if column is None:
                return f"Column {section + 1}\n→ not imported"
            return column.heading
        if role == Qt.ItemDataRole.ToolTipRole and column is not None:
            return column.tooltip
        if role == Qt.ItemDataRole.ForegroundRole and column is not None:
            if not column.field:
                return QApplication.palette().brush(QPalette.ColorRole.PlaceholderText)
            if column.doubtful:
                return QBrush(QColor(LOW_CONFIDENCE_COLOR))
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
