"""Help menu: a short guide (what to do first, second, third), the keyboard shortcuts, and About."""

from __future__ import annotations

import platform
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui.geometry import fitted_size
from workbook import __version__

GUIDE_HTML = """
<h2>Getting started</h2>
<p>Audit Workbook keeps one client's audit in one <b>.auditwb</b> file: the auditor's checklist, who owns each
request, its status, due date and notes, the evidence files, and a log of every change.</p>
<h3>1. Create a workbook and import the checklist</h3>
<p><b>File → New workbook…</b> (Ctrl+N) asks for the client and the audit period. Then
<b>File → Import checklist…</b> (Ctrl+I), or drop the auditor's spreadsheet on the window: the wizard reads
it as it is (title rows, merged headers, several sheets) and shows every row it kept, merged or skipped,
and why.
A newer version of the same list is imported the same way and shows what changed; your work is kept.</p>
<h3>2. Assign, track and attach proof</h3>
<p>Select a request: the panel on the right sets its <b>owner</b>, <b>status</b> (Ctrl+1 … Ctrl+7),
<b>due date</b> and <b>notes</b>. Select several to change them together. Drop files on the request's
<b>Evidence</b> tab, use <b>Add files…</b>, or paste a screenshot with Ctrl+V; each file is hashed (SHA-256)
and stored once in the workbook. Give each file its effective date and where it comes from. Every change
can be undone (Ctrl+Z) and is logged with your name.</p>
<h3>3. Export for the auditor</h3>
<p><b>File → Export package…</b> (Ctrl+E) writes one bookmarked, hash-stamped PDF, a zip of the original files
with a manifest, and the auditor's own spreadsheet with your answers filled in. <b>File → Verify now</b>
re-checks every file and the activity log; the auditor can run <code>audit-workbook verify</code> too.</p>
<p>Want to look around first? <b>Help → Open the demo</b> opens a filled-in example workbook.</p>
"""


@dataclass(frozen=True)
class Shortcut:
    keys: str
    what: str


def shortcuts(actions: Iterable[QAction]) -> list[Shortcut]:
    """Every action that has a key, in words (`&` removed), sorted by what it does; read from the actions."""
    seen: dict[tuple[str, str], Shortcut] = {}
    for action in actions:
        keys = ", ".join(
            s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts() if not s.isEmpty()
        )
        what = action.text().replace("&&", "\x00").replace("&", "").replace("\x00", "&").split("\t")[0]
        what = what.removesuffix("…").strip()
        if keys and what:
            seen[(keys, what)] = Shortcut(keys, what)
    return sorted(seen.values(), key=lambda s: s.what.casefold())


class GuideDialog(QDialog):
    """Help → Getting started (F1)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guide_dialog")
        self.setWindowTitle("Getting started")
        self.text = QTextBrowser()
        self.text.setObjectName("guide_text")
        self.text.setOpenExternalLinks(False)
        self.text.setHtml(GUIDE_HTML)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(fitted_size(self, 640, 620))


class ShortcutsDialog(QDialog):
    """Help → Keyboard shortcuts: read from the window's own actions, so the list cannot go out of date."""

    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcuts_dialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.entries = shortcuts(actions)
        self.table = QTableWidget(len(self.entries), 2)
        self.table.setObjectName("shortcuts_table")
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        for row, entry in enumerate(self.entries):
            self.table.setItem(row, 0, QTableWidgetItem(entry.what))
            self.table.setItem(row, 1, QTableWidgetItem(entry.keys))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        note = QLabel("Shortcuts work wherever the focus is in the main window.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(fitted_size(self, 480, 560))


def about_html(workbook_path: Path | None, settings_file: str, profiles_file: Path, demo_folder: str) -> str:
    """About: version, licence, and where each kind of data lives on this computer."""
    places = [
        ("This workbook", str(workbook_path) if workbook_path else "no workbook is open"),
        ("Your settings", settings_file),
        ("Remembered column mappings", str(profiles_file)),
        ("The demo workbook", demo_folder),
    ]
    rows = "".join(f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>" for k, v in places)
    return (
        f"<h3>Audit Workbook {escape(__version__)}</h3>"
        "<p>Track an auditor's checklist, its owners and its evidence, offline, in one file per client.</p>"
        "<p>Licence: MIT. Nothing is sent anywhere: the app works without a network.</p>"
        f"<table cellspacing='6'>{rows}</table>"
        "<p>A workbook is one file: copy it and you have copied all of it. Evidence is stored inside it.</p>"
        f"<p style='opacity:.7'>Python {escape(platform.python_version())} · "
        f"Qt {escape(PySide6.QtCore.qVersion())} · PySide6 {escape(PySide6.__version__)}</p>"
    )


class AboutDialog(QDialog):
    """Help → About Audit Workbook."""

    def __init__(self, html: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("about_dialog")
        self.setWindowTitle("About Audit Workbook")
        self.text = QLabel(html)
        self.text.setObjectName("about_text")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(fitted_size(self, 560, 360))
