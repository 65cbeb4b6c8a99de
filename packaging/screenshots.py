"""Render the main screens of the demo workbook and the import wizard offscreen to docs/screenshots/*.png."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Confirmed mappings of the shots go to a throwaway store, not the user's.
os.environ["AUDIT_WORKBOOK_PROFILES"] = str(Path(tempfile.mkdtemp(prefix="aw-profiles-")) / "p.json")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QSettings, QStandardPaths  # noqa: E402 - the platform is chosen first
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from ui.app import Gateway, make_application  # noqa: E402
from ui.jobs import JobRunner  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.settings import Settings  # noqa: E402
from workbook.identity import current_actor  # noqa: E402
from workbook.model import Actor  # noqa: E402


def settle(app: QApplication, rounds: int = 20) -> None:
    for _ in range(rounds):
        app.processEvents()


def grab(widget: QWidget, path: Path, app: QApplication) -> None:
    settle(app)
    widget.grab().save(str(path))
    print(f"wrote {path}")


def wait_for(app: QApplication, ready: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not ready() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def open_fully(window: MainWindow, path: Path, app: QApplication) -> None:
    """Open as the app does (snapshot first) and wait until the workbook can be edited."""
    window.open_path(path)
    wait_for(app, lambda: window.workbook is not None and not window.opening)


def shoot_import_wizard(
    window: MainWindow, actor: Actor, work: Path, out: Path, suffix: str, app: QApplication
) -> None:
    """The mapping step of the import wizard on the bundled sample checklist, in a new workbook."""
    from ui.dialogs.import_wizard import PAGE_MAPPING
    from workbook.services.workbook import Workbook

    path = work / "import-shot.auditwb"
    Workbook.create(path, actor, client="Globex Ltd").close()
    open_fully(window, path, app)
    sample = REPO / "resources" / "samples" / "soc2-type2-request-list.xlsx"
    wizard = window.import_checklist(sample)
    if wizard is None:
        return
    wizard.resize(window.size())
    wait_for(app, lambda: wizard.info is not None and not wizard.busy)
    while wizard.currentId() != PAGE_MAPPING:
        wizard.next()
        wait_for(app, lambda: not wizard.busy)
    wait_for(app, lambda: wizard.analysed is not None and not wizard.busy)
    grab(wizard, out / f"import-wizard{suffix}.png", app)
    wizard.reject()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    parser.add_argument("--size", default="1280x800", help="window size, e.g. 1024x640")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.size == "1280x800" else f"-{args.size}"

    QStandardPaths.setTestModeEnabled(True)
    app = make_application([])
    work = Path(tempfile.mkdtemp(prefix="aw-shots-"))
    settings = Settings(QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
    settings.display_name = "Dana Ops"
    settings.store.setValue("paths/demo_folder", str(work / "demo"))
    actor = current_actor("Dana Ops")
    window = MainWindow(settings, JobRunner(), Gateway(actor))
    window.resize(width, height)
    window.show()

    from workbook.services.demo import build_demo

    demo = build_demo(work / "demo", actor)
    open_fully(window, demo, app)
    window.close_workbook()
    grab(window, out / f"start-page{suffix}.png", app)

    open_fully(window, demo, app)
    with_evidence = next((r.ref for r in window.model.requests() if r.evidence_count and r.owner), None)
    if with_evidence:
        window.select_refs([with_evidence])
    window.panel.tabs.setCurrentIndex(1)
    settle(app)
    grab(window, out / f"main-window{suffix}.png", app)
    if window.panel.evidence.count():
        shown: list[str] = []
        window.preview_shown.connect(shown.append)
        window.panel.evidence.setCurrentRow(0)
        wait_for(app, lambda: bool(shown))
        # QPdfView renders its pages on a thread after the preview is shown.
        deadline = time.monotonic() + 0.8
        while time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        grab(window, out / f"evidence-panel{suffix}.png", app)

    window.export_action.trigger()
    dialog = window.findChild(QWidget, "export_dialog")
    if dialog is not None:
        grab(dialog, out / f"export-dialog{suffix}.png", app)
        dialog.close()
    window.close_workbook()
    shoot_import_wizard(window, actor, work, out, suffix, app)
    window.close_workbook()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
