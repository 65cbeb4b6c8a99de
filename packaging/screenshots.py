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
from ui.dialogs.import_wizard import PAGE_MAPPING, PAGE_PROBLEMS, ImportWizard  # noqa: E402
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


def new_workbook(window: MainWindow, actor: Actor, work: Path, name: str, app: QApplication) -> None:
    from workbook.services.workbook import Workbook

    path = work / f"{name}.auditwb"
    Workbook.create(path, actor, client="Globex Ltd").close()
    open_fully(window, path, app)


def open_import_wizard(window: MainWindow, checklist: Path, app: QApplication) -> ImportWizard | None:
    """Import a given file as the window does: the wizard reads it and stops on the step to check."""
    from ui.dialogs.import_wizard import PAGE_FILE

    wizard = window.import_checklist(checklist)
    if wizard is None:
        return None
    wizard.resize(window.size())
    wait_for(app, lambda: wizard.preview is not None and not wizard.busy and wizard.currentId() != PAGE_FILE)
    return wizard


def write_sheet(path: Path, rows: list[tuple[str, ...]], title: str) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def shoot_import_wizard(
    window: MainWindow, actor: Actor, work: Path, out: Path, suffix: str, app: QApplication
) -> None:
    """The mapping step of the import wizard on the bundled sample checklist, in a new workbook."""
    new_workbook(window, actor, work, "import-shot", app)
    sample = REPO / "resources" / "samples" / "soc2-type2-request-list.xlsx"
    wizard = open_import_wizard(window, sample, app)
    if wizard is None:
        return
    while wizard.currentId() < PAGE_MAPPING:
        wizard.next()
        wait_for(app, lambda: not wizard.busy)
    grab(wizard, out / f"import-wizard{suffix}.png", app)
    wizard.reject()
    window.close_workbook()


def shoot_import_problems(
    window: MainWindow, actor: Actor, work: Path, out: Path, suffix: str, app: QApplication
) -> None:
    """The problems step: worked examples and a note left out, each offered back with a tick box."""
    rows: list[tuple[str, ...]] = [
        ("Ref", "Domain", "Question", "Your answer", "Owner", "Status"),
        (
            "EX-1",
            "Access Control",
            "Do you review user access rights on a defined schedule?",
            "Yes: quarterly, signed off by the IT lead.",
            "Jane Doe",
            "Verified example",
        ),
        (
            "EX-2",
            "Incident Response",
            "Do you have a documented incident response plan?",
            "Yes: reviewed every year, last tested in March.",
            "Jane Doe",
            "Verified example",
        ),
    ]
    questions = [
        ("Access Control", "Is multi-factor authentication required for remote access?"),
        ("Access Control", "Are leavers' accounts disabled within one working day?"),
        ("Asset Management", "Do you keep an inventory of laptops and servers?"),
        ("Business Resilience", "Do you test backup restoration at least once a year?"),
        ("Business Resilience", "Is there a business continuity plan with named owners?"),
        ("Change Management", "Are production changes approved before they are deployed?"),
        ("Cryptography", "Is customer data encrypted at rest and in transit?"),
        ("Human Resources", "Do staff complete security awareness training each year?"),
        ("Incident Response", "Are customers told of a breach within 72 hours?"),
        ("Vendor Risk", "Do you assess the security of your own suppliers?"),
    ]
    rows += [(str(n), domain, text, "", "", "To do") for n, (domain, text) in enumerate(questions, 1)]
    rows.append(("Note: replace the worked examples above with your own answers before you send this back.",))
    checklist = write_sheet(work / "vendor-questionnaire.xlsx", rows, "Questionnaire")
    new_workbook(window, actor, work, "problems-shot", app)
    wizard = open_import_wizard(window, checklist, app)
    if wizard is None:
        return
    while wizard.currentId() < PAGE_PROBLEMS:
        wizard.next()
        wait_for(app, lambda: not wizard.busy)
    grab(wizard, out / f"import-problems{suffix}.png", app)
    wizard.reject()
    window.close_workbook()


