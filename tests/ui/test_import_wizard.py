"""The import wizard acting as a user: a messy checklist, one mapping corrected by hand, a re-import diff."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QTreeWidgetItem, QWizard
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from ui.dialogs.import_wizard import (
    PAGE_CHANGES,
    PAGE_MAPPING,
    PAGE_PROBLEMS,
    PAGE_SHEET,
    PAGE_SUMMARY,
    ImportWizard,
    profile_words,
)
from ui.dialogs.mapping_preview import MappingPreviewModel, PreviewColumn
from ui.main_window import MainWindow
from ui.models.request_table_model import Column
from workbook.model import Actor
from workbook.services.workbook import Workbook

ROWS = [
    ("PBC-001", "Provide the information security policy", "CC1.1, CC2.1", "Elena Petrova", "X1", "Open"),
    ("PBC-002", "Provide the list of new hires", "CC1.4", "Priya Raman", "X2", "In progress"),
    ("PBC-003", "Provide the access review evidence", "CC6.1", "Marcus Chen", "X3", "Open"),
]


def write_checklist(path: Path, rows: list[tuple[str, str, str, str, str, str]] = ROWS) -> Path:
    """An auditor's list as sent: instructions sheet, title block, two-row band header, hidden column."""
    book = openpyxl.Workbook()
    info = book.active
    assert info is not None
    info.title = "Instructions"
    info["A1"] = "How to use this list"
    info["A2"] = "Upload evidence to the portal."
    sheet = book.create_sheet("PBC List")
    sheet["A1"] = "Northbridge Assurance LLP"
    sheet["A2"] = "SOC 2 Type II — provided by client list"
    sheet["A3"] = "Period: 1 Jan 2026 – 30 Jun 2026"
    sheet["A5"] = "Request"
    sheet.merge_cells("A5:C5")
    sheet["D5"] = "Client response"
    sheet.merge_cells("D5:G5")
    # "Control Operator" is the owner, but the guesser reads it as the title: the user corrects it.
    for col, text in enumerate(
        ["PBC #", "Description of request", "TSC", "Control Operator", "Due", "Internal ref", "Status"], 1
    ):
        sheet.cell(6, col, text)
    sheet.column_dimensions["F"].hidden = True
    for number, (ref, text, tsc, operator, internal, status) in enumerate(rows):
        row = 7 + number
        for col, value in enumerate(
            [ref, text, tsc, operator, dt.date(2026, 3, 1 + number), internal, status], 1
        ):
            sheet.cell(row, col, value)
    sheet.cell(7 + len(rows) + 1, 1, "Note: send everything by 15 March.")
    book.save(path)
    return path


@pytest.fixture
def empty(
    window: MainWindow, tmp_path: Path, actor: Actor, open_file: Callable[[MainWindow, Path], None]
) -> MainWindow:
    """A new workbook with no requests yet: what the wizard usually meets first."""
    path = tmp_path / "globex.auditwb"
    Workbook.create(path, actor, client="Globex Ltd").close()
    open_file(window, path)
    return window


def wait_idle(qtbot: QtBot, wizard: ImportWizard) -> None:
    qtbot.waitUntil(lambda: not wizard.busy)


def click_next(qtbot: QtBot, wizard: ImportWizard) -> None:
    button = wizard.button(QWizard.WizardButton.NextButton)
    if wizard.currentPage().isCommitPage():
        button = wizard.button(QWizard.WizardButton.CommitButton)
    qtbot.waitUntil(button.isEnabled)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def visible_wizard(window: MainWindow) -> ImportWizard:
    shown = [w for w in window.findChildren(ImportWizard) if w.isVisible()]
    assert len(shown) == 1
    return shown[0]


def open_wizard(qtbot: QtBot, window: MainWindow, checklist: Path) -> ImportWizard:
    window.import_action.trigger()
    wizard = visible_wizard(window)
    qtbot.keyClicks(wizard.file_page.path, str(checklist))
    wait_idle(qtbot, wizard)
    return wizard


