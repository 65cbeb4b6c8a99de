"""Edits of requests from the panel and the table: owner, status, due date, notes, comments, as undo steps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox, QWidget

from ui.commands import SetFieldsCommand
from ui.dialogs.due_date import DueDateDialog
from ui.jobs import JobRunner
from ui.request_list import RequestList
from ui.widgets.request_panel import RequestPanel
from ui.workbook_session import ShowError, WorkbookSession
from workbook.errors import UserError, WorkbookError
from workbook.model import Changes, FieldChange, Request, Status

_PENDING_WORDS = {"owner": "owner", "due": "due date", "clear_due": "due date", "notes": "notes"}
# How long saving what the panel holds may wait behind another write (an attach) before it gives up.
PENDING_WAIT_MS = 10_000


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
        jobs: JobRunner,
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
        self._jobs = jobs
        self._show_error = show_error
        self._on_changed = on_changed
        self._dialog_parent = parent
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

    def apply_change(
        self, refs: Sequence[str], change: FieldChange, *, quiet_failure: bool = False
    ) -> SetFieldsCommand | None:
        """One undoable edit, saved on the writer thread; its command (`command.job` saves it), or None.

        The panel shows the new values at once; a failed save puts back what it showed before, typed text
        included. `quiet_failure`: the caller words a failure itself.
        """
        workbook = self._session.workbook
        if workbook is None or not refs or not self._session.ensure_writable():
            return None
        before = self._list.requests(refs)
        command = SetFieldsCommand(
            workbook, refs, change, before, self._jobs, self._on_changed, self._show_error
        )
        command.quiet_first_failure = quiet_failure
        shown = self._panel.request
        if shown is not None and shown.ref in refs:
            self._panel.request = _changed(shown, change)
            command.after_failure = lambda: self._put_back(shown, change)
        self._undo_stack.push(command)
        return command

    def _put_back(self, shown: Request, change: FieldChange) -> None:
        """A save failed: the panel again holds what was sent as unsaved (if it still shows that request)."""
        current = self._panel.request
        if current is None or current.ref != shown.ref:
            return
        self._panel.request = replace(
            current,
            owner=shown.owner if change.owner is not None else current.owner,
            status=shown.status if change.status is not None else current.status,
            due=shown.due if change.due is not None or change.clear_due else current.due,
            notes=shown.notes if change.notes is not None else current.notes,
        )
        if change.notes is not None:
            self._panel.mark_notes_unsaved(change.notes)

    def commit_pending_edits(self) -> bool:
        """Save what the panel holds unsent (owner typed without Enter, due date, notes) as one undo step.

        Used before the selection moves on, before the workbook closes and before the app quits. False
        (with a message saying so) when the save failed: the caller must not go on, or the text is lost.
        """
        ref = self._list.current_ref
        pending = self._panel.pending_edits()
        if self._session.workbook is None or ref is None or not pending or self._session.read_only:
            return True
        shown = self._panel.request
        command = self.apply_change([ref], FieldChange(**pending), quiet_failure=True)
        job = command.job if command is not None else None
        # Closing and moving on need to know: wait for this save (behind a long write, only so long).
        if job is not None and self._jobs.wait_for(job, PENDING_WAIT_MS) and job.outcome == "finished":
            if "notes" in pending:
                self._panel.mark_notes_saved(str(pending["notes"]))
            return True
        if command is not None:
            # Not saved: the step leaves the undo stack, and the panel holds the text as unsaved again.
            command.setObsolete(True)
            command.after_failure = None
            if shown is not None and self._panel.request is not None and self._panel.request.ref == ref:
                self._panel.request = shown
        words = ", ".join(_PENDING_WORDS[key] for key in pending if key in _PENDING_WORDS)
        failure = job.error if job is not None else None
        error = (
            failure
            if isinstance(failure, WorkbookError)
            else UserError(
                "another task is still writing to the workbook"
                if job is not None and job.outcome == "cancelled"
                else "the change was not saved"
            )
        )
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
        if ref and self.apply_change([ref], FieldChange(notes=text)) is not None:
            # Sent: no longer pending (a failed save marks it unsaved again).
            self._panel.mark_notes_saved(text)

    def _on_panel_comment_added(self, body: str) -> None:
        workbook, ref = self._session.workbook, self._list.current_ref
        if workbook is None or not ref:
            return

        def saved(_comment: object) -> None:
            if workbook is self._session.workbook:
                self._on_changed(Changes(refs=frozenset([ref])))

        def failed(error: BaseException) -> None:
            if not isinstance(error, WorkbookError):
                raise error  # a bug: the excepthook shows it
            self._show_error(error)

        # Comments are the review record: added for good, so not on the undo stack.
        self._jobs.write(
            f"Add comment to {ref}",
            lambda: workbook.requests.add_comment(ref, body),
            on_finished=saved,
            on_failed=failed,
        )


def _refs_words(refs: Sequence[str]) -> str:
    return refs[0] if len(refs) == 1 else f"{len(refs)} requests"


def _changed(request: Request, change: FieldChange) -> Request:
    """`request` as it reads once `change` is saved."""
    return replace(
        request,
        owner=" ".join(change.owner.split()) if change.owner is not None else request.owner,
        status=change.status if change.status is not None else request.status,
        due=None if change.clear_due else change.due if change.due is not None else request.due,
        notes=change.notes if change.notes is not None else request.notes,
    )
