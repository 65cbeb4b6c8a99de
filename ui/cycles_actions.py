"""Audit cycles in the window: File ▸ Start next period…, and last period's files beside each request."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QUndoStack
from PySide6.QtWidgets import QMessageBox, QStatusBar, QWidget

from ui.commands import LinkEvidenceCommand
from ui.jobs import Job, JobRunner
from ui.request_list import RequestList
from ui.settings import RecentWorkbook, Settings
from ui.widgets.evidence_tab import EvidenceTab
from ui.workbook_session import ShowError, WorkbookSession
from workbook.errors import UserError
from workbook.model import Changes, Engagement, EvidenceFlag, ReuseResult, flag_label

if TYPE_CHECKING:
    from ui.dialogs.next_period import NextPeriodDialog
    from workbook.model import NextPeriodResult
    from workbook.services.workbook import Workbook


def reuse_warning(result: ReuseResult, engagement: Engagement | None) -> str:
    """What a reused file's date says against this period, and what to do; "" when nothing is flagged."""
    date = result.evidence.effective_date
    dated = f"dated {date.isoformat()}" if date else ""
    period = ""
    if engagement is not None and (engagement.period_start or engagement.period_end):
        start, end = engagement.period_start, engagement.period_end
        period = f" ({start.isoformat() if start else '…'} to {end.isoformat() if end else '…'})"
    words = []
    for flag in result.flags:
        if flag == EvidenceFlag.OUTSIDE_PERIOD:
            words.append(f"{dated}, outside this period{period}")
        elif flag == EvidenceFlag.STALE:
            words.append(f"{dated}, older than the freshness window")
        elif flag == EvidenceFlag.UNDATED:
            words.append("no effective date")
        else:
            words.append(flag_label(flag))
    if not words:
        return ""
    text = "; ".join(words)
    return f"{text[:1].upper()}{text[1:]}: update its effective date or attach a newer file."


