"""The mapping step: the header row and what each column fills, on a live grid of the sheet's first rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from ui.dialogs.import_wizard.source_pages import DOUBT_STYLE
from ui.dialogs.import_wizard.steps import (
    PREVIEW_ROWS,
    ROW_DECISIONS,
    answers_line,
    column_width,
    decision_words,
    plural,
)
from ui.dialogs.mapping_preview import (
    FIELD_LABELS,
    FIELD_MENU_HINTS,
    NOT_IMPORTED,
    MappingPreviewModel,
    PreviewColumn,
)
from workbook.model import FIELDS, MAPPABLE_FIELDS

if TYPE_CHECKING:
    from ui.dialogs.import_wizard.wizard import ImportWizard

# The box lists this many doubts; the rest are in its tooltip, so that it never pushes the grid off screen.
DOUBTS_SHOWN = 4


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

        self.doubt = QLabel()
        self.doubt.setObjectName("doubt_box")
        self.doubt.setAccessibleName("Check this")
        self.doubt.setWordWrap(True)
        self.doubt.setTextFormat(Qt.TextFormat.PlainText)
        self.doubt.setStyleSheet(DOUBT_STYLE)
        self.doubt.hide()

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

        self.answers = QLabel()
        self.answers.setObjectName("answers_line")
        self.answers.setWordWrap(True)
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
        layout.addWidget(self.doubt)
        layout.addLayout(controls)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.answers)
        layout.addWidget(self.note)
        layout.addWidget(self.error)

    def initializePage(self) -> None:
        if self._wizard.preview is None:
            self._wizard.refresh()
        else:
            self.show_preview()

    def isComplete(self) -> bool:
        return self._wizard.preview is not None and not self._wizard.busy and self.error.isHidden()

    def show_preview(self) -> None:
        preview = self._wizard.preview
        if preview is None:
            self.model.clear()
            return
        analysis = preview.analysis
        skipped = {s.row: s.reason for s in analysis.skipped if s.sheet in ("", analysis.sheet)}
        columns = [
            PreviewColumn(c.letter, c.header, c.field, c.confidence, c.hidden, c.reason)
            for c in analysis.columns
        ]
        self.model.set_preview(
            preview.rows,
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
        counts = [plural(len(analysis.rows), "request"), f"{len(analysis.skipped)} left out"]
        if analysis.merged:
            counts.append(f"{len(analysis.merged)} joined")
        if len(analysis.sheets_used) > 1:
            counts.append(f"from {len(analysis.sheets_used)} sheets")
        if hidden:
            counts.append(plural(hidden, "hidden column"))
        self.counts.setText(" · ".join(counts))
        self._show_doubts()
        self.answers.setText(answers_line(analysis))
        notes = []
        if analysis.generated_refs:
            notes.append("No column holds request IDs: refs are made from the row numbers (R0012 is row 12).")
        unmapped = [c.header or c.letter for c in analysis.columns if not c.field and (c.header or c.hidden)]
        if unmapped:
            more = f" and {len(unmapped) - 8} more" if len(unmapped) > 8 else ""
            notes.append(f"Kept as extra columns (read-only): {', '.join(unmapped[:8])}{more}.")
        self.note.setText(" ".join(notes))
        self.note.setVisible(bool(notes))
        self.profile_label.setText(preview.profile_words)
        self.profile_box.setVisible(bool(preview.profile_words))
        self.error.hide()
        self.completeChanged.emit()

    def _show_doubts(self) -> None:
        """The "Check this" box: every doubtful decision in words; row doubts point to the next step."""
        preview = self._wizard.preview
        confirmed = ("sheet",) if self._wizard.sheet_confirmed else ()
        doubts = (
            [d for d in preview.analysis.decisions if d.doubtful and d.subject not in confirmed]
            if preview
            else []
        )
        if preview is None or not doubts:
            self.doubt.clear()
            self.doubt.hide()
            return
        analysis = preview.analysis
        on_grid = [d for d in doubts if d.subject not in ROW_DECISIONS]
        lines = [f"• {decision_words(d, analysis)}" for d in doubts]
        title = "Check this:" if on_grid else "The columns look right. Check the rows on the next step:"
        text = [title, *lines[:DOUBTS_SHOWN]]
        if len(lines) > DOUBTS_SHOWN:
            text.append(f"… and {len(lines) - DOUBTS_SHOWN} more (hover here to see them).")
        if len(on_grid) < len(doubts):
            text.append(
                "The next step lists every row left out or joined, with why; "
                "tick one to import it as a request."
            )
        self.doubt.setText("\n".join(text))
        self.doubt.setToolTip("\n".join(lines))
        self.doubt.show()

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
        for field in MAPPABLE_FIELDS:
            if field == MAPPABLE_FIELDS[len(FIELDS)]:
                # The auditor's own answer columns come after the request fields.
                self.field_menu.addSeparator()
            action = self.field_menu.addAction(FIELD_LABELS[field] + FIELD_MENU_HINTS.get(field, ""))
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
