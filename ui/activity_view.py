"""The window's part that owns the Activity log window and the result of the checks the user asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, SignalInstance
from PySide6.QtWidgets import QWidget

from ui.jobs import JobRunner
from workbook.model import Changes, VerifyReport

if TYPE_CHECKING:
    from ui.dialogs.activity_log import ActivityLogDialog
    from ui.dialogs.verify_result import VerifyResultDialog
    from ui.workbook_session import WorkbookSession


class ActivityView(QObject):
    """Opens the open workbook's Activity log (one window per workbook, closed with it) and shows what a
    check the user asked for found (File → Verify now, the banner's or the log's button) in a dialog."""

    def __init__(
        self, session: WorkbookSession, jobs: JobRunner, window: QWidget, changed: SignalInstance
    ) -> None:
        super().__init__(window)
        self._session = session
        self._jobs = jobs
        self._window = window
        self.dialog: ActivityLogDialog | None = None
        self.result_dialog: VerifyResultDialog | None = None
        session.verify_reported.connect(self.show_report)
        session.closing.connect(self._on_session_closing)
        changed.connect(self._on_changed)

    def show_log(self) -> ActivityLogDialog | None:
        """Activity log… (Ctrl+Shift+L): the window, brought to the front; None with no workbook open."""
        from ui.dialogs.activity_log import ActivityLogDialog

        workbook = self._session.workbook
        if workbook is None:
            return None
        if self.dialog is None:
            self.dialog = ActivityLogDialog(workbook, self._jobs, self._session.verify, self._window)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog

    def show_report(self, report: VerifyReport) -> VerifyResultDialog:
        """The result of a check the user asked for, over the activity log when that is open."""
        from ui.dialogs.verify_result import VerifyResultDialog

        self._close_result()
        log = self.dialog
        parent = log if log is not None and log.isVisible() else self._window
        dialog = self.result_dialog = VerifyResultDialog(report, parent)
        dialog.open()
        return dialog

    def _close_result(self) -> None:
        dialog, self.result_dialog = self.result_dialog, None
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.close()
            dialog.deleteLater()

    def _on_changed(self, _changes: Changes) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.refresh()

    def _on_session_closing(self) -> None:
        """The workbook goes: so do its log window and any result shown."""
        self._close_result()
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.close()
            dialog.deleteLater()
