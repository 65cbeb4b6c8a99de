"""Edit → People… (Ctrl+Shift+P): the action, made with the window; the dialog is loaded on first use."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QUndoStack
from PySide6.QtWidgets import QWidget

from ui.commands import ChangedCallback, ErrorCallback
from ui.jobs import JobRunner

if TYPE_CHECKING:
    from ui.dialogs.people import PeopleDialog
    from workbook.services.workbook import Workbook


class PeopleAction(QAction):
    """Edit → People… (Ctrl+Shift+P): opens (or raises) the one people dialog for the open workbook."""

    def __init__(
        self,
        window: QWidget,
        workbook: Callable[[], Workbook | None],
        undo_stack: QUndoStack,
        jobs: JobRunner,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
        undo_actions: list[QAction],
        export_folder: Callable[[], str],
    ) -> None:
        super().__init__("&People…", window)
        self.setObjectName("people")
        self.setShortcut("Ctrl+Shift+P")
        self.setStatusTip("Everyone who owns requests: rename, merge duplicates, prepare reminder emails")
        window.addAction(self)
        self._window = window
        self._workbook = workbook
        self._args = (undo_stack, jobs, on_changed, on_error, undo_actions)
        self._export_folder = export_folder
        self.dialog: PeopleDialog | None = None
        self.triggered.connect(self.open)

    def open(self) -> PeopleDialog | None:
        workbook = self._workbook()
        if workbook is None:
            return None
        if self.dialog is not None and self.dialog.isVisible() and self.dialog._workbook is workbook:
            self.dialog.refresh()
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        if self.dialog is not None:
            self.dialog.close()
        from ui.dialogs.people import PeopleDialog

        undo_stack, jobs, on_changed, on_error, undo_actions = self._args
        dialog = PeopleDialog(
            workbook,
            undo_stack,
            jobs,
            on_changed,
            on_error,
            undo_actions,
            self._window,
            export_folder=self._export_folder,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(self._forget)
        self.dialog = dialog
        dialog.show()
        return dialog

    def _forget(self) -> None:
        self.dialog = None

    def refresh(self) -> None:
        """The workbook changed (an edit, an undo, an import): the open dialog shows it."""
        if self.dialog is not None and self.dialog.isVisible():
            if self.dialog._workbook is self._workbook():
                self.dialog.refresh()
            else:
                self.dialog.close()