def shoot_import_generated_refs(
    window: MainWindow, actor: Actor, work: Path, out: Path, suffix: str, app: QApplication
) -> None:
    """The mapping step on a questionnaire with no ID column: refs come from the row numbers."""
    questions = [
        "Describe how you grant and remove access to production systems.",
        "Describe how often you review who has administrator rights.",
        "Describe how you back up customer data and test restores.",
        "Describe how you find and patch vulnerabilities.",
        "Describe how you vet the suppliers that handle customer data.",
        "Describe how you log and monitor security events.",
        "Describe how you respond to a security incident.",
        "Describe the security training your staff take.",
    ]
    rows = [("Question", "Answer", "Owner"), *((q, "", "") for q in questions)]
    checklist = write_sheet(work / "customer-questionnaire.xlsx", rows, "Questions")
    new_workbook(window, actor, work, "generated-shot", app)
    wizard = open_import_wizard(window, checklist, app)
    if wizard is None:
        return
    while wizard.currentId() < PAGE_MAPPING:
        wizard.next()
        wait_for(app, lambda: not wizard.busy)
    grab(wizard, out / f"import-generated-refs{suffix}.png", app)
    wizard.reject()
    window.close_workbook()


def shoot_empty_workbook(
    window: MainWindow, actor: Actor, work: Path, out: Path, suffix: str, app: QApplication
) -> None:
    """A new workbook before its checklist is imported: the table says what to do first."""
    new_workbook(window, actor, work, "empty-shot", app)
    grab(window, out / f"empty-workbook{suffix}.png", app)
    window.close_workbook()


def shoot_activity_log(
    window: MainWindow, actor: Actor, work: Path, out: Path, suffix: str, app: QApplication
) -> None:
    """The Activity log window on the demo after an owner and a reviewer have worked on it too."""
    import datetime as dt

    from workbook.model import FieldChange, RequestFilter, Status
    from workbook.services.demo import build_demo
    from workbook.services.workbook import Workbook

    demo = build_demo(work / "log-demo", actor)
    with Workbook.open(demo, current_actor("Lee Chen")) as workbook:
        refs = [r.ref for r in workbook.requests.list(RequestFilter())][:3]
        proof = work / "firewall-rules-review.pdf"
        proof.write_bytes(b"%PDF-1.4\n% firewall rules review, signed\n%%EOF\n")
        workbook.requests.set(refs[0], FieldChange(status=Status.IN_PROGRESS))
        workbook.evidence.attach(refs[0], [proof])
        workbook.requests.set(refs[0], FieldChange(status=Status.READY_FOR_REVIEW, due=dt.date(2026, 9, 30)))
    with Workbook.open(demo, current_actor("Sam Reviewer")) as workbook:
        workbook.requests.add_comment(refs[0], "Please include the sign-off page as well.")
        workbook.requests.set(refs[1], FieldChange(status=Status.ACCEPTED))
        workbook.requests.set(
            refs[2], FieldChange(status=Status.FOLLOW_UP, notes="Sample period is Q1, not Q2")
        )
    open_fully(window, demo, app)
    dialog = window.activity_view.show_log()
    if dialog is not None:
        dialog.resize(min(1000, window.width() - 60), min(620, window.height() - 60))
        wait_for(app, lambda: dialog.ready)
        grab(dialog, out / f"activity-log{suffix}.png", app)
        dialog.close()
    window.close_workbook()


def _demo_window(window: MainWindow, actor: Actor, work: Path, app: QApplication) -> None:
    from workbook.services.demo import build_demo

    open_fully(window, build_demo(work / "shot-demo", actor), app)


def shoot_review_presenter(
    window: MainWindow, actor: Actor, work: Path, out: Path, suffix: str, app: QApplication
) -> None:
    """Review with the auditor: the presenter on a request whose evidence is a screenshot."""
    _demo_window(window, actor, work, app)
    workbook = window.workbook
    assert workbook is not None
    ref = next(
        r.ref
        for r in window.model.requests()
        if any(link.evidence.media_type.startswith("image/") for link in workbook.evidence.for_request(r.ref))
    )
    window.select_refs([ref])
    presenter = window.review.start()
    if presenter is not None:
        presenter.resize(window.size())
        presenter.go_to(ref)
        wait_for(app, lambda: presenter.viewer.kind == "image")
        presenter.viewer.fit_image()
        grab(presenter, out / f"review-presenter{suffix}.png", app)
        presenter.close()
    window.close_workbook()


