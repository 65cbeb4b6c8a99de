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
TAGLINE = (
    "Answer an auditor's checklist in one offline file: each request's owner, status, due date and proof, "
    "exported as the bound PDF package, zip and filled-in spreadsheet the auditor asked for."
)
FIRST_STEPS = (
    "<p><b>Getting started</b></p>"
    "<p><b>New workbook…</b> (Ctrl+N): one file per audit. Give the client, the framework and the audit "
    "period, then import the auditor's checklist (xlsx, xlsm or csv) as it is.</p>"
    "<p><b>Open…</b> (Ctrl+O): a workbook you or a colleague already started (an <i>.auditwb</i> file).</p>"
    "<p><b>Open demo</b>: a sample SOC 2 request list with owners and evidence, to look around first. "
    "Nothing you do there touches your own files.</p>"
)


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
        tagline = QLabel(TAGLINE)
        tagline.setObjectName("start_tagline")
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

        self.recent_title = QLabel("Recent workbooks")
        bold = self.recent_title.font()
        bold.setBold(True)
        self.recent_title.setFont(bold)
        column.addWidget(self.recent_title)
        self.recent = QListWidget()
        self.recent.setObjectName("recent_list")
        self.recent.setAccessibleName("Recent workbooks")
        self.recent.setFrameShape(QFrame.Shape.StyledPanel)
        self.recent.setSpacing(2)
        self.recent.itemActivated.connect(self._on_recent_activated)
        column.addWidget(self.recent, 1)
        # First run: no recent list, but the steps and what each button is for, then nothing below.
        self.empty_hint = QLabel(FIRST_STEPS)
        self.empty_hint.setObjectName("recent_empty")
        self.empty_hint.setTextFormat(Qt.TextFormat.RichText)
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        column.addWidget(self.empty_hint)
        self._filler = QWidget()
        column.addWidget(self._filler, 1)

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
        self.recent_title.setVisible(bool(recent))
        self.empty_hint.setVisible(not recent)
        self._filler.setVisible(not recent)

    def _on_recent_activated(self, item: QListWidgetItem) -> None:
        self.recent_chosen.emit(str(item.data(PATH_ROLE)))
