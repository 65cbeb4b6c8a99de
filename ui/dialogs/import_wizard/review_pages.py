"""The wizard's last steps: rows left out or joined and other problems, a re-import's changes, the summary."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from ui.dialogs.import_wizard.steps import (
    PAGE_CHANGES,
    PAGE_SUMMARY,
    DuplicatePolicy,
    analysis_rows_line,
    answers_line,
    rows_line,
)
from ui.dialogs.mapping_preview import FIELD_LABELS

if TYPE_CHECKING:
    from ui.dialogs.import_wizard.wizard import ImportWizard
    from workbook.model import ImportSummary

PROBLEM_GROUPS = {
    "ambiguous_date": "Ambiguous dates",
    "unreadable_date": "Dates that could not be read",
    "duplicate_ref": "Rows sharing a ref",
    "generated_refs": "Generated refs",
    "missing_ref": "Generated refs",
    "unknown_status": "Unknown status words",
    "ghost_rows": "Empty rows at the end",
}
DIFF_GROUPS = (
    ("added", "Added"),
    ("changed", "Changed"),
    ("restored", "Back in the checklist"),
    ("removed", "Removed (archived, their evidence kept)"),
)
ROW_ROLE = Qt.ItemDataRole.UserRole
APART, MERGE = 0, 1


class ProblemsPage(QWizardPage):
    """Every non-empty row that is not a request of its own, and why; a tick brings one back as a request."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Rows left out, rows joined, and other things found")
        self.setSubTitle(
            "Nothing here stops the import. Tick a row that was left out to import it as a request after all."
        )
        self.counts = QLabel()
        self.counts.setObjectName("rows_count")
        self.counts.setWordWrap(True)
        bold = self.counts.font()
        bold.setBold(True)
        self.counts.setFont(bold)
        self.tree = QTreeWidget()
        self.tree.setObjectName("problems_tree")
        self.tree.setAccessibleName("Rows left out or joined, and other problems found in the checklist")
        self.tree.setHeaderLabels(["Import as a request", "Why", "What it says"])
        self.tree.setColumnWidth(0, 170)
        self.tree.setColumnWidth(1, 360)
        self.tree.setUniformRowHeights(True)
        self.tree.itemChanged.connect(self._on_tree_item_changed)

        # Only asked when some rows do share a ref: the question means nothing otherwise.
        self.duplicates_row = QWidget()
        self.duplicates_row.setObjectName("duplicates_row")
        self.duplicates_row.setToolTip("Rows with the same ref and the same text are one request either way.")
        self.keep_apart = QRadioButton()
        self.keep_apart.setObjectName("duplicates_apart")
        self.merge = QRadioButton("Merge them into one request")
        self.merge.setObjectName("duplicates_merge")
        self.duplicates = QButtonGroup(self)
        self.duplicates.addButton(self.keep_apart, APART)
        self.duplicates.addButton(self.merge, MERGE)
        self.duplicates.idClicked.connect(self._on_duplicates_id_clicked)
        row = QHBoxLayout(self.duplicates_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Rows sharing a ref:"))
        row.addWidget(self.keep_apart)
        row.addWidget(self.merge)
        row.addStretch(1)
        self.duplicates_row.hide()

        layout = QVBoxLayout(self)
        layout.addWidget(self.counts)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.duplicates_row)

    def initializePage(self) -> None:
        self.show_preview()

    def show_preview(self) -> None:
        preview = self._wizard.preview
        scroll = self.tree.verticalScrollBar().value()
        self.tree.blockSignals(True)
        self.tree.clear()
        self.tree.blockSignals(False)
        if preview is None:
            self.counts.clear()
            return
        analysis = preview.analysis
        self.counts.setText(analysis_rows_line(analysis) + ".")
        self._show_duplicates_question()
        self.tree.blockSignals(True)
        self._add_rows_left_out()
        if analysis.merged:
            joined = self._group(f"Joined to another request ({len(analysis.merged)})")
            for merged in analysis.merged:
                why = f"into {merged.into}: {merged.reason}"
                QTreeWidgetItem(joined, [self._place(merged.sheet, merged.row), why]).setToolTip(1, why)
        groups: dict[str, QTreeWidgetItem] = {}
        for problem in analysis.problems:
            name = PROBLEM_GROUPS.get(problem.kind, "Other")
            group = groups.get(name)
            if group is None:
                group = groups[name] = self._group(name)
            item = QTreeWidgetItem(group, [problem.message])
            item.setFirstColumnSpanned(True)
            item.setToolTip(0, f"{problem.where}\n{problem.message}" if problem.where else problem.message)
        for group in groups.values():
            group.setText(0, f"{group.text(0)} ({group.childCount()})")
        if not self.tree.topLevelItemCount():
            self._group("Nothing left out: every row with content below the header is a request.")
        self.tree.expandAll()
        self.tree.blockSignals(False)
        self.tree.verticalScrollBar().setValue(scroll)
        self.setCommitPage(not self._wizard.is_reimport)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Import")
        self.completeChanged.emit()

    def _group(self, text: str) -> QTreeWidgetItem:
        group = QTreeWidgetItem(self.tree, [text])
        group.setFirstColumnSpanned(True)
        return group

    def _place(self, sheet: str, row: int) -> str:
        preview = self._wizard.preview
        several = preview is not None and len(preview.analysis.sheets_used) > 1
        return f"{sheet}, row {row}" if several and sheet else f"Row {row}"

    def _add_rows_left_out(self) -> None:
        """Rows left out, and rows the user brought back (ticked), in sheet order: a tick can be undone."""
        preview = self._wizard.preview
        assert preview is not None
        analysis = preview.analysis
        rows = self._wizard.offered_rows()
        if not rows:
            return
        included = set(analysis.included_rows)
        left = len(rows) - sum(1 for r in rows if r.row in included and r.sheet in ("", analysis.sheet))
        words = f"Left out ({left})" + (f", brought back ({len(rows) - left})" if len(rows) > left else "")
        group = self._group(f"{words}: tick a row to import it as a request")
        for skipped in rows:
            text = " ".join(skipped.text.split())
            item = QTreeWidgetItem(group, [self._place(skipped.sheet, skipped.row), skipped.reason, text])
            item.setToolTip(2, skipped.text[:2000])
            item.setToolTip(1, skipped.reason)
            if skipped.sheet in ("", analysis.sheet):
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                checked = skipped.row in included
                item.setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                item.setData(0, ROW_ROLE, skipped.row)
                item.setToolTip(0, "Import this row as a request")
                item.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"Import row {skipped.row} as a request")
            else:
                item.setToolTip(
                    0, f"A row of “{skipped.sheet}”: only rows of “{analysis.sheet}” can be brought back"
                )

    def _show_duplicates_question(self) -> None:
        preview = self._wizard.preview
        assert preview is not None
        analysis = preview.analysis
        ref = analysis.duplicates[0].ref if analysis.duplicates else "PBC-1"
        self.keep_apart.setText(f"Keep them apart, numbered ({ref}, {ref}-2)")
        # None is the reader's own choice: apart, unless the rows are the same.
        button = self.merge if analysis.duplicate_policy == "merge" else self.keep_apart
        button.setChecked(True)
        self.duplicates_row.setVisible(bool(analysis.duplicates))

    def isComplete(self) -> bool:
        return self._wizard.preview is not None and not self._wizard.busy

    def nextId(self) -> int:
        return PAGE_CHANGES if self._wizard.is_reimport else PAGE_SUMMARY

    def _on_tree_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        row = item.data(0, ROW_ROLE)
        if column == 0 and isinstance(row, int):
            self._wizard.include_row(row, item.checkState(0) == Qt.CheckState.Checked)

    def _on_duplicates_id_clicked(self, button: int) -> None:
        policy: DuplicatePolicy = "merge" if button == MERGE else "suffix"
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
        preview = self._wizard.preview
        self.tree.clear()
        self.accept_box.setChecked(False)
        if preview is None:
            return
        # A bare ref said nothing about what was added or removed: each line carries the title too.
        titles = dict(self._wizard.titles)
        titles.update((row.ref, row.title or row.request) for row in preview.analysis.rows)
        for kind, words in DIFF_GROUPS:
            diffs = [d for d in preview.plan if d.kind == kind]
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
        unchanged = sum(1 for d in preview.plan if d.kind == "unchanged")
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
        sheets = summary.sheets or (summary.sheet,)
        where = f"sheet “{summary.sheet}”" if len(sheets) == 1 else f"{len(sheets)} sheets read as one list"
        counts = rows_line(
            summary.non_empty_rows, summary.imported_rows, len(summary.merged_rows), len(summary.skipped_rows)
        )
        lines = [
            f"<p><b>{escape(summary.file_name)}</b>, {escape(where)}, header row {summary.header_row}.</p>",
            f"<p>{counts}.</p>",
            f"<p>{summary.added} added · {summary.updated} changed · {summary.unchanged} unchanged · "
            f"{summary.removed} removed. The workbook now has {summary.items} requests.</p>",
        ]
        preview = self._wizard.preview
        if preview is not None:
            lines.append(f"<p>{escape(answers_line(preview.analysis))}</p>")
        if summary.generated_refs:
            lines.append("<p>The checklist has no ref column: refs were made from the row numbers.</p>")
        recheck = [d.ref for d in summary.diff if d.recheck_evidence]
        if recheck:
            refs = escape(", ".join(recheck[:10]))
            lines.append(f"<p>Re-check the evidence of {refs}: their wording changed.</p>")
        lines.append("<p>The mapping is remembered for the next checklist with these headings.</p>")
        self.text.setText("".join(lines))
        self.completeChanged.emit()

    def show_failure(self, text: str) -> None:
        self.done = True
        self.progress.hide()
        self.setTitle("Nothing was imported")
        self.text.setText(text)
        self.completeChanged.emit()
