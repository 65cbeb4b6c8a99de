"""The main window: start page or the open workbook's request table, filter bar and request panel."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ui.commands import (
    EvidenceDetails,
    LinkEvidenceCommand,
    ReplaceEvidenceCommand,
    RestoreVersionCommand,
    SetEvidenceDetailsCommand,
    SetFieldsCommand,
    UnlinkEvidenceCommand,
)
from ui.jobs import Job, JobRunner
from ui.messages import show_error
from ui.models.request_table_model import RequestCriteria, RequestFilterProxyModel, RequestTableModel
from ui.settings import RecentWorkbook, Settings
from ui.widgets.evidence_list import MEDIA_ROLE
from ui.widgets.filter_bar import FilterBar
from ui.widgets.menu_tool_button import MenuToolButton
from ui.widgets.request_panel import RequestPanel
from ui.widgets.request_table import RequestTableView
from ui.widgets.verify_banner import VerifyBanner
from workbook.errors import UserError, WorkbookError
from workbook.model import (
    AttachResult,
    Changes,
    Engagement,
    Person,
    Request,
    RequestFilter,
    Status,
    VerifyReport,
)

if TYPE_CHECKING:
    from ui.dialogs.import_wizard import ImportWizard
    from ui.dialogs.new_workbook import NewWorkbookDialog, NewWorkbookRequest
    from ui.widgets.start_page import StartPage
    from workbook.services.importing import ImportSummary
    from workbook.services.requests import FieldChange
    from workbook.services.snapshot import WorkbookSnapshot
    from workbook.services.workbook import Workbook

APP_NAME = "Audit Workbook"
MAX_PREVIEW_BYTES = 40 * 1024 * 1024
FEW_REFS = 50
_PENDING_WORDS = {"owner": "owner", "due": "due date", "clear_due": "due date", "notes": "notes"}
# The full workbook opens after the snapshot's first paint, or after this long if nothing paints (hidden).
OPEN_FALLBACK_MS = 300


class WorkbookGateway(Protocol):
    """How the window gets workbooks; built by the composition root with the acting person."""

    def open(self, path: Path) -> Workbook: ...

    def create(self, request: NewWorkbookRequest) -> Workbook: ...

    def build_demo(self, folder: Path) -> Path: ...

    def demo_available(self) -> bool: ...


def service_available(module: str) -> bool:
    """Import and export come from other parts of the project; their menu entries work once they exist."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _same_file(path: Path, size: int, sha256: str) -> bool:
    """True when `path` holds exactly `size` bytes hashing to `sha256`."""
    try:
        if path.stat().st_size != size:
            return False
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == sha256


def field_change(**values: Any) -> FieldChange:
    from workbook.services.requests import FieldChange

    return FieldChange(**values)


class _PaintWatcher(QObject):
    """Reports the next paint of the table once it shows a workbook's rows (or the workbook has none)."""

    painted = Signal()

    def __init__(self, ready: Callable[[], bool]) -> None:
        super().__init__()
        self._ready = ready
        self.armed = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.armed and event.type() == QEvent.Type.Paint and self._ready():
            self.armed = False
            QTimer.singleShot(0, self.painted.emit)
        return False


@dataclass(frozen=True)
class OpenedWorkbook:
    """Everything the window shows of a workbook, read in one go (on a worker thread when opening)."""

    workbook: Workbook
    engagement: Engagement
    requests: tuple[Request, ...]
    people: tuple[Person, ...]
    sections: tuple[str, ...]


def load_workbook(workbook: Workbook) -> OpenedWorkbook:
    return OpenedWorkbook(
        workbook,
        workbook.engagement(),
        tuple(workbook.requests.list(RequestFilter())),
        tuple(workbook.people.list()),
        tuple(workbook.requests.sections()),
    )


