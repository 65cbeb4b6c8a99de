"""Composition root: QApplication, settings, workbook gateway and main window; no globals elsewhere."""

from __future__ import annotations

import gc
import importlib
import logging
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from workbook.identity import current_actor, os_login
from workbook.model import Actor

# Qt is imported inside `run`, and SQLAlchemy only after the first paint (the window paints from a snapshot).
if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from ui.dialogs.new_workbook import NewWorkbookRequest
    from ui.main_window import MainWindow
    from ui.settings import Settings
    from workbook.services.workbook import Workbook

ORGANIZATION = "AuditWorkbook"
APPLICATION = "Audit Workbook"
QUIT_AFTER_PAINT = "--quit-after-paint"
# Not on the command line: the benchmark's "ready to edit" point, once the full workbook is open.
QUIT_WHEN_READY = "--quit-when-ready"
SERVICES = "workbook.services.workbook"


def _warm_up_services() -> None:
    """Start page: load SQLAlchemy on a background thread so New/Open do not wait ~300 ms for it."""
    if SERVICES not in sys.modules:
        threading.Thread(target=importlib.import_module, args=(SERVICES,), daemon=True).start()


class Gateway:
    """Opens and creates workbooks as the acting person; SQLAlchemy is imported on first use, not at start."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    def open(self, path: Path, passphrase: str | None = None) -> Workbook:
        from workbook.services.workbook import Workbook

        return Workbook.open(path, self.actor, passphrase=passphrase)

    def needs_passphrase(self, path: Path) -> bool:
        from workbook.services.workbook import Workbook

        return Workbook.needs_passphrase(path)

    def create(self, request: NewWorkbookRequest) -> Workbook:
        from workbook.services.workbook import Workbook

        return Workbook.create(
            request.path,
            self.actor,
            client=request.client,
            framework=request.framework,
            period_start=request.period_start,
            period_end=request.period_end,
            auditor=request.auditor,
        )

    def build_demo(self, folder: Path) -> Path:
        from workbook.services import demo

        path: Path = demo.build_demo(folder, self.actor)
        return path


def make_application(argv: list[str]) -> QApplication:
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication([sys.argv[0] if sys.argv else "audit-workbook", *argv])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setDesktopFileName("audit-workbook")
    return app


def ask_display_name(settings: Settings) -> str:
    """First run: ask once who is using the app (for the activity log); the OS login if they decline."""
    from PySide6.QtWidgets import QInputDialog

    name, ok = QInputDialog.getText(
        None,
        "Welcome to Audit Workbook",
        "Your name, as it should appear in the activity log\n(you can change it later in Preferences):",
        text=os_login(),
    )
    chosen = name.strip() if ok and name.strip() else os_login()
    settings.display_name = chosen
    return chosen


def freeze_long_lived(_path: str = "") -> None:
    """Once a workbook is open, keep what is alive now (libraries, services) out of the cyclic collector.

    A full collection walks every tracked object while holding the GIL: with SQLAlchemy loaded one took
    45-85 ms here, run by a worker's import and so stalling the GUI thread; frozen, 20-40 ms.
    """
    gc.freeze()


def build_window(settings: Settings, actor_name: str | None, *, start_page: bool = True) -> MainWindow:
    from ui.jobs import JobRunner
    from ui.main_window import MainWindow

    actor = current_actor(actor_name or settings.display_name or None)
    window = MainWindow(settings, JobRunner(), Gateway(actor), start_page=start_page)
    window.workbook_opened.connect(freeze_long_lived)
    return window


def run(argv: list[str], actor_name: str | None = None) -> int:
    """The app: argv is [], [FILE] or [FILE, "--quit-after-paint"]; returns the exit status."""
    quit_after_paint = QUIT_AFTER_PAINT in argv
    quit_when_ready = QUIT_WHEN_READY in argv
    files = [a for a in argv if a not in (QUIT_AFTER_PAINT, QUIT_WHEN_READY)]
    from PySide6.QtCore import QSettings, QTimer

    from ui.messages import install_excepthook, log_file
    from ui.settings import Settings

    app = make_application([])
    settings = Settings(QSettings(ORGANIZATION, APPLICATION))
    if settings.theme != "system":
        from ui.theme import apply_theme

        apply_theme(settings.theme)
    logging.basicConfig(
        filename=str(log_file()),
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not (quit_after_paint or quit_when_ready) and not actor_name and not settings.display_name:
        ask_display_name(settings)
    window = build_window(settings, actor_name, start_page=not files)
    install_excepthook(app)
    if quit_after_paint:
        # Exit right after the first paint showing requests: the start-up measurement point.
        window.first_paint.connect(lambda: QTimer.singleShot(0, app.quit))
    if quit_when_ready:
        window.workbook_opened.connect(lambda _path: QTimer.singleShot(0, app.quit))
    window.show()
    if files:
        # Exiting after the paint: the full workbook would only be opened to be closed again.
        opened = window.open_path(Path(files[0]), full=not quit_after_paint)
        if not opened and (quit_after_paint or quit_when_ready):
            return 1
        if not opened:
            window.show_start_page()
    elif quit_after_paint or quit_when_ready:
        QTimer.singleShot(0, app.quit)
    else:
        QTimer.singleShot(0, _warm_up_services)
    status = app.exec()
    window.close()
    return int(status)


def main() -> None:
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
