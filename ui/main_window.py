"""The main window: start page or the open workbook's request table, filter bar and request panel."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ui.dashboard_view import DashboardView
from ui.evidence_actions import EvidenceActions
from ui.geometry import fitted_size
from ui.import_export import ImportExport, dropped_checklist
from ui.jobs import Job, JobRunner
from ui.menus import build_menus
from ui.messages import show_error
from ui.models.request_table_model import RequestFilterProxyModel, RequestTableModel
from ui.request_edits import RequestEdits
from ui.request_list import RequestList
from ui.sample_actions import sample_actions_for
from ui.settings import Key, RecentWorkbook, Settings
from ui.widgets.filter_bar import FilterBar
from ui.widgets.job_status import JobStatus
from ui.widgets.request_panel import RequestPanel
from ui.widgets.request_table import RequestTableView
from ui.widgets.verify_banner import VerifyBanner
from ui.workbook_session import OpenedWorkbook, PaintWatcher, WorkbookGateway, WorkbookSession, ask_to_stop
from workbook.errors import UserError, WorkbookError
from workbook.model import Changes, Engagement, Status

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenu

    from ui.cycles_actions import CyclesActions
    from ui.dialogs.import_wizard import ImportWizard
    from ui.dialogs.new_workbook import NewWorkbookDialog
    from ui.dialogs.preferences import Chosen, PreferencesDialog
    from ui.help_menu import HelpMenu
    from ui.people_action import PeopleAction
    from ui.review_mode import ReviewMode
    from ui.widgets.menu_tool_button import MenuToolButton
    from ui.widgets.start_page import StartPage
    from workbook.services.snapshot import WorkbookSnapshot
    from workbook.services.workbook import Workbook

APP_NAME = "Audit Workbook"


def keep_toolbar_text(action: QAction, word: str) -> None:
    """The toolbar says `word` while the menu says "Undo Set owner of PBC-012 to …"; the tooltip the detail.

    A toolbar button shows the action's text, so the buttons after it moved with every edit.
    """
    action.setIconText(word)

    def describe() -> None:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        detail = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
        action.setToolTip(f"{detail} ({keys})" if keys else detail)

    action.changed.connect(describe)
    describe()


class MainWindow(QMainWindow):
    """Menus, toolbar and layout; the workbook's lifecycle, its rows, edits and evidence are collaborators."""

    # Made by ui/menus.py's build_menus.
    recent_menu: QMenu
    view_menu: QMenu
    status_button: MenuToolButton
    people_action: PeopleAction
    review: ReviewMode
    help: HelpMenu
    cycles: CyclesActions

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
        self.undo_stack = QUndoStack(self)
        self._first_paint_done = False
        self._open_boxes: list[QMessageBox] = []

        # Children of the window: they (and the model's clock timers) go when the window is deleted.
        self.model = RequestTableModel()
        self.model.setParent(self)
        self.proxy = RequestFilterProxyModel()
        self.proxy.setParent(self)
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
        layout.addWidget(self.verify_banner)
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
        self.selection_label = QLabel()
        self.selection_label.setObjectName("selection_label")

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
        # Wide enough for every panel tab's whole label: the table gives up its optional columns instead.
        scroller.setMinimumWidth(
            self.panel.minimum_width()
            + scroller.verticalScrollBar().sizeHint().width()
            + 2 * scroller.frameWidth()
        )
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(scroller)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([850, 410])
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)

        self.job_status = JobStatus()
        self.statusBar().addPermanentWidget(self.job_status)
        self.session = WorkbookSession(
            jobs,
            gateway,
            self.job_status,
            self.statusBar(),
            self.read_only_banner,
            self.verify_banner,
            self._show,
            self,
        )
        self.session.backups_kept = lambda: self.settings.backups_kept
        self.request_list = RequestList(
            self.session,
            jobs,
            self.model,
            self.proxy,
            self.table,
            self.panel,
            self.filter_bar,
            self.header,
            self.selection_label,
            settings,
            self._show,
            commit_pending=lambda: self.edits.commit_pending_edits(),  # the edits are built next
            parent=self,
        )
        self.edits = RequestEdits(
            self.session,
            self.request_list,
            self.panel,
            self.undo_stack,
            jobs,
            self._show,
            on_changed=self._on_changed,
            parent=self,
        )
        self.evidence_actions = EvidenceActions(
            self.session,
            self.request_list,
            jobs,
            self.job_status,
            self.panel.evidence_tab,
            self.undo_stack,
            settings,
            self.statusBar(),
            self._show,
            on_changed=self._on_changed,
            parent=self,
        )
        self.import_export = ImportExport(
            self.session,
            jobs,
            self.model,
            settings,
            self.statusBar(),
            on_changed=self._on_changed,
            parent=self,
        )
        self.sample_actions = sample_actions_for(self)
        # Dashboard | Requests in the table's place; a workbook with requests opens on the dashboard.
        self.views = DashboardView(self, self.model, self.table, self.filter_bar, self.request_list, settings)
        self.views.place_in(layout, self.splitter)
        self._paint_watcher = PaintWatcher(lambda: self.session.shown is not None)
        self._paint_watcher.painted.connect(self._on_table_painted)
        self.table.viewport().installEventFilter(self._paint_watcher)
        self.views.dashboard.installEventFilter(self._paint_watcher)

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
        self.export_action = self._action(
            "&Export package…", self.import_export.export_package, "Ctrl+E", "export"
        )
        self.close_action = self._action(
            "&Close workbook", self.close_workbook, QKeySequence.StandardKey.Close, "close_workbook"
        )
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit, "quit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
        self.undo_action.setObjectName("undo")
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        # Written out: the platform's Redo keys can include Ctrl+Shift+Z, and a key listed twice on one
        # action is an "ambiguous shortcut" that Qt never triggers.
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.setObjectName("redo")
        for action, word in ((self.undo_action, "Undo"), (self.redo_action, "Redo")):
            keep_toolbar_text(action, word)
        self.addAction(self.undo_action)
        self.addAction(self.redo_action)
        self.find_action = self._action(
            "&Find", self.request_list.focus_search, QKeySequence.StandardKey.Find, "find"
        )
        self.paste_action = self._action(
            "&Paste screenshot as evidence",
            self.evidence_actions.paste_evidence,
            QKeySequence.StandardKey.Paste,
            "paste_evidence",
        )
        self.preferences_action = self._action("&Preferences…", self.preferences, None, "preferences")
        self.verify_action = self._action("&Verify now", self.session.verify, None, "verify")
        self.verify_action.setStatusTip("Re-hash every evidence file and re-check the activity log")
        from ui.activity_view import ActivityView

        self.activity_view = ActivityView(self.session, self.jobs, self, self.requests_changed)
        self.activity_log_action = self._action(
            "&Activity log…", self.activity_view.show_log, "Ctrl+Shift+L", "activity_log"
        )
        self.activity_log_action.setStatusTip("Every change to this workbook in plain words; verify, export")
        self.status_actions = self.edits.status_actions

        build_menus(self)

    def _connect(self) -> None:
        self.table.files_dropped.connect(self.attach_files)
        self.table.checklist_dropped.connect(self.import_checklist)
        self.table.import_requested.connect(self.import_action.trigger)
        self.table.clear_filters_requested.connect(self.filter_bar.clear)
        self.session.snapshot_shown.connect(self._on_session_snapshot_shown)
        self.session.opened.connect(self._on_session_opened)
        self.session.open_failed.connect(self._on_session_open_failed)
        self.session.closing.connect(self._on_session_closing)
        self.session.closed.connect(self._on_session_closed)
        self.session.verify_finished.connect(self.verify_finished)
        self.request_list.reloaded.connect(self.requests_reloaded)
        self.evidence_actions.attach_finished.connect(self.attach_finished)
        self.evidence_actions.evidence_replaced.connect(self.evidence_replaced)
        self.evidence_actions.preview_shown.connect(self.preview_shown)
        self.import_export.import_finished.connect(self.import_finished)

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
        for action in (self.import_action, self.paste_action, *self.edits.actions):
            action.setEnabled(writable)
        for action in (
            self.export_action,
            self.verify_action,
            self.activity_log_action,
            self.people_action,
            self.review.action,
        ):
            action.setEnabled(open_)
        # A snapshot can be searched and closed; editing waits for the full workbook.
        for action in (self.close_action, self.find_action):
            action.setEnabled(self.session.shown is not None)
        self.bulk_bar.setEnabled(open_)

    @property
    def workbook(self) -> Workbook | None:
        return self.session.workbook

    @property
    def read_only(self) -> bool:
        return self.session.read_only

    @property
    def opening(self) -> bool:
        """True while a file is shown from its snapshot and its full workbook is not open yet."""
        return self.session.opening

    def selected_refs(self) -> list[str]:
        return self.request_list.selected_refs()

    def select_refs(self, refs: Sequence[str]) -> None:
        self.request_list.select_refs(refs)

    def reload_requests(self) -> Job | None:
        return self.request_list.reload()

    def set_status(self, status: Status) -> None:
        self.edits.set_status(status)

    def attach_files(self, ref: str, paths: list[Path]) -> Job | None:
        return self.evidence_actions.attach_files(ref, paths)

    def replace_evidence(self, old_sha256: str, old_name: str, path: Path) -> Job | None:
        return self.evidence_actions.replace_evidence(old_sha256, old_name, path)

    def open_evidence(self, sha256: str, name: str) -> None:
        self.evidence_actions.open_evidence(sha256, name)

    def import_checklist(self, path: Path | None = None) -> ImportWizard | None:
        return self.import_export.import_checklist(path)

    def open_path(self, path: Path, *, full: bool = True) -> bool:
        """Show a workbook file, replacing the one open now; False (with a message) if it cannot be opened.

        The table paints from the file's snapshot at once; `workbook_opened` says when editing is possible.
        `full=False` shows the snapshot only (the start-up measurement, which exits after the paint).
        """
        if not self.close_workbook():
            return False
        if self.session.open(path, full=full):
            return True
        if not path.exists():
            self.settings.forget(str(path))
            self.start_page.set_recent(self.settings.recent())
        return False

    def _on_session_snapshot_shown(self, snapshot: WorkbookSnapshot) -> None:
        """What the file holds, read-only, while its services load: table, header, engagement line."""
        self._show_file(snapshot.path, snapshot.engagement, read_only=False)
        self.request_list.show_snapshot(snapshot)
        self.pages.setCurrentWidget(self.workspace)
        self._update_actions()
        self.statusBar().showMessage(f"Opening {snapshot.path.name}…")
        self.snapshot_shown.emit(str(snapshot.path))
        self.request_list.select_first()
        # The full open starts after the paint that shows these rows.
        self._paint_watcher.armed = True
        self.table.viewport().update()

    def _show_file(self, path: Path, engagement: Engagement, *, read_only: bool) -> None:
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
        self.session.start_full_open()

    def _on_session_opened(self, opened: OpenedWorkbook, from_snapshot: bool) -> None:
        """The full workbook is open: enable editing and refresh quietly what the snapshot showed."""
        workbook = opened.workbook
        self.undo_stack.clear()
        self.settings.last_folder = str(Path(workbook.path).parent)
        self._show_file(Path(workbook.path), opened.engagement, read_only=workbook.read_only)
        self.request_list.show_opened(opened, from_snapshot=from_snapshot)
        if not from_snapshot:
            self.pages.setCurrentWidget(self.workspace)
        self._update_actions()
        self._remember()
        self.workbook_opened.emit(str(workbook.path))
        if from_snapshot:
            self.request_list.show_current()
        else:
            self.request_list.select_first()
        self.evidence_actions.attach_pending()

    def _on_session_open_failed(self, path: Path, error: BaseException) -> None:
        self.close_workbook()
        self._show(error, action=f"Cannot open {path.name}")

    def close_workbook(self) -> bool:
        """Close the file shown; False when the user chose to wait for a task or an edit was not saved."""
        return self.session.close(
            ask_to_stop=self._confirm_stop, save_pending=self.edits.commit_pending_edits
        )

    def _on_session_closing(self) -> None:
        self._remember()
        self._save_view_state()

    def _on_session_closed(self) -> None:
        self.undo_stack.clear()
        self.request_list.clear()
        self.statusBar().clearMessage()
        self.setWindowTitle(APP_NAME)
        self.show_start_page()

    def _confirm_stop(self, jobs: Sequence[Job]) -> bool:
        return ask_to_stop(self, jobs)

    def _remember(self) -> None:
        shown, engagement = self.session.shown, self.session.engagement
        if shown is None or engagement is None:
            return
        ready, _overdue, total = self.model.counts()
        self.settings.remember(
            RecentWorkbook(path=str(shown), client=engagement.client, ready=ready, total=total)
        )

    def _on_review_changed(self, reviewing: bool) -> None:
        """Review started or ended: the window's edits are off (or back on) and the panel shows it."""
        self._update_actions()
        self.request_list.show_current()
        self.statusBar().showMessage(
            "In review with the auditor: only verdicts are recorded, in the review window."
            if reviewing
            else "Review ended.",
            10000,
        )

    def _on_changed(self, changes: Changes) -> None:
        """Refresh only what a service said it changed."""
        if self.session.workbook is not None:
            self.request_list.refresh(changes)
            self.requests_changed.emit(changes)

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
        self.session.adopt(workbook)

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open workbook", self.settings.last_folder, "Audit workbooks (*.auditwb);;All files (*)"
        )
        if path:
            self.open_path(Path(path))

    def _on_recent_chosen(self, path: str) -> None:
        self.open_path(Path(path))

    def open_demo(self) -> None:
        folder = Path(self.settings.demo_folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = self.gateway.build_demo(folder)
        except (OSError, WorkbookError) as error:
            self._show(
                error if isinstance(error, WorkbookError) else UserError(str(error), where=str(folder))
            )
            return
        self.open_path(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_checklist(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if dropped_checklist(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = dropped_checklist(event.mimeData())
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.import_checklist(path)

    def preferences(self) -> PreferencesDialog:
        """Edit → Preferences…: saved when accepted; the theme applies at once, a name from the next open."""
        from ui.dialogs.preferences import PreferencesDialog

        workbook = self.workbook
        freshness = workbook.engagement().freshness_days if workbook and not self.read_only else None
        dialog = PreferencesDialog(self.settings, freshness, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._save_preferences(dialog.chosen(), workbook))
        dialog.open()
        return dialog

    def _save_preferences(self, chosen: Chosen, workbook: Workbook | None) -> None:
        from ui.theme import apply_theme

        renamed = chosen.display_name and chosen.display_name != self.settings.display_name
        if chosen.display_name:
            self.settings.display_name = chosen.display_name
        self.settings.theme = chosen.theme
        self.settings.export_page_size = chosen.page_size
        self.settings.export_final = chosen.final
        self.settings.export_outputs = chosen.outputs
        self.settings.export_folder = chosen.export_folder
        self.settings.backups_kept = chosen.backups_kept
        apply_theme(chosen.theme)
        days = chosen.freshness_days
        current = workbook is not None and workbook is self.workbook
        if current and workbook and days is not None and days != workbook.engagement().freshness_days:
            self.jobs.write(
                "Setting the evidence freshness window",
                lambda: workbook.update_engagement(freshness_days=days),
                on_finished=lambda _changes: self.request_list.reload(),
                on_failed=lambda error: self._show(error, action="Saving the freshness window"),
            )
        if renamed:
            self.statusBar().showMessage("Your name is used from the next workbook you open.", 8000)

    def _show(self, error: BaseException, *, action: str = "") -> None:
        box = show_error(self, error, action=action)
        self._open_boxes = [b for b in self._open_boxes if b.isVisible()] + [box]

    def _restore_window_state(self) -> None:
        geometry = self.settings.state(Key.MAIN_GEOMETRY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(fitted_size(self, 1280, 800))
        for key, restore in (
            (Key.MAIN_STATE, self.restoreState),
            (Key.MAIN_SPLITTER, self.splitter.restoreState),
            (Key.TABLE_HEADER, self.table.horizontalHeader().restoreState),
        ):
            value = self.settings.state(key)
            if value is not None:
                restore(value)

    def _save_view_state(self) -> None:
        self.settings.set_state(Key.MAIN_GEOMETRY, self.saveGeometry())
        self.settings.set_state(Key.MAIN_STATE, self.saveState())
        self.settings.set_state(Key.MAIN_SPLITTER, self.splitter.saveState())
        self.settings.set_state(Key.TABLE_HEADER, self.table.horizontalHeader().saveState())

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save_view_state()
        if not self.close_workbook():
            event.ignore()
            return
        self.settings.sync()
        event.accept()
