"""Import wizard: file → sheet → header row and mapping on a live grid → problems → changes → summary."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from ui.dialogs.mapping_preview import FIELD_LABELS, NOT_IMPORTED, MappingPreviewModel, PreviewColumn
from ui.jobs import Job, JobRunner
from ui.messages import describe
from workbook.errors import WorkbookError
from workbook.model import FIELDS

if TYPE_CHECKING:
    from workbook.formats.checklist.reader import ChecklistAnalysis, ChecklistInfo
    from workbook.services.importing import ImportService, ImportSummary, RequestDiff
    from workbook.services.workbook import Workbook

CHECKLIST_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
PREVIEW_ROWS = 60
SHEET_PREVIEW_ROWS = 12
PAGE_FILE, PAGE_SHEET, PAGE_MAPPING, PAGE_PROBLEMS, PAGE_CHANGES, PAGE_SUMMARY = range(6)
DuplicatePolicy = Literal["merge", "suffix"]
PROBLEM_GROUPS = {
    "ambiguous_date": "Ambiguous dates",
    "unreadable_date": "Dates that could not be read",
    "duplicate_ref": "Duplicate refs",
    "generated_refs": "Generated refs",
    "missing_ref": "Generated refs",
    "unknown_status": "Unknown status words",
}
DIFF_GROUPS = (
    ("added", "Added"),
    ("changed", "Changed"),
    ("restored", "Back in the checklist"),
    ("removed", "Removed (archived, their evidence kept)"),
)


def column_width(field: str | None, hidden: bool) -> int:
    """Room by what a column holds: the request text most, hidden columns least."""
    if hidden:
        return 110
    return {"request": 320, "title": 240, "section": 200, "comment": 220}.get(field or "", 160)


def is_checklist(path: Path) -> bool:
    return path.suffix.lower() in CHECKLIST_SUFFIXES


@dataclass(frozen=True)
class AnalysisResult:
    """One analysis job's answer: the reader's analysis, the raw rows shown, the plan, any saved profile."""

    analysis: ChecklistAnalysis
    preview: list[tuple[str, ...]]
    plan: list[RequestDiff]
    profile: dict[str, Any] | None
    profile_words: str


def profile_words(profile: dict[str, Any] | None, last_import: dict[str, Any] | None) -> str:
    """Say whose mapping is being reused: "using the mapping you confirmed for <file> on <date>"."""
    if not profile:
        return ""
    file_name = str(profile.get("file_name") or "")
    at: object = None
    if isinstance(profile.get("confirmed_at"), str):
        with contextlib.suppress(ValueError):
            at = dt.datetime.fromisoformat(profile["confirmed_at"])
    if last_import and last_import.get("mapping") == profile.get("mapping"):
        file_name = file_name or str(last_import.get("file_name") or "")
        at = at or last_import.get("imported_at")
    when = ""
    if isinstance(at, dt.datetime):
        # Stored times are UTC; naive ones come from SQLite and are UTC too.
        at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
        when = f" on {at.astimezone():%d %b %Y}"
    target = f" for {file_name}" if file_name else " for a checklist with these headings"
    return f"Using the mapping you confirmed{target}{when}."


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Choose the checklist")
        self.setSubTitle("The auditor's spreadsheet as they sent it: .xlsx, .xlsm, .xls or .csv.")
        self.path = QLineEdit()
        self.path.setObjectName("checklist_path")
        self.path.setAccessibleName("Checklist file")
        self.path.setPlaceholderText("Path of the checklist file")
        self.path.textChanged.connect(self._on_path_text_changed)
        browse = QPushButton("Browse…")
        browse.setAccessibleName("Choose the checklist file")
        browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.status = QLabel()
        self.status.setObjectName("file_status")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import checklist",
            self._wizard.folder,
            "Checklists (*.xlsx *.xlsm *.xls *.csv);;All files (*)",
        )
        if path:
            self.path.setText(path)

    def _on_path_text_changed(self, text: str) -> None:
        path = Path(text.strip())
        if text.strip() and path.is_file():
            self.status.setText("Reading the file…")
            self._wizard.inspect(path)
        else:
            self._wizard.info = None
            self.status.setText("" if not text.strip() else "There is no file at this path.")
        self.completeChanged.emit()

    def show_info(self, info: ChecklistInfo | None, error: str = "") -> None:
        if info is None:
            self.status.setText(error)
        else:
            sheets = len(info.sheets)
            self.status.setText(
                f"{info.file_name}: {info.kind}, {sheets} sheet{'s' if sheets != 1 else ''}; "
                f"the requests look to be on “{info.best_sheet}”."
            )
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self._wizard.info is not None and not self._wizard.busy


class SheetPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Choose the sheet")
        self.setSubTitle("Sheets are ranked by how much they look like a list of requests.")
        self.sheets = QListWidget()
        self.sheets.setObjectName("sheet_list")
        self.sheets.setAccessibleName("Sheets, best candidate first")
        self.sheets.currentRowChanged.connect(self._on_sheets_current_row_changed)
        self.grid = QTableWidget()
        self.grid.setObjectName("sheet_preview")
        self.grid.setAccessibleName("First rows of the chosen sheet")
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.horizontalHeader().setDefaultSectionSize(140)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.sheets)
        splitter.addWidget(self.grid)
        splitter.setSizes([120, 300])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    def initializePage(self) -> None:
        info = self._wizard.info
        self.sheets.clear()
        if info is None:
            return
        chosen = 0
        for number, sheet in enumerate(info.sheets):
            hidden = " · hidden" if sheet.hidden else ""
            item = QListWidgetItem(
                f"{sheet.name}{hidden} — score {sheet.score:.0f}, {sheet.rows} rows × {sheet.columns} "
                f"columns\n{sheet.reason}"
            )
            item.setData(Qt.ItemDataRole.UserRole, sheet.name)
            self.sheets.addItem(item)
            if sheet.name == self._wizard.sheet:
                chosen = number
        self.sheets.setCurrentRow(chosen)

    def _on_sheets_current_row_changed(self, row: int) -> None:
        item = self.sheets.item(row)
        if item is None:
            return
        name = str(item.data(Qt.ItemDataRole.UserRole))
        self._wizard.choose_sheet(name)
        self._wizard.load_sheet_preview(name)

    def show_rows(self, rows: Sequence[Sequence[str]]) -> None:
        width = max((len(r) for r in rows), default=0)
        self.grid.clear()
        self.grid.setRowCount(len(rows))
        self.grid.setColumnCount(width)
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                if text:
                    self.grid.setItem(r, c, QTableWidgetItem(" ".join(text.split())[:120]))


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Check the header row and what each column means")
        self.setSubTitle(
            "Click a column heading to change what it fills; click a row number to make it the header row."
        )
        self.profile_label = QLabel()
        self.profile_label.setObjectName("profile_label")
        self.profile_label.setWordWrap(True)
        self.fresh_button = QPushButton("Guess afresh instead")
        self.fresh_button.setObjectName("fresh_guess_button")
        self.fresh_button.clicked.connect(self._wizard.use_fresh_guess)
        profile_row = QHBoxLayout()
        profile_row.addWidget(self.profile_label, 1)
        profile_row.addWidget(self.fresh_button)
        self.profile_box = QWidget()
        self.profile_box.setLayout(profile_row)
        profile_row.setContentsMargins(0, 0, 0, 0)
        self.profile_box.hide()

        self.header_row = QSpinBox()
        self.header_row.setObjectName("header_row_spin")
        self.header_row.setAccessibleName("Header row")
        self.header_row.setRange(1, PREVIEW_ROWS)
        self.header_row.setKeyboardTracking(False)
        self.header_row.valueChanged.connect(self._on_header_row_value_changed)
        header_label = QLabel("&Header row")
        header_label.setBuddy(self.header_row)
        self.candidates = QLabel()
        self.candidates.setObjectName("header_candidates")
        self.counts = QLabel()
        self.counts.setObjectName("mapping_counts")
        controls = QHBoxLayout()
        controls.addWidget(header_label)
        controls.addWidget(self.header_row)
        controls.addWidget(self.candidates)
        controls.addStretch(1)
        controls.addWidget(self.counts)

        self.model = MappingPreviewModel()
        self.grid = QTableView()
        self.grid.setObjectName("mapping_grid")
        self.grid.setAccessibleName("Preview of the checklist with the column mapping")
        self.grid.setModel(self.model)
        self.grid.setWordWrap(False)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.grid.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.grid.horizontalHeader()
        header.setDefaultSectionSize(170)
        header.setSectionsClickable(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.sectionClicked.connect(self._on_header_section_clicked)
        rows = self.grid.verticalHeader()
        rows.setSectionsClickable(True)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.sectionClicked.connect(self._on_row_section_clicked)
        self.field_menu = QMenu(self)
        self.field_menu.setObjectName("field_menu")
        self.field_menu.triggered.connect(self._on_field_menu_triggered)
        self._menu_column = -1

        self.note = QLabel()
        self.note.setObjectName("mapping_note")
        self.note.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("mapping_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("QLabel { color: #b71c1c; }")
        self.error.hide()

        layout = QVBoxLayout(self)
        layout.addWidget(self.profile_box)
        layout.addLayout(controls)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.error)

    def initializePage(self) -> None:
        if self._wizard.analysed is None or self._wizard.analysed.analysis.sheet != self._wizard.sheet:
            self._wizard.analyse()
        else:
            self.show_result()

    def isComplete(self) -> bool:
        return self._wizard.analysed is not None and not self._wizard.busy and self.error.isHidden()

    def show_result(self) -> None:
        result = self._wizard.analysed
        if result is None:
            self.model.clear()
            return
        analysis = result.analysis
        skipped = {s.row: s.reason for s in analysis.skipped}
        columns = [
            PreviewColumn(c.letter, c.header, c.field, c.confidence, c.hidden) for c in analysis.columns
        ]
        self.model.set_preview(
            result.preview,
            columns,
            header_first_row=analysis.header_first_row,
            header_row=analysis.header_row,
            skipped=skipped,
        )
        for column in analysis.columns:
            self.grid.setColumnWidth(column.index - 1, column_width(column.field, column.hidden))
        header = self.grid.horizontalHeader()
        header.setMinimumHeight(header.fontMetrics().height() * 2 + 12)
        self.header_row.blockSignals(True)
        self.header_row.setMaximum(max(PREVIEW_ROWS, analysis.header_row))
        self.header_row.setValue(analysis.header_row)
        self.header_row.blockSignals(False)
        # Candidates below the chosen header are data rows that merely look like headings.
        others = [str(r) for r in analysis.header_candidates if r < analysis.header_first_row][:3]
        self.candidates.setText(f"other likely rows: {', '.join(others)}" if others else "")
        hidden = sum(1 for c in analysis.columns if c.hidden)
        self.counts.setText(
            f"{len(analysis.rows)} requests · {len(analysis.skipped)} rows skipped"
            + (f" · {hidden} hidden column{'s' if hidden != 1 else ''}" if hidden else "")
        )
        notes = []
        if analysis.generated_refs:
            notes.append("No column is mapped to Ref: refs are made from the row numbers (R0012 is row 12).")
        unmapped = [c.header or c.letter for c in analysis.columns if not c.field and (c.header or c.hidden)]
        if unmapped:
            notes.append(f"Kept as extra columns (read-only): {', '.join(unmapped[:8])}.")
        self.note.setText(" ".join(notes))
        self.profile_label.setText(result.profile_words)
        self.profile_box.setVisible(bool(result.profile_words))
        self.error.hide()
        self.completeChanged.emit()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.completeChanged.emit()

    def _on_header_row_value_changed(self, value: int) -> None:
        self._wizard.choose_header_row(value)

    def _on_row_section_clicked(self, section: int) -> None:
        self.header_row.setValue(self.model.sheet_row(section))

    def _on_header_section_clicked(self, section: int) -> None:
        column = self.model.column(section)
        if column is None or self._wizard.busy:
            return
        self._menu_column = section
        self.field_menu.clear()
        group = QActionGroup(self.field_menu)
        for field in FIELDS:
            words = FIELD_LABELS[field] + (" (required)" if field == "ref" else "")
            action = self.field_menu.addAction(words)
            action.setData(field)
            action.setCheckable(True)
            action.setChecked(column.field == field)
            group.addAction(action)
        self.field_menu.addSeparator()
        none = self.field_menu.addAction(NOT_IMPORTED[:1].upper() + NOT_IMPORTED[1:])
        none.setData("")
        none.setCheckable(True)
        none.setChecked(column.field is None)
        group.addAction(none)
        header = self.grid.horizontalHeader()
        where = QPoint(header.sectionViewportPosition(section), header.height())
        self.field_menu.popup(header.mapToGlobal(where))

    def _on_field_menu_triggered(self, action: QAction) -> None:
        column = self.model.column(self._menu_column)
        if column is not None:
            self._wizard.map_column(column.letter, str(action.data()))


class ProblemsPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Problems found")
        self.setSubTitle("Nothing here stops the import; check that each one was handled the way you want.")
        self.tree = QTreeWidget()
        self.tree.setObjectName("problems_tree")
        self.tree.setAccessibleName("Problems found in the checklist")
        self.tree.setHeaderLabels(["What", "Where"])
        self.tree.setColumnWidth(0, 520)
        self.duplicates = QComboBox()
        self.duplicates.setObjectName("duplicates_policy")
        self.duplicates.setAccessibleName("What to do with rows that share a ref")
        self.duplicates.addItem("Merge rows that share a ref into one request", "merge")
        self.duplicates.addItem("Keep them apart as separate requests (PBC-1, PBC-1-2)", "suffix")
        self.duplicates.activated.connect(self._on_duplicates_activated)
        # Only asked when some rows do share a ref: the question means nothing otherwise.
        self.duplicates_row = QWidget()
        self.duplicates_row.setObjectName("duplicates_row")
        row = QHBoxLayout(self.duplicates_row)
        row.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Rows sharing a &ref:")
        label.setBuddy(self.duplicates)
        row.addWidget(label)
        row.addWidget(self.duplicates, 1)
        self.duplicates_row.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.duplicates_row)

    def initializePage(self) -> None:
        self.show_result()

    def show_result(self) -> None:
        result = self._wizard.analysed
        self.tree.clear()
        if result is None:
            return
        analysis = result.analysis
        self.duplicates.setCurrentIndex(0 if analysis.duplicate_policy == "merge" else 1)
        self.duplicates_row.setVisible(any(p.kind == "duplicate_ref" for p in analysis.problems))
        groups: dict[str, QTreeWidgetItem] = {}
        for problem in analysis.problems:
            name = PROBLEM_GROUPS.get(problem.kind, "Other")
            group = groups.get(name)
            if group is None:
                group = groups[name] = QTreeWidgetItem(self.tree, [name])
            QTreeWidgetItem(group, [problem.message, problem.where])
        shown = [s for s in analysis.skipped if s.reason != "blank"]
        blank = len(analysis.skipped) - len(shown)
        if analysis.skipped:
            skipped = QTreeWidgetItem(self.tree, ["Skipped rows"])
            for row in shown:
                QTreeWidgetItem(skipped, [f"Row {row.row}: {row.reason}", f"{analysis.sheet}, row {row.row}"])
            if blank:
                QTreeWidgetItem(skipped, [f"{blank} blank row{'s' if blank != 1 else ''}", analysis.sheet])
            groups["Skipped rows"] = skipped
        for group in groups.values():
            group.setText(0, f"{group.text(0)} ({group.childCount()})")
            group.setExpanded(True)
        if not groups:
            QTreeWidgetItem(self.tree, ["No problems: every row below the header was read."])
        self.setCommitPage(not self._wizard.is_reimport)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Import")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self._wizard.analysed is not None and not self._wizard.busy

    def nextId(self) -> int:
        return PAGE_CHANGES if self._wizard.is_reimport else PAGE_SUMMARY

    def _on_duplicates_activated(self, index: int) -> None:
        policy: DuplicatePolicy = "merge" if self.duplicates.itemData(index) == "merge" else "suffix"
        self._wizard.choose_duplicates(policy)


class ChangesPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("What this re-import changes")
        self.setSubTitle(
            "Owners, statuses, notes and evidence of matched requests are kept. "
            "Removed requests are archived, never deleted."
        )
        self.tree = QTreeWidget()
        self.tree.setObjectName("changes_tree")
        self.tree.setAccessibleName("Changes this import makes")
        self.tree.setHeaderLabels(["Request", "Before", "After"])
        self.tree.setColumnWidth(0, 300)
        self.tree.setColumnWidth(1, 260)
        self.accept_box = QCheckBox("Apply these changes to the workbook")
        self.accept_box.setObjectName("accept_changes")
        self.accept_box.toggled.connect(self.completeChanged)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.accept_box)
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Import")

    def initializePage(self) -> None:
        result = self._wizard.analysed
        self.tree.clear()
        self.accept_box.setChecked(False)
        if result is None:
            return
        # A bare ref said nothing about what was added or removed: each line carries the title too.
        titles = dict(self._wizard.titles)
        titles.update((row.ref, row.title or row.request) for row in result.analysis.rows)
        for kind, words in DIFF_GROUPS:
            diffs = [d for d in result.plan if d.kind == kind]
            if not diffs:
                continue
            group = QTreeWidgetItem(self.tree, [f"{words} ({len(diffs)})"])
            group.setExpanded(kind != "added" or len(diffs) <= 20)
            for diff in diffs:
                label = diff.ref
                title = titles.get(diff.ref) or titles.get(diff.previous_ref, "")
                if diff.previous_ref:
                    label += f" (was {diff.previous_ref})"
                if diff.recheck_evidence:
                    label += " · re-check evidence"
                if title:
                    # Last, so a long title is what the column cuts, not the ref or the warning.
                    label += f" · {title if len(title) <= 70 else title[:69] + '…'}"
                item = QTreeWidgetItem(group, [label])
                item.setToolTip(0, title)
                if diff.recheck_evidence:
                    item.setToolTip(0, "The wording changed: check that the evidence still answers it.")
                for change in diff.fields:
                    field = FIELD_LABELS.get(change.field, change.field.replace("_", " ").capitalize())
                    line = QTreeWidgetItem(item, [field, change.before[:200], change.after[:200]])
                    # The columns cut long wording; the tooltip shows all of it.
                    line.setToolTip(1, change.before[:2000])
                    line.setToolTip(2, change.after[:2000])
                item.setExpanded(kind == "changed")
        unchanged = sum(1 for d in result.plan if d.kind == "unchanged")
        if unchanged:
            QTreeWidgetItem(self.tree, [f"Unchanged ({unchanged})"])

    def isComplete(self) -> bool:
        return self.accept_box.isChecked() and not self._wizard.busy


class SummaryPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Importing")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Progress of the import")
        self.text = QLabel()
        self.text.setObjectName("summary_text")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.progress)
        layout.addWidget(self.text)
        layout.addStretch(1)
        self.done = False

    def initializePage(self) -> None:
        self.done = False
        self.setTitle("Importing")
        self.text.setText("Reading the checklist and writing the requests…")
        self.progress.setRange(0, 0)
        self.progress.show()
        self._wizard.run_import()

    def isComplete(self) -> bool:
        return self.done

    def show_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def show_summary(self, summary: ImportSummary) -> None:
        self.done = True
        self.progress.hide()
        self.setTitle("Imported")
        lines = [
            f"<p><b>{summary.file_name}</b>, sheet “{summary.sheet}”, header row {summary.header_row}.</p>",
            f"<p>{summary.added} added · {summary.updated} changed · {summary.unchanged} unchanged · "
            f"{summary.removed} removed · {summary.skipped} rows skipped. "
            f"The workbook now has {summary.items} requests.</p>",
        ]
        if summary.generated_refs:
            lines.append("<p>The checklist has no ref column: refs were made from the row numbers.</p>")
        recheck = [d.ref for d in summary.diff if d.recheck_evidence]
        if recheck:
            lines.append(f"<p>Re-check the evidence of {', '.join(recheck[:10])}: their wording changed.</p>")
        lines.append("<p>The mapping is remembered for the next checklist with these headings.</p>")
        self.text.setText("".join(lines))
        self.completeChanged.emit()

    def show_failure(self, text: str) -> None:
        self.done = True
        self.progress.hide()
        self.setTitle("Nothing was imported")
        self.text.setText(text)
        self.completeChanged.emit()


class ImportWizard(QWizard):
    """Runs inspect, analyse and import as jobs; every choice re-analyses and the preview follows."""

    analysis_ready = Signal()
    import_finished = Signal(object)

    def __init__(
        self,
        workbook: Workbook,
        jobs: JobRunner,
        folder: str,
        path: Path | None = None,
        parent: QWidget | None = None,
        *,
        service: ImportService | None = None,
        titles: Mapping[str, str] | None = None,
    ) -> None:
        """`titles`: ref → title of the requests in the workbook, so the changes page names removed ones."""
        super().__init__(parent)
        self.setObjectName("import_wizard")
        self.setWindowTitle("Import checklist")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.resize(1100, 720)
        if service is None:
            from workbook.services.importing import ImportService

            service = ImportService(workbook.db, workbook.actor)
        self.service = service
        self.titles: Mapping[str, str] = titles or {}
        self.jobs = jobs
        self.folder = folder
        self.path: Path | None = None
        self.info: ChecklistInfo | None = None
        self.sheet: str | None = None
        self.header_row: int | None = None
        self.mapping: dict[str, str] | None = None
        self.duplicates: DuplicatePolicy = "merge"
        self.analysed: AnalysisResult | None = None
        self.summary: ImportSummary | None = None
        self._job: Job | None = None
        self._on_done: Callable[[Any], None] = lambda _value: None
        self._import_job: Job | None = None
        self._closing = False

        self.file_page = FilePage(self)
        self.sheet_page = SheetPage(self)
        self.mapping_page = MappingPage(self)
        self.problems_page = ProblemsPage(self)
        self.changes_page = ChangesPage(self)
        self.summary_page = SummaryPage(self)
        for page_id, page in (
            (PAGE_FILE, self.file_page),
            (PAGE_SHEET, self.sheet_page),
            (PAGE_MAPPING, self.mapping_page),
            (PAGE_PROBLEMS, self.problems_page),
            (PAGE_CHANGES, self.changes_page),
            (PAGE_SUMMARY, self.summary_page),
        ):
            self.setPage(page_id, page)
        self.setStartId(PAGE_FILE)
        if path is not None:
            self.file_page.path.setText(str(path))

    @property
    def busy(self) -> bool:
        return self._job is not None

    @property
    def is_reimport(self) -> bool:
        return self.analysed is not None and any(d.kind != "added" for d in self.analysed.plan)

    def nextId(self) -> int:
        current = self.currentId()
        if current == PAGE_FILE:
            return PAGE_SHEET if self.info is not None and len(self.info.sheets) > 1 else PAGE_MAPPING
        return super().nextId()

    def _start(
        self, title: str, work: Callable[..., Any], on_done: Callable[[Any], None], *, writes: bool = False
    ) -> Job:
        job = self.jobs.start(title, work, writes=writes, paused=True)
        # Bound slots, not lambdas: Qt drops them when the wizard is closed and deleted mid-job.
        job.finished.connect(self._on_job_finished)
        job.failed.connect(self._on_job_failed)
        self._on_done = on_done
        self._job = job
        self._update_pages()
        self.jobs.resume(job)
        return job

    def _on_job_finished(self, value: Any) -> None:
        job = self.sender()
        if job is not self._job:
            return
        if self._closing:
            if job is self._import_job:
                # Cancel came too late: the import committed, so the window must refresh, and we close.
                self._job = self._import_job = None
                self.summary = value
                self.import_finished.emit(value)
                super().reject()
            return
        self._job = None
        self._on_done(value)
        self._update_pages()

    def _on_job_failed(self, error: BaseException) -> None:
        job = self.sender()
        if job is not self._job:
            return
        if self._closing:
            if job is self._import_job:
                # Cancelled and then failed: rolled back all the same, so close as the cancel asked.
                self._job = self._import_job = None
                super().reject()
            return
        self._job = None
        if not isinstance(error, WorkbookError):
            raise error
        headline, details = describe(error)
        text = f"{headline}\n{details}".strip()
        if self.currentId() == PAGE_FILE:
            self.info = None
            self.file_page.show_info(None, text)
        elif self.currentId() == PAGE_SUMMARY:
            self._import_job = None
            self.summary_page.show_failure(f"Nothing was imported: the workbook is unchanged.\n\n{text}")
        else:
            self.mapping_page.show_error(text)
        self._update_pages()

    def _update_pages(self) -> None:
        for page in (self.file_page, self.mapping_page, self.problems_page, self.changes_page):
            page.completeChanged.emit()

    def inspect(self, path: Path) -> None:
        self.path = path
        self.info = None
        self.analysed = None
        self.sheet = None
        self.header_row = None
        self.mapping = None
        service = self.service

        def work(progress: Callable[[int, int], None], cancel: Any) -> ChecklistInfo:
            return service.inspect(path)

        self._start(f"Reading {path.name}", work, self._on_inspected)

    def _on_inspected(self, info: ChecklistInfo) -> None:
        self.info = info
        self.sheet = info.best_sheet
        self.file_page.show_info(info)

    def load_sheet_preview(self, sheet: str) -> None:
        path = self.path
        if path is None:
            return
        service = self.service
        job = self.jobs.start(
            f"Preview of {sheet}",
            lambda progress, cancel: (sheet, service.preview_rows(path, sheet, SHEET_PREVIEW_ROWS)),
            writes=False,
            paused=True,
        )
        job.finished.connect(self._on_sheet_preview_loaded)
        self.jobs.resume(job)

    def _on_sheet_preview_loaded(self, value: tuple[str, list[tuple[str, ...]]]) -> None:
        sheet, rows = value
        if sheet == self.sheet and not self._closing:
            self.sheet_page.show_rows(rows)

    def choose_sheet(self, sheet: str) -> None:
        if sheet != self.sheet:
            self.sheet = sheet
            self.header_row = None
            self.mapping = None
            self.analysed = None

    def choose_header_row(self, row: int) -> None:
        same = self.analysed is not None and row == self.analysed.analysis.header_row
        if same and self.mapping_page.error.isHidden():
            return
        self.header_row = row
        self.mapping = None
        self.analyse()

    def choose_duplicates(self, policy: DuplicatePolicy) -> None:
        if policy != self.duplicates:
            self.duplicates = policy
            self.analyse()

    def use_fresh_guess(self) -> None:
        self.mapping = {}
        self.analyse()

    def map_column(self, letter: str, field: str) -> None:
        """The user's correction: `field` now comes from column `letter` ("" = the column is not imported)."""
        if self.analysed is None:
            return
        current = {c.field: c.letter for c in self.analysed.analysis.columns if c.field}
        mapping = {f: current.get(f, "") for f in FIELDS}
        for name, column in list(mapping.items()):
            if column == letter:
                mapping[name] = ""
        if field:
            mapping[field] = letter
        self.mapping = mapping
        self.analyse()

    def analyse(self) -> None:
        path, sheet = self.path, self.sheet
        if path is None:
            return
        service = self.service
        header_row, mapping, duplicates = self.header_row, self.mapping, self.duplicates

        def work(progress: Callable[[int, int], None], cancel: Any) -> AnalysisResult:
            analysis = service.analyse(
                path, sheet=sheet, header_row=header_row, mapping=mapping, duplicates=duplicates
            )
            preview = service.preview_rows(path, analysis.sheet, max(PREVIEW_ROWS, analysis.header_row + 20))
            profile = service.profile_for(analysis.header_signature) if mapping is None else None
            applied = profile is not None and profile.get("mapping") == analysis.mapping
            words = profile_words(profile, service.last_import()) if applied else ""
            return AnalysisResult(analysis, preview, service.plan(analysis), profile, words)

        self.mapping_page.error.hide()
        self._start(f"Analysing {path.name}", work, self._on_analysed)

    def _on_analysed(self, result: AnalysisResult) -> None:
        self.analysed = result
        self.sheet = result.analysis.sheet
        self.mapping_page.show_result()
        if self.currentId() == PAGE_PROBLEMS:
            self.problems_page.show_result()
        self.analysis_ready.emit()

    def run_import(self) -> None:
        result, path = self.analysed, self.path
        if result is None or path is None:
            return
        service = self.service

        def work(progress: Callable[[int, int], None], cancel: Any) -> ImportSummary:
            return service.import_checklist(path, analysis=result.analysis, progress=progress, cancel=cancel)

        job = self._start(f"Importing {path.name}", work, self._on_imported, writes=True)
        job.progressed.connect(self.summary_page.show_progress)
        job.cancelled.connect(self._on_import_cancelled)
        self._import_job = job
        self.button(QWizard.WizardButton.CancelButton).setEnabled(True)

    def _on_imported(self, summary: ImportSummary) -> None:
        self._import_job = None
        self.summary = summary
        self.summary_page.show_summary(summary)
        self.import_finished.emit(summary)

    def _on_import_cancelled(self) -> None:
        self._import_job = None
        self._job = None
        if self._closing:
            super().reject()
            return
        self.summary_page.show_failure("The import was cancelled; the workbook is unchanged.")

    def reject(self) -> None:
        if self._import_job is not None:
            # Close once the job has rolled back, so that a cancelled import leaves nothing half-written.
            self._closing = True
            self._import_job.cancel()
            return
        self._closing = True
        super().reject()
