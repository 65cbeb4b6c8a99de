"""The start page: recent workbooks, new, open, open demo."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.settings import RecentWorkbook

PATH_ROLE = int(Qt.ItemDataRole.UserRole) + 1


class StartPage(QWidget):
    """What the app shows with no workbook open."""

    new_requested = Signal()
    open_requested = Signal()
    demo_requested = Signal()
    recent_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("start_page")
        outer = QHBoxLayout(self)
        outer.setContentsMargins(32, 24, 32, 24)
        outer.addStretch(1)
        column = QVBoxLayout()
        outer.addLayout(column, 6)
        outer.addStretch(1)

        title = QLabel("Audit Workbook")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 2)
        font.setBold(True)
        title.setFont(font)
        tagline = QLabel(
            "Track the auditor's requests, their owners and the proof for each, in one offline file."
        )
        tagline.setWordWrap(True)
        column.addWidget(title)
        column.addWidget(tagline)
        column.addSpacing(16)

        buttons = QHBoxLayout()
        self.new_button = QPushButton("New workbook…")
        self.new_button.setObjectName("new_workbook_button")
        self.new_button.setAccessibleName("New workbook")
        self.new_button.setToolTip("Ctrl+N")
        self.new_button.clicked.connect(self.new_requested)
        self.open_button = QPushButton("Open…")
        self.open_button.setObjectName("open_workbook_button")
        self.open_button.setAccessibleName("Open a workbook")
        self.open_button.setToolTip("Ctrl+O")
        self.open_button.clicked.connect(self.open_requested)
        self.demo_button = QPushButton("Open demo")
        self.demo_button.setObjectName("open_demo_button")
        self.demo_button.setAccessibleName("Open the demo workbook")
        self.demo_button.setToolTip("A sample SOC 2 request list with evidence, to try things out")
        self.demo_button.clicked.connect(self.demo_requested)
        for button in (self.new_button, self.open_button, self.demo_button):
            button.setMinimumHeight(34)
            buttons.addWidget(button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        column.addSpacing(16)

        recent_title = QLabel("Recent workbooks")
        bold = recent_title.font()
        bold.setBold(True)
        recent_title.setFont(bold)
        column.addWidget(recent_title)
        self.recent = QListWidget()
        self.recent.setObjectName("recent_list")
        self.recent.setAccessibleName("Recent workbooks")
        self.recent.setFrameShape(QFrame.Shape.StyledPanel)
        self.recent.setSpacing(2)
        self.recent.itemActivated.connect(self._on_recent_activated)
        column.addWidget(self.recent, 1)
        self.empty_hint = QLabel("No workbooks yet. Create one, or open the demo to look around.")
        self.empty_hint.setObjectName("recent_empty")
        self.empty_hint.setEnabled(False)
        column.addWidget(self.empty_hint)

    def set_recent(self, recent: Sequence[RecentWorkbook]) -> None:
        self.recent.clear()
        for entry in recent:
            progress = f"{entry.ready} of {entry.total} ready" if entry.total else "no requests yet"
            missing = "" if entry.exists else " · file not found"
            label = (
                f"{entry.client or entry.path}\n{progress} · last opened {entry.last_opened}{missing}\n"
                f"{entry.path}"
            )
            item = QListWidgetItem(label)
            item.setData(PATH_ROLE, entry.path)
            item.setToolTip(html.escape(entry.path))
            if not entry.exists:
                item.setForeground(self.palette().placeholderText())
            self.recent.addItem(item)
        self.recent.setVisible(bool(recent))
        self.empty_hint.setVisible(not recent)

    def _on_recent_activated(self, item: QListWidgetItem) -> None:
        self.recent_chosen.emit(str(item.data(PATH_ROLE)))
