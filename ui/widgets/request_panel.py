"""The request panel: the auditor's text (read-only), owner/status/due/notes, comments, history, evidence,
samples."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from enum import Enum
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProxyStyle,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QStyleOption,
    QTabBar,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.date_field import DateField
from ui.widgets.evidence_tab import EvidenceTab
from ui.widgets.samples_tab import SamplesTab
from workbook.activity_words import grouped
from workbook.model import ActivityEntry, Comment, EvidenceLink, Person, Request, Status

ADD_PERSON = "Add person…"
HEADING_CHARS = 160


class PanelTab(Enum):
    """The panel's tabs, by the object name of their page (their order is the layout's business)."""

    REQUEST = "request_text"
    EVIDENCE = "evidence_tab"
    NOTES = "notes_tab"
    COMMENTS = "comments_tab"
    HISTORY = "request_history"
    SAMPLES = "samples_tab"


# The longest labels the counted tabs usually get; the panel is made wide enough for them in full.
WIDEST_TAB_TEXT = {
    PanelTab.EVIDENCE: "Evidence (99)",
    PanelTab.COMMENTS: "Comments (99)",
}


def _esc(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def heading_text(request: Request) -> str:
    """Ref and title (or the request's first line) in full, wrapped; only very long text is cut, at a word."""
    text = request.title or " ".join(request.request.split("\n", 1)[0].split())
    if len(text) > HEADING_CHARS:
        text = text[: HEADING_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return f"{request.ref} · {text}"


def format_history(entries: Sequence[ActivityEntry]) -> str:
    """The request's log, newest first: the time, then what was done in plain words (one line per attach)."""
    rows = [
        f"<p><span style='opacity:.7'>{line.entry.at.astimezone():%Y-%m-%d %H:%M}</span>"
        f"&nbsp;&nbsp;{_esc(line.words)}</p>"
        for line in grouped(entries)
    ]
    return "".join(rows) or "<p><i>No changes recorded yet.</i></p>"


def format_comments(comments: Sequence[Comment]) -> str:
    rows = [
        f"<p><b>{_esc(c.author)}</b> <span style='opacity:.7'>"
        f"{c.created_at.astimezone():%Y-%m-%d %H:%M}</span>"
        f"<br>{_esc(c.body)}</p>"
        for c in comments
    ]
    return "".join(rows) or "<p><i>No review comments yet.</i></p>"


class CompactTabStyle(QProxyStyle):
    """The application's style with a sixth of its space around tab texts, so six tabs fit 400 px."""

    def pixelMetric(
        self, metric: QStyle.PixelMetric, option: QStyleOption | None = None, widget: QWidget | None = None
    ) -> int:
        value = super().pixelMetric(metric, option, widget)
        return value // 6 if metric == QStyle.PixelMetric.PM_TabBarTabHSpace else value


class RequestPanel(QWidget):
    """Shows one request; every edit is emitted as an intent that the window's request edits make undoable.

    The evidence and samples tabs (`evidence_tab`, `samples_tab`) emit their own intents; tabs are addressed
    by `PanelTab`, not position.
    """

    owner_chosen = Signal(str)
    add_person_requested = Signal()
    status_chosen = Signal(str)
    due_chosen = Signal(object)
    notes_saved = Signal(str)
    comment_added = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("request_panel")
        self.setAccessibleName("Request details")
        self.request: Request | None = None
        self._loading = False
        # Unsent review comments by ref: a draft stays with its request, never posted to the next one shown.
        self._comment_drafts: dict[str, str] = {}

        self._stack = QStackedWidget(self)
        self._empty = QLabel("Select a request to see its details.\nSelect several to change them together.")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._empty.setObjectName("panel_empty")
        self._stack.addWidget(self._empty)

        self._body = QWidget()
        self._stack.addWidget(self._body)
        layout = QVBoxLayout(self._body)
        layout.setContentsMargins(8, 4, 8, 4)

        self.heading = QLabel()
        self.heading.setObjectName("request_heading")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.heading.setFont(font)
        self.subheading = QLabel()
        self.subheading.setWordWrap(True)
        self.subheading.setObjectName("request_subheading")
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.owner = QComboBox()
        self.owner.setEditable(True)
        self.owner.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.owner.setObjectName("owner_picker")
        self.owner.setAccessibleName("Owner")
        owner_edit = self.owner.lineEdit()
        assert owner_edit is not None
        owner_edit.setPlaceholderText("Nobody yet — type a name")
        owner_edit.returnPressed.connect(self._on_owner_return)
        self.owner.activated.connect(self._on_owner_activated)
        self.status = QComboBox()
        self.status.setObjectName("status_picker")
        self.status.setAccessibleName("Status")
        for number, status in enumerate(Status, start=1):
            self.status.addItem(f"{status.label}", status.value)
            self.status.setItemData(number - 1, f"Ctrl+{number}", Qt.ItemDataRole.ToolTipRole)
        self.status.activated.connect(self._on_status_activated)
        due_row = QHBoxLayout()
        self.due = DateField("due_picker", "Due date", "No due date")
        self.due.edited.connect(self._on_due_edited)
        self.clear_due = QToolButton()
        self.clear_due.setText("Clear")
        self.clear_due.setAccessibleName("Clear due date")
        self.clear_due.clicked.connect(self._on_clear_due_clicked)
        due_row.addWidget(self.due, 1)
        due_row.addWidget(self.clear_due)
        form.addRow("&Owner", self.owner)
        form.addRow("&Status", self.status)
        due_label = QLabel("&Due")
        due_label.setBuddy(self.due)
        form.addRow(due_label, due_row)
        self.due_problem = QLabel()
        self.due_problem.setObjectName("due_problem")
        self.due_problem.setWordWrap(True)
        self.due_problem.setStyleSheet("QLabel { color: #c62828; }")
        self.due_problem.hide()
        form.addRow(self.due_problem)
        layout.addLayout(form)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("request_tabs")
        self.tabs.setDocumentMode(True)
        # Every tab in sight at 1024x640 instead of some behind scroll arrows: tighter tabs, text elided last.
        self.tabs.setUsesScrollButtons(False)
        self.tabs.setElideMode(Qt.TextElideMode.ElideRight)
        tab_style = CompactTabStyle()
        tab_style.setParent(self.tabs)
        self.tabs.tabBar().setStyle(tab_style)
        layout.addWidget(self.tabs, 1)

        self.text = QTextBrowser()
        self.text.setObjectName(PanelTab.REQUEST.value)
        self.text.setAccessibleName("Request text and checklist columns")
        self.text.setOpenLinks(False)
        self.tabs.addTab(self.text, "Request")

        self.evidence_tab = EvidenceTab()
        self.evidence_tab.setObjectName(PanelTab.EVIDENCE.value)
        # The list the user drops files on and picks evidence from (a shortcut for scripts and tests).
        self.evidence = self.evidence_tab.evidence_list
        self.tabs.addTab(self.evidence_tab, "Evidence")

        notes_page = QWidget()
        notes_page.setObjectName(PanelTab.NOTES.value)
        notes_layout = QVBoxLayout(notes_page)
        notes_layout.setContentsMargins(0, 4, 0, 0)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("notes_edit")
        self.notes.setAccessibleName("Notes")
        self.notes.setPlaceholderText(
            "Your notes on this request (kept in the workbook, shown in the package)"
        )
        self.notes.modificationChanged.connect(self._on_notes_modified)
        notes_layout.addWidget(self.notes, 1)
        self.save_notes = QPushButton("Save notes")
        self.save_notes.setAccessibleName("Save notes")
        self.save_notes.setEnabled(False)
        self.save_notes.clicked.connect(self._on_save_notes_clicked)
        save_shortcut = QShortcut(QKeySequence("Ctrl+Return"), self.notes)
        save_shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        save_shortcut.activated.connect(self._on_save_notes_clicked)
        notes_row = QHBoxLayout()
        notes_row.addStretch(1)
        notes_row.addWidget(self.save_notes)
        notes_layout.addLayout(notes_row)
        self.tabs.addTab(notes_page, "Notes")

        comments_page = QWidget()
        comments_page.setObjectName(PanelTab.COMMENTS.value)
        comments_layout = QVBoxLayout(comments_page)
        comments_layout.setContentsMargins(0, 4, 0, 0)
        self.comments = QTextBrowser()
        self.comments.setObjectName("comments_thread")
        self.comments.setAccessibleName("Review comments")
        comments_layout.addWidget(self.comments, 1)
        comment_row = QHBoxLayout()
        self.comment_edit = QLineEdit()
        self.comment_edit.setObjectName("comment_edit")
        self.comment_edit.setAccessibleName("New review comment")
        self.comment_edit.setPlaceholderText("Add a review comment…")
        self.comment_edit.returnPressed.connect(self._on_comment_submitted)
        self.comment_button = QPushButton("Add")
        self.comment_button.setAccessibleName("Add review comment")
        self.comment_button.clicked.connect(self._on_comment_submitted)
        comment_row.addWidget(self.comment_edit, 1)
        comment_row.addWidget(self.comment_button)
        comments_layout.addLayout(comment_row)
        self.tabs.addTab(comments_page, "Comments")

        self.history = QTextBrowser()
        self.history.setObjectName(PanelTab.HISTORY.value)
        self.history.setAccessibleName("History of this request")
        self.tabs.addTab(self.history, "History")

        # Last: the tabs before it keep their places (and their Ctrl+Tab order) for requests without samples.
        self.samples_tab = SamplesTab()
        self.samples_tab.setObjectName(PanelTab.SAMPLES.value)
        self.tabs.addTab(self.samples_tab, "Samples")
        self._pages: dict[PanelTab, QWidget] = {
            PanelTab.REQUEST: self.text,
            PanelTab.EVIDENCE: self.evidence_tab,
            PanelTab.NOTES: notes_page,
            PanelTab.COMMENTS: comments_page,
            PanelTab.HISTORY: self.history,
            PanelTab.SAMPLES: self.samples_tab,
        }

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._stack)
        self._stack.currentChanged.connect(self._on_stack_current_changed)
        self._on_stack_current_changed(self._stack.currentIndex())

    def _on_stack_current_changed(self, index: int) -> None:
        # A stack is as tall as its tallest page: the hidden request page made the short message scroll.
        for page in range(self._stack.count()):
            policy = QSizePolicy.Policy.Preferred if page == index else QSizePolicy.Policy.Ignored
            widget = self._stack.widget(page)
            if widget is not None:
                widget.setSizePolicy(policy, policy)
                widget.adjustSize()

    def set_people(self, people: Sequence[Person]) -> None:
        self._loading = True
        current = self.owner.currentText()
        self.owner.clear()
        self.owner.addItem("", "")
        self.owner.setItemData(0, "Nobody", Qt.ItemDataRole.AccessibleTextRole)
        for person in people:
            self.owner.addItem(person.name, person.name)
        self.owner.addItem(ADD_PERSON, None)
        self.owner.setEditText(current)
        self._loading = False

    def _keep_comment_draft(self) -> None:
        if self.request is None:
            return
        draft = self.comment_edit.text()
        if draft.strip():
            self._comment_drafts[self.request.ref] = draft
        else:
            self._comment_drafts.pop(self.request.ref, None)
        self.comment_edit.clear()

    def forget_drafts(self) -> None:
        """The workbook closed: its unsent comment drafts go with it."""
        self._comment_drafts.clear()
        self.comment_edit.clear()

    def show_nothing(self, selected: int = 0, *, empty_workbook: bool = False) -> None:
        self._keep_comment_draft()
        self.request = None
        if empty_workbook:
            text = (
                "No requests yet.\nImport the auditor's checklist first (File → Import checklist…, Ctrl+I)."
            )
        elif selected > 1:
            text = (
                f"{selected} requests selected.\nUse the Status, Owner and Due buttons above the table, "
                "or Ctrl+1…7, to change them together."
            )
        else:
            text = "Select a request to see its details.\nSelect several to change them together."
        self._empty.setText(text)
        self._stack.setCurrentWidget(self._empty)
        self.samples_tab.clear()

    def show_request(
        self,
        request: Request,
        evidence: Sequence[EvidenceLink],
        comments: Sequence[Comment],
        history: Sequence[ActivityEntry],
        *,
        read_only: bool = False,
    ) -> None:
        same = self.request is not None and self.request.ref == request.ref
        if not same:
            self._keep_comment_draft()
            self.comment_edit.setText(self._comment_drafts.pop(request.ref, ""))
        self.request = request
        self._loading = True
        self._stack.setCurrentWidget(self._body)
        self.heading.setText(heading_text(request))
        self.heading.setToolTip(request.title or request.request)
        facts = [
            s
            for s in (
                request.section,
                ", ".join(request.criteria),
                f"priority {request.priority}" if request.priority else "",
            )
            if s
        ]
        self.subheading.setText(" · ".join(facts))
        self.owner.setEditText(request.owner)
        self.status.setCurrentIndex(list(Status).index(request.status))
        self.due.set_date(request.due)
        self.due_problem.hide()
        if not same or not self.notes.document().isModified():
            self.notes.setPlainText(request.notes)
            self.notes.document().setModified(False)
        self.text.setHtml(self._request_html(request))
        self.comments.setHtml(format_comments(comments))
        self.set_tab_text(PanelTab.COMMENTS, f"Comments ({len(comments)})" if comments else "Comments")
        self.history.setHtml(format_history(history))
        for widget in (
            self.owner,
            self.status,
            self.due,
            self.clear_due,
            self.notes,
            self.comment_edit,
            self.comment_button,
        ):
            widget.setEnabled(not read_only)
        self.evidence_tab.set_links(evidence, writable=not read_only)
        self.show_evidence_count(sum(1 for e in evidence if e.current))
        self._loading = False
        # Read by the window's sample actions when it asks (a snapshot has none to show yet).
        self.samples_tab.show_request(request.ref, writable=not read_only)

    def minimum_width(self) -> int:
        """Room for every tab's whole label with two-digit counts ("Comments (12)"), and the margins."""
        bar = QTabBar()
        bar.setStyle(self.tabs.tabBar().style())
        bar.setFont(self.tabs.tabBar().font())
        bar.setDocumentMode(True)
        for page in self._pages:
            bar.addTab(WIDEST_TAB_TEXT.get(page, self.tabs.tabText(self._tab_index(page))))
        body = self._body.layout()
        assert body is not None
        margins = body.contentsMargins()
        width = bar.sizeHint().width() + margins.left() + margins.right()
        bar.deleteLater()
        return width

    def show_evidence_count(self, count: int) -> None:
        self.set_tab_text(PanelTab.EVIDENCE, f"Evidence ({count})")

    def set_tab_text(self, tab: PanelTab, text: str) -> None:
        self.tabs.setTabText(self._tab_index(tab), text)

    def show_tab(self, tab: PanelTab) -> None:
        self.tabs.setCurrentIndex(self._tab_index(tab))

    def _tab_index(self, tab: PanelTab) -> int:
        return self.tabs.indexOf(self._pages[tab])

    def _request_html(self, request: Request) -> str:
        parts = [f"<p>{_esc(request.request) or '<i>No request text.</i>'}</p>"]
        if request.auditor_comment:
            parts.append(f"<p><b>Auditor's comment</b><br>{_esc(request.auditor_comment)}</p>")
        if request.extra:
            rows = "".join(
                f"<tr><td style='padding-right:8px'><b>{_esc(k)}</b></td><td>{_esc(v)}</td></tr>"
                for k, v in request.extra
            )
            parts.append(f"<p><b>From the checklist</b></p><table>{rows}</table>")
        if request.source_sheet:
            where = f"sheet {request.source_sheet}" + (
                f", row {request.source_row}" if request.source_row else ""
            )
            parts.append(f"<p style='opacity:.7'>Imported from {_esc(where)}</p>")
        return "".join(parts)

    def current_due(self) -> dt.date | None:
        """The due date typed or picked (None: none); raises ValueError when the text is not a date."""
        return self.due.date()

    def _on_owner_activated(self, index: int) -> None:
        if self._loading or self.request is None:
            return
        if self.owner.itemData(index) is None:
            self.owner.setEditText(self.request.owner)
            self.add_person_requested.emit()
            return
        name = self.owner.itemText(index)
        if name != self.request.owner:
            self.owner_chosen.emit(name)

    def _on_owner_return(self) -> None:
        if self._loading or self.request is None:
            return
        name = " ".join(self.owner.currentText().split())
        if name == ADD_PERSON:
            return
        if name.casefold() != self.request.owner.casefold():
            self.owner_chosen.emit(name)

    def _on_status_activated(self, index: int) -> None:
        if self._loading or self.request is None:
            return
        value = str(self.status.itemData(index))
        if value != self.request.status.value:
            self.status_chosen.emit(value)

    def _on_due_edited(self) -> None:
        if self._loading or self.request is None:
            return
        self.due_problem.setText(self.due.problem())
        self.due_problem.setVisible(not self.due.is_valid())
        if self.due.is_valid() and self.current_due() != self.request.due:
            self.due_chosen.emit(self.current_due())

    def _on_clear_due_clicked(self) -> None:
        if self.request is not None and self.request.due is not None:
            self.due_chosen.emit(None)

    def _on_notes_modified(self, modified: bool) -> None:
        self.save_notes.setEnabled(modified)

    def _on_save_notes_clicked(self) -> None:
        if self.request is None or not self.notes.document().isModified():
            return
        text = self.notes.toPlainText()
        if text == self.request.notes:
            self.notes.document().setModified(False)
            return
        # The text stays "modified" until the window says it was saved (`mark_notes_saved`).
        self.notes_saved.emit(text)

    def mark_notes_saved(self, text: str) -> None:
        """The notes `text` are in the workbook: no longer pending, unless typed on since."""
        if self.notes.toPlainText() == text:
            self.notes.document().setModified(False)

    def mark_notes_unsaved(self, text: str) -> None:
        """Saving the notes `text` failed: pending again, if the panel still shows them."""
        if self.notes.toPlainText() == text:
            self.notes.document().setModified(True)

    def pending_edits(self) -> dict[str, Any]:
        """What was typed but not yet sent: an owner without Enter, a due date still being edited, notes.

        Keyword arguments of a `FieldChange`; empty when nothing is pending (or nothing is shown).
        """
        request = self.request
        if request is None or not self.owner.isEnabled():
            return {}
        pending: dict[str, Any] = {}
        owner = " ".join(self.owner.currentText().split())
        if owner != ADD_PERSON and owner.casefold() != request.owner.casefold():
            pending["owner"] = owner
        # A due date that is not a date yet stays in the field, marked, and is not sent.
        due = self.current_due() if self.due.is_valid() else request.due
        if due != request.due:
            if due is None:
                pending["clear_due"] = True
            else:
                pending["due"] = due
        if self.notes.document().isModified() and self.notes.toPlainText() != request.notes:
            pending["notes"] = self.notes.toPlainText()
        return pending

    def _on_comment_submitted(self) -> None:
        body = self.comment_edit.text().strip()
        if body and self.request is not None:
            self.comment_edit.clear()
            self.comment_added.emit(body)
