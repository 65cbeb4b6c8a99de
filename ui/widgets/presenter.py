"""The presenter for fieldwork with the auditor: one request at a time, its evidence large, the verdict.

Full screen on a second display when there is one. Steps with Page Down / Page Up, jumps by ref or criteria
from the quick-open box (Ctrl+K), filters to what is ready for the auditor or to follow-ups. Accept
(Ctrl+Return) or Follow-up with a comment (Ctrl+Shift+F): each is written as the status and a comment naming
the auditor, logged with who recorded it and when. Nothing else can be changed here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from html import escape

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.evidence_viewer import EvidenceViewer
from workbook.model import STATUS_LABELS, EvidenceLink, Request, Status


class ReviewFilter:
    ALL = "all"
    READY = "ready"
    FOLLOW_UP = "follow_up"


FILTER_WORDS = {
    ReviewFilter.ALL: "Every request",
    ReviewFilter.READY: "Ready for the auditor",
    ReviewFilter.FOLLOW_UP: "Follow-ups",
}


def in_filter(request: Request, which: str) -> bool:
    if which == ReviewFilter.READY:
        return request.status in (Status.READY_FOR_AUDITOR, Status.ACCEPTED)
    if which == ReviewFilter.FOLLOW_UP:
        return request.status is Status.FOLLOW_UP
    return True


def quick_open_text(request: Request) -> str:
    """What the quick-open box lists and matches: ref, title, then criteria."""
    title = " ".join((request.title or request.request).split())[:80]
    criteria = f" [{', '.join(request.criteria)}]" if request.criteria else ""
    return f"{request.ref} — {title}{criteria}"


class Presenter(QWidget):
    """A top-level window; `verdict_asked(ref, accepted, comment)` is handled by the review controller."""

    verdict_asked = Signal(str, bool, str)
    evidence_wanted = Signal(str, str, str)  # sha256, name, media type: the controller reads the bytes
    open_wanted = Signal(str, str)  # sha256, name
    closed = Signal()

    def __init__(self, client: str, auditor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("presenter")
        self.setWindowTitle(f"Review with {auditor or 'the auditor'} — {client}")
        self._all: list[Request] = []
        self.requests: list[Request] = []
        self.index = -1
        self._links: list[EvidenceLink] = []
        self._load_links: Callable[[str], Sequence[EvidenceLink]] = lambda _ref: ()
        self._comments: Callable[[str], str] = lambda _ref: ""

        self.quick = QLineEdit()
        self.quick.setObjectName("presenter_quick_open")
        self.quick.setPlaceholderText(
            "Go to a request: type its ref, words of its title, or a criterion (Ctrl+K)"
        )
        self._completions = QStringListModel(self)
        completer = QCompleter(self._completions, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.activated.connect(self.go_to_text)
        self.quick.setCompleter(completer)
        self.quick.returnPressed.connect(lambda: self.go_to_text(self.quick.text()))
        self.filter = QComboBox()
        self.filter.setObjectName("presenter_filter")
        for key, words in FILTER_WORDS.items():
            self.filter.addItem(words, key)
        self.filter.currentIndexChanged.connect(self._apply_filter)
        self.previous_button = QPushButton("◀ Previous")
        self.next_button = QPushButton("Next ▶")
        self.position = QLabel()
        self.position.setObjectName("presenter_position")
        self.leave_button = QPushButton("Leave review")
        self.previous_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.leave_button.clicked.connect(self.close)
        top = QHBoxLayout()
        top.addWidget(self.quick, 1)
        top.addWidget(self.filter)
        top.addWidget(self.previous_button)
        top.addWidget(self.position)
        top.addWidget(self.next_button)
        top.addWidget(self.leave_button)

        self.heading = QLabel()
        self.heading.setObjectName("presenter_heading")
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.heading.setFont(font)
        self.text = QTextBrowser()
        self.text.setObjectName("presenter_text")
        self.evidence = QListWidget()
        self.evidence.setObjectName("presenter_evidence")
        self.evidence.currentRowChanged.connect(self._on_evidence_row)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.text, 3)
        left_layout.addWidget(QLabel("Evidence"))
        left_layout.addWidget(self.evidence, 2)
        self.viewer = EvidenceViewer()
        self.viewer.open_requested.connect(self._on_open_requested)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.viewer)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 5)

        self.accept_button = QPushButton("Accept (Ctrl+Return)")
        self.accept_button.setObjectName("presenter_accept")
        self.follow_up_text = QLineEdit()
        self.follow_up_text.setObjectName("presenter_follow_up_text")
        self.follow_up_text.setPlaceholderText("What the auditor still needs (required for a follow-up)")
        self.follow_up_button = QPushButton("Follow-up (Ctrl+Shift+F)")
        self.follow_up_button.setObjectName("presenter_follow_up")
        self.accept_button.clicked.connect(self.accept_current)
        self.follow_up_button.clicked.connect(self.follow_up_current)
        self.follow_up_text.returnPressed.connect(self.follow_up_current)
        self.verdict_note = QLabel()
        self.verdict_note.setObjectName("presenter_verdict_note")
        verdict = QHBoxLayout()
        verdict.addWidget(self.accept_button)
        verdict.addWidget(self.follow_up_text, 1)
        verdict.addWidget(self.follow_up_button)
        verdict.addWidget(self.verdict_note)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.heading)
        layout.addWidget(split, 1)
        layout.addLayout(verdict)

        for keys, slot in (
            ("PgDown", lambda: self.step(1)),
            ("PgUp", lambda: self.step(-1)),
            ("Alt+Right", lambda: self.step(1)),
            ("Alt+Left", lambda: self.step(-1)),
            ("Ctrl+K", self._focus_quick),
            ("Ctrl+Return", self.accept_current),
            ("Ctrl+Shift+F", self._focus_follow_up),
            ("Esc", self.close),
        ):
            QShortcut(QKeySequence(keys), self, slot)

    def set_sources(
        self, links: Callable[[str], Sequence[EvidenceLink]], comments: Callable[[str], str]
    ) -> None:
        """How the presenter reads a request's current evidence and its comments (as HTML)."""
        self._load_links, self._comments = links, comments

    def set_requests(self, requests: Sequence[Request], keep: str | None = None) -> None:
        """The workbook's requests (in the table's order); the one shown stays shown when it still is."""
        current = keep or (self.requests[self.index].ref if 0 <= self.index < len(self.requests) else None)
        self._all = [r for r in requests if not r.archived]
        self._completions.setStringList([quick_open_text(r) for r in self._all])
        self._apply_filter(keep=current)

    @property
    def current(self) -> Request | None:
        return self.requests[self.index] if 0 <= self.index < len(self.requests) else None

    def _apply_filter(self, *_args: object, keep: str | None = None) -> None:
        which = str(self.filter.currentData())
        keep = keep or (self.current.ref if self.current else None)
        self.requests = [r for r in self._all if in_filter(r, which)]
        refs = [r.ref for r in self.requests]
        self.index = refs.index(keep) if keep in refs else (0 if refs else -1)
        self._show()

    def step(self, delta: int) -> None:
        if self.requests:
            self.index = max(0, min(len(self.requests) - 1, self.index + delta))
            self._show()

    def go_to(self, ref: str) -> bool:
        """Show `ref`; when the filter hides it, the filter goes back to every request."""
        if ref not in [r.ref for r in self.requests]:
            if ref not in [r.ref for r in self._all]:
                return False
            self.filter.setCurrentIndex(self.filter.findData(ReviewFilter.ALL))
        self.index = [r.ref for r in self.requests].index(ref)
        self._show()
        return True

    def go_to_text(self, text: str) -> None:
        """The quick-open box: a listed entry, an exact ref, else the first request whose text matches."""
        typed = text.strip()
        ref = typed.split(" — ", 1)[0]
        if not typed:
            return
        if not self.go_to(ref):
            words = typed.casefold()
            match = next((r for r in self._all if words in quick_open_text(r).casefold()), None)
            if match is None:
                self.verdict_note.setText(f"No request matches “{typed}”.")
                return
            self.go_to(match.ref)
        self.quick.clear()

    def _focus_quick(self) -> None:
        self.quick.setFocus()
        self.quick.selectAll()

    def _focus_follow_up(self) -> None:
        if self.follow_up_text.text().strip():
            self.follow_up_current()
        else:
            self.follow_up_text.setFocus()

    def _show(self) -> None:
        request = self.current
        count = len(self.requests)
        self.position.setText(f"{self.index + 1} of {count}" if request else f"0 of {count}")
        self.previous_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(0 <= self.index < count - 1)
        for widget in (self.accept_button, self.follow_up_button, self.follow_up_text):
            widget.setEnabled(request is not None)
        if request is None:
            self.heading.setText("No request here: choose “Every request” above.")
            self.text.clear()
            self.evidence.clear()
            self.viewer.show_message("")
            return
        title = request.title or " ".join(request.request.split("\n", 1)[0].split())
        self.heading.setText(f"{request.ref} · {title}")
        due = request.due.isoformat() if request.due else "—"
        facts = (
            f"<p><b>Status:</b> {escape(STATUS_LABELS[request.status])} &nbsp; <b>Owner:</b> "
            f"{escape(request.owner or '—')} &nbsp; <b>Due:</b> {due}"
            + (f" &nbsp; <b>Criteria:</b> {escape(', '.join(request.criteria))}" if request.criteria else "")
            + "</p>"
        )
        body = "<br>".join(escape(line) for line in request.request.splitlines())
        self.text.setHtml(f"{facts}<p>{body}</p>{self._comments(request.ref)}")
        self._links = [link for link in self._load_links(request.ref) if link.current]
        self.evidence.clear()
        for link in self._links:
            date = link.evidence.effective_date.isoformat() if link.evidence.effective_date else "no date"
            self.evidence.addItem(QListWidgetItem(f"{link.evidence.name}  ·  {date}"))
        if self._links:
            self.evidence.setCurrentRow(0)
        else:
            self.viewer.show_message("No evidence is attached to this request yet.")

    def _on_evidence_row(self, row: int) -> None:
        if 0 <= row < len(self._links):
            evidence = self._links[row].evidence
            self.viewer.show_message(f"Reading {evidence.name}…", evidence.name)
            self.evidence_wanted.emit(evidence.sha256, evidence.name, evidence.media_type)

    def show_evidence(self, sha256: str, data: bytes) -> None:
        """The bytes of a file the presenter asked for; ignored when another file is selected by now."""
        row = self.evidence.currentRow()
        if not (0 <= row < len(self._links)) or self._links[row].evidence.sha256 != sha256:
            return
        evidence = self._links[row].evidence
        date = evidence.effective_date.isoformat() if evidence.effective_date else "no effective date"
        caption = f"{evidence.name} · {date} · SHA-256 {evidence.sha256[:16]}…"
        self.viewer.show_bytes(evidence.name, evidence.media_type, data, caption)

    def _on_open_requested(self) -> None:
        row = self.evidence.currentRow()
        if 0 <= row < len(self._links):
            self.open_wanted.emit(self._links[row].evidence.sha256, self._links[row].evidence.name)

    def accept_current(self) -> None:
        request = self.current
        if request is not None:
            self.verdict_asked.emit(request.ref, True, "")

    def follow_up_current(self) -> None:
        request = self.current
        if request is None:
            return
        comment = " ".join(self.follow_up_text.text().split())
        if not comment:
            self.verdict_note.setText("Say what the auditor still needs, then record the follow-up.")
            self.follow_up_text.setFocus()
            return
        self.verdict_asked.emit(request.ref, False, comment)

    def verdict_recorded(self, ref: str, accepted: bool) -> None:
        """The controller saved a verdict: say so, and move on when it was for the request shown."""
        when = dt.datetime.now().strftime("%H:%M")
        self.verdict_note.setText(f"{ref}: {'accepted' if accepted else 'follow-up recorded'} at {when}.")
        if self.current is not None and self.current.ref == ref:
            self.follow_up_text.clear()

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.closed.emit()
