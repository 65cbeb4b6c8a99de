"""Edit → People…: everyone who owns requests, with their counts; rename, merge duplicates, email addresses.

Reminder emails are prepared for each owner (opened as drafts or saved as .eml files); the app sends nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QUndoStack
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.commands import (
    ChangedCallback,
    ErrorCallback,
    MergePeopleCommand,
    RenamePersonCommand,
    SetEmailCommand,
)
from ui.geometry import fitted_size
from ui.jobs import JobRunner
from workbook.errors import UserError
from workbook.model import Changes, Person, RequestFilter
from workbook.owner_mail import OwnerMail, eml_bytes, eml_name, mailto_url, owner_mails

if TYPE_CHECKING:
    # Not at run time: the window builds this dialog's action before its first paint, SQLAlchemy after it.
    from workbook.services.workbook import Workbook


class PeopleDialog(QDialog):
    """Non-modal; every change is an undo step on the window's stack (Ctrl+Z works here too)."""

    def __init__(
        self,
        workbook: Workbook,
        undo_stack: QUndoStack,
        jobs: JobRunner,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
        undo_actions: list[QAction],
        parent: QWidget | None = None,
        *,
        export_folder: Callable[[], str] = lambda: str(Path.home()),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("people_dialog")
        self.setWindowTitle("People")
        self._workbook = workbook
        self._stack = undo_stack
        self._jobs = jobs
        self._on_changed = on_changed
        self._on_error = on_error
        self._export_folder = export_folder
        self.people: list[Person] = []
        for action in undo_actions:
            self.addAction(action)

        self.table = QTableWidget(0, 3)
        self.table.setObjectName("people_table")
        self.table.setHorizontalHeaderLabels(["Name", "Email", "Requests"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _item: self.rename())

        self.rename_button = self._button("&Rename…", self.rename, "people_rename")
        self.merge_button = self._button("&Merge into…", self.merge, "people_merge")
        self.email_button = self._button("Email &address…", self.set_email, "people_email")
        self.draft_button = self._button("&Open reminder email", self.open_draft, "people_draft")
        self.save_button = self._button(
            "&Save reminder emails for all owners…", self.save_drafts, "people_save"
        )
        self.note = QLabel(
            "Reminder emails list each owner's open and overdue requests. Nothing is sent by Audit Workbook: "
            "a draft opens in your mail program, or the drafts are saved as .eml files you can open and send."
        )
        self.note.setWordWrap(True)
        self.note.setObjectName("people_note")

        side = QVBoxLayout()
        for button in (self.rename_button, self.merge_button, self.email_button, self.draft_button):
            side.addWidget(button)
        side.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.table, 1)
        row.addLayout(side)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.resize(fitted_size(self, 720, 460))
        self.refresh()

    def _button(self, text: str, slot: Callable[[], object], name: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def refresh(self) -> None:
        """Read the people again (after any change); the selection stays on the same name when it can."""
        selected = self.selected()
        self.people = self._workbook.people.list()
        self.table.setRowCount(len(self.people))
        for row, person in enumerate(self.people):
            count = QTableWidgetItem(str(person.request_count))
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for column, item in enumerate(
                (QTableWidgetItem(person.name), QTableWidgetItem(person.email), count)
            ):
                self.table.setItem(row, column, item)
            if selected is not None and person.name == selected.name:
                self.table.selectRow(row)
        self._update_buttons()

    def selected(self) -> Person | None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        return self.people[min(rows)] if rows and min(rows) < len(self.people) else None

    def select(self, name: str) -> None:
        for row, person in enumerate(self.people):
            if person.name.casefold() == name.casefold():
                self.table.selectRow(row)

    def _update_buttons(self) -> None:
        person = self.selected()
        writable = not self._workbook.read_only
        for button in (self.rename_button, self.email_button):
            button.setEnabled(person is not None and writable)
        self.merge_button.setEnabled(person is not None and writable and len(self.people) > 1)
        self.draft_button.setEnabled(person is not None and person.request_count > 0)

    def _push(self, command: RenamePersonCommand | MergePeopleCommand | SetEmailCommand) -> None:
        self._stack.push(command)

    def _changed(self, changes: Changes) -> None:
        self._on_changed(changes)
        self.refresh()

    def rename(self) -> None:
        person = self.selected()
        if person is None or self._workbook.read_only:
            return
        name, ok = QInputDialog.getText(self, "Rename", f"New name for {person.name}:", text=person.name)
        name = " ".join(name.split())
        if not ok or not name or name == person.name:
            return
        taken = next((p for p in self.people if p.name.casefold() == name.casefold() and p != person), None)
        if taken is not None:
            self._on_error(
                UserError(
                    f"{taken.name!r} is already in this workbook", hint="use Merge into… to make them one"
                )
            )
            return
        self._push(
            RenamePersonCommand(self._workbook, person.name, name, self._jobs, self._changed, self._on_error)
        )

    def merge(self) -> None:
        person = self.selected()
        if person is None or self._workbook.read_only:
            return
        others = [p.name for p in self.people if p.name != person.name]
        into, ok = QInputDialog.getItem(
            self,
            "Merge",
            f"Give every request of {person.name} to, and remove {person.name}:",
            others,
            0,
            False,
        )
        if ok and into:
            self._push(
                MergePeopleCommand(
                    self._workbook,
                    person.name,
                    person.email,
                    into,
                    self._jobs,
                    self._changed,
                    self._on_error,
                )
            )

    def set_email(self) -> None:
        person = self.selected()
        if person is None or self._workbook.read_only:
            return
        email, ok = QInputDialog.getText(self, "Email address", f"Email of {person.name}:", text=person.email)
        if ok and email.strip() != person.email:
            self._push(
                SetEmailCommand(
                    self._workbook,
                    person.name,
                    person.email,
                    email,
                    self._jobs,
                    self._changed,
                    self._on_error,
                )
            )

    def mails(self) -> list[OwnerMail]:
        workbook = self._workbook
        return owner_mails(
            workbook.requests.list(RequestFilter()),
            self.people,
            workbook.engagement(),
            dt.date.today(),
            sender=workbook.actor.name,
        )

    def open_draft(self) -> str | None:
        """Open the selected owner's reminder in the mail program; the link opened (None: nothing to say)."""
        person = self.selected()
        mail = next((m for m in self.mails() if person is not None and m.owner == person.name), None)
        if mail is None:
            self._on_error(UserError(f"{person.name if person else 'nobody'} has no open requests"))
            return None
        url = mailto_url(mail)
        QDesktopServices.openUrl(QUrl(url))
        return url

    def save_drafts(self, folder: str | None = None) -> list[Path]:
        """Save one .eml draft per owner with open requests into a folder the user picks."""
        mails = self.mails()
        if not mails:
            self._on_error(UserError("nobody has open requests", hint="assign owners to requests first"))
            return []
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Save reminder emails to", self._export_folder())
            if not folder:
                return []
        written = []
        try:
            for mail in mails:
                path = Path(folder) / eml_name(mail)
                path.write_bytes(eml_bytes(mail))
                written.append(path)
        except OSError as error:
            self._on_error(
                UserError(
                    f"could not save the emails: {error.strerror or error}",
                    where=str(folder),
                    hint="pick a folder you may write to",
                )
            )
        self.note.setText(
            f"Saved {len(written)} reminder email{'s' if len(written) != 1 else ''} to {folder}. "
            "Open each in your mail program to check and send it."
        )
        return written
