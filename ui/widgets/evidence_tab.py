"""The request panel's evidence tab: its files (a drop zone), last period's files, preview, details."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QPoint, Qt, Signal, SignalInstance
from PySide6.QtGui import QAction, QImage, QKeySequence, QPalette, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.evidence_details import EvidenceDetailsBox
from ui.widgets.evidence_list import (
    MEDIA_ROLE,
    NO_EVIDENCE,
    NO_EVIDENCE_WITH_PRIOR,
    EvidenceList,
    PriorEvidenceList,
)
from workbook.model import EvidenceLink, PriorEvidence

PREVIEW_HEIGHT = 140
PDF_PREVIEW_HEIGHT = 220


class EvidenceTab(QWidget):
    """Shows a request's evidence; every action is emitted as an intent for the window's evidence actions."""

    files_dropped = Signal(list)
    unlink_requested = Signal(list)
    open_requested = Signal(str, str)
    # SHA-256, name and media type of the one file selected: its preview is wanted.
    evidence_selected = Signal(str, str, str)
    history_toggled = Signal(bool)
    details_saved = Signal(str, object)
    replace_requested = Signal(str, str)
    restore_requested = Signal(str)
    add_files_requested = Signal()
    add_folder_requested = Signal()
    paste_requested = Signal()
    # The request's links were shown: whoever knows last period's files may show them now (`set_prior`).
    links_shown = Signal()
    # SHA-256 and name of a prior-period file to make this period's evidence.
    reuse_requested = Signal(str, str)
    # SHA-256, name and the wanted state of a file's "Never export" mark.
    never_export_requested = Signal(str, str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._writable = True
        self._prior_writable = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        self.versions = QCheckBox("Earlier versions")
        self.versions.setAccessibleName("Show earlier versions of evidence")
        self.versions.toggled.connect(self.history_toggled)
        self.add_files_action = self._action("Add &files…", self.add_files_requested, "add_files")
        self.add_files_action.setToolTip("Attach files to this request (or drop them on the list)")
        self.add_folder_action = self._action("Add f&older…", self.add_folder_requested, "add_folder")
        self.add_folder_action.setToolTip("Attach every file in a folder to this request")
        # The shortcut is the window's Paste; shown here after a tab, not registered twice.
        self.paste_action = self._action(
            "&Paste screenshot\tCtrl+V", self.paste_requested, "paste_screenshot"
        )
        self.open_action = self._action("&Open", self._on_open_clicked, "open_evidence")
        self.replace_action = self._action("&Replace…", self._on_replace_clicked, "replace_evidence")
        self.unlink_action = self._action(
            "Re&move from this request\tDel", self._on_unlink_clicked, "remove_evidence"
        )
        self.details_action = self._action("&Details", self._on_details_clicked, "evidence_details_action")
        self.never_export_action = self._action(
            "&Never export", self._on_never_export_triggered, "never_export"
        )
        self.never_export_action.setCheckable(True)
        self.never_export_action.setToolTip(
            "Keep this file in the workbook but leave it out of every package"
        )
        self.reuse_action = self._action("&Reuse for this period", self._on_reuse_clicked, "reuse_prior")
        self.reuse_action.setToolTip("Make last period's file evidence of this request for this period")
        add_menu = QMenu(self)
        add_menu.addActions([self.add_folder_action, self.paste_action])
        self.add_button = QToolButton()
        self.add_button.setObjectName("add_evidence_button")
        # A tool button shows the action's icon text, which Qt gives without the "…" that says a dialog opens.
        self.add_files_action.setIconText("Add files…")
        self.add_button.setDefaultAction(self.add_files_action)
        self.add_button.setMenu(add_menu)
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.add_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.add_button.setAccessibleName("Add files to this request")
        self.context_menu = QMenu(self)
        self.context_menu.setObjectName("evidence_menu")
        self.context_menu.addActions([self.add_files_action, self.add_folder_action, self.paste_action])
        self.context_menu.addSeparator()
        self.context_menu.addActions(
            [self.open_action, self.replace_action, self.unlink_action, self.details_action]
        )
        self.context_menu.addSeparator()
        self.context_menu.addAction(self.never_export_action)
        self.prior_menu = QMenu(self)
        self.prior_menu.setObjectName("prior_evidence_menu")
        self.prior_menu.addActions([self.open_action, self.reuse_action])
        versions_row = QHBoxLayout()
        versions_row.addWidget(self.add_button)
        versions_row.addStretch(1)
        # Above the list, not beside the buttons: the button row must fit the panel at 1024x640.
        versions_row.addWidget(self.versions)
        layout.addLayout(versions_row)
        self.evidence_list = EvidenceList()
        self.evidence_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.evidence_list.customContextMenuRequested.connect(self._on_evidence_list_context_menu)
        # The list yields its room to the preview and details when the panel runs out of height.
        self.evidence_list.setMinimumHeight(96)
        self.evidence_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.evidence_list.files_dropped.connect(self.files_dropped)
        self.evidence_list.itemSelectionChanged.connect(self._on_evidence_selection_changed)
        self.evidence_list.itemActivated.connect(self._on_open_clicked)
        layout.addWidget(self.evidence_list, 1)
        self.prior_section = self._prior_section()
        layout.addWidget(self.prior_section)
        self.preview = QLabel()
        self.preview.setObjectName("evidence_preview")
        self.preview.setAccessibleName("Evidence preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setFixedHeight(PREVIEW_HEIGHT)
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.preview.hide()
        layout.addWidget(self.preview)
        self.pdf_view: QWidget | None = None
        self._pdf_document: QObject | None = None
        self._pdf_buffer: QBuffer | None = None
        self._pdf_slot = QVBoxLayout()
        self._pdf_slot.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._pdf_slot)
        self.details = EvidenceDetailsBox()
        self.details.saved.connect(self.details_saved)
        self.details.never_export_toggled.connect(self.never_export_requested)
        layout.addWidget(self.details)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open")
        self.open_button.setAccessibleName("Open evidence with the system viewer")
        self.open_button.clicked.connect(self._on_open_clicked)
        self.unlink_button = QPushButton("Remove")
        self.unlink_button.setObjectName("remove_evidence_button")
        self.unlink_button.setAccessibleName("Remove the selected evidence from this request")
        self.unlink_button.setToolTip(
            "Remove from this request (Delete); the file stays in the workbook and undo brings it back"
        )
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
        for button in (self.open_button, self.replace_button, self.unlink_button, self.restore_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.evidence_list)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self._on_unlink_clicked)

    def _prior_section(self) -> QWidget:
        """Last period's files: a heading with the period, the list, and Reuse for this period."""
        section = QWidget()
        section.setObjectName("prior_evidence_section")
        box = QVBoxLayout(section)
        box.setContentsMargins(0, 6, 0, 0)
        box.setSpacing(3)
        self.prior_heading = QLabel("Last period")
        self.prior_heading.setObjectName("prior_evidence_heading")
        font = self.prior_heading.font()
        font.setBold(True)
        self.prior_heading.setFont(font)
        self.prior_note = QLabel("Not counted or exported for this period unless you reuse it.")
        self.prior_note.setObjectName("prior_evidence_note")
        self.prior_note.setWordWrap(True)
        palette = self.prior_note.palette()
        palette.setColor(QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.PlaceholderText))
        self.prior_note.setPalette(palette)
        self.prior_list = PriorEvidenceList()
        self.prior_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.prior_list.customContextMenuRequested.connect(self._on_prior_list_context_menu)
        self.prior_list.itemSelectionChanged.connect(self._on_prior_selection_changed)
        self.prior_list.itemActivated.connect(self._on_open_clicked)
        self.reuse_button = QPushButton("Reuse for this period")
        self.reuse_button.setObjectName("reuse_prior_button")
        self.reuse_button.setAccessibleName("Reuse the selected file of last period for this period")
        self.reuse_button.setToolTip(self.reuse_action.toolTip())
        self.reuse_button.clicked.connect(self._on_reuse_clicked)
        reuse_row = QHBoxLayout()
        reuse_row.addWidget(self.reuse_button)
        reuse_row.addStretch(1)
        for widget in (self.prior_heading, self.prior_note, self.prior_list):
            box.addWidget(widget)
        box.addLayout(reuse_row)
        section.hide()
        return section

    def _action(self, text: str, slot: Callable[[], object] | SignalInstance, name: str) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.triggered.connect(slot)
        return action

    @property
    def include_history(self) -> bool:
        """Whether earlier versions are listed too ("Earlier versions" ticked)."""
        return self.versions.isChecked()

    def set_links(self, links: Sequence[EvidenceLink], *, writable: bool) -> None:
        self._writable = writable
        self.unlink_button.setEnabled(writable)
        for action in (self.add_files_action, self.add_folder_action, self.paste_action):
            action.setEnabled(writable)
        self.add_button.setEnabled(writable)
        self.evidence_list.setAcceptDrops(writable)
        self.evidence_list.set_links(list(links))
        self._on_selection_changed()
        self.links_shown.emit()

    def set_prior(self, prior: Sequence[PriorEvidence], *, writable: bool) -> None:
        """Last period's files of the request shown (none: the section is hidden)."""
        self._prior_writable = writable
        self.prior_list.set_prior(list(prior))
        if prior:
            self.prior_heading.setText(f"Last period ({prior[0].period})")
        self.prior_section.setVisible(bool(prior))
        self.evidence_list.placeholder = NO_EVIDENCE_WITH_PRIOR if prior else NO_EVIDENCE
        self.evidence_list.viewport().update()
        self._on_selection_changed()

    def selected_prior(self) -> list[PriorEvidence]:
        return self.prior_list.selected_prior()

    def select_evidence(self, sha256: str) -> None:
        """Select the current file `sha256` in the evidence list (its details shown)."""
        self.evidence_list.select_evidence(sha256)

    def selected_evidence(self) -> list[EvidenceLink]:
        return self.evidence_list.selected_evidence()

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

    def _selected_files(self) -> list[tuple[str, str]]:
        """(sha256, name) of what is selected: this period's files, or else one of last period's."""
        return self.evidence_list.selected_links() or self.prior_list.selected_links()

    def shows_only(self, sha256: str) -> bool:
        """True while `sha256` is the one file selected (a preview read for it may still be shown)."""
        selected = self._selected_files()
        return len(selected) == 1 and selected[0][0] == sha256

    def _on_evidence_selection_changed(self) -> None:
        # One file at a time across both lists: Remove and Replace never act on a file of last period.
        if self.evidence_list.selectedItems():
            self.prior_list.blockSignals(True)
            self.prior_list.clearSelection()
            self.prior_list.blockSignals(False)
        self._on_selection_changed()

    def _on_prior_selection_changed(self) -> None:
        if self.prior_list.selectedItems():
            self.evidence_list.blockSignals(True)
            self.evidence_list.clearSelection()
            self.evidence_list.blockSignals(False)
        self._on_selection_changed()

    def _on_selection_changed(self) -> None:
        selected = self.evidence_list.selected_links()
        links = self.evidence_list.selected_evidence()
        one = links[0] if len(links) == 1 else None
        writable = self._writable
        prior = self.prior_list.selected_prior() if not selected else []
        self.reuse_button.setEnabled(len(prior) == 1 and not prior[0].reused and self._prior_writable)
        self.reuse_action.setEnabled(self.reuse_button.isEnabled())
        self.never_export_action.setEnabled(one is not None and writable)
        self.never_export_action.setChecked(one is not None and one.evidence.never_export)
        selected = selected or self.prior_list.selected_links()
        self.open_button.setEnabled(len(selected) == 1)
        self.unlink_button.setEnabled(bool(links) and writable)
        self.replace_button.setEnabled(one is not None and one.current and writable)
        self.restore_button.setVisible(one is not None and not one.current)
        self.restore_button.setEnabled(writable)
        self.open_action.setEnabled(self.open_button.isEnabled())
        self.replace_action.setEnabled(self.replace_button.isEnabled())
        self.unlink_action.setEnabled(self.unlink_button.isEnabled())
        self.details_action.setEnabled(one is not None)
        self.details.set_writable(writable)
        self.details.show_link(one)
        if len(selected) == 1:
            items = self.evidence_list.selectedItems() or self.prior_list.selectedItems()
            media = str(items[0].data(MEDIA_ROLE)) if items else ""
            self.evidence_selected.emit(*selected[0], media)
        else:
            self.show_preview(None)

    def _on_open_clicked(self) -> None:
        selected = self._selected_files()
        if len(selected) == 1:
            self.open_requested.emit(*selected[0])

    def _on_unlink_clicked(self) -> None:
        selected = self.evidence_list.selected_links()
        if selected and self.unlink_button.isEnabled():
            self.unlink_requested.emit(selected)

    def _on_replace_clicked(self) -> None:
        selected = self.evidence_list.selected_evidence()
        if len(selected) == 1 and selected[0].current:
            self.replace_requested.emit(selected[0].evidence.sha256, selected[0].evidence.name)

    def _on_restore_clicked(self) -> None:
        selected = self.evidence_list.selected_evidence()
        if len(selected) == 1 and not selected[0].current:
            self.restore_requested.emit(selected[0].evidence.sha256)

    def _on_details_clicked(self) -> None:
        links = self.evidence_list.selected_evidence()
        if len(links) != 1:
            return
        if links[0].evidence.effective_date is None:
            self.details.ask_date()
        else:
            self.details.detail_edits["description"].setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_evidence_list_context_menu(self, pos: QPoint) -> None:
        self.context_menu.popup(self.evidence_list.viewport().mapToGlobal(pos))

    def _on_prior_list_context_menu(self, pos: QPoint) -> None:
        self.prior_menu.popup(self.prior_list.viewport().mapToGlobal(pos))

    def _on_reuse_clicked(self) -> None:
        prior = self.prior_list.selected_prior()
        if len(prior) == 1 and self.reuse_button.isEnabled():
            self.reuse_requested.emit(prior[0].evidence.sha256, prior[0].evidence.name)

    def _on_never_export_triggered(self) -> None:
        on = self.never_export_action.isChecked()
        links = self.evidence_list.selected_evidence()
        if len(links) == 1:
            self.never_export_requested.emit(links[0].evidence.sha256, links[0].evidence.name, on)