def shoot_people(
    window: MainWindow, actor: Actor, work: Path, out: Path, suffix: str, app: QApplication
) -> None:
    """Edit → People… on the demo."""
    _demo_window(window, actor, work, app)
    dialog = window.people_action.open()
    if dialog is not None:
        dialog.select("Priya Raman")
        grab(dialog, out / f"people{suffix}.png", app)
        dialog.close()
    window.close_workbook()


def shoot_dashboard(
    window: MainWindow, actor: Actor, work: Path, out: Path, suffix: str, app: QApplication
) -> None:
    """The dashboard the demo opens on."""
    from ui.dashboard_view import View

    _demo_window(window, actor, work, app)
    window.views.choose(View.DASHBOARD)
    settle(app)
    grab(window, out / f"dashboard{suffix}.png", app)
    window.close_workbook()


DEMO_SHOTS = ("start-page-first-run", "start-page", "main-window", "evidence-panel", "export-dialog")
IMPORT_SHOTS = {
    "empty-workbook": shoot_empty_workbook,
    "import-wizard": shoot_import_wizard,
    "import-problems": shoot_import_problems,
    "import-generated-refs": shoot_import_generated_refs,
    "activity-log": shoot_activity_log,
    "review-presenter": shoot_review_presenter,
    "people": shoot_people,
    "dashboard": shoot_dashboard,
}


def shoot_demo(
    window: MainWindow, actor: Actor, work: Path, out: Path, suffix: str, app: QApplication, only: str
) -> None:
    """The start page (first run, then with the demo as a recent workbook), the main window, the evidence
    panel and the export dialog on the demo workbook."""
    from workbook.services.demo import build_demo

    if "start-page-first-run".startswith(only):
        # No workbook opened yet: what a first run shows.
        window.show_start_page()
        grab(window, out / f"start-page-first-run{suffix}.png", app)
    demo = build_demo(work / "demo", actor)
    open_fully(window, demo, app)
    window.close_workbook()
    if "start-page".startswith(only):
        grab(window, out / f"start-page{suffix}.png", app)

    open_fully(window, demo, app)
    with_evidence = next((r.ref for r in window.model.requests() if r.evidence_count and r.owner), None)
    if with_evidence:
        window.select_refs([with_evidence])
    window.panel.tabs.setCurrentIndex(1)
    settle(app)
    if "main-window".startswith(only):
        grab(window, out / f"main-window{suffix}.png", app)
    if window.panel.evidence.count() and "evidence-panel".startswith(only):
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

    if "export-dialog".startswith(only):
        window.export_action.trigger()
        dialog = window.findChild(QWidget, "export_dialog")
        if dialog is not None:
            grab(dialog, out / f"export-dialog{suffix}.png", app)
            dialog.close()
    window.close_workbook()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    parser.add_argument("--size", default="1280x800", help="window size, e.g. 1024x640")
    parser.add_argument(
        "--only", default="", help="render only the shots whose names start with this, e.g. import"
    )
    parser.add_argument(
        "--theme", choices=("light", "dark"), default="light", help="dark adds -dark to names"
    )
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    suffix = ("" if args.size == "1280x800" else f"-{args.size}") + ("-dark" if args.theme == "dark" else "")
    only: str = args.only

    QStandardPaths.setTestModeEnabled(True)
    app = make_application([])
    if args.theme == "dark":
        from ui.theme import apply_theme

        apply_theme("dark")
    work = Path(tempfile.mkdtemp(prefix="aw-shots-"))
    settings = Settings(QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
    settings.display_name = "Dana Ops"
    settings.store.setValue("paths/demo_folder", str(work / "demo"))
    actor = current_actor("Dana Ops")
    window = MainWindow(settings, JobRunner(), Gateway(actor))
    window.resize(width, height)
    window.show()

    if any(name.startswith(only) for name in DEMO_SHOTS):
        shoot_demo(window, actor, work, out, suffix, app, only)
    for name, shoot in IMPORT_SHOTS.items():
        if name.startswith(only):
            shoot(window, actor, work, out, suffix, app)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
