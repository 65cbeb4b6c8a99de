"""Errors into words: a user error gets a clear dialog, anything else a bug dialog and a log entry."""

from __future__ import annotations

import datetime as dt
import logging
import platform
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from workbook.errors import ReadOnlyError, StorageError, WorkbookError

log = logging.getLogger("audit_workbook.ui")


def data_folder() -> Path:
    folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_file() -> Path:
    return data_folder() / "audit-workbook.log"


def describe(error: WorkbookError) -> tuple[str, str]:
    """(headline, details) in plain words."""
    headline = error.message[:1].upper() + error.message[1:]
    details = []
    if error.where:
        details.append(f"Where: {error.where}")
    if error.hint:
        details.append(error.hint[:1].upper() + error.hint[1:])
    return headline, "\n".join(details)


def bug_report(error: BaseException, tb: TracebackType | None = None) -> str:
    lines = traceback.format_exception(type(error), error, tb or error.__traceback__)
    from workbook import __version__

    header = (
        f"Audit Workbook {__version__} · Python {platform.python_version()} · {platform.platform()}\n"
        f"{dt.datetime.now().isoformat(timespec='seconds')}\n"
    )
    return header + "".join(lines)


def write_log(text: str) -> Path | None:
    """Append to the log in the user data folder; a failing disk must not hide the original error."""
    try:
        path = log_file()
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text.rstrip() + "\n\n")
        return path
    except OSError:
        return None


def show_error(parent: QWidget | None, error: BaseException, *, action: str = "") -> QMessageBox:
    """Show the right dialog for `error` (non-blocking: the box is opened, not exec'd) and return it."""
    if isinstance(error, WorkbookError):
        headline, details = describe(error)
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Warning)
        title = (
            "Read-only workbook"
            if isinstance(error, ReadOnlyError)
            else ("Cannot save" if isinstance(error, StorageError) else "Please check")
        )
        box.setWindowTitle(title)
        box.setText(f"{action}: {headline}" if action else headline)
        box.setInformativeText(details)
        box.setObjectName("user_error_box")
    else:
        report = bug_report(error)
        path = write_log(report)
        log.error("unexpected error%s", f" during {action}" if action else "", exc_info=error)
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("Something went wrong")
        box.setText(
            "Audit Workbook hit a bug. Your saved work is safe: every change is stored the moment it is made."
        )
        where = (
            f"The details were written to {path}."
            if path
            else "The details could not be written to a log file."
        )
        box.setInformativeText(f"{where}\nPlease send them to the developers (Show Details… → copy).")
        box.setDetailedText(report)
        box.setObjectName("bug_box")
    box.setAccessibleName(box.windowTitle())
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setModal(True)
    box.open()
    return box


def install_excepthook(parent_lookup: QApplication) -> None:
    """Uncaught exceptions in slots become a bug dialog instead of a silent stderr line."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        if error.__traceback__ is None and tb is not None:
            error = error.with_traceback(tb)
        show_error(parent_lookup.activeWindow(), error)

    sys.excepthook = hook