def header_pick(qtbot: QtBot, wizard: ImportWizard, column: int, field: str) -> None:
    """Click a column heading of the preview grid, then the field in the menu that opens."""
    grid = wizard.mapping_page.grid
    header = grid.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    menu = wizard.findChild(QMenu, "field_menu")
    assert menu is not None and menu.isVisible()
    action = next(a for a in menu.actions() if isinstance(a, QAction) and a.data() == field)
    with qtbot.waitSignal(wizard.analysis_ready):
        action.trigger()
    menu.close()


def tree_texts(item: QTreeWidgetItem) -> list[str]:
    return [item.child(i).text(0) for i in range(item.childCount())]


def import_to_the_end(qtbot: QtBot, wizard: ImportWizard) -> None:
    with qtbot.waitSignal(wizard.import_finished, timeout=20000):
        click_next(qtbot, wizard)
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    qtbot.waitUntil(finish.isEnabled)
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)


def test_importing_a_messy_checklist_with_one_mapping_corrected_by_hand(
    qtbot: QtBot, empty: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDIT_WORKBOOK_PROFILES", str(tmp_path / "profiles.json"))
    checklist = write_checklist(tmp_path / "Northbridge PBC list.xlsx")
    wizard = open_wizard(qtbot, empty, checklist)
    assert wizard.file_page.status.text() == (
        "Northbridge PBC list.xlsx: xlsx, 2 sheets; the requests look to be on “PBC List”."
    )

    click_next(qtbot, wizard)
    assert wizard.currentId() == PAGE_SHEET
    sheets = wizard.sheet_page.sheets
    best = sheets.item(0).text()
    assert best.startswith("PBC List — score ") and ", 9 rows × 7 columns\n" in best
    assert sheets.item(1).text().startswith("Instructions — score")
    qtbot.waitUntil(lambda: wizard.sheet_page.grid.rowCount() == 11)
    assert wizard.sheet_page.grid.item(0, 0).text() == "Northbridge Assurance LLP"

    click_next(qtbot, wizard)
    assert wizard.currentId() == PAGE_MAPPING
    wait_idle(qtbot, wizard)
    page = wizard.mapping_page
    assert page.header_row.value() == 6
    model = page.model
    assert model.headerData(0, Qt.Orientation.Horizontal) == "A · PBC #\n→ Ref 100%"
    assert model.headerData(3, Qt.Orientation.Horizontal) == "D · Control Operator\n→ Title 42%"
    assert model.headerData(5, Qt.Orientation.Horizontal) == "F · hidden · Internal ref\n→ not imported"
    assert model.index(6, 0).data() == "PBC-001"
    assert page.counts.text() == "3 requests · 2 rows skipped · 1 hidden column"

    header_pick(qtbot, wizard, 3, "owner")
    assert model.headerData(3, Qt.Orientation.Horizontal) == "D · Control Operator\n→ Owner 100%"
    assert wizard.analysed is not None
    assert wizard.analysed.analysis.mapping["owner"] == "Control Operator"
    assert "title" not in wizard.analysed.analysis.mapping
    assert wizard.analysed.analysis.rows[0].owner == "Elena Petrova"

    click_next(qtbot, wizard)
    assert wizard.currentId() == PAGE_PROBLEMS
    assert wizard.problems_page.isCommitPage()
    skipped = wizard.problems_page.tree.topLevelItem(0)
    assert skipped.text(0) == "Skipped rows (2)"
    assert tree_texts(skipped) == ["Row 11: section heading or note", "1 blank row"]

    import_to_the_end(qtbot, wizard)
    assert wizard.currentId() == PAGE_SUMMARY
    assert "3 added · 0 changed · 0 unchanged · 0 removed" in wizard.summary_page.text.text()
    qtbot.waitUntil(lambda: empty.proxy.rowCount() == 3)
    refs = [empty.proxy.index(r, Column.REF).data() for r in range(empty.proxy.rowCount())]
    assert refs == ["PBC-001", "PBC-002", "PBC-003"]
    row = empty.model.row_of("PBC-002")
    assert row is not None
    assert empty.model.index(row, Column.OWNER).data() == "Priya Raman"
    assert empty.model.index(row, Column.STATUS).data() == "In progress"
    assert empty.model.index(row, Column.CRITERIA).data() == "CC1.4"


def test_reimport_shows_the_diff_and_offers_the_confirmed_mapping(
    qtbot: QtBot, empty: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDIT_WORKBOOK_PROFILES", str(tmp_path / "profiles.json"))
    first = write_checklist(tmp_path / "pbc-v1.xlsx")
    wizard = open_wizard(qtbot, empty, first)
    click_next(qtbot, wizard)
    click_next(qtbot, wizard)
    wait_idle(qtbot, wizard)
    header_pick(qtbot, wizard, 3, "owner")
    click_next(qtbot, wizard)
    with qtbot.waitSignal(empty.requests_reloaded):
        import_to_the_end(qtbot, wizard)

    changed = [
        ROWS[0],
        ("PBC-002", "Provide the list of new hires and leavers", "CC1.4", "Priya Raman", "X2", "Open"),
        ("PBC-004", "Provide the vendor register", "CC9.2", "Marcus Chen", "X4", "Open"),
    ]
    second = write_checklist(tmp_path / "pbc-v2.xlsx", changed)
    wizard = open_wizard(qtbot, empty, second)
    click_next(qtbot, wizard)
    click_next(qtbot, wizard)
    wait_idle(qtbot, wizard)
    page = wizard.mapping_page
    assert not page.profile_box.isHidden()
    today = dt.date.today().strftime("%d %b %Y")
    assert page.profile_label.text() == f"Using the mapping you confirmed for pbc-v1.xlsx on {today}."
    assert page.model.headerData(3, Qt.Orientation.Horizontal) == "D · Control Operator\n→ Owner 100%"

    click_next(qtbot, wizard)
    assert not wizard.problems_page.isCommitPage()
    click_next(qtbot, wizard)
    assert wizard.currentId() == PAGE_CHANGES
    tree = wizard.changes_page.tree
    items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    groups = {item.text(0): item for item in items if item is not None}
    assert list(groups) == [
        "Added (1)",
        "Changed (1)",
        "Removed (archived, their evidence kept) (1)",
        "Unchanged (1)",
    ]
    assert tree_texts(groups["Added (1)"]) == ["PBC-004 · Provide the vendor register"]
    assert tree_texts(groups["Changed (1)"]) == [
        "PBC-002 · re-check evidence · Provide the list of new hires and leavers"
    ]
    change = groups["Changed (1)"].child(0).child(0)
    assert [change.text(c) for c in range(3)] == [
        "Request text",
        "Provide the list of new hires",
        "Provide the list of new hires and leavers",
    ]
    assert tree_texts(groups["Removed (archived, their evidence kept) (1)"]) == [
        "PBC-003 · Provide the access review evidence"
    ]
    commit = wizard.button(QWizard.WizardButton.CommitButton)
    assert not commit.isEnabled()
    wizard.changes_page.accept_box.click()
    with qtbot.waitSignal(empty.requests_reloaded):
        import_to_the_end(qtbot, wizard)
    refs = [empty.proxy.index(r, Column.REF).data() for r in range(empty.proxy.rowCount())]
    assert refs == ["PBC-001", "PBC-002", "PBC-004"]


def test_a_checklist_dropped_on_the_window_opens_the_wizard_with_it(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    checklist = write_checklist(tmp_path / "dropped.xlsx")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(checklist))])
    event = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    opened.dropEvent(event)
    wizard = visible_wizard(opened)
    wait_idle(qtbot, wizard)
    assert wizard.file_page.path.text() == str(checklist)
    assert wizard.info is not None and wizard.info.best_sheet == "PBC List"
    wizard.reject()


