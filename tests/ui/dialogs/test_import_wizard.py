"""The import wizard acting as a user: a messy checklist, one mapping corrected by hand, rows brought back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from helpers.corpus import CORPUS
from helpers.files import write_xlsx
from PySide6.QtCore import QModelIndex, QPoint, QSize, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QMenu,
    QStyle,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWizard,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from ui.dialogs.import_wizard import (
    OPENING_SIZE,
    PAGE_CHANGES,
    PAGE_FILE,
    PAGE_MAPPING,
    PAGE_PROBLEMS,
    PAGE_SHEET,
    PAGE_SUMMARY,
    ImportWizard,
)
from ui.dialogs.mapping_preview import LOW_CONFIDENCE_COLOR, MappingPreviewModel, PreviewColumn
from ui.geometry import fitted
from ui.main_window import MainWindow
from ui.models.request_table_model import Column
from workbook.model import Actor
from workbook.services.import_profiles import profile_words
from workbook.services.workbook import Workbook

ROWS = [
    ("PBC-001", "Provide the information security policy", "CC1.1, CC2.1", "Elena Petrova", "X1", "Open"),
    ("PBC-002", "Provide the list of new hires", "CC1.4", "Priya Raman", "X2", "In progress"),
    ("PBC-003", "Provide the access review evidence", "CC6.1", "Marcus Chen", "X3", "Open"),
]
QUESTIONS = ("backups", "access reviews", "encryption at rest", "vendor risk", "incident response")


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
    # "Control Operator" is the owner, but the reader cannot tell from the heading: the user maps it.
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


def write_questionnaire(path: Path) -> Path:
    """A vendor questionnaire whose first row is a worked example (EX-1) above five open questions."""
    rows = [
        ("Ref", "Question", "Your answer", "Owner", "Status"),
        (
            "EX-1",
            "Do you review user access rights on a schedule?",
            "Yes, quarterly.",
            "Jane Doe",
            "Verified",
        ),
        *((str(n), f"Question {n}: describe your {w}.", "", "", "To do") for n, w in enumerate(QUESTIONS, 1)),
    ]
    return write_xlsx(path, {"Questionnaire": rows})


def write_two_sheet_list(path: Path) -> Path:
    """One request list kept on two sheets with the same columns."""
    header = ("Ref", "Request", "Owner", "Status")
    access = [
        (f"AC-{n}", f"Provide the access evidence number {n} for the period", "Priya Raman", "Open")
        for n in range(1, 6)
    ]
    change = [
        (f"CM-{n}", f"Provide the change ticket sample number {n} for review", "Marcus Chen", "Open")
        for n in range(1, 5)
    ]
    return write_xlsx(path, {"Access": [header, *access], "Change": [header, *change]})


@pytest.fixture
def empty(
    window: MainWindow, tmp_path: Path, actor: Actor, open_file: Callable[[MainWindow, Path], None]
) -> MainWindow:
    """A new workbook with no requests yet: what the wizard usually meets first."""
    path = tmp_path / "globex.auditwb"
    Workbook.create(path, actor, client="Globex Ltd").close()
    open_file(window, path)
    return window


@pytest.fixture(autouse=True)
def own_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Confirmed mappings go to the test's own store, not the user's."""
    monkeypatch.setenv("AUDIT_WORKBOOK_PROFILES", str(tmp_path / "profiles.json"))


def wait_idle(qtbot: QtBot, wizard: ImportWizard) -> None:
    qtbot.waitUntil(lambda: not wizard.busy)


def click_next(qtbot: QtBot, wizard: ImportWizard) -> None:
    button = wizard.button(QWizard.WizardButton.NextButton)
    if wizard.currentPage().isCommitPage():
        button = wizard.button(QWizard.WizardButton.CommitButton)
    qtbot.waitUntil(button.isEnabled)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def click_back(qtbot: QtBot, wizard: ImportWizard) -> None:
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.BackButton), Qt.MouseButton.LeftButton)


