"""Add samples: the auditor's selection pasted or typed, or read from their spreadsheet, previewed first.

Nothing is written here: the dialog previews what would be added (and every line or row left out, with why)
and hands the (id, label) pairs to its owner once accepted. A spreadsheet is read on a reader job, as the
checklist importer reads any layout, with the column of sample ids chosen by the reader or by the user.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.geometry import fit_dialog
from workbook.errors import WorkbookError

if TYPE_CHECKING:
    from ui.jobs import JobRunner
    from workbook.services.samples import Selection

PASTE, SPREADSHEET = "paste", "spreadsheet"
PREVIEW_ROWS = 500
SPREADSHEETS = "Spreadsheets (*.xlsx *.xlsm *.xls *.csv *.tsv *.txt);;All files (*)"


@dataclass(frozen=True)
class SheetColumn:
    """A column of the selection's sheet as the user chooses it: its words, and what the reader is told."""

    label: str
    key: str


@dataclass(frozen=True)
class SpreadsheetRead:
    """One reading of the selection spreadsheet: its sheets, the sheet's columns, the samples (or why not)."""

    sheets: tuple[str, ...]
    sheet: str
    columns: tuple[SheetColumn, ...]
    selection: Selection | None
    error: str = ""


def _words(error: WorkbookError) -> str:
    from ui.messages import describe

    headline, details = describe(error)
    return f"{headline}.\n{details}".strip() if details else f"{headline}."


def read_spreadsheet(path: Path, sheet: str | None, column: str | None) -> SpreadsheetRead:
    """The sheets and columns of `path` and the samples read with `column` as the sample id (reader job)."""
    from workbook.formats.checklist.reader import analyse_sheet, inspect_checklist
    from workbook.services.samples import read_selection

    info = inspect_checklist(path)
    sheets = tuple(s.name for s in info.sheets)
    chosen = sheet or info.best_sheet
    try:
        analysis = analyse_sheet(path, sheet=chosen)
    except WorkbookError as error:
        return SpreadsheetRead(sheets, chosen, (), None, _words(error))
    columns = tuple(
        SheetColumn(f"{c.letter} · {c.header}" if c.header else f"column {c.letter}", c.header or c.letter)
        for c in analysis.columns
        if not c.hidden
    )
    try:
        selection = read_selection(path, sheet=chosen, column=column)
    except WorkbookError as error:
        return SpreadsheetRead(sheets, chosen, columns, None, _words(error))
    return SpreadsheetRead(sheets, chosen, columns, selection)


def skipped_words(selection: Selection | None) -> str:
    """ "2 left out: line 3: …" — every line or row not taken, with why."""
    if selection is None or not selection.skipped:
        return ""
    count = len(selection.skipped)
    return f"{count} left out:\n" + "\n".join(f"  {line}" for line in selection.skipped)


