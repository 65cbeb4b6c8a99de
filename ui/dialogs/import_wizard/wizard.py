"""The import wizard: file → sheet → header row and mapping on a live grid → problems → changes → summary."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QWidget, QWizard

from ui.dialogs.import_wizard.mapping_page import MappingPage
from ui.dialogs.import_wizard.review_pages import ChangesPage, ProblemsPage, SummaryPage
from ui.dialogs.import_wizard.source_pages import FilePage, SheetPage
from ui.dialogs.import_wizard.steps import (
    PAGE_CHANGES,
    PAGE_FILE,
    PAGE_MAPPING,
    PAGE_PROBLEMS,
    PAGE_SHEET,
    PAGE_SUMMARY,
    PREVIEW_ROWS,
    SHEET_PREVIEW_ROWS,
    DuplicatePolicy,
)
from ui.geometry import fitted_size
from ui.jobs import Job, JobRunner
from ui.messages import describe
from workbook.errors import WorkbookError
from workbook.model import MAPPABLE_FIELDS

if TYPE_CHECKING:
    from workbook.formats.checklist.reader import ChecklistInfo, SkippedRow
    from workbook.model import ImportSummary
    from workbook.services.importing import ImportPreview, ImportService
    from workbook.services.workbook import Workbook

# The wizard opens at this size, or at 90 % of the screen's free area when that is smaller.
OPENING_SIZE = QSize(1100, 720)
JobKind = Literal["inspect", "preview", "import"]
Sheets = str | tuple[str, ...]


class ImportWizard(QWizard):
    """Runs inspect, preview and import as jobs; each set of choices asks the service for one fresh preview.

    The choices are the state: `path`, `info`, `sheets` (None: the reader's choice; one name; or the sheets
    read as one list, the first one first), `header_row`, `mapping`, `duplicates` and `include_rows`.
    """

    preview_ready = Signal()
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
        """`titles`: ref → title of the requests in the workbook, so the changes page names removed ones.

        With a `path` (a dropped file, or the window's import of a given file) the wizard reads it and goes by
        itself to the first step in doubt: the sheet step when the sheet is, otherwise the mapping step.
        """
        super().__init__(parent)
        self.setObjectName("import_wizard")
        self.setWindowTitle("Import checklist")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.resize(fitted_size(parent or self, OPENING_SIZE.width(), OPENING_SIZE.height()))
        self.service = service if service is not None else workbook.imports()
        self.titles: Mapping[str, str] = titles or {}
        self.jobs = jobs
        self.folder = folder
        self.path: Path | None = None
        self.info: ChecklistInfo | None = None
        self.sheets: Sheets | None = None
        self.header_row: int | None = None
        self.mapping: dict[str, str] | None = None
        self.duplicates: DuplicatePolicy | None = None
        self.include_rows: tuple[int, ...] = ()
        self.preview: ImportPreview | None = None
        self.summary: ImportSummary | None = None
        # Rows of the first sheet seen left out, so that one brought back stays listed (and can be unticked).
        self._offered: dict[int, SkippedRow] = {}
        self._job: Job | None = None
        self._import_job: Job | None = None
        self._closing = False
        self._advance_first = path is not None
        self._advance = False
        # Set once the user goes on from the sheet step: the reader's doubt about the sheet is answered.
        self.sheet_confirmed = False

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
        return self.preview is not None and any(d.kind != "added" for d in self.preview.plan)

    @property
    def first_sheet(self) -> str | None:
        """The sheet the list starts on: the one chosen, else the reader's choice."""
        current = self._current_sheets()
        if current is not None:
            return current if isinstance(current, str) else current[0]
        return self.info.best_sheet if self.info is not None else None

    @property
    def reads_together(self) -> bool:
        """Whether the sheets with the first sheet's columns are read with it (the reader's default)."""
        if not isinstance(self.sheets, str) or self.info is None:
            return True
        return len(self.info.same_list_as(self.sheets)) == 1

    def _current_sheets(self) -> Sheets | None:
        if self.sheets is not None:
            return self.sheets
        if self.preview is None:
            return None
        used = self.preview.analysis.sheets_used or (self.preview.analysis.sheet,)
        return used[0] if len(used) == 1 else tuple(used)

    def _start(
        self,
        kind: JobKind,
        title: str,
        work: Callable[..., Any],
        on_done: Callable[[Any], None],
        *,
        writes: bool = False,
        on_progress: Callable[[int, int], object] | None = None,
        on_cancelled: Callable[[], object] | None = None,
    ) -> Job:
        # The callbacks name `job`: it is bound before any queued result can reach this thread. With the
        # wizard as their context they are not called once it is closed and deleted mid-job.
        job = self.jobs.run(
            title,
            work,
            writes=writes,
            on_finished=lambda value: self._on_job_finished(job, on_done, value),
            on_failed=lambda error: self._on_job_failed(job, kind, error),
            on_cancelled=on_cancelled,
            on_progress=on_progress,
            context=self,
        )
        self._job = job
        self._update_pages()
        return job

    def _on_job_finished(self, job: Job, on_done: Callable[[Any], None], value: Any) -> None:
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
        on_done(value)
        self._update_pages()

    def _on_job_failed(self, job: Job, kind: JobKind, error: BaseException) -> None:
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
        if kind == "inspect":
            self.info = None
            self.file_page.show_info(None, text)
        elif kind == "import":
            self._import_job = None
            self.summary_page.show_failure(f"Nothing was imported: the workbook is unchanged.\n\n{text}")
        else:
            self._advance = False
            if self.currentId() == PAGE_FILE:
                self.file_page.show_problem(text)
            elif self.currentId() == PAGE_PROBLEMS:
                self.problems_page.counts.setText(text)
            self.mapping_page.show_error(text)
        self._update_pages()

    def _update_pages(self) -> None:
        for page in (self.file_page, self.mapping_page, self.problems_page, self.changes_page):
            page.completeChanged.emit()

    def forget_file(self) -> None:
        self.path = None
        self.info = None
        self.preview = None

    def inspect(self, path: Path) -> None:
        self.path = path
        self.info = None
        self.sheets = None
        self.header_row = None
        self.mapping = None
        self.duplicates = None
        self.include_rows = ()
        self.preview = None
        self.sheet_confirmed = False
        self._offered.clear()
        # Only the file the wizard was opened with moves it on by itself; a path typed later does not.
        self._advance, self._advance_first = self._advance_first, False
        service = self.service

        def work(progress: Callable[[int, int], None], cancel: Any) -> ChecklistInfo:
            return service.inspect(path)

        self._start("inspect", f"Reading {path.name}", work, self._on_inspected)

    def _on_inspected(self, info: ChecklistInfo) -> None:
        self.info = info
        self.file_page.show_info(info)
        self.refresh()

    def load_sheet_preview(self, sheet: str) -> None:
        """The raw first rows of a sheet, for the sheet step (no analysis)."""
        path = self.path
        if path is None:
            return
        service = self.service
        self.jobs.run(
            f"Preview of {sheet}",
            lambda progress, cancel: (sheet, service.preview_rows(path, sheet, SHEET_PREVIEW_ROWS)),
            writes=False,
            on_finished=self._on_sheet_preview_loaded,
            context=self,
        )

    def _on_sheet_preview_loaded(self, value: tuple[str, list[tuple[str, ...]]]) -> None:
        sheet, rows = value
        if sheet == self.sheet_page.current_sheet() and not self._closing:
            self.sheet_page.show_rows(rows)

    def choose_sheet(self, sheet: str, *, together: bool) -> None:
        """`sheet` first; with `together`, the other sheets with its columns are read with it as one list."""
        same = self.info.same_list_as(sheet) if self.info is not None else (sheet,)
        wanted: Sheets = (sheet, *(s for s in same if s != sheet)) if together and len(same) > 1 else sheet
        if wanted == self._current_sheets():
            return
        self.sheets = wanted
        self.header_row = None
        self.mapping = None
        self.include_rows = ()
        self.preview = None
        self._offered.clear()

    def choose_header_row(self, row: int) -> None:
        same = self.preview is not None and row == self.preview.analysis.header_row
        if same and self.mapping_page.error.isHidden():
            return
        self.header_row = row
        self.mapping = None
        self.include_rows = ()
        self._offered.clear()
        self.refresh()

    def choose_duplicates(self, policy: DuplicatePolicy) -> None:
        if policy != self.duplicates:
            self.duplicates = policy
            self.refresh()

    def include_row(self, row: int, include: bool) -> None:
        """Bring a row of the first sheet that was left out back in as a request (or leave it out again)."""
        rows = set(self.include_rows)
        if include:
            rows.add(row)
        else:
            rows.discard(row)
        if tuple(sorted(rows)) != self.include_rows:
            self.include_rows = tuple(sorted(rows))
            self.refresh()

    def use_fresh_guess(self) -> None:
        self.mapping = {}
        self.refresh()

    def map_column(self, letter: str, field: str) -> None:
        """The user's correction: `field` now comes from column `letter` ("" = the column is not imported).

        The whole current mapping goes with it, so that the other columns keep what they were taken for.
        """
        if self.preview is None:
            return
        current = {c.field: c.letter for c in self.preview.analysis.columns if c.field}
        mapping = {f: current.get(f, "") for f in MAPPABLE_FIELDS}
        for name, column in list(mapping.items()):
            if column == letter:
                mapping[name] = ""
        if field:
            mapping[field] = letter
        self.mapping = mapping
        self.refresh()

    def refresh(self) -> None:
        """One preview for the current choices: the reading, the raw rows, the plan and any saved mapping."""
        path = self.path
        if path is None:
            return
        service = self.service
        sheets, header_row, mapping = self.sheets, self.header_row, self.mapping
        duplicates, include_rows = self.duplicates, self.include_rows

        def work(progress: Callable[[int, int], None], cancel: Any) -> ImportPreview:
            return service.preview(
                path,
                sheet=sheets,
                header_row=header_row,
                mapping=mapping,
                duplicates=duplicates,
                include_rows=include_rows,
                preview_rows=PREVIEW_ROWS,
            )

        self.mapping_page.error.hide()
        self._start("preview", f"Reading {path.name}", work, self._on_previewed)

    def _on_previewed(self, preview: ImportPreview) -> None:
        self.preview = preview
        analysis = preview.analysis
        self._offered.update((s.row, s) for s in analysis.skipped if s.sheet in ("", analysis.sheet))
        self.mapping_page.show_preview()
        if self.currentId() == PAGE_PROBLEMS:
            self.problems_page.show_preview()
        elif self.currentId() == PAGE_SHEET:
            self.sheet_page.show_doubt()
        self.preview_ready.emit()
        if self._advance:
            self._advance = False
            self._advance_to_doubt()

    def _advance_to_doubt(self) -> None:
        """Go on to the first step with a doubtful decision: the sheet, else the mapping (confirmed there)."""
        assert self.preview is not None
        several = self.info is not None and len(self.info.sheets) > 1
        unsure = any(d.subject == "sheet" and d.doubtful for d in self.preview.analysis.decisions)
        target = PAGE_SHEET if several and unsure else PAGE_MAPPING
        while self.currentId() < target:
            before = self.currentId()
            self.next()
            if self.currentId() == before:
                break

    def offered_rows(self) -> list[SkippedRow]:
        """The rows left out, and the rows of the first sheet brought back in, in sheet order."""
        if self.preview is None:
            return []
        analysis = self.preview.analysis
        first = analysis.sheet
        rows = list(analysis.skipped)
        left = {s.row for s in rows if s.sheet in ("", first)}
        rows += [self._offered[r] for r in analysis.included_rows if r in self._offered and r not in left]
        order = {name: number for number, name in enumerate(analysis.sheets_used or (first,))}
        return sorted(rows, key=lambda s: (order.get(s.sheet or first, 0), s.row))

    def run_import(self) -> None:
        preview, path = self.preview, self.path
        if preview is None or path is None:
            return
        service = self.service

        def work(progress: Callable[[int, int], None], cancel: Any) -> ImportSummary:
            return service.import_checklist(path, analysis=preview.analysis, progress=progress, cancel=cancel)

        self._import_job = self._start(
            "import",
            f"Importing {path.name}",
            work,
            self._on_imported,
            writes=True,
            on_progress=self.summary_page.show_progress,
            on_cancelled=self._on_import_cancelled,
        )
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