def visible_wizard(window: MainWindow) -> ImportWizard:
    shown = [w for w in window.findChildren(ImportWizard) if w.isVisible()]
    assert len(shown) == 1
    return shown[0]


def open_wizard(qtbot: QtBot, window: MainWindow, checklist: Path) -> ImportWizard:
    """File → Import checklist…, then type the path: a wizard opened without a file stays on the file step."""
    window.import_action.trigger()
    wizard = visible_wizard(window)
    qtbot.keyClicks(wizard.file_page.path, str(checklist))
    wait_idle(qtbot, wizard)
    assert wizard.currentId() == PAGE_FILE
    return wizard


def open_with(qtbot: QtBot, window: MainWindow, checklist: Path) -> ImportWizard:
    """The window's import of a given file (as a drop does): the wizard moves on by itself."""
    wizard = window.import_checklist(checklist)
    assert wizard is not None
    qtbot.waitUntil(
        lambda: wizard.preview is not None and not wizard.busy and wizard.currentId() != PAGE_FILE
    )
    return wizard


def to_mapping(qtbot: QtBot, wizard: ImportWizard) -> None:
    while wizard.currentId() != PAGE_MAPPING:
        click_next(qtbot, wizard)
    wait_idle(qtbot, wizard)


def header_pick(qtbot: QtBot, wizard: ImportWizard, column: int, field: str) -> QAction:
    """Click a column heading of the preview grid, then the field in the menu that opens."""
    grid = wizard.mapping_page.grid
    grid.scrollTo(grid.model().index(0, column))
    header = grid.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    menu = wizard.findChild(QMenu, "field_menu")
    assert menu is not None and menu.isVisible()
    action = next(a for a in menu.actions() if isinstance(a, QAction) and a.data() == field)
    with qtbot.waitSignal(wizard.preview_ready):
        action.trigger()
    menu.close()
    return action


def tree_texts(item: QTreeWidgetItem, column: int = 0) -> list[str]:
    return [item.child(i).text(column) for i in range(item.childCount())]


def top_items(tree: QTreeWidget) -> dict[str, QTreeWidgetItem]:
    items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    return {item.text(0): item for item in items if item is not None}


def click_check_box(qtbot: QtBot, tree: QTreeWidget, item: QTreeWidgetItem) -> None:
    """Click the check box drawn in an item's first column, where the style puts it."""
    tree.scrollToItem(item)
    option = QStyleOptionViewItem()
    option.initFrom(tree)
    option.rect = tree.visualRect(tree.indexFromItem(item, 0))
    option.features = (
        QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
        | QStyleOptionViewItem.ViewItemFeature.HasDisplay
    )
    option.text = item.text(0)
    box = tree.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, tree)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=box.center())


def import_to_the_end(qtbot: QtBot, wizard: ImportWizard) -> None:
    with qtbot.waitSignal(wizard.import_finished, timeout=20000):
        click_next(qtbot, wizard)
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    qtbot.waitUntil(finish.isEnabled)
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)


def refs_in(window: MainWindow) -> list[str]:
    return [window.proxy.index(r, Column.REF).data() for r in range(window.proxy.rowCount())]