def test_a_header_row_that_is_empty_is_explained_and_blocks_next(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    wizard = open_wizard(qtbot, opened, write_checklist(tmp_path / "pbc.xlsx"))
    click_next(qtbot, wizard)
    click_next(qtbot, wizard)
    wait_idle(qtbot, wizard)
    wizard.mapping_page.header_row.setValue(4)
    wait_idle(qtbot, wizard)
    assert wizard.mapping_page.error.text().startswith(
        "Row 4 is empty or outside the sheet, so it cannot be the header row."
    )
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    qtbot.mouseClick(
        wizard.mapping_page.grid.verticalHeader().viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(5, wizard.mapping_page.grid.rowViewportPosition(5) + 4),
    )
    wait_idle(qtbot, wizard)
    assert wizard.mapping_page.header_row.value() == 6
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.reject()


def test_the_mapping_preview_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    model = MappingPreviewModel()
    model.set_preview(
        [("Title block",), ("Ref", "Request"), ("PBC-1", "Provide it"), ("", "")],
        [PreviewColumn("A", "Ref", "ref", 1.0, False), PreviewColumn("B", "Request", None, 0.0, True)],
        header_first_row=2,
        header_row=2,
        skipped={4: "blank"},
    )
    qtmodeltester.check(model)
    assert model.rowCount() == 4 and model.columnCount(QModelIndex()) == 2
    assert model.index(3, 0).data(Qt.ItemDataRole.ToolTipRole) == "Row 4 is skipped: blank"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "B · hidden · Request\n→ not imported"


def test_the_profile_is_described_by_file_and_date() -> None:
    at = dt.datetime(2026, 2, 3, 12, 0, tzinfo=dt.UTC)
    profile = {"mapping": {"ref": "PBC #"}, "source": "workbook"}
    last = {"file_name": "pbc.xlsx", "mapping": {"ref": "PBC #"}, "imported_at": at}
    assert profile_words(profile, last) == "Using the mapping you confirmed for pbc.xlsx on 03 Feb 2026."
    assert profile_words({"mapping": {}, "file_name": "old.xlsx"}, None) == (
        "Using the mapping you confirmed for old.xlsx."
    )
    assert profile_words(None, last) == ""


def test_cancel_pressed_as_the_import_commits_still_refreshes_the_table_and_closes_the_wizard(
    qtbot: QtBot, empty: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from workbook.jobs import CancelToken
    from workbook.services import importing

    monkeypatch.setenv("AUDIT_WORKBOOK_PROFILES", str(tmp_path / "profiles.json"))
    gate = threading.Event()

    class LateCancelService(importing.ImportService):
        """The import is past its last cancel check when the user presses Cancel."""

        def import_checklist(self, path: Path, **kwargs: object) -> importing.ImportSummary:
            gate.wait()
            kwargs["cancel"] = CancelToken()
            return super().import_checklist(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importing, "ImportService", LateCancelService)
    wizard = open_wizard(qtbot, empty, write_checklist(tmp_path / "pbc.xlsx"))
    try:
        click_next(qtbot, wizard)
        click_next(qtbot, wizard)
        wait_idle(qtbot, wizard)
        click_next(qtbot, wizard)
        assert wizard.currentId() == PAGE_PROBLEMS
        click_next(qtbot, wizard)
        assert wizard.currentId() == PAGE_SUMMARY
        qtbot.keyClick(wizard, Qt.Key.Key_Escape)
        with qtbot.waitSignal(empty.import_finished, timeout=20000):
            gate.set()
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not wizard.isVisible())
    qtbot.waitUntil(lambda: empty.proxy.rowCount() == 3)


@pytest.mark.parametrize(("shared", "asked"), [(False, False), (True, True)])
def test_the_problems_step_asks_about_rows_sharing_a_ref_only_when_some_do(
    qtbot: QtBot,
    empty: MainWindow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    shared: bool,
    asked: bool,
) -> None:
    monkeypatch.setenv("AUDIT_WORKBOOK_PROFILES", str(tmp_path / "profiles.json"))
    rows = list(ROWS)
    if shared:
        rows[2] = ("PBC-001", *rows[2][1:])
    wizard = open_wizard(qtbot, empty, write_checklist(tmp_path / "pbc.xlsx", rows))
    click_next(qtbot, wizard)
    click_next(qtbot, wizard)
    wait_idle(qtbot, wizard)
    click_next(qtbot, wizard)
    assert wizard.currentId() == PAGE_PROBLEMS
    assert wizard.problems_page.duplicates.isVisible() is asked
    wizard.reject()
