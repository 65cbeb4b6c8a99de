"""Edits of requests from the panel and the table: owner, status, due date, notes, comments, as undo steps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox, QWidget

from ui.commands import SetFieldsCommand
from ui.dialogs.due_date import DueDateDialog
from ui.request_list import RequestList
from ui.widgets.request_panel import RequestPanel
from ui.workbook_session import ShowError, WorkbookSession
from workbook.errors import UserError, WorkbookError
from workbook.model import Changes, FieldChange, Status

_PENDING_WORDS = {"owner": "owner", "due": "due date", "clear_due": "due date", "notes": "notes"}


class RequestEdits(QObject):
    """Turns the panel's edits and the bulk actions into undoable changes of the open workbook.

    `on_changed` refreshes what a change touched; `parent` (the window) owns it and its dialogs.
    """

    def __init__(
        self,
        session: WorkbookSession,
        request_list: RequestList,
        panel: RequestPanel,
        undo_stack: QUndoStack,
        show_error: ShowError,
        *,
        on_changed: Callable[[Changes], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._list = request_list
        self._panel = panel
        self._undo_stack = undo_stack
        self._show_error = show_error
        self._on_changed = on_changed
        self._dialog_parent = parent
        self._last_failure: WorkbookError | None = None
        self._open_boxes: list[QMessageBox] = []
        panel.owner_chosen.connect(self._on_panel_owner_chosen)
        panel.add_person_requested.connect(self._on_panel_add_person_requested)
        panel.status_chosen.connect(self._on_panel_status_chosen)
        panel.due_chosen.connect(self._on_panel_due_chosen)
        panel.notes_saved.connect(self._on_panel_notes_saved)
        panel.comment_added.connect(self._on_panel_comment_added)
        # The bulk edits of the selected requests, for the Edit menu and the toolbar above the table.
        self.status_menu = QMenu("Set &status", parent)
        self.status_actions = [
            self._action(status.label, self._setting(status), f"Ctrl+{number}", f"status_{status.value}")
            for number, status in enumerate(Status, start=1)
        ]
        self.status_menu.addActions(self.status_actions)
        self.owner_action = self._action("Set &owner…", self.ask_owner, None, "bulk_owner")
        self.due_action = self._action("Set &due date…", self.ask_due, None, "bulk_due")

    @property
    def actions(self) -> list[QAction]:
        """Every bulk edit action: enabled only while the workbook can be changed."""
        return [*self.status_actions, self.owner_action, self.due_action]

    def _action(self, text: str, slot: Callable[[], object], shortcut: str | None, name: str) -> QAction:
        action = QAction(text, self._dialog_parent)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setObjectName(name)
        action.triggered.connect(slot)
        # On the window, so that the shortcut works wherever the focus is.
        self._dialog_parent.addAction(action)
        return action

    def _setting(self, status: Status) -> Callable[[], None]:
        def set_status() -> None:
            self.set_status(status)

        return set_status

    def apply_change(self, refs: Sequence[str], change: FieldChange, *, quiet_failure: bool = False) -> bool:
        """One undoable edit; True when it was saved. `quiet_failure`: the caller words a failure itself."""
        workbook = self._session.workbook
        if workbook is None or not refs or not self._session.ensure_writable():
            return False
        before = self._list.requests(refs)
        command = SetFieldsCommand(workbook, refs, change, before, self._on_changed, self._show_error)
        command.quiet_first_failure = quiet_failure
        self._undo_stack.push(command)
        self._last_failure = command.error
        return command.error is None

    def commit_pending_edits(self) -> bool:
        """Save what the panel holds unsent (owner typed without Enter, due date, notes) as one undo step.

        Used before the selection moves on, before the workbook closes and before the app quits. False
        (with a message saying so) when the save failed: the caller must not go on, or the text is lost.
        """
        ref = self._list.current_ref
        pending = self._panel.pending_edits()
        if self._session.workbook is None or ref is None or not pending or self._session.read_only:
            return True
        if self.apply_change([ref], FieldChange(**pending), quiet_failure=True):
            if "notes" in pending:
                self._panel.mark_notes_saved(str(pending["notes"]))
            return True
        words = ", ".join(_PENDING_WORDS[key] for key in pending if key in _PENDING_WORDS)
        error = self._last_failure or UserError("the change was not saved")
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Not saved",
            f"Your {words} for {ref} could not be saved: {error.message}.",
            QMessageBox.StandardButton.Ok,
            self._dialog_parent,
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

    def set_status(self, status: Status) -> None:
        """Edit → Set status (Ctrl+1…7) on the selected requests."""
        self.apply_change(self._list.selected_refs(), FieldChange(status=status))

    def ask_owner(self) -> None:
        refs = self._list.selected_refs()
        workbook = self._session.workbook
        if workbook is None or not refs:
            return
        names = [p.name for p in workbook.people.list()]
        name, ok = QInputDialog.getItem(
            self._dialog_parent, "Set owner", f"Owner of {_refs_words(refs)}:", ["", *names], 0, True
        )
        if ok:
            self.apply_change(refs, FieldChange(owner=name.strip()))

    def ask_due(self) -> DueDateDialog | None:
        """Edit → Set due date…: one date (typed or picked) for the selected requests, or none."""
        refs = self._list.selected_refs()
        if not refs:
            return None
        dues = {request.due for request in self._list.requests(refs)}
        # The calendar opens on the date they share, else on today.
        current = next(iter(dues)) if len(dues) == 1 else None
        dialog = DueDateDialog(_refs_words(refs), current, self._dialog_parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._on_due_dialog_accepted(refs, dialog.due))
        dialog.open()
        return dialog

    def _on_due_dialog_accepted(self, refs: Sequence[str], due: dt.date | None) -> None:
        self.apply_change(refs, FieldChange(due=due) if due else FieldChange(clear_due=True))

    def _on_panel_owner_chosen(self, name: str) -> None:
        if self._list.current_ref:
            self.apply_change([self._list.current_ref], FieldChange(owner=name))

    def _on_panel_add_person_requested(self) -> None:
        if self._session.workbook is None or not self._list.current_ref:
            return
        name, ok = QInputDialog.getText(self._dialog_parent, "Add person", "Name of the new owner:")
        if not ok or not name.strip():
            return
        # One undoable step: the service adds the person as it sets the owner, and undo removes them again.
        self.apply_change([self._list.current_ref], FieldChange(owner=" ".join(name.split())))

    def _on_panel_status_chosen(self, value: str) -> None:
        if self._list.current_ref:
            self.apply_change([self._list.current_ref], FieldChange(status=Status(value)))

    def _on_panel_due_chosen(self, due: dt.date | None) -> None:
        if self._list.current_ref:
            change = FieldChange(due=due) if due else FieldChange(clear_due=True)
            self.apply_change([self._list.current_ref], change)

    def _on_panel_notes_saved(self, text: str) -> None:
        ref = self._list.current_ref
        if ref and self.apply_change([ref], FieldChange(notes=text)):
            self._panel.mark_notes_saved(text)

    def _on_panel_comment_added(self, body: str) -> None:
        workbook, ref = self._session.workbook, self._list.current_ref
        if workbook is None or not ref:
            return
        try:
            # Comments are the review record: added for good, so not on the undo stack.
            workbook.requests.add_comment(ref, body)
        except WorkbookError as error:
            self._show_error(error)
            return
        self._on_changed(Changes(refs=frozenset([ref])))


def _refs_words(refs: Sequence[str]) -> str:
    return refs[0] if len(refs) == 1 else f"{len(refs)} requests"
