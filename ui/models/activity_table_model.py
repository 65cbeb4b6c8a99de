"""The activity log's lines as a table: when, who, what in plain words, and the request it is about."""

from __future__ import annotations

import enum
from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from workbook.activity_words import LogLine

Index = QModelIndex | QPersistentModelIndex


class ActivityColumn(enum.IntEnum):
    WHEN = 0
    WHO = 1
    WHAT = 2
    REQUEST = 3


HEADERS = {
    ActivityColumn.WHEN: "When",
    ActivityColumn.WHO: "Who",
    ActivityColumn.WHAT: "What",
    ActivityColumn.REQUEST: "Request",
}


def when_text(item: LogLine) -> str:
    """Local time to the minute, as the request panel's History shows it."""
    return item.entry.at.astimezone().strftime("%Y-%m-%d %H:%M")


def detail_text(item: LogLine) -> str:
    """The tooltip: the words in full, then which entries (with their action codes) the line stands for."""
    entries = ", ".join(f"#{e.id} {e.action}" for e in item.entries)
    when = item.entry.at.astimezone().isoformat(timespec="seconds")
    return f"{item.words}\n{when} · {item.entry.login or item.entry.actor} · entry {entries}"


class ActivityTableModel(QAbstractTableModel):
    """Shows the lines it is given (already filtered, newest first); texts are made for the rows painted."""

    def __init__(self) -> None:
        super().__init__()
        self._lines: list[LogLine] = []

    def set_lines(self, lines: Sequence[LogLine]) -> None:
        self.beginResetModel()
        self._lines = list(lines)
        self.endResetModel()

    def append_lines(self, lines: Sequence[LogLine]) -> None:
        """Older lines, below the others (the rows shown and selected stay where they are)."""
        if lines:
            self.beginInsertRows(QModelIndex(), len(self._lines), len(self._lines) + len(lines) - 1)
            self._lines.extend(lines)
            self.endInsertRows()

    def prepend_lines(self, lines: Sequence[LogLine]) -> None:
        """Newer lines, above the others."""
        if lines:
            self.beginInsertRows(QModelIndex(), 0, len(lines) - 1)
            self._lines[:0] = lines
            self.endInsertRows()

    def line_at(self, row: int) -> LogLine:
        return self._lines[row]

    @property
    def lines(self) -> list[LogLine]:
        return list(self._lines)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(ActivityColumn)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        item = self._lines[index.row()]
        column = ActivityColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if column is ActivityColumn.WHEN:
                return when_text(item)
            if column is ActivityColumn.WHO:
                return item.entry.actor or item.entry.login
            if column is ActivityColumn.WHAT:
                return item.words
            return item.request
        if role == Qt.ItemDataRole.ToolTipRole:
            return detail_text(item)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[ActivityColumn(section)]
        return None