class SampleSelectionDialog(QDialog):
    """Paste, type or import the auditor's selection for `ref`; once accepted, `items` holds the samples."""

    def __init__(
        self,
        ref: str,
        jobs: JobRunner,
        folder: str,
        existing: Sequence[str] = (),
        *,
        mode: str = PASTE,
        choose_file: Callable[[QWidget, str], str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sample_selection_dialog")
        self.setWindowTitle(f"Add samples to {ref}")
        self.ref = ref
        self.items: tuple[tuple[str, str], ...] = ()
        self.source = ""
        self.folder = folder
        self._jobs = jobs
        self._existing = {code.casefold() for code in existing}
        self._choose_file = choose_file or _ask_for_file
        self._paste_selection: Selection | None = None
        self._read: SpreadsheetRead | None = None
        self._reading = False
        self._path: Path | None = None

        self.tabs = QTabWidget()
        self.tabs.setObjectName("sample_source_tabs")
        paste_page = QWidget()
        paste = QVBoxLayout(paste_page)
        hint = QLabel("One sample per line: the id, then a tab (or comma, or semicolon) and a label.")
        hint.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setObjectName("sample_text")
        self.text.setAccessibleName("Sample ids, one per line")
        self.text.setPlaceholderText("EMP-0042\tAlex Kim\nEMP-0107\tPriya Raman\nCHG-2291")
        self.text.setTabChangesFocus(False)
        self.text.textChanged.connect(self._on_text_changed)
        paste.addWidget(hint)
        paste.addWidget(self.text, 1)
        self.tabs.addTab(paste_page, "Paste or type")

        sheet_page = QWidget()
        sheet = QVBoxLayout(sheet_page)
        file_row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("selection_path")
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText("The auditor's selection spreadsheet")
        self.choose_button = QPushButton("Choose file…")
        self.choose_button.setObjectName("choose_selection_file")
        self.choose_button.clicked.connect(self._on_choose_clicked)
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.choose_button)
        sheet.addLayout(file_row)
        form = QFormLayout()
        self.sheet_picker = QComboBox()
        self.sheet_picker.setObjectName("selection_sheet")
        self.sheet_picker.setAccessibleName("Sheet")
        self.sheet_picker.activated.connect(lambda _i: self._read_again(sheet_changed=True))
        self.column_picker = QComboBox()
        self.column_picker.setObjectName("selection_column")
        self.column_picker.setAccessibleName("Column of sample ids")
        self.column_picker.activated.connect(lambda _i: self._read_again())
        form.addRow("&Sheet", self.sheet_picker)
        form.addRow("Sample &id column", self.column_picker)
        sheet.addLayout(form)
        sheet.addStretch(1)
        self.tabs.addTab(sheet_page, "From a spreadsheet")

        self.preview_label = QLabel()
        self.preview_label.setObjectName("selection_preview_label")
        self.preview_label.setWordWrap(True)
        self.preview = QTableWidget(0, 2)
        self.preview.setObjectName("selection_preview")
        self.preview.setAccessibleName("Samples that will be added")
        self.preview.setHorizontalHeaderLabels(["Sample id", "Label"])
        self.preview.verticalHeader().hide()
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.preview.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.preview.horizontalHeader().setStretchLastSection(True)
        self.skipped = QPlainTextEdit()
        self.skipped.setObjectName("selection_skipped")
        self.skipped.setAccessibleName("Lines left out, and why")
        self.skipped.setReadOnly(True)
        self.skipped.setMaximumHeight(self.fontMetrics().height() * 5)
        self.skipped.hide()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._on_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 2)
        layout.addWidget(self.preview_label)
        layout.addWidget(self.preview, 3)
        layout.addWidget(self.skipped)
        layout.addWidget(self.buttons)
        self.tabs.currentChanged.connect(lambda _i: self._show_preview())
        self.tabs.setCurrentIndex(1 if mode == SPREADSHEET else 0)
        self._show_preview()
        fit_dialog(self, 620, 640)

    # Reading

    def current_selection(self) -> Selection | None:
        """What OK would add from the page shown (None: nothing read yet)."""
        if self.tabs.currentIndex() == 0:
            return self._paste_selection
        return self._read.selection if self._read is not None else None

    def _on_text_changed(self) -> None:
        from workbook.services.samples import parse_selection_text

        text = self.text.toPlainText()
        self._paste_selection = parse_selection_text(text) if text.strip() else None
        self._show_preview()

    def _on_choose_clicked(self) -> None:
        path = self._choose_file(self, self.folder)
        if path:
            self.read_file(Path(path))

    def read_file(self, path: Path) -> None:
        """Read `path` as the selection (the reader chooses the sheet and the id column)."""
        self._path = path
        self.folder = str(path.parent)
        self.path_edit.setText(str(path))
        self.tabs.setCurrentIndex(1)
        self._start(path, None, None)

    def _read_again(self, *, sheet_changed: bool = False) -> None:
        if self._path is None:
            return
        sheet = self.sheet_picker.currentText() or None
        column = None if sheet_changed else (self.column_picker.currentData() or None)
        self._start(self._path, sheet, column)

    def _start(self, path: Path, sheet: str | None, column: str | None) -> None:
        self._reading = True
        self._read = None
        self._show_preview()

        def work(progress: Callable[[int, int], None], cancel: Any) -> SpreadsheetRead:
            return read_spreadsheet(path, sheet, column)

        self._jobs.run(
            f"Reading {path.name}",
            work,
            writes=False,
            on_finished=lambda read: self._on_read(path, column, read),
            on_failed=lambda error: self._on_read_failed(path, error),
            context=self,
        )

    @property
    def reading(self) -> bool:
        return self._reading

    def _on_read(self, path: Path, column: str | None, read: SpreadsheetRead) -> None:
        if path != self._path:
            return
        self._reading = False
        self._read = read
        self.sheet_picker.clear()
        self.sheet_picker.addItems(list(read.sheets))
        self.sheet_picker.setCurrentText(read.sheet)
        self.column_picker.clear()
        chosen = read.selection.column if read.selection is not None else ""
        self.column_picker.addItem(
            f"As the reader chose ({chosen})" if chosen else "As the reader chooses", ""
        )
        for sheet_column in read.columns:
            self.column_picker.addItem(sheet_column.label, sheet_column.key)
        if column:
            self.column_picker.setCurrentIndex(max(self.column_picker.findData(column), 0))
        self._show_preview()

    def _on_read_failed(self, path: Path, error: BaseException) -> None:
        if not isinstance(error, WorkbookError):
            raise error  # a bug: the excepthook shows it
        if path == self._path:
            self._reading = False
            self._read = SpreadsheetRead((), "", (), None, _words(error))
            self._show_preview()

    # Preview

    def _show_preview(self) -> None:
        selection = self.current_selection()
        error = self._read.error if self.tabs.currentIndex() == 1 and self._read is not None else ""
        items = selection.items if selection is not None else ()
        new = [(code, label) for code, label in items if code.casefold() not in self._existing]
        self.preview.setRowCount(min(len(new), PREVIEW_ROWS))
        for row, (code, label) in enumerate(new[:PREVIEW_ROWS]):
            self.preview.setItem(row, 0, QTableWidgetItem(code))
            self.preview.setItem(row, 1, QTableWidgetItem(label))
        if self._reading and self.tabs.currentIndex() == 1:
            words = "Reading the spreadsheet…"
        elif error:
            words = error
        elif selection is None:
            words = (
                "Paste or type the sample ids above."
                if self.tabs.currentIndex() == 0
                else "Choose the auditor's selection spreadsheet."
            )
        else:
            words = f"{len(new)} sample{'s' if len(new) != 1 else ''} will be added to {self.ref}"
            if self.tabs.currentIndex() == 1 and selection.column:
                words += f" (ids from column {selection.column}, {selection.source})"
            known = len(items) - len(new)
            if known:
                words += f"; {known} it has already {'is' if known == 1 else 'are'} left as before"
            if len(new) > PREVIEW_ROWS:
                words += f" (the first {PREVIEW_ROWS} shown)"
        self.preview_label.setText(words)
        self.preview_label.setStyleSheet("QLabel { color: #c62828; }" if error else "")
        skipped = skipped_words(selection)
        self.skipped.setPlainText(skipped)
        self.skipped.setVisible(bool(skipped))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(f"Add {len(new)} sample{'s' if len(new) != 1 else ''}" if new else "Add samples")
        ok.setEnabled(bool(new) and not self._reading)

    def _on_accepted(self) -> None:
        selection = self.current_selection()
        if selection is None or not selection.items:
            return
        self.items = tuple((c, label) for c, label in selection.items if c.casefold() not in self._existing)
        self.source = selection.source
        if self.items:
            self.accept()


def _ask_for_file(parent: QWidget, folder: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "The auditor's selection spreadsheet", folder, SPREADSHEETS)
    return path
