"""The wizard's first two steps: which file, and which sheet (or sheets read as one list)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from ui.dialogs.import_wizard.steps import PAGE_MAPPING, PAGE_SHEET, column_letter, plural

if TYPE_CHECKING:
    from ui.dialogs.import_wizard.wizard import ImportWizard
    from workbook.formats.checklist.reader import ChecklistInfo

DOUBT_STYLE = "QLabel { background: #fff4e5; color: #5d3200; border: 1px solid #f0b46c; padding: 6px; }"


def name_list(names: Sequence[str], room: int = 60) -> str:
    """ "A, B, C", or "A, B and 9 more" once the names pass `room` characters (a check box does not wrap)."""
    shown: list[str] = []
    for name in names:
        if shown and len(", ".join([*shown, name])) > room:
            return f"{', '.join(shown)} and {len(names) - len(shown)} more"
        shown.append(name)
    return ", ".join(shown)


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
        self.problem = QLabel()
        self.problem.setObjectName("file_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("QLabel { color: #b71c1c; }")
        self.problem.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.problem)
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
        self.problem.hide()
        if text.strip() and path.is_file():
            self.status.setText("Reading the file…")
            self._wizard.inspect(path)
        else:
            self._wizard.forget_file()
            self.status.setText("" if not text.strip() else "There is no file at this path.")
        self.completeChanged.emit()

    def show_info(self, info: ChecklistInfo | None, error: str = "") -> None:
        if info is None:
            self.status.setText(error)
        else:
            sheets = len(info.sheets)
            together = info.same_list_as(info.best_sheet)
            where = (
                f"“{info.best_sheet}”"
                if len(together) == 1
                else f"{len(together)} sheets with the same columns, “{info.best_sheet}” first"
            )
            kind = f"{info.kind}, {plural(sheets, 'sheet')}"
            self.status.setText(f"{info.file_name}: {kind}; the requests look to be on {where}.")
        self.completeChanged.emit()

    def show_problem(self, text: str) -> None:
        """The file was read but the list in it was not: say so, and that the next steps can fix it."""
        self.problem.setText(f"{text}\n\nChoose another sheet or header row on the next steps.")
        self.problem.show()

    def isComplete(self) -> bool:
        return self._wizard.info is not None and not self._wizard.busy

    def nextId(self) -> int:
        info = self._wizard.info
        return PAGE_SHEET if info is not None and len(info.sheets) > 1 else PAGE_MAPPING


class SheetPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Choose the sheet")
        self.setSubTitle(
            "Sheets are listed by how much they look like a list of requests, the likeliest first."
        )
        self.doubt = QLabel()
        self.doubt.setObjectName("sheet_doubt")
        self.doubt.setWordWrap(True)
        self.doubt.setStyleSheet(DOUBT_STYLE)
        self.doubt.hide()
        self.sheets = QListWidget()
        self.sheets.setObjectName("sheet_list")
        self.sheets.setAccessibleName("Sheets, likeliest first")
        self.sheets.setWordWrap(True)
        self.sheets.currentRowChanged.connect(self._on_sheets_current_row_changed)
        self.together = QCheckBox()
        self.together.setObjectName("same_list_box")
        self.together.setChecked(True)
        self.together.hide()
        self.together.toggled.connect(self._on_together_toggled)
        self.grid = QTableWidget()
        self.grid.setObjectName("sheet_preview")
        self.grid.setAccessibleName("First rows of the chosen sheet")
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.horizontalHeader().setDefaultSectionSize(140)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.sheets)
        splitter.addWidget(self.grid)
        splitter.setSizes([150, 260])
        layout = QVBoxLayout(self)
        layout.addWidget(self.doubt)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.together)

    def initializePage(self) -> None:
        info = self._wizard.info
        self.sheets.blockSignals(True)
        self.sheets.clear()
        self.sheets.blockSignals(False)
        if info is None:
            return
        first = self._wizard.first_sheet
        chosen = 0
        for number, sheet in enumerate(info.sheets):
            hidden = " (hidden)" if sheet.hidden else ""
            reason = sheet.reason[:1].upper() + sheet.reason[1:]
            item = QListWidgetItem(
                f"{sheet.name}{hidden}: {plural(sheet.rows, 'row')} × {plural(sheet.columns, 'column')}\n"
                f"    {reason}."
            )
            item.setData(Qt.ItemDataRole.UserRole, sheet.name)
            item.setToolTip(f"{sheet.name}: {sheet.reason}")
            self.sheets.addItem(item)
            if sheet.name == first:
                chosen = number
        self.together.blockSignals(True)
        self.together.setChecked(self._wizard.reads_together)
        self.together.blockSignals(False)
        self.show_doubt()
        self.sheets.setCurrentRow(chosen)

    def show_doubt(self) -> None:
        """Why this step was opened by itself: the reader was unsure which sheet holds the list."""
        preview, info = self._wizard.preview, self._wizard.info
        decisions = preview.analysis.decisions if preview is not None else ()
        doubt = next((d for d in decisions if d.subject == "sheet" and d.doubtful), None)
        if preview is None or info is None or doubt is None:
            self.doubt.clear()
            self.doubt.hide()
            return
        first = preview.analysis.sheet
        if len(preview.analysis.sheets_used) > 1:
            text = f"Check this: {doubt.reason}. Untick the box below to read only the sheet you choose."
        else:
            second = next((s.name for s in info.sheets if s.name != first), "")
            text = (
                f"Check this: the list looks to be on “{first}”, but “{second}” looks much like it. "
                "Choose the sheet that holds the requests."
            )
        self.doubt.setText(text)
        self.doubt.show()

    def validatePage(self) -> bool:
        # Going on from here confirms the sheet: the reader's doubt about it is answered.
        self._wizard.sheet_confirmed = True
        return True

    def current_sheet(self) -> str | None:
        item = self.sheets.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def _show_together(self, name: str) -> None:
        info = self._wizard.info
        same = info.same_list_as(name) if info is not None else (name,)
        if len(same) > 1:
            ordered = [name, *(s for s in same if s != name)]
            self.together.setText(f"Read these {len(same)} sheets as one list: {name_list(ordered)}")
            self.together.setToolTip("\n".join(ordered))
        self.together.setVisible(len(same) > 1)

    def _on_sheets_current_row_changed(self, row: int) -> None:
        name = self.current_sheet()
        if name is None:
            return
        self._show_together(name)
        self._wizard.choose_sheet(name, together=self.together.isChecked())
        self._wizard.load_sheet_preview(name)

    def _on_together_toggled(self, checked: bool) -> None:
        name = self.current_sheet()
        if name is not None:
            self._wizard.choose_sheet(name, together=checked)

    def show_rows(self, rows: Sequence[Sequence[str]]) -> None:
        width = max((len(r) for r in rows), default=0)
        self.grid.clear()
        self.grid.setRowCount(len(rows))
        self.grid.setColumnCount(width)
        self.grid.setHorizontalHeaderLabels([column_letter(n) for n in range(1, width + 1)])
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                if text:
                    self.grid.setItem(r, c, QTableWidgetItem(" ".join(text.split())[:120]))