class CyclesActions(QObject):
    """Starts the next period's workbook, and shows, opens and reuses last period's files of a request."""

    next_period_created = Signal(object)
    # A prior-period file was made this period's evidence (a ReuseResult).
    reused = Signal(object)

    def __init__(
        self,
        session: WorkbookSession,
        request_list: RequestList,
        jobs: JobRunner,
        evidence_tab: EvidenceTab,
        undo_stack: QUndoStack,
        settings: Settings,
        status_bar: QStatusBar,
        show_error: ShowError,
        *,
        open_path: Callable[[Path], object],
        recent_changed: Callable[[], object],
        on_changed: Callable[[Changes], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._list = request_list
        self._jobs = jobs
        self._tab = evidence_tab
        self._undo_stack = undo_stack
        self._settings = settings
        self._status_bar = status_bar
        self._show_error = show_error
        self._open_path = open_path
        self._recent_changed = recent_changed
        self._on_changed = on_changed
        self._parent = parent
        self.dialog: NextPeriodDialog | None = None
        self.message_box: QMessageBox | None = None
        # Ref → how many prior-period files, read once per open workbook: only next-period writes them.
        self._counts: dict[str, int] | None = None
        self._counts_of: Workbook | None = None
        self.next_period_action = QAction("Start &next period…", parent)
        self.next_period_action.setObjectName("next_period")
        self.next_period_action.setStatusTip(
            "A new workbook for the next audit period: same client, people and requests, statuses reset, "
            "this period's files linked as last period's evidence"
        )
        self.next_period_action.triggered.connect(self.start_next_period)
        self.next_period_action.setEnabled(False)
        parent.addAction(self.next_period_action)
        session.opened.connect(self._update_action)
        session.closed.connect(self._update_action)
        session.closing.connect(self._on_session_closing)
        evidence_tab.links_shown.connect(self.show_prior)
        evidence_tab.reuse_requested.connect(self.reuse)

    def _update_action(self) -> None:
        self.next_period_action.setEnabled(self._session.workbook is not None)

    def _on_session_closing(self) -> None:
        self._counts = self._counts_of = None
        self.next_period_action.setEnabled(False)

    def start_next_period(self) -> NextPeriodDialog | None:
        """File ▸ Start next period…: the dialog, prefilled from the open workbook's engagement."""
        workbook = self._session.workbook
        if workbook is None:
            return None
        from ui.dialogs.next_period import NextPeriodDialog

        try:
            engagement = workbook.engagement()
        except UserError as error:
            self._show_error(error, action="Start next period")
            return None
        dialog = NextPeriodDialog(Path(workbook.path), engagement, workbook.actor, self._jobs, self._parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.created.connect(self._on_dialog_created)
        dialog.open_requested.connect(self._on_dialog_open_requested)
        dialog.destroyed.connect(self._forget_dialog)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _forget_dialog(self) -> None:
        self.dialog = None

    def _on_dialog_created(self, result: NextPeriodResult) -> None:
        engagement = self._session.engagement
        client = engagement.client if engagement is not None else ""
        # On the start page and in Open recent at once, opened or not.
        self._settings.remember(RecentWorkbook(str(result.path), client, 0, result.requests))
        self._recent_changed()
        self._status_bar.showMessage(f"Started the next period in {result.path}.", 10000)
        self.next_period_created.emit(result)

    def _on_dialog_open_requested(self, path: Path) -> None:
        self._open_path(path)

    def show_prior(self) -> None:
        """The evidence tab shows a request: last period's files of it beside (none: the section hides)."""
        workbook, ref = self._session.workbook, self._list.current_ref
        if workbook is None or ref is None:
            self._tab.set_prior([], writable=False)
            return
        if self._counts is None or self._counts_of is not workbook:
            self._counts, self._counts_of = workbook.prior.counts(), workbook
        try:
            prior = workbook.prior.for_request(ref) if self._counts.get(ref) else []
        except UserError:
            prior = []
        self._tab.set_prior(prior, writable=not self._session.read_only)

    def reuse(self, sha256: str, name: str) -> Job | None:
        """Reuse for this period: last period's file becomes current evidence of the request (undoable)."""
        workbook, ref = self._session.workbook, self._list.current_ref
        if workbook is None or ref is None or not self._session.ensure_writable():
            return None
        return self._jobs.write(
            f"Reuse {name} for {ref}",
            lambda: workbook.prior.reuse(ref, sha256),
            on_finished=lambda result: self._on_reused(workbook, result),
            on_failed=lambda error: self._show_error(error, action=f"Reusing {name}"),
        )

    def _on_reused(self, workbook: Workbook, result: ReuseResult) -> None:
        if workbook is not self._session.workbook:
            return
        evidence, ref = result.evidence, result.ref
        if not result.already:
            command = LinkEvidenceCommand(
                workbook,
                ref,
                [(evidence.sha256, evidence.name)],
                self._jobs,
                self._on_changed,
                self._show_error,
            )
            command.setText(f"Reuse {evidence.name} for {ref}")
            self._undo_stack.push(command)
        self._on_changed(Changes(refs=frozenset([ref]), evidence=True))
        if self._list.current_ref == ref:
            self._tab.select_evidence(evidence.sha256)
        warning = reuse_warning(result, self._session.engagement)
        if warning:
            self._warn(result, warning)
        else:
            state = "is already" if result.already else "is now"
            self._status_bar.showMessage(f"{evidence.name} {state} evidence of {ref} for this period.", 8000)
        self.reused.emit(result)

    def _warn(self, result: ReuseResult, warning: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Check the reused file's date",
            f"{result.evidence.name} is now evidence of {result.ref} for this period.",
            QMessageBox.StandardButton.Ok,
            self._parent,
        )
        box.setObjectName("reuse_warning_box")
        box.setInformativeText(warning)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()