class _Opening:
    """A workbook painted from its snapshot whose full open (services, SQLAlchemy) is pending or running."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.job: Job | None = None
        # Set on the worker as soon as the file is open, so closing early can still release its lock.
        self.workbook: Workbook | None = None


class MainWindow(QMainWindow):
    # A file is shown from its snapshot (read-only) and then, once its services are open, ready to edit.
    snapshot_shown = Signal(str)
    workbook_opened = Signal(str)
    requests_changed = Signal(object)
    # The requests were read again on a reader job and swapped into the table.
    requests_reloaded = Signal()
    first_paint = Signal()
    attach_finished = Signal(object)
    import_finished = Signal(object)
    evidence_replaced = Signal(object)
    preview_shown = Signal(str)
    # A workbook check ended (on open or "Verify now"); carries its VerifyReport.
    verify_finished = Signal(object)

    def __init__(
        self, settings: Settings, jobs: JobRunner, gateway: WorkbookGateway, *, start_page: bool = True
    ) -> None:
        """`start_page=False` when a file is about to be opened: the start page is built when first shown."""
        super().__init__()
        self.setObjectName("main_window")
        self.setWindowTitle(APP_NAME)
        self.settings = settings
        self.jobs = jobs
        self.gateway = gateway
        self.workbook: Workbook | None = None
        self.undo_stack = QUndoStack(self)
        # The file shown (from its snapshot or open in full) and its engagement; None on the start page.
        self._shown: Path | None = None
        self._engagement: Engagement | None = None
        self._opening: _Opening | None = None
        self._reload_job: Job | None = None
        # Refs edited while a reload was in flight: read again after it lands so no edit is overwritten.
        self._edited_during_reload: set[str] = set()
        self._first_paint_done = False
        self._current_ref: str | None = None
        self._open_boxes: list[QMessageBox] = []
        self._last_failure: WorkbookError | None = None
        # Set while the selection is put back on a request whose pending edits could not be saved.
        self._reverting_selection = False

        self.model = RequestTableModel()
        self.proxy = RequestFilterProxyModel()
        self.proxy.setSourceModel(self.model)

        self.pages = QStackedWidget()
        self._start_page: StartPage | None = None
        self.workspace = QWidget()
        self.pages.addWidget(self.workspace)
        self.setCentralWidget(self.pages)
        self.setAcceptDrops(True)

        layout = QVBoxLayout(self.workspace)
        layout.setContentsMargins(8, 6, 8, 4)
        self.read_only_banner = QLabel()
        self.read_only_banner.setObjectName("read_only_banner")
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.setStyleSheet("QLabel { background: #fff3cd; color: #5c4400; padding: 6px; }")
        self.read_only_banner.hide()
        layout.addWidget(self.read_only_banner)
        self.verify_banner = VerifyBanner()
        self.verify_banner.verify_requested.connect(self.verify)
        layout.addWidget(self.verify_banner)
        self._verify_job: Job | None = None
        self.header = QLabel()
        self.header.setObjectName("progress_header")
        self.header.setAccessibleName("Progress")
        font = self.header.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.header.setFont(font)
        self.engagement_label = QLabel()
        self.engagement_label.setObjectName("engagement_label")
        layout.addWidget(self.header)
        layout.addWidget(self.engagement_label)
        self.filter_bar = FilterBar()
        layout.addWidget(self.filter_bar)
        self.bulk_bar = QToolBar("Change selected requests")
        self.bulk_bar.setObjectName("bulk_bar")
        layout.addWidget(self.bulk_bar)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main_splitter")
        self.table = RequestTableView()
        self.table.setModel(self.proxy)
        self.table.set_default_widths()
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.panel = RequestPanel()
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setWidget(self.panel)
        scroller.setMinimumWidth(300)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(scroller)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([850, 410])
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)

        self._paint_watcher = _PaintWatcher(lambda: self._shown is not None)
        self._paint_watcher.painted.connect(self._on_table_painted)
        self.table.viewport().installEventFilter(self._paint_watcher)

        self._job_label = QLabel()
        self._job_bar = QProgressBar()
        self._job_bar.setMaximumWidth(200)
        self._job_bar.setAccessibleName("Progress of the running task")
        self._job_cancel = QPushButton("Cancel")
        self._job_cancel.setAccessibleName("Cancel the running task")
        self._job_cancel.clicked.connect(self._on_job_cancel_clicked)
        for widget in (self._job_label, self._job_bar, self._job_cancel):
            self.statusBar().addPermanentWidget(widget)
            widget.hide()
        self._visible_job: Job | None = None
        # Attach and replace jobs of the workbook open now: one ending after a close or a switch is ignored.
        self._workbook_jobs: set[Job] = set()
        # Files dropped on a request while the workbook is still opening: attached once it is open.
        self._pending_attach: list[tuple[str, list[Path]]] = []

        self._build_actions()
        self._connect()
        if start_page:
            self.show_start_page()
        else:
            self._refresh_recent_menu()
            self._update_actions()
        self._restore_window_state()

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        name: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setObjectName(name or text.lower().replace("…", "").replace(" ", "_"))
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.new_action = self._action(
            "&New workbook…", self.new_workbook, QKeySequence.StandardKey.New, "new"
        )
        self.open_action = self._action("&Open…", self.open_dialog, QKeySequence.StandardKey.Open, "open")
        self.demo_action = self._action("Open &demo", self.open_demo, None, "open_demo")
        self.import_action = self._action(
            "&Import checklist…", lambda: self.import_checklist(), "Ctrl+I", "import"
        )
        self.export_action = self._action("&Export package…", self.export_package, "Ctrl+E", "export")
        self.close_action = self._action(
            "&Close workbook", self.close_workbook, QKeySequence.StandardKey.Close, "close_workbook"
        )
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit, "quit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setObjectName("undo")
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts(
            [QKeySequence("Ctrl+Shift+Z"), QKeySequence(QKeySequence.StandardKey.Redo)]
        )
        self.redo_action.setObjectName("redo")
        self.addAction(self.undo_action)
        self.addAction(self.redo_action)
        self.find_action = self._action("&Find", self._on_find, QKeySequence.StandardKey.Find, "find")
        self.paste_action = self._action(
            "&Paste screenshot as evidence",
            self.paste_evidence,
            QKeySequence.StandardKey.Paste,
            "paste_evidence",
        )
        self.owner_action = self._action("Set &owner…", self.ask_owner, None, "bulk_owner")
        self.due_action = self._action("Set &due date…", self.ask_due, None, "bulk_due")
        self.preferences_action = self._action("&Preferences…", self.preferences, None, "preferences")
        self.verify_action = self._action("&Verify now", self.verify, None, "verify")
        self.verify_action.setStatusTip("Re-hash every evidence file and re-check the activity log")
        self.status_actions: list[QAction] = []
        status_menu = QMenu("Set &status", self)
        for number, status in enumerate(Status, start=1):
            action = self._action(
                status.label, self._status_slot(status), f"Ctrl+{number}", f"status_{status.value}"
            )
            status_menu.addAction(action)
            self.status_actions.append(action)

        menu = self.menuBar().addMenu("&File")
        for action in (self.new_action, self.open_action, self.demo_action):
            menu.addAction(action)
        self.recent_menu = menu.addMenu("Open &recent")
        menu.addSeparator()
        menu.addAction(self.import_action)
        menu.addAction(self.export_action)
        menu.addAction(self.verify_action)
        menu.addSeparator()
        menu.addAction(self.close_action)
        menu.addAction(self.quit_action)
        edit = self.menuBar().addMenu("&Edit")
        for action in (self.undo_action, self.redo_action):
            edit.addAction(action)
        edit.addSeparator()
        edit.addAction(self.find_action)
        edit.addAction(self.paste_action)
        edit.addSeparator()
        edit.addMenu(status_menu)
        edit.addAction(self.owner_action)
        edit.addAction(self.due_action)
        edit.addSeparator()
        edit.addAction(self.preferences_action)

        status_button = self.status_button = MenuToolButton("Status")
        status_button.setObjectName("status_button")
        status_button.setAccessibleName("Set status of the selected requests")
        status_button.setMenu(status_menu)
        self.bulk_bar.addWidget(status_button)
        self.bulk_bar.addAction(self.owner_action)
        self.bulk_bar.addAction(self.due_action)
        self.bulk_bar.addSeparator()
        self.bulk_bar.addAction(self.undo_action)
        self.bulk_bar.addAction(self.redo_action)
        self.bulk_bar.addSeparator()
        self.bulk_bar.addAction(self.import_action)
        self.bulk_bar.addAction(self.export_action)
        self.selection_label = QLabel()
        self.selection_label.setObjectName("selection_label")
        spacer = QWidget()
        spacer.setSizePolicy(
            spacer.sizePolicy().horizontalPolicy().Expanding, spacer.sizePolicy().verticalPolicy().Preferred
        )
        self.bulk_bar.addWidget(spacer)
        self.bulk_bar.addWidget(self.selection_label)

    def _connect(self) -> None:
        self.filter_bar.criteria_changed.connect(self._on_criteria_changed)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.files_dropped.connect(self.attach_files)
        self.table.checklist_dropped.connect(self.import_checklist)
        self.proxy.modelReset.connect(self._update_header)
        self.model.day_changed.connect(self._update_header)
        self.proxy.rowsInserted.connect(self._update_header)
        self.proxy.rowsRemoved.connect(self._update_header)
        self.panel.owner_chosen.connect(self._on_panel_owner_chosen)
        self.panel.add_person_requested.connect(self._on_add_person_requested)
        self.panel.status_chosen.connect(self._on_panel_status_chosen)
        self.panel.due_chosen.connect(self._on_panel_due_chosen)
        self.panel.notes_saved.connect(self._on_panel_notes_saved)
        self.panel.comment_added.connect(self._on_panel_comment_added)
        self.panel.files_dropped.connect(self._on_panel_files_dropped)
        self.panel.unlink_requested.connect(self._on_panel_unlink_requested)
        self.panel.open_requested.connect(self.open_evidence)
        self.panel.evidence_selected.connect(self._on_panel_evidence_selected)
        self.panel.history_toggled.connect(self._on_panel_history_toggled)
        self.panel.details_saved.connect(self._on_panel_details_saved)
        self.panel.replace_requested.connect(self._on_panel_replace_requested)
        self.panel.restore_requested.connect(self._on_panel_restore_requested)

    @property
    def start_page(self) -> StartPage:
        if self._start_page is None:
            from ui.widgets.start_page import StartPage

            page = self._start_page = StartPage()
            self.pages.insertWidget(0, page)
            page.new_requested.connect(self.new_workbook)
            page.open_requested.connect(self.open_dialog)
            page.demo_requested.connect(self.open_demo)
            page.recent_chosen.connect(self._on_recent_chosen)
        return self._start_page

    def show_start_page(self) -> None:
        self.start_page.set_recent(self.settings.recent())
        self.start_page.demo_button.setEnabled(True)
        self.pages.setCurrentWidget(self.start_page)
        self._refresh_recent_menu()
        self._update_actions()

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        for entry in self.settings.recent():
            action = self.recent_menu.addAction(f"{entry.client} — {entry.path}")
            action.triggered.connect(lambda _=False, p=entry.path: self.open_path(Path(p)))
        self.recent_menu.setEnabled(bool(self.settings.recent()))

    def _update_actions(self) -> None:
        open_ = self.workbook is not None
        writable = open_ and not self.read_only
        for action in (
            self.import_action,
            self.owner_action,
            self.due_action,
            self.paste_action,
            *self.status_actions,
        ):
            action.setEnabled(writable)
        for action in (self.export_action, self.verify_action):
            action.setEnabled(open_)
        # A snapshot can be searched and closed; editing waits for the full workbook.
        for action in (self.close_action, self.find_action):
            action.setEnabled(self._shown is not None)
        self.bulk_bar.setEnabled(open_)

    @property
    def read_only(self) -> bool:
        return self.workbook is None or self.workbook.read_only

    @property
    def opening(self) -> bool:
        """True while a file is shown from its snapshot and its full workbook is not open yet."""
        return self._opening is not None

    def open_path(self, path: Path, *, full: bool = True) -> bool:
        """Show a workbook file, replacing the one open now; False (with a message) if it cannot be opened.

        The table paints from a standard-library snapshot at once; the full workbook (services, SQLAlchemy)
        opens on a worker after that paint and `workbook_opened` says when editing is possible. `full=False`
        shows the snapshot only (the start-up measurement, which exits after the paint).
        """
        if not self.close_workbook():
            return False
        from workbook.services.snapshot import read_snapshot

        try:
            snapshot = read_snapshot(path)
        except WorkbookError:
            # The full open words the problem as it always has, or opens what a snapshot cannot read.
            return self._open_now(path)
        self._show_snapshot(snapshot)
        if full:
            self._opening = _Opening(snapshot.path)
            self._paint_watcher.armed = True
            self.table.viewport().update()
            QTimer.singleShot(OPEN_FALLBACK_MS, self._start_full_open)
        return True

    def _open_now(self, path: Path) -> bool:
        try:
            workbook = self.gateway.open(path)
        except WorkbookError as error:
            self._show(error, action=f"Cannot open {path.name}")
            if not path.exists():
                self.settings.forget(str(path))
                self.start_page.set_recent(self.settings.recent())
            return False
        self._adopt(load_workbook(workbook))
        return True

    def _show_snapshot(self, snapshot: WorkbookSnapshot) -> None:
        """What the file holds, read-only, while its services load: table, header, engagement line."""
        self._show_file(snapshot.path, snapshot.engagement, read_only=False)
        self.read_only_banner.hide()
        self._swap_rows(snapshot.requests)
        sections = sorted({r.section for r in snapshot.requests if r.section})
        self.filter_bar.set_choices(list(snapshot.people), sections)
        self.filter_bar.restore(self.settings.filters())
        self.pages.setCurrentWidget(self.workspace)
        self._update_actions()
        self.statusBar().showMessage(f"Opening {snapshot.path.name}…")
        self.snapshot_shown.emit(str(snapshot.path))
        if self.table.model().rowCount():
            self.table.selectRow(0)

    def _show_file(self, path: Path, engagement: Engagement, *, read_only: bool) -> None:
        self._shown = path
        self._engagement = engagement
        suffix = " [read-only]" if read_only else ""
        self.setWindowTitle(f"{path.name} — {engagement.client} — {APP_NAME}{suffix}")
        self.setWindowFilePath(str(path))
        period = ""
        if engagement.period_start and engagement.period_end:
            period = f"{engagement.period_start:%d %b %Y} – {engagement.period_end:%d %b %Y}"
        self.engagement_label.setText(
            " · ".join(s for s in (engagement.client, engagement.framework, period, engagement.auditor) if s)
        )

    def _on_table_painted(self) -> None:
        if not self._first_paint_done:
            self._first_paint_done = True
            self.first_paint.emit()
        self._start_full_open()

    def _start_full_open(self) -> None:
        opening = self._opening
        if opening is None or opening.job is not None:
            return
        gateway = self.gateway

        def work(progress: Callable[[int, int], None], cancel: Any) -> OpenedWorkbook:
            workbook = opening.workbook = gateway.open(opening.path)
            return load_workbook(workbook)

        # On the writer pool: opening may take the lock and migrate, and nothing may write before it.
        job = self.jobs.start(
            f"Opening {opening.path.name}", work, writes=True, paused=True, ask_before_stop=False
        )
        opening.job = job
        job.finished.connect(self._on_open_finished)
        job.failed.connect(self._on_open_failed)
        self.jobs.resume(job)

    def _on_open_finished(self, opened: OpenedWorkbook) -> None:
        opening = self._opening
        if opening is None or self.sender() is not opening.job:
            return  # the window moved on; close_workbook already released that workbook
        self._opening = None
        self.statusBar().clearMessage()
        self._adopt(opened)

    def _on_open_failed(self, error: BaseException) -> None:
        opening = self._opening
        if opening is None or self.sender() is not opening.job:
            return
        self.close_workbook()
        self._show(error, action=f"Cannot open {opening.path.name}")

    def _adopt(self, opened: OpenedWorkbook) -> None:
        """The full workbook is open: enable editing and refresh quietly what the snapshot showed."""
        workbook = opened.workbook
        from_snapshot = self._shown == Path(workbook.path)
        self.workbook = workbook
        self.undo_stack.clear()
        self.settings.last_folder = str(Path(workbook.path).parent)
        self._show_file(Path(workbook.path), opened.engagement, read_only=workbook.read_only)
        if workbook.read_only:
            self.read_only_banner.setText(
                f"Read-only: {workbook.db.read_only_reason}. You can look and export, "
                "but changes are off until the other copy is closed."
            )
        self.read_only_banner.setVisible(workbook.read_only)
        self._swap_rows(opened.requests)
        self._set_people(opened.people, opened.sections)
        if not from_snapshot:
            self.filter_bar.restore(self.settings.filters())
            self.pages.setCurrentWidget(self.workspace)
        self._update_actions()
        self._remember()
        self.workbook_opened.emit(str(workbook.path))
        if not from_snapshot and self.table.model().rowCount():
            self.table.selectRow(0)
        else:
            self._show_current()
        pending, self._pending_attach = self._pending_attach, []
        for ref, paths in pending:
            self.attach_files(ref, paths)
        # After the first edits are possible, so the check never competes with the open itself.
        QTimer.singleShot(1500, lambda: self._verify_in_background(workbook))

    def close_workbook(self) -> bool:
        """Close the file shown; False when the user chose to wait for a task or an edit was not saved."""
        if self._shown is None and self.workbook is None:
            return True
        asked = self.jobs.asking_before_stop()
        if asked and not self._confirm_stop(asked):
            self.statusBar().showMessage(
                f"{asked[0].title} goes on; close the workbook again when it has finished.", 10000
            )
            return False
        # Jobs first: a running attach holds SQLite's one write lock, and the edits below must get it.
        if not self.jobs.wait(30000):
            return False
        stopped = self._stopped_words(asked)
        if not self.commit_pending_edits():
            return False
        opening, self._opening = self._opening, None
        if opening is not None and opening.workbook is not None:
            opening.workbook.close()
        self._reload_job = None
        self._workbook_jobs.clear()
        self._pending_attach = []
        self._end_job(self._visible_job)
        self._remember()
        self._save_view_state()
        if self.workbook is not None:
            self.workbook.close()
        self.workbook = None
        self._shown = None
        self._engagement = None
        self.undo_stack.clear()
        self.model.set_rows([])
        self.panel.show_nothing()
        self.panel.forget_drafts()
        self.read_only_banner.hide()
        self.verify_banner.clear()
        self._verify_job = None
        self.statusBar().clearMessage()
        self.setWindowTitle(APP_NAME)
        self.show_start_page()
        if stopped:
            self.statusBar().showMessage(stopped, 20000)
        return True

    def _confirm_stop(self, jobs: Sequence[Job]) -> bool:
        """Ask before cancelling work the user started; True for "Stop it and close"."""
        job = jobs[0]
        more = f" (and {len(jobs) - 1} more task{'s' if len(jobs) > 2 else ''})" if len(jobs) > 1 else ""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "A task is still running",
            f"{job.title} is still running{more}. Stop it and close?",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setObjectName("stop_jobs_box")
        box.setAccessibleName(box.windowTitle())
        box.setInformativeText(
            "Files attached so far stay in the workbook; the file being attached, an import in progress "
            "and a package being written are not kept. Wait lets the task finish; close again after it."
        )
        stop = box.addButton("Stop it and close", QMessageBox.ButtonRole.DestructiveRole)
        wait = box.addButton("Wait", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(wait)
        box.setEscapeButton(wait)
        box.exec()
        return box.clickedButton() is stop

    def _stopped_words(self, jobs: Sequence[Job]) -> str:
        """What the stopped tasks had done, once they have ended (an attach: how many files it attached)."""
        words = []
        for job in jobs:
            ref = job.property("ref")
            attach = ref and job.property("old") is None
            if job.outcome == "finished":
                words.append(f"{job.title} had finished before it could be stopped.")
            elif job.outcome == "failed":
                words.append(f"{job.title} failed as it was stopped.")
            elif attach:
                done, total = job.done_count, job.total_count
                count = f"{done} of {total} files" if total else "no files"
                words.append(f"{job.title} was stopped: {count} had been attached to {ref} (they stay).")
            else:
                words.append(f"{job.title} was stopped; nothing of it was kept.")
        return " ".join(words)

    def _remember(self) -> None:
        if self._shown is None or self._engagement is None:
            return
        ready, _overdue, total = self.model.counts()
        self.settings.remember(
            RecentWorkbook(path=str(self._shown), client=self._engagement.client, ready=ready, total=total)
        )

    def _swap_rows(self, requests: Sequence[Request]) -> None:
        """Show `requests`, keeping order, sort and selection; rows that did not change are not touched."""
        model = self.model
        header = self.table.horizontalHeader()
        sort_column = header.sortIndicatorSection()
        sorted_view = 0 <= sort_column < model.columnCount()
        if len(requests) == model.rowCount() and (
            all(model.row_of(r.ref) is not None for r in requests)
            if sorted_view
            else all(model.request_at(row).ref == r.ref for row, r in enumerate(requests))
        ):
            changed = [r for r in requests if model.request_at(model.row_of(r.ref) or 0) != r]
            if len(changed) <= FEW_REFS:
                model.update_rows(changed)
                self._update_header()
                return
        selected = self.selected_refs()
        model.set_rows(requests)
        if sorted_view:
            model.sort(sort_column, header.sortIndicatorOrder())
        self.select_refs(selected)
        self._update_header()

    def reload_requests(self) -> Job | None:
        """Read every request again on a reader job and swap them in when it ends (`requests_reloaded`)."""
        workbook = self.workbook
        if workbook is None:
            return None

        def work(progress: Callable[[int, int], None], cancel: Any) -> list[Request]:
            return workbook.requests.list(RequestFilter())

        job = self.jobs.start("Reading the requests", work, writes=False, paused=True)
        self._reload_job = job
        self._edited_during_reload = set()
        job.finished.connect(self._on_reload_finished)
        job.failed.connect(self._on_reload_failed)
        self.jobs.resume(job)
        return job

    def _on_reload_finished(self, requests: list[Request]) -> None:
        workbook = self.workbook
        if workbook is None or self.sender() is not self._reload_job:
            return  # a newer reload is on its way, or the workbook was closed
        self._reload_job = None
        self._swap_rows(requests)
        edited, self._edited_during_reload = self._edited_during_reload, set()
        if edited:
            self.model.update_rows(self._fetch(sorted(edited)))
            self._update_header()
        self.requests_reloaded.emit()

    def _on_reload_failed(self, error: BaseException) -> None:
        if self.sender() is self._reload_job:
            self._reload_job = None
            self._show(error, action="Cannot read the requests")

    def _fetch(self, refs: Sequence[str]) -> list[Request]:
        """The requests of `refs` that still exist (one may have been archived meanwhile)."""
        if self.workbook is None:
            return []
        found = []
        for ref in refs:
            try:
                found.append(self.workbook.requests.get(ref))
            except UserError:
                continue
        return found

    def _reload_people(self) -> None:
        if self.workbook is None:
            return
        self._set_people(tuple(self.workbook.people.list()), tuple(self.workbook.requests.sections()))

    def _set_people(self, people: Sequence[Person], sections: Sequence[str]) -> None:
        self.panel.set_people(people)
        self.filter_bar.set_choices([p.name for p in people], list(sections))

    def _on_changed(self, changes: Changes) -> None:
        """Refresh only what a service said it changed."""
        if self.workbook is None:
            return
        if changes.all_requests or len(changes.refs) > FEW_REFS:
            self.reload_requests()
        elif changes.refs:
            if self._reload_job is not None:
                self._edited_during_reload.update(changes.refs)
            self.model.update_rows(self._fetch(sorted(changes.refs)))
            self._update_header()
        if changes.people:
            self._reload_people()
        if self._current_ref and (
            changes.all_requests or self._current_ref in changes.refs or changes.evidence
        ):
            self._show_current()
        self.requests_changed.emit(changes)

    def _update_header(self) -> None:
        ready, overdue, total = self.model.counts()
        text = f"{ready} of {total} ready · {overdue} overdue"
        shown = self.proxy.rowCount()
        if shown != total:
            text += f" · showing {shown}"
        self.header.setText(text)

    def selected_refs(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.proxy.ref_at(row) for row in rows]

    def select_refs(self, refs: Sequence[str]) -> None:
        selection = self.table.selectionModel()
        selection.clearSelection()
        flags = selection.SelectionFlag.Select | selection.SelectionFlag.Rows
        first = True
        for ref in refs:
            source_row = self.model.row_of(ref)
            if source_row is None:
                continue
            index = self.proxy.mapFromSource(self.model.index(source_row, 0))
            if index.isValid():
                selection.select(index, flags)
                if first:
                    selection.setCurrentIndex(index, selection.SelectionFlag.NoUpdate)
                    first = False

    def _on_selection_changed(self) -> None:
        refs = self.selected_refs()
        previous = self._current_ref
        if self._reverting_selection:
            return  # going back to the request whose edits are still in the panel: show it as it is
        if previous and (len(refs) != 1 or refs[0] != previous) and not self.commit_pending_edits():
            # Not saved: the panel keeps what was typed and the selection goes back to its request.
            QTimer.singleShot(0, lambda: self._revert_selection(previous))
            return
        self.selection_label.setText(f"{len(refs)} selected" if len(refs) > 1 else "")
        if len(refs) == 1:
            self._current_ref = refs[0]
            self._show_current()
        else:
            self._current_ref = None
            self.panel.show_nothing(len(refs))

    def _revert_selection(self, ref: str) -> None:
        if self._current_ref != ref:
            return
        self._reverting_selection = True
        try:
            self.select_refs([ref])
        finally:
            self._reverting_selection = False

    def _show_current(self) -> None:
        if self._current_ref is None:
            return
        ref = self._current_ref
        if self.workbook is None:
            # Snapshot only: the request as the table has it; evidence, comments and history follow.
            row = self.model.row_of(ref)
            if row is not None:
                request = self.model.request_at(row)
                self.panel.show_request(request, [], [], [], read_only=True)
                # The snapshot knows how many files there are, not their details yet.
                self.panel.tabs.setTabText(1, f"Evidence ({request.evidence_count})")
            return
        try:
            request = self.workbook.requests.get(ref)
            evidence = self.workbook.evidence.for_request(
                ref, include_history=self.panel.versions.isChecked()
            )
            comments = self.workbook.requests.comments(ref)
            history = self.workbook.activity.list(target=ref, limit=100)
        except UserError:
            self._current_ref = None
            self.panel.show_nothing()
            return
        self.panel.show_request(request, evidence, comments, history, read_only=self.read_only)

    def _on_criteria_changed(self, criteria: RequestCriteria) -> None:
        self.proxy.set_criteria(criteria)
        self._update_header()
        self.settings.set_filters(self.filter_bar.state())

    def _on_find(self) -> None:
        self.filter_bar.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_bar.search.selectAll()

    def apply_change(self, refs: Sequence[str], change: FieldChange, *, quiet_failure: bool = False) -> bool:
        """One undoable edit; True when it was saved. `quiet_failure`: the caller words a failure itself."""
        if self.workbook is None or not refs:
            return False
        if self.read_only:
            self._show(UserError("this workbook is open read-only", hint=self.workbook.db.read_only_reason))
            return False
        before = [self.model.request_at(row) for ref in refs if (row := self.model.row_of(ref)) is not None]
        command = SetFieldsCommand(self.workbook, refs, change, before, self._on_changed, self._show)
        command.quiet_first_failure = quiet_failure
        self.undo_stack.push(command)
        self._last_failure = command.error
        return command.error is None

    def commit_pending_edits(self) -> bool:
        """Save what the panel holds unsent (owner typed without Enter, due date, notes) as one undo step.

        Used before the selection moves on, before the workbook closes and before the app quits. False
        (with a message saying so) when the save failed: the caller must not go on, or the text is lost.
        """
        ref = self._current_ref
        pending = self.panel.pending_edits()
        if self.workbook is None or ref is None or not pending or self.read_only:
            return True
        change = field_change(**pending)
        if self.apply_change([ref], change, quiet_failure=True):
            if "notes" in pending:
                self.panel.mark_notes_saved(str(pending["notes"]))
            return True
        words = ", ".join(_PENDING_WORDS[key] for key in pending if key in _PENDING_WORDS)
        error = self._last_failure or UserError("the change was not saved")
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Not saved",
            f"Your {words} for {ref} could not be saved: {error.message}.",
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setObjectName("pending_edits_box")
        box.setInformativeText(
            "Nothing was lost: what you typed is still in the panel and the workbook stays open. "
            "Try again in a moment (another task may be writing), or copy the text somewhere safe."
            + (f"\n\n{error.hint[:1].upper()}{error.hint[1:]}" if error.hint else "")
        )
        box.setAccessibleName(box.windowTitle())
        box.open()
        self._open_boxes = [b for b in self._open_boxes if b.isVisible()] + [box]
        return False

    def _status_slot(self, status: Status) -> Callable[[], None]:
        def slot() -> None:
            self.set_status(status)

        return slot

    def set_status(self, status: Status) -> None:
        self.apply_change(self.selected_refs(), field_change(status=status))

    def ask_owner(self) -> None:
        refs = self.selected_refs()
        if self.workbook is None or not refs:
            return
        names = [p.name for p in self.workbook.people.list()]
        name, ok = QInputDialog.getItem(
            self, "Set owner", f"Owner of {self._refs_words(refs)}:", ["", *names], 0, True
        )
        if ok:
            self.apply_change(refs, field_change(owner=name.strip()))

    def ask_due(self) -> None:
        refs = self.selected_refs()
        if not refs:
            return
        text, ok = QInputDialog.getText(
            self, "Set due date", f"Due date of {self._refs_words(refs)} (YYYY-MM-DD, empty for none):"
        )
        if not ok:
            return
        if not text.strip():
            self.apply_change(refs, field_change(clear_due=True))
            return
        try:
            due = dt.date.fromisoformat(text.strip())
        except ValueError:
            self._show(UserError(f"{text.strip()!r} is not a date", hint="write it as YYYY-MM-DD"))
            return
        self.apply_change(refs, field_change(due=due))

    @staticmethod
    def _refs_words(refs: Sequence[str]) -> str:
        return refs[0] if len(refs) == 1 else f"{len(refs)} requests"

    def _on_panel_owner_chosen(self, name: str) -> None:
        if self._current_ref:
            self.apply_change([self._current_ref], field_change(owner=name))

    def _on_add_person_requested(self) -> None:
        if self.workbook is None or not self._current_ref:
            return
        name, ok = QInputDialog.getText(self, "Add person", "Name of the new owner:")
        if not ok or not name.strip():
            return
        # One undoable step: the service adds the person as it sets the owner, and undo removes them again.
        self.apply_change([self._current_ref], field_change(owner=" ".join(name.split())))

    def _on_panel_status_chosen(self, value: str) -> None:
        if self._current_ref:
            self.apply_change([self._current_ref], field_change(status=Status(value)))

    def _on_panel_due_chosen(self, due: dt.date | None) -> None:
        if self._current_ref:
            change = field_change(due=due) if due else field_change(clear_due=True)
            self.apply_change([self._current_ref], change)

    def _on_panel_notes_saved(self, text: str) -> None:
        if self._current_ref and self.apply_change([self._current_ref], field_change(notes=text)):
            self.panel.mark_notes_saved(text)

    def _on_panel_comment_added(self, body: str) -> None:
        if self.workbook is None or not self._current_ref:
            return
        try:
            # Comments are the review record: added for good, so not on the undo stack.
            self.workbook.requests.add_comment(self._current_ref, body)
        except WorkbookError as error:
            self._show(error)
            return
        self._on_changed(Changes(refs=frozenset([self._current_ref])))

    def _on_panel_files_dropped(self, paths: list[Path]) -> None:
        if self._current_ref:
            self.attach_files(self._current_ref, paths)

    def attach_files(self, ref: str, paths: list[Path]) -> Job | None:
        workbook = self.workbook
        if not paths:
            return None
        words = paths[0].name if len(paths) == 1 else f"{len(paths)} files"
        if workbook is None:
            if self.opening:
                self._pending_attach.append((ref, list(paths)))
                self.statusBar().showMessage(f"{words} will be attached to {ref} once the workbook is open.")
            return None
        if self.read_only:
            self._show(UserError("this workbook is open read-only", hint=workbook.db.read_only_reason))
            return None

        def work(progress: Callable[[int, int], None], cancel: Any) -> list[AttachResult]:
            return workbook.evidence.attach(ref, paths, progress=progress, cancel=cancel)

        return self._start_attach(ref, f"Attaching {words} to {ref}", work)

    def paste_evidence(self) -> Job | None:
        """Ctrl+V: the clipboard's image becomes PNG evidence of the selected request."""
        workbook, ref = self.workbook, self._current_ref
        if workbook is None or ref is None or self.read_only:
            return None
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasUrls() and any(u.isLocalFile() for u in mime.urls()):
            return self.attach_files(ref, [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()])
        image = QGuiApplication.clipboard().image()
        if image.isNull():
            self.statusBar().showMessage("The clipboard holds no image or file to attach.", 5000)
            return None
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs want bytes, the binding wants str
        buffer.close()
        png = bytes(data.data())
        name = f"screenshot-{dt.datetime.now():%Y-%m-%d-%H%M%S}.png"

        def work(progress: Callable[[int, int], None], cancel: Any) -> list[AttachResult]:
            result = workbook.evidence.attach_bytes(ref, png, name)
            progress(1, 1)
            return [result]

        return self._start_attach(ref, f"Attaching pasted screenshot to {ref}", work)

    def _start_attach(self, ref: str, title: str, work: Callable[..., list[AttachResult]]) -> Job:
        job = self.jobs.start(title, work, writes=True, paused=True)
        job.setProperty("ref", ref)
        self._workbook_jobs.add(job)
        self._track_job(job)
        job.finished.connect(self._on_attach_finished)
        job.failed.connect(self._on_job_failed)
        job.cancelled.connect(self._on_job_cancelled)
        self.jobs.resume(job)
        return job

    def _ended_for_this_workbook(self, job: QObject | None) -> bool:
        """Forget an ended attach/replace job; False when it belonged to a workbook closed since."""
        self._end_job(job)
        if not isinstance(job, Job) or job not in self._workbook_jobs:
            return False
        self._workbook_jobs.discard(job)
        return self.workbook is not None

    def _on_attach_finished(self, results: list[AttachResult]) -> None:
        job = self.sender()
        ref = str(job.property("ref")) if isinstance(job, Job) else ""
        if not self._ended_for_this_workbook(job) or self.workbook is None:
            return
        fresh = [(r.evidence.sha256, r.evidence.name) for r in results if not r.already_linked]
        if fresh:
            self.undo_stack.push(LinkEvidenceCommand(self.workbook, ref, fresh, self._on_changed, self._show))
        self._on_changed(Changes(refs=frozenset([ref]), evidence=True))
        already = len(results) - len(fresh)
        message = f"Attached {len(fresh)} file{'s' if len(fresh) != 1 else ''} to {ref}"
        self.statusBar().showMessage(message + (f" ({already} already linked)" if already else ""), 8000)
        self.attach_finished.emit(results)

    def _on_panel_unlink_requested(self, links: list[tuple[str, str]]) -> None:
        if self.workbook is None or not self._current_ref or self.read_only:
            return
        self.undo_stack.push(
            UnlinkEvidenceCommand(self.workbook, self._current_ref, links, self._on_changed, self._show)
        )

    def open_evidence(self, sha256: str, name: str) -> None:
        """Write the stored bytes to a private temporary folder and hand them to the system viewer."""
        if self.workbook is None:
            return
        folder = Path(tempfile.gettempdir()) / "audit-workbook-open" / sha256[:16]
        folder.mkdir(parents=True, exist_ok=True)
        dest = folder / name
        try:
            # A copy left from before may have been edited or cut short: reuse it only if it is still exact.
            if not _same_file(dest, self.workbook.evidence.get(sha256).size, sha256):
                self.workbook.evidence.export_original(sha256, dest)
        except (OSError, WorkbookError) as error:
            self._show(error if isinstance(error, WorkbookError) else UserError(str(error), where=str(dest)))
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(dest)))

    def _on_panel_evidence_selected(self, sha256: str, name: str) -> None:
        workbook = self.workbook
        item = self.panel.evidence.selectedItems()
        media = str(item[0].data(MEDIA_ROLE)) if item else ""
        is_pdf = media == "application/pdf" or name.lower().endswith(".pdf")
        if workbook is None or not (media.startswith("image/") or is_pdf):
            self.panel.show_preview(None)
            return

        def work(progress: Callable[[int, int], None], cancel: Any) -> tuple[str, bytes]:
            data = bytearray()
            for chunk in workbook.evidence.open_chunks(sha256):
                data.extend(chunk)
                if len(data) > MAX_PREVIEW_BYTES:
                    return sha256, b""
            return sha256, bytes(data)

        job = self.jobs.start(f"Preview {name}", work, writes=False, paused=True)
        job.finished.connect(self._on_preview_loaded)
        self.jobs.resume(job)

    def _on_preview_loaded(self, result: tuple[str, bytes]) -> None:
        sha256, data = result
        selected = self.panel.evidence.selected_links()
        if len(selected) != 1 or selected[0][0] != sha256:
            return
        if data.startswith(b"%PDF"):
            self.panel.show_pdf(data)
        else:
            self.panel.show_preview(QImage.fromData(data) if data else None)
        self.preview_shown.emit(sha256)

    def _on_panel_details_saved(self, sha256: str, details: EvidenceDetails) -> None:
        links = self.panel.evidence.selected_evidence()
        if self.workbook is None or self.read_only or len(links) != 1:
            return
        evidence = links[0].evidence
        self.undo_stack.push(
            SetEvidenceDetailsCommand(
                self.workbook,
                sha256,
                evidence.name,
                EvidenceDetails.of(evidence),
                details,
                self._on_changed,
                self._show,
            )
        )
        self.statusBar().showMessage(f"Saved the details of {evidence.name}.", 5000)

    def _on_panel_replace_requested(self, sha256: str, name: str) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, f"Replace {name} with a newer version", self.settings.last_folder, "All files (*)"
        )
        if path:
            self.replace_evidence(sha256, name, Path(path))

    def replace_evidence(self, old_sha256: str, old_name: str, path: Path) -> Job | None:
        """Store `path` as the newer version of the selected request's evidence `old_sha256` (a job)."""
        workbook, ref = self.workbook, self._current_ref
        if workbook is None or ref is None or self.read_only:
            return None

        def work(progress: Callable[[int, int], None], cancel: Any) -> AttachResult:
            result = workbook.evidence.replace(ref, old_sha256, path, cancel=cancel)
            progress(1, 1)
            return result

        job = self.jobs.start(f"Replacing {old_name} in {ref}", work, writes=True, paused=True)
        job.setProperty("ref", ref)
        job.setProperty("old", [old_sha256, old_name])
        self._workbook_jobs.add(job)
        self._track_job(job)
        job.finished.connect(self._on_replace_finished)
        job.failed.connect(self._on_job_failed)
        job.cancelled.connect(self._on_job_cancelled)
        self.jobs.resume(job)
        return job

    def _on_replace_finished(self, result: AttachResult) -> None:
        job = self.sender()
        if not self._ended_for_this_workbook(job) or self.workbook is None or not isinstance(job, Job):
            return
        old_sha, old_name = (str(v) for v in job.property("old"))
        ref = str(job.property("ref"))
        new = (result.evidence.sha256, result.evidence.name)
        self.undo_stack.push(
            ReplaceEvidenceCommand(self.workbook, ref, (old_sha, old_name), new, self._on_changed, self._show)
        )
        self._on_changed(Changes(refs=frozenset([ref]), evidence=True))
        self.statusBar().showMessage(f"{old_name} replaced by {result.evidence.name} in {ref}.", 8000)
        self.evidence_replaced.emit(result)

    def _on_panel_restore_requested(self, sha256: str) -> None:
        links = self.panel.evidence.selected_evidence()
        if self.workbook is None or self._current_ref is None or self.read_only or len(links) != 1:
            return
        self.undo_stack.push(
            RestoreVersionCommand(
                self.workbook, self._current_ref, sha256, links[0].evidence.name, self._on_changed, self._show
            )
        )

    def _on_panel_history_toggled(self, _on: bool) -> None:
        self._show_current()

    def _track_job(self, job: Job) -> None:
        self._visible_job = job
        self._job_label.setText(job.title)
        self._job_bar.setRange(0, 0)
        job.progressed.connect(self._on_job_progressed)
        for widget in (self._job_label, self._job_bar, self._job_cancel):
            widget.show()

    def _on_job_progressed(self, done: int, total: int) -> None:
        if self.sender() is self._visible_job:
            self._job_bar.setRange(0, max(total, 1))
            self._job_bar.setValue(done)

    def _end_job(self, job: QObject | None) -> None:
        if job is self._visible_job:
            self._visible_job = None
            for widget in (self._job_label, self._job_bar, self._job_cancel):
                widget.hide()

    def _on_job_cancel_clicked(self) -> None:
        if self._visible_job is not None:
            self._visible_job.cancel()

    def _on_job_failed(self, error: BaseException) -> None:
        job = self.sender()
        current = self._ended_for_this_workbook(job)
        self._show(error, action=job.title if isinstance(job, Job) else "")
        if current and self.workbook is not None and isinstance(job, Job) and job.property("ref"):
            self._on_changed(Changes(refs=frozenset([str(job.property("ref"))]), evidence=True))

    def _on_job_cancelled(self) -> None:
        job = self.sender()
        if not self._ended_for_this_workbook(job):
            return
        self.statusBar().showMessage("Cancelled; files finished before the cancel stay attached.", 8000)
        if self.workbook is not None and isinstance(job, Job) and job.property("ref"):
            self._on_changed(Changes(refs=frozenset([str(job.property("ref"))]), evidence=True))

    def _verify_in_background(self, workbook: Workbook, *, shown: bool = False) -> Job | None:
        """Check `workbook` on a reader job; `shown` puts progress and Cancel in the status bar."""
        if workbook is not self.workbook:
            return None  # closed or replaced before the delayed check on open came round
        if self._verify_job is not None:
            if shown and self._visible_job is None:
                self._track_job(self._verify_job)
            return self._verify_job

        def work(progress: Callable[[int, int], None], cancel: Any) -> VerifyReport:
            return workbook.verify(progress=progress, cancel=cancel)

        job = self.jobs.start(f"Checking {Path(workbook.path).name}", work, writes=False, paused=True)
        self._verify_job = job
        job.setProperty("shown", shown)
        if shown:
            self._track_job(job)
        job.finished.connect(self._on_verify_finished)
        job.failed.connect(self._on_verify_failed)
        job.cancelled.connect(self._on_verify_cancelled)
        self.jobs.resume(job)
        return job

    def verify(self) -> Job | None:
        """Verify now: the same check as on open, with progress and Cancel."""
        if self.workbook is None:
            return None
        self.statusBar().showMessage("Checking every evidence file and the activity log…")
        return self._verify_in_background(self.workbook, shown=True)

    def _verify_ended(self) -> bool:
        """Forget the ended check; False when it belonged to a workbook closed since."""
        job = self.sender()
        self._end_job(job)
        if job is not self._verify_job:
            return False
        self._verify_job = None
        return True

    def _on_verify_finished(self, report: VerifyReport) -> None:
        if not self._verify_ended():
            return
        self.verify_banner.show_report(report)
        if report.ok:
            self.statusBar().showMessage(
                f"Checked {report.evidence_checked} evidence files and {report.activity_checked} log entries:"
                " nothing was altered.",
                10000,
            )
        else:
            self.statusBar().showMessage(
                f"The check found {len(report.problems)} problem(s); they are listed above the table.", 10000
            )
        self.verify_finished.emit(report)

    def _on_verify_failed(self, error: BaseException) -> None:
        if self._verify_ended():
            self.statusBar().clearMessage()
            self._show(error, action="Cannot check the workbook")

    def _on_verify_cancelled(self) -> None:
        if self._verify_ended():
            self.statusBar().showMessage("Check cancelled; nothing was changed.", 8000)

    def new_workbook(self) -> None:
        from ui.dialogs.new_workbook import NewWorkbookDialog

        dialog = NewWorkbookDialog(self.settings.last_folder, self)
        dialog.accepted.connect(lambda: self._create(dialog))
        dialog.open()

    def _create(self, dialog: NewWorkbookDialog) -> None:
        request = dialog.result_request
        if request is None or not self.close_workbook():
            return
        try:
            workbook = self.gateway.create(request)
        except WorkbookError as error:
            self._show(error, action="Cannot create the workbook")
            return
        self._adopt(load_workbook(workbook))

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open workbook", self.settings.last_folder, "Audit workbooks (*.auditwb);;All files (*)"
        )
        if path:
            self.open_path(Path(path))

    def _on_recent_chosen(self, path: str) -> None:
        self.open_path(Path(path))

    def open_demo(self) -> None:
        if not self.gateway.demo_available():
            self._not_yet("The demo workbook")
            return
        folder = Path(
            str(self.settings.store.value("paths/demo_folder", str(Path.home() / "AuditWorkbookDemo")))
        )
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = self.gateway.build_demo(folder)
        except (OSError, WorkbookError) as error:
            self._show(
                error if isinstance(error, WorkbookError) else UserError(str(error), where=str(folder))
            )
            return
        self.open_path(path)

    def import_checklist(self, path: Path | None = None) -> ImportWizard | None:
        """File → Import checklist… (Ctrl+I) or a checklist dropped on the window: open the import wizard."""
        if self.workbook is None:
            self.statusBar().showMessage(
                "The workbook is still opening; import in a moment."
                if self.opening
                else "Open or create a workbook first, then import its checklist.",
                8000,
            )
            return None
        if self.read_only:
            self._show(UserError("this workbook is open read-only", hint=self.workbook.db.read_only_reason))
            return None
        if not service_available("workbook.services.importing"):
            self._not_yet("Importing a checklist")
            return None
        from ui.dialogs.import_wizard import ImportWizard

        wizard = ImportWizard(
            self.workbook,
            self.jobs,
            self.settings.last_folder,
            path,
            self,
            titles={r.ref: r.title or r.request for r in self.model.requests()},
        )
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.import_finished.connect(self._on_import_finished)
        wizard.open()
        return wizard

    def _on_import_finished(self, summary: ImportSummary) -> None:
        self._on_changed(Changes(all_requests=True, people=True))
        self.statusBar().showMessage(
            f"Imported {summary.file_name}: {summary.added} added, {summary.updated} changed, "
            f"{summary.removed} removed.",
            10000,
        )
        self.import_finished.emit(summary)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_checklist(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._dropped_checklist(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_checklist(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.import_checklist(path)

    def _dropped_checklist(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> Path | None:
        from ui.dialogs.import_wizard import is_checklist

        mime = event.mimeData()
        paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()] if mime.hasUrls() else []
        return paths[0] if len(paths) == 1 and is_checklist(paths[0]) else None

    def export_package(self) -> None:
        if self.workbook is None:
            return
        if not service_available("workbook.services.exporting"):
            self._not_yet("Exporting the evidence package")
            return
        from ui.dialogs.export_dialog import ExportDialog

        dialog = ExportDialog(
            self.workbook, self.jobs, self.settings.last_folder, self.workbook.requests.sections(), self
        )
        dialog.open()

    def _not_yet(self, what: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Not available yet",
            f"{what} is not available in this build yet.",
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setObjectName("not_available_box")
        box.setInformativeText(
            "Use the command line (`audit-workbook --help`) in the meantime where it offers it."
        )
        box.open()
        self._open_boxes.append(box)

    def preferences(self) -> None:
        name, ok = QInputDialog.getText(
            self, "Preferences", "Your name (shown in the activity log):", text=self.settings.display_name
        )
        if ok and name.strip():
            self.settings.display_name = name.strip()
            self.statusBar().showMessage("Your name is used from the next workbook you open.", 8000)

    def _show(self, error: BaseException, *, action: str = "") -> None:
        box = show_error(self, error, action=action)
        self._open_boxes = [b for b in self._open_boxes if b.isVisible()] + [box]

    def _restore_window_state(self) -> None:
        geometry = self.settings.state("main_window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        for key, restore in (
            ("main_window/state", self.restoreState),
            ("main_splitter", self.splitter.restoreState),
            ("request_table/header", self.table.horizontalHeader().restoreState),
        ):
            value = self.settings.state(key)
            if value is not None:
                restore(value)

    def _save_view_state(self) -> None:
        self.settings.set_state("main_window/geometry", self.saveGeometry())
        self.settings.set_state("main_window/state", self.saveState())
        self.settings.set_state("main_splitter", self.splitter.saveState())
        self.settings.set_state("request_table/header", self.table.horizontalHeader().saveState())

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save_view_state()
        if not self.close_workbook():
            event.ignore()
            return
        self.settings.sync()
        event.accept()
