"""The request panel: the auditor's text (read-only), owner/status/due/notes, comments, history, evidence."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

from PySide6.QtCore import QBuffer, QByteArray, QDate, QIODevice, QObject, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
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
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.commands import EvidenceDetails
from ui.widgets.evidence_list import EvidenceList
from workbook.model import ActivityEntry, Comment, EvidenceLink, Person, Request, Status

ADD_PERSON = "Add person…"
NO_DATE = QDate(2000, 1, 1)
PREVIEW_HEIGHT = 140
HEADING_CHARS = 160
PDF_PREVIEW_HEIGHT = 220
DETAIL_FIELDS = (
    ("description", "Description", "What this file is"),
    ("source_system", "Source system", "e.g. Okta admin console, Jira, AWS IAM"),
    ("shows", "What it shows", "e.g. MFA enforced for all users"),
    ("population", "Population", "e.g. all 212 active employees"),
    ("period_covered", "Period covered", "e.g. Q1 2026"),
)
PROVENANCE_FLAG = "provenance_missing"
PROVENANCE_HINT = (
    "This screenshot does not say where it comes from. Auditors ask: fill in the source system "
    "and what it shows."
)


def _esc(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def heading_text(request: Request) -> str:
    """Ref and title (or the request's first line) in full, wrapped; only very long text is cut, at a word."""
    text = request.title or " ".join(request.request.split("\n", 1)[0].split())
    if len(text) > HEADING_CHARS:
        text = text[: HEADING_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return f"{request.ref} · {text}"


def format_history(entries: Sequence[ActivityEntry]) -> str:
    rows = []
    for e in entries:
        when = e.at.astimezone().strftime("%Y-%m-%d %H:%M")
        what = e.action.replace(".", " ")
        if e.field:
            change = f"{_esc(e.field)}: {_esc(e.before) or '—'} → {_esc(e.after) or '—'}"
        else:
            change = _esc(e.after or e.before)
        rows.append(
            f"<p><b>{_esc(e.actor)}</b> <span style='opacity:.7'>{when}</span><br>{_esc(what)} {change}</p>"
        )
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
    """The application's style with a third of its space around tab texts, so five tabs fit 300 px."""

    def pixelMetric(
        self, metric: QStyle.PixelMetric, option: QStyleOption | None = None, widget: QWidget | None = None
    ) -> int:
        value = super().pixelMetric(metric, option, widget)
        return value // 3 if metric == QStyle.PixelMetric.PM_TabBarTabHSpace else value


class RequestPanel(QWidget):
    """Shows one request; every edit is emitted as an intent, the window turns it into an undo command."""

    owner_chosen = Signal(str)
    add_person_requested = Signal()
    status_chosen = Signal(str)
    due_chosen = Signal(object)
    notes_saved = Signal(str)
    comment_added = Signal(str)
    files_dropped = Signal(list)
    unlink_requested = Signal(list)
    open_requested = Signal(str, str)
    evidence_selected = Signal(str, str)
    history_toggled = Signal(bool)
    details_saved = Signal(str, object)
    replace_requested = Signal(str, str)
    restore_requested = Signal(str)

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

        body = QWidget()
        self._stack.addWidget(body)
        layout = QVBoxLayout(body)
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
        self.due = QDateEdit()
        self.due.setObjectName("due_picker")
        self.due.setAccessibleName("Due date")
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        self.due.setMinimumDate(NO_DATE)
        self.due.setSpecialValueText("No due date")
        self.due.editingFinished.connect(self._on_due_edited)
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
        self.text.setObjectName("request_text")
        self.text.setAccessibleName("Request text and checklist columns")
        self.text.setOpenLinks(False)
        self.tabs.addTab(self.text, "Request")

        evidence_page = QWidget()
        evidence_layout = QVBoxLayout(evidence_page)
        evidence_layout.setContentsMargins(0, 4, 0, 0)
        self.versions = QCheckBox("Earlier versions")
        self.versions.setAccessibleName("Show earlier versions of evidence")
        self.versions.toggled.connect(self.history_toggled)
        versions_row = QHBoxLayout()
        versions_row.addStretch(1)
        # Above the list, not beside the buttons: the button row must fit the panel at 1024x640.
        versions_row.addWidget(self.versions)
        evidence_layout.addLayout(versions_row)
        self.evidence = EvidenceList()
        # The list yields its room to the preview and details when the panel runs out of height.
        self.evidence.setMinimumHeight(96)
        self.evidence.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.evidence.files_dropped.connect(self.files_dropped)
        self.evidence.itemSelectionChanged.connect(self._on_evidence_selection)
        self.evidence.itemActivated.connect(self._on_open_clicked)
        evidence_layout.addWidget(self.evidence, 1)
        self.preview = QLabel()
        self.preview.setObjectName("evidence_preview")
        self.preview.setAccessibleName("Evidence preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setFixedHeight(PREVIEW_HEIGHT)
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.preview.hide()
        evidence_layout.addWidget(self.preview)
        self.pdf_view: QWidget | None = None
        self._pdf_document: QObject | None = None
        self._pdf_buffer: QBuffer | None = None
        self._pdf_slot = QVBoxLayout()
        self._pdf_slot.setContentsMargins(0, 0, 0, 0)
        evidence_layout.addLayout(self._pdf_slot)
        self.details = self._build_details()
        evidence_layout.addWidget(self.details)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open")
        self.open_button.setAccessibleName("Open evidence with the system viewer")
        self.open_button.clicked.connect(self._on_open_clicked)
        self.unlink_button = QPushButton("Unlink")
        self.unlink_button.setAccessibleName("Unlink selected evidence")
        self.unlink_button.setToolTip("Remove the link (Delete); the file stays in the workbook")
        self.unlink_button.clicked.connect(self._on_unlink_clicked)
        self.replace_button = QPushButton("Replace…")
        self.replace_button.setObjectName("replace_evidence_button")
        self.replace_button.setAccessibleName("Replace with newer version")
        self.replace_button.setToolTip("Replace with a newer version; this one stays in the history")
        self.replace_button.clicked.connect(self._on_replace_clicked)
        self.restore_button = QPushButton("Restore")
        self.restore_button.setObjectName("restore_version_button")
        self.restore_button.setAccessibleName("Restore this earlier version")
        self.restore_button.setToolTip("Make this earlier version current again")
        self.restore_button.clicked.connect(self._on_restore_clicked)
        self.restore_button.hide()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.unlink_button)
        buttons.addWidget(self.replace_button)
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        evidence_layout.addLayout(buttons)
        self.tabs.addTab(evidence_page, "Evidence")
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.evidence)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self._on_unlink_clicked)

        notes_page = QWidget()
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
        self.history.setObjectName("request_history")
        self.history.setAccessibleName("History of this request")
        self.tabs.addTab(self.history, "History")

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._stack)

    def _build_details(self) -> QGroupBox:
        box = QGroupBox("Details of the selected file")
        box.setObjectName("evidence_details")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.effective = QDateEdit()
        self.effective.setObjectName("effective_date")
        self.effective.setAccessibleName("Effective date")
        self.effective.setCalendarPopup(True)
        self.effective.setDisplayFormat("yyyy-MM-dd")
        self.effective.setMinimumDate(NO_DATE)
        self.effective.setSpecialValueText("No date")
        # Without a button the only way back to "No date" was to scroll the date down to 2000-01-01.
        self.clear_effective = QToolButton()
        self.clear_effective.setObjectName("clear_effective_date")
        self.clear_effective.setText("Clear")
        self.clear_effective.setAccessibleName("Clear effective date")
        self.clear_effective.clicked.connect(lambda: self.effective.setDate(NO_DATE))
        effective_row = QHBoxLayout()
        effective_row.addWidget(self.effective, 1)
        effective_row.addWidget(self.clear_effective)
        self.detail_edits: dict[str, QLineEdit] = {}
        form.addRow("Effective", effective_row)
        for name, label, placeholder in DETAIL_FIELDS:
            edit = QLineEdit()
            edit.setObjectName(f"evidence_{name}")
            edit.setAccessibleName(label)
            edit.setPlaceholderText(placeholder)
            edit.returnPressed.connect(self._on_save_details_clicked)
            self.detail_edits[name] = edit
            form.addRow(label, edit)
        self.provenance_hint = QLabel(PROVENANCE_HINT)
        self.provenance_hint.setObjectName("provenance_hint")
        self.provenance_hint.setWordWrap(True)
        self.provenance_hint.setStyleSheet("QLabel { color: #8a5300; }")
        self.provenance_hint.hide()
        form.addRow(self.provenance_hint)
        self.save_details = QPushButton("Save details")
        self.save_details.setObjectName("save_details_button")
        self.save_details.setAccessibleName("Save the evidence details")
        self.save_details.clicked.connect(self._on_save_details_clicked)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_details)
        form.addRow(row)
        box.hide()
        return box

    def _show_details(self, link: EvidenceLink | None) -> None:
        if link is None:
            self.details.hide()
            return
        evidence = link.evidence
        # A group box is as wide as its title: a long name pushed the panel past its scroll area at 1024 px.
        title = evidence.name if len(evidence.name) <= 24 else evidence.name[:23] + "…"
        self.details.setTitle(f"Details of {title}")
        date = evidence.effective_date
        self.effective.setDate(QDate(date.year, date.month, date.day) if date else NO_DATE)
        for name, edit in self.detail_edits.items():
            edit.setText(str(getattr(evidence, name)))
        # The service's own flag, so the hint and the list's warning never disagree.
        self.provenance_hint.setVisible(PROVENANCE_FLAG in link.flags)
        self.details.show()

    def current_details(self) -> EvidenceDetails:
        date = self.effective.date()
        effective = None if date == NO_DATE else dt.date(date.year(), date.month(), date.day())
        texts = {name: edit.text().strip() for name, edit in self.detail_edits.items()}
        return EvidenceDetails(effective_date=effective, **texts)

    def _on_save_details_clicked(self) -> None:
        selected = self.evidence.selected_evidence()
        if len(selected) != 1 or not self.save_details.isEnabled():
            return
        details = self.current_details()
        if details != EvidenceDetails.of(selected[0].evidence):
            self.details_saved.emit(selected[0].evidence.sha256, details)

    def _on_replace_clicked(self) -> None:
        selected = self.evidence.selected_evidence()
        if len(selected) == 1 and selected[0].current:
            self.replace_requested.emit(selected[0].evidence.sha256, selected[0].evidence.name)

    def _on_restore_clicked(self) -> None:
        selected = self.evidence.selected_evidence()
        if len(selected) == 1 and not selected[0].current:
            self.restore_requested.emit(selected[0].evidence.sha256)

    def show_pdf(self, data: bytes) -> None:
        """First pages of a PDF, read from memory (QtPdf is loaded on first use, not at start-up)."""
        from PySide6.QtPdf import QPdfDocument
        from PySide6.QtPdfWidgets import QPdfView

        self.preview.hide()
        if self.pdf_view is None:
            view = QPdfView()
            view.setObjectName("evidence_pdf_view")
            view.setAccessibleName("PDF preview")
            view.setPageMode(QPdfView.PageMode.MultiPage)
            view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
            view.setMinimumHeight(PDF_PREVIEW_HEIGHT)
            view.setMaximumHeight(PDF_PREVIEW_HEIGHT)
            self._pdf_slot.addWidget(view)
            self.pdf_view = view
        assert isinstance(self.pdf_view, QPdfView)
        document = QPdfDocument(self)
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        document.load(buffer)
        self.pdf_view.setDocument(document)
        self._drop_pdf()
        self._pdf_document, self._pdf_buffer = document, buffer
        self.pdf_view.show()

    def pdf_page_count(self) -> int:
        from PySide6.QtPdf import QPdfDocument

        document = self._pdf_document
        return document.pageCount() if isinstance(document, QPdfDocument) else 0

    def _drop_pdf(self) -> None:
        if self._pdf_document is not None:
            self._pdf_document.deleteLater()
        if self._pdf_buffer is not None:
            self._pdf_buffer.close()
            self._pdf_buffer.deleteLater()
        self._pdf_document = self._pdf_buffer = None

    def hide_pdf(self) -> None:
        if self.pdf_view is not None:
            self.pdf_view.hide()

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

    def show_nothing(self, selected: int = 0) -> None:
        self._keep_comment_draft()
        self.request = None
        self._empty.setText(
            f"{selected} requests selected.\nUse the Status, Owner and Due buttons above the table, "
            "or Ctrl+1…7, to change them together."
            if selected > 1
            else "Select a request to see its details.\nSelect several to change them together."
        )
        self._stack.setCurrentIndex(0)

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
        self._stack.setCurrentIndex(1)
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
        self.due.setDate(
            QDate(request.due.year, request.due.month, request.due.day) if request.due else NO_DATE
        )
        if not same or not self.notes.document().isModified():
            self.notes.setPlainText(request.notes)
            self.notes.document().setModified(False)
        self.text.setHtml(self._request_html(request))
        self.evidence.set_links(list(evidence))
        self.tabs.setTabText(1, f"Evidence ({sum(1 for e in evidence if e.current)})")
        self.comments.setHtml(format_comments(comments))
        self.tabs.setTabText(3, f"Comments ({len(comments)})" if comments else "Comments")
        self.history.setHtml(format_history(history))
        for widget in (
            self.owner,
            self.status,
            self.due,
            self.clear_due,
            self.notes,
            self.comment_edit,
            self.comment_button,
            self.unlink_button,
        ):
            widget.setEnabled(not read_only)
        self.evidence.setAcceptDrops(not read_only)
        self._on_evidence_selection()
        self._loading = False

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

    def show_preview(self, image: QImage | None) -> None:
        self.hide_pdf()
        if image is None or image.isNull():
            self.preview.clear()
            self.preview.hide()
            return
        pixmap = QPixmap.fromImage(image).scaled(
            max(self.preview.width(), 200),
            PREVIEW_HEIGHT,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self.preview.setPixmap(pixmap)
        self.preview.show()

    def current_due(self) -> dt.date | None:
        date = self.due.date()
        return None if date == NO_DATE else dt.date(date.year(), date.month(), date.day())

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
        due = self.current_due()
        if due != self.request.due:
            self.due_chosen.emit(due)

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

    def pending_edits(self) -> dict[str, object]:
        """What was typed but not yet sent: an owner without Enter, a due date still being edited, notes.

        Keyword arguments of a `FieldChange`; empty when nothing is pending (or nothing is shown).
        """
        request = self.request
        if request is None or not self.owner.isEnabled():
            return {}
        pending: dict[str, object] = {}
        owner = " ".join(self.owner.currentText().split())
        if owner != ADD_PERSON and owner.casefold() != request.owner.casefold():
            pending["owner"] = owner
        due = self.current_due()
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

    def _on_evidence_selection(self) -> None:
        selected = self.evidence.selected_links()
        links = self.evidence.selected_evidence()
        one = links[0] if len(links) == 1 else None
        writable = self.owner.isEnabled()
        self.open_button.setEnabled(len(selected) == 1)
        self.unlink_button.setEnabled(bool(selected) and writable)
        self.replace_button.setEnabled(one is not None and one.current and writable)
        self.restore_button.setVisible(one is not None and not one.current)
        self.restore_button.setEnabled(writable)
        self.save_details.setEnabled(writable)
        self.clear_effective.setEnabled(writable)
        self._show_details(one)
        if len(selected) == 1:
            self.evidence_selected.emit(*selected[0])
        else:
            self.show_preview(None)

    def _on_open_clicked(self) -> None:
        selected = self.evidence.selected_links()
        if len(selected) == 1:
            self.open_requested.emit(*selected[0])

    def _on_unlink_clicked(self) -> None:
        selected = self.evidence.selected_links()
        if selected and self.unlink_button.isEnabled():
            self.unlink_requested.emit(selected)