def test_importing_a_messy_checklist_with_one_mapping_corrected_by_hand(
    qtbot: QtBot, empty: MainWindow, tmp_path: Path
) -> None:
    checklist = write_checklist(tmp_path / "Northbridge PBC list.xlsx")
    wizard = open_wizard(qtbot, empty, checklist)
    assert wizard.file_page.status.text() == (
        "Northbridge PBC list.xlsx: xlsx, 2 sheets; the requests look to be on “PBC List”."
    )

    click_next(qtbot, wizard)
    assert wizard.currentId() == PAGE_SHEET
    sheets = wizard.sheet_page.sheets
    best = sheets.item(0).text()
    assert best.startswith("PBC List: 9 rows × 7 columns\n")
    assert "its name suggests requests" in best.lower() and "score" not in best
    assert sheets.item(1).text().startswith("Instructions: 2 rows × 1 column\n")
    assert wizard.sheet_page.together.isHidden()
    qtbot.waitUntil(lambda: wizard.sheet_page.grid.rowCount() == 11)
    assert wizard.sheet_page.grid.item(0, 0).text() == "Northbridge Assurance LLP"

    click_next(qtbot, wizard)
    assert wizard.currentId() == PAGE_MAPPING
    wait_idle(qtbot, wizard)
    page = wizard.mapping_page
    assert page.header_row.value() == 6
    model = page.model
    assert model.headerData(0, Qt.Orientation.Horizontal) == "A · PBC #\n→ Ref"
    assert model.headerData(3, Qt.Orientation.Horizontal) == "D · Control Operator\n→ not imported"
    assert model.headerData(5, Qt.Orientation.Horizontal) == "F · hidden · Internal ref\n→ not imported"
    assert "Why: header 'PBC #'" in model.headerData(
        0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    assert model.index(6, 0).data() == "PBC-001"
    assert page.counts.text() == "3 requests · 1 left out · 1 hidden column"
    assert page.doubt.isHidden()

    header_pick(qtbot, wizard, 3, "owner")
    assert model.headerData(3, Qt.Orientation.Horizontal) == "D · Control Operator\n→ Owner"
    assert wizard.preview is not None
    analysis = wizard.preview.analysis
    assert analysis.mapping["owner"] == "Control Operator"
    assert analysis.mapping["request"] == "Description of request"
    assert analysis.rows[0].owner == "Elena Petrova"
    assert page.answers.text() == (
        "Your answers go to: Status → column G, Owner → column D, Due date → column E; "
        "the others get new columns at the end of the sheet."
    )

    click_next(qtbot, wizard)
    assert wizard.currentId() == PAGE_PROBLEMS
    assert wizard.problems_page.isCommitPage()
    assert wizard.problems_page.counts.text() == (
        "4 rows with content below the header: 3 imported, 0 merged, 1 left out."
    )
    left_out = top_items(wizard.problems_page.tree)["Left out (1): tick a row to import it as a request"]
    assert tree_texts(left_out) == ["Row 11"]
    assert tree_texts(left_out, 1) == ["a note"]
    assert tree_texts(left_out, 2) == ["Note: send everything by 15 March."]
    assert left_out.child(0).checkState(0) == Qt.CheckState.Unchecked

    import_to_the_end(qtbot, wizard)
    assert wizard.currentId() == PAGE_SUMMARY
    summary = wizard.summary_page.text.text()
    assert "4 rows with content: 3 imported, 0 merged, 1 left out." in summary
    assert "3 added · 0 changed · 0 unchanged · 0 removed" in summary
    assert "Your answers go to: Status → column G, Owner → column D, Due date → column E;" in summary
    qtbot.waitUntil(lambda: empty.proxy.rowCount() == 3)
    assert refs_in(empty) == ["PBC-001", "PBC-002", "PBC-003"]
    row = empty.model.row_of("PBC-002")
    assert row is not None
    assert empty.model.index(row, Column.OWNER).data() == "Priya Raman"
    assert empty.model.index(row, Column.STATUS).data() == "In progress"
    assert empty.model.index(row, Column.CRITERIA).data() == "CC1.4"


def test_reimport_shows_the_diff_and_offers_the_confirmed_mapping(
    qtbot: QtBot, empty: MainWindow, tmp_path: Path
) -> None:
    first = write_checklist(tmp_path / "pbc-v1.xlsx")
    wizard = open_wizard(qtbot, empty, first)
    to_mapping(qtbot, wizard)
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
    to_mapping(qtbot, wizard)
    page = wizard.mapping_page
    assert not page.profile_box.isHidden()
    today = dt.date.today().strftime("%d %b %Y")
    assert page.profile_label.text() == f"Using the mapping you confirmed for pbc-v1.xlsx on {today}."
    assert page.model.headerData(3, Qt.Orientation.Horizontal) == "D · Control Operator\n→ Owner"

    click_next(qtbot, wizard)
    assert not wizard.problems_page.isCommitPage()
    click_next(qtbot, wizard)
    assert wizard.currentId() == PAGE_CHANGES
    groups = top_items(wizard.changes_page.tree)
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
    assert refs_in(empty) == ["PBC-001", "PBC-002", "PBC-004"]


def test_a_checklist_dropped_on_the_window_opens_the_wizard_on_the_mapping_step(
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
    qtbot.waitUntil(lambda: wizard.currentId() == PAGE_MAPPING)
    wait_idle(qtbot, wizard)
    assert wizard.file_page.path.text() == str(checklist)
    assert wizard.info is not None and wizard.info.best_sheet == "PBC List"
    assert wizard.mapping_page.model.index(6, 0).data() == "PBC-001"
    # Nothing was in doubt: it stops on the mapping step all the same, for the user to confirm.
    assert wizard.mapping_page.doubt.isHidden()
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.reject()


def test_a_wizard_opened_with_a_file_whose_sheet_is_in_doubt_stops_on_the_sheet_step(
    qtbot: QtBot, empty: MainWindow, tmp_path: Path
) -> None:
    wizard = open_with(qtbot, empty, write_two_sheet_list(tmp_path / "two sheets.xlsx"))
    assert wizard.currentId() == PAGE_SHEET
    doubt = wizard.sheet_page.doubt
    assert doubt.isVisible()
    assert doubt.text() == (
        "Check this: 2 sheets have the same columns and are read as one list: Access, Change. "
        "Untick the box below to read only the sheet you choose."
    )
    assert wizard.sheet_page.together.isChecked()
    wizard.reject()


def test_two_sheets_with_the_same_columns_are_offered_as_one_list_and_unticking_reads_one(
    qtbot: QtBot, empty: MainWindow, tmp_path: Path
) -> None:
    wizard = open_wizard(qtbot, empty, write_two_sheet_list(tmp_path / "two sheets.xlsx"))
    assert wizard.file_page.status.text().endswith(
        "the requests look to be on 2 sheets with the same columns, “Access” first."
    )
    click_next(qtbot, wizard)
    assert wizard.currentId() == PAGE_SHEET
    together = wizard.sheet_page.together
    assert together.isVisible() and together.isChecked()
    assert together.text() == "Read these 2 sheets as one list: Access, Change"

    click_next(qtbot, wizard)
    wait_idle(qtbot, wizard)
    assert wizard.preview is not None
    assert wizard.preview.analysis.sheets_used == ("Access", "Change")
    assert wizard.mapping_page.counts.text() == "9 requests · 0 left out · from 2 sheets"
    # Going on from the sheet step answered the reader's doubt about the sheets.
    assert wizard.mapping_page.doubt.isHidden()

    click_back(qtbot, wizard)
    assert wizard.currentId() == PAGE_SHEET
    qtbot.mouseClick(together, Qt.MouseButton.LeftButton, pos=QPoint(8, together.height() // 2))
    assert not together.isChecked()
    assert wizard.sheets == "Access"
    with qtbot.waitSignal(wizard.preview_ready):
        click_next(qtbot, wizard)
    assert wizard.preview.analysis.sheets_used == ("Access",)
    assert [r.ref for r in wizard.preview.analysis.rows] == [f"AC-{n}" for n in range(1, 6)]
    assert wizard.mapping_page.counts.text() == "5 requests · 0 left out"
    click_next(qtbot, wizard)
    import_to_the_end(qtbot, wizard)
    qtbot.waitUntil(lambda: empty.proxy.rowCount() == 5)


def test_ticking_a_row_left_out_imports_it_as_a_request(
    qtbot: QtBot, empty: MainWindow, tmp_path: Path
) -> None:
    wizard = open_with(qtbot, empty, write_questionnaire(tmp_path / "questionnaire.xlsx"))
    # Only the rows are in doubt: the mapping step says so and points to the next one.
    assert wizard.currentId() == PAGE_MAPPING
    doubt = wizard.mapping_page.doubt
    assert doubt.isVisible()
    lines = doubt.text().splitlines()
    assert lines[0] == "The columns look right. Check the rows on the next step:"
    assert lines[1] == "• Rows left out: row 2 looks like an example, not a request"
    assert "tick one to import it as a request" in lines[-1]

    click_next(qtbot, wizard)
    assert wizard.currentId() == PAGE_PROBLEMS
    page = wizard.problems_page
    assert page.counts.text() == "6 rows with content below the header: 5 imported, 0 merged, 1 left out."
    group = top_items(page.tree)["Left out (1): tick a row to import it as a request"]
    example = group.child(0)
    assert example.text(0) == "Row 2"
    assert example.text(2).startswith("EX-1 · Do you review user access rights")
    assert example.toolTip(0) == "Import this row as a request"

    with qtbot.waitSignal(wizard.preview_ready):
        click_check_box(qtbot, page.tree, example)
    assert wizard.include_rows == (2,)
    assert [r.ref for r in wizard.preview.analysis.rows][:2] == ["EX-1", "1"]
    assert page.counts.text() == "6 rows with content below the header: 6 imported, 0 merged, 0 left out."
    group = top_items(page.tree)["Left out (0), brought back (1): tick a row to import it as a request"]
    assert group.child(0).checkState(0) == Qt.CheckState.Checked

    # Unticking leaves it out again; ticking once more brings it back for the import.
    with qtbot.waitSignal(wizard.preview_ready):
        click_check_box(qtbot, page.tree, group.child(0))
    assert wizard.include_rows == ()
    assert page.counts.text().endswith("5 imported, 0 merged, 1 left out.")
    group = next(iter(top_items(page.tree).values()))
    with qtbot.waitSignal(wizard.preview_ready):
        click_check_box(qtbot, page.tree, group.child(0))

    import_to_the_end(qtbot, wizard)
    assert "6 rows with content: 6 imported, 0 merged, 0 left out." in wizard.summary_page.text.text()
    qtbot.waitUntil(lambda: empty.proxy.rowCount() == 6)
    assert refs_in(empty)[0] == "EX-1"


@pytest.mark.skipif(not (CORPUS / "sig-lite-answer-library-template.csv").is_file(), reason="no corpus")
def test_a_worked_example_of_the_sig_questionnaire_can_be_brought_back(
    qtbot: QtBot, empty: MainWindow
) -> None:
    wizard = open_with(qtbot, empty, CORPUS / "sig-lite-answer-library-template.csv")
    assert wizard.currentId() == PAGE_MAPPING
    assert (
        "• Rows left out: rows 2, 3, 4 look like examples, not requests" in wizard.mapping_page.doubt.text()
    )
    assert wizard.mapping_page.answers.text() == (
        "Your answers go to: Status → column G, Owner → column F, Response → column D, Evidence → column E; "
        "the others get new columns at the end of the sheet."
    )
    click_next(qtbot, wizard)
    page = wizard.problems_page
    assert page.counts.text() == "33 rows with content below the header: 30 imported, 0 merged, 3 left out."
    group = top_items(page.tree)["Left out (3): tick a row to import it as a request"]
    assert tree_texts(group) == ["Row 2", "Row 3", "Row 4"]
    with qtbot.waitSignal(wizard.preview_ready):
        click_check_box(qtbot, page.tree, group.child(0))
    assert wizard.preview is not None
    assert "EX-1" in [r.ref for r in wizard.preview.analysis.rows]
    assert page.counts.text().endswith("31 imported, 0 merged, 2 left out.")
    wizard.reject()


def test_the_check_this_box_lists_a_doubtful_decision_and_the_heading_marks_it(
    qtbot: QtBot, empty: MainWindow, tmp_path: Path
) -> None:
    questions = [f"Do you have a documented policy for {w}? Describe it." for w in QUESTIONS]
    checklist = write_xlsx(
        tmp_path / "no ids.xlsx",
        {"Questionnaire": [("Question", "Answer", "Owner"), *((q, "", "") for q in questions)]},
    )
    wizard = open_wizard(qtbot, empty, checklist)
    to_mapping(qtbot, wizard)
    page = wizard.mapping_page
    assert page.doubt.isVisible()
    assert page.doubt.text().splitlines() == [
        "Check this:",
        "• Ref: no column holds a unique, filled code, so refs are made from the row numbers",
    ]
    assert wizard.preview is not None
    assert [r.ref for r in wizard.preview.analysis.rows][:2] == ["R0002", "R0003"]
    assert "refs are made from the row numbers (R0012 is row 12)" in page.note.text()

    # A weak guess of a column is marked on its heading, in the warning colour, with the reason on hover.
    columns = [PreviewColumn("C", "Lead", "owner", 0.45, False, "header 'Lead'; names in some rows")]
    model = MappingPreviewModel()
    model.set_preview([("Lead",), ("Ann",)], columns, header_first_row=1, header_row=1, skipped={})
    assert model.headerData(0, Qt.Orientation.Horizontal) == "C · Lead\n→ Owner?"
    brush = model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ForegroundRole)
    assert brush.color().name() == LOW_CONFIDENCE_COLOR
    tooltip = model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "Why: header 'Lead'; names in some rows." in tooltip and "A weak guess: check it." in tooltip
    wizard.reject()


def test_mapping_a_column_as_the_response_shows_where_the_answers_go(
    qtbot: QtBot, empty: MainWindow, tmp_path: Path
) -> None:
    wizard = open_wizard(qtbot, empty, write_checklist(tmp_path / "pbc.xlsx"))
    to_mapping(qtbot, wizard)
    page = wizard.mapping_page
    assert page.answers.text() == (
        "Your answers go to: Status → column G, Due date → column E; "
        "the others get new columns at the end of the sheet."
    )
    action = header_pick(qtbot, wizard, 3, "response")
    assert action.text() == "Response (your answers go here)"
    assert page.model.headerData(3, Qt.Orientation.Horizontal) == "D · Control Operator\n→ Response"
    assert page.answers.text() == (
        "Your answers go to: Status → column G, Due date → column E, Response → column D; "
        "the others get new columns at the end of the sheet."
    )
    assert wizard.preview is not None
    # The other columns kept what they were taken for.
    assert wizard.preview.analysis.mapping["ref"] == "PBC #"
    assert wizard.preview.analysis.mapping["criteria"] == "TSC"
    wizard.reject()


def test_a_header_row_that_is_empty_is_explained_and_blocks_next(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    wizard = open_wizard(qtbot, opened, write_checklist(tmp_path / "pbc.xlsx"))
    to_mapping(qtbot, wizard)
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


@pytest.mark.parametrize(("shared", "asked"), [(False, False), (True, True)])
def test_the_problems_step_asks_about_rows_sharing_a_ref_only_when_some_do(
    qtbot: QtBot, empty: MainWindow, tmp_path: Path, shared: bool, asked: bool
) -> None:
    rows = [
        ("Ref", "Request", "Owner"),
        ("PBC-1", "Provide the security policy", "Elena Petrova"),
        ("PBC-2", "Provide the list of new hires", "Priya Raman"),
        ("PBC-1" if shared else "PBC-3", "Provide the minutes approving the policy", "Elena Petrova"),
        ("PBC-4", "Provide the access review", "Marcus Chen"),
    ]
    wizard = open_wizard(qtbot, empty, write_xlsx(tmp_path / "pbc.xlsx", {"PBC": rows}))
    to_mapping(qtbot, wizard)
    click_next(qtbot, wizard)
    assert wizard.currentId() == PAGE_PROBLEMS
    page = wizard.problems_page
    assert page.duplicates_row.isVisible() is asked
    if not asked:
        wizard.reject()
        return
    # The reader's own choice (no policy yet) keeps rows apart unless they are the same.
    assert wizard.preview is not None and wizard.preview.analysis.duplicate_policy is None
    assert page.keep_apart.text() == "Keep them apart, numbered (PBC-1, PBC-1-2)"
    assert page.keep_apart.isChecked() and not page.merge.isChecked()
    assert [r.ref for r in wizard.preview.analysis.rows] == ["PBC-1", "PBC-2", "PBC-1-2", "PBC-4"]

    with qtbot.waitSignal(wizard.preview_ready):
        qtbot.mouseClick(page.merge, Qt.MouseButton.LeftButton, pos=QPoint(8, page.merge.height() // 2))
    assert wizard.preview.analysis.duplicate_policy == "merge"
    assert page.merge.isChecked()
    assert [r.ref for r in wizard.preview.analysis.rows] == ["PBC-1", "PBC-2", "PBC-4"]
    assert page.counts.text() == "4 rows with content below the header: 3 imported, 1 merged, 0 left out."
    joined = top_items(page.tree)["Joined to another request (1)"]
    assert tree_texts(joined) == ["Row 4"]
    assert tree_texts(joined, 1)[0].startswith("into PBC-1: same ref as row 2")
    wizard.reject()


@pytest.mark.parametrize("page_id", [PAGE_FILE, PAGE_SHEET, PAGE_MAPPING, PAGE_PROBLEMS])
def test_every_button_stays_inside_the_wizard_on_a_1024_by_640_screen(
    qtbot: QtBot, empty: MainWindow, tmp_path: Path, page_id: int
) -> None:
    checklist = write_questionnaire(tmp_path / "questionnaire.xlsx")
    if page_id == PAGE_SHEET:
        checklist = write_two_sheet_list(tmp_path / "two sheets.xlsx")
    wizard = open_wizard(qtbot, empty, checklist)
    while wizard.currentId() < page_id:
        click_next(qtbot, wizard)
        wait_idle(qtbot, wizard)
    assert wizard.currentId() == page_id
    assert fitted(OPENING_SIZE, QSize(1024, 640)) == QSize(921, 576)
    kinds = (
        QWizard.WizardButton.BackButton,
        QWizard.WizardButton.NextButton,
        QWizard.WizardButton.CommitButton,
        QWizard.WizardButton.CancelButton,
    )
    # A commit step shows Import (the commit button) where the others show Next.
    buttons = [wizard.button(kind) for kind in kinds if wizard.button(kind).isVisible()]
    assert len(buttons) == 3

    def inside() -> bool:
        corners = [b.mapTo(wizard, QPoint(b.width() - 1, b.height() - 1)) for b in buttons]
        return all(wizard.rect().contains(b.mapTo(wizard, QPoint(0, 0))) for b in buttons) and all(
            wizard.rect().contains(c) for c in corners
        )

    for size in (QSize(921, 576), QSize(1024, 640)):
        wizard.resize(size)
        # The new size reaches the layout with the resize event, after the event loop turns.
        qtbot.waitUntil(lambda size=size: wizard.size() == size and inside())
    wizard.reject()


def test_the_wizard_opens_within_the_screen(qtbot: QtBot, empty: MainWindow, tmp_path: Path) -> None:
    wizard = open_wizard(qtbot, empty, write_checklist(tmp_path / "pbc.xlsx"))
    available = wizard.screen().availableGeometry().size()
    assert wizard.size() == fitted(OPENING_SIZE, available)
    assert fitted(OPENING_SIZE, QSize(2560, 1440)) == QSize(1100, 720)
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
    assert model.index(3, 0).data(Qt.ItemDataRole.ToolTipRole) == "Row 4 is left out: blank"
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
        to_mapping(qtbot, wizard)
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
