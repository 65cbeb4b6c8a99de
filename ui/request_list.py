"""The requests shown: the table's rows kept in step with the workbook, the selection, the panel's request."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel

from ui.jobs import Job, JobRunner
from ui.models.request_table_model import RequestCriteria, RequestFilterProxyModel, RequestTableModel
from ui.settings import Settings
from ui.widgets.filter_bar import FilterBar
from ui.widgets.request_panel import RequestPanel
from ui.widgets.request_table import RequestTableView, TableState
from ui.workbook_session import OpenedWorkbook, ShowError, WorkbookSession
from workbook.errors import UserError
from workbook.model import Changes, Person, Request, RequestFilter, date_flagged_refs, has_date_flag

if TYPE_CHECKING:
    from workbook.services.snapshot import WorkbookSnapshot

# Up to this many changed requests are read one by one; more (or all) are read again on a reader job.
FEW_REFS = 50


class RequestList(QObject):
    """The table's rows, the progress header and the request panel, refreshed by what a service changed.

    `commit_pending` saves the panel's unsent edits before the selection moves on (False: it could not).
    """

    # The requests were read again on a reader job and swapped into the table.
    reloaded = Signal()

    def __init__(
        self,
        session: WorkbookSession,
        jobs: JobRunner,
        model: RequestTableModel,
        proxy: RequestFilterProxyModel,
        table: RequestTableView,
        panel: RequestPanel,
        filter_bar: FilterBar,
        header: QLabel,
        selection_label: QLabel,
        settings: Settings,
        show_error: ShowError,
        *,
        commit_pending: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._jobs = jobs
        self._model, self._proxy, self._table = model, proxy, table
        self._panel = panel
        self._filter_bar = filter_bar
        self._header = header
        self._selection_label = selection_label
        self._settings = settings
        self._show_error = show_error
        self._commit_pending = commit_pending
        self.current_ref: str | None = None
        # Set while the selection is put back on a request whose pending edits could not be saved.
        self._reverting_selection = False
        self._reload_job: Job | None = None
        # Refs edited while a reload was in flight: read again after it lands so no edit is overwritten.
        self._edited_during_reload: set[str] = set()

        table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        filter_bar.criteria_changed.connect(self._on_filter_bar_criteria_changed)
        proxy.modelReset.connect(self.update_header)
        model.day_changed.connect(self.update_header)
        proxy.rowsInserted.connect(self.update_header)
        proxy.rowsRemoved.connect(self.update_header)
        panel.evidence_tab.history_toggled.connect(self._on_evidence_tab_history_toggled)
        session.closing.connect(self._on_session_closing)

    @property
    def reloading(self) -> bool:
        """True while the requests are being read again on a reader job."""
        return self._reload_job is not None

    def show_snapshot(self, snapshot: WorkbookSnapshot) -> None:
        """The snapshot's rows, and its people and sections to filter by, with the filters last used."""
        self.swap_rows(snapshot.requests)
        sections = sorted({r.section for r in snapshot.requests if r.section})
        self._filter_bar.set_choices(list(snapshot.people), sections)
        self._filter_bar.restore(self._settings.filters())

    def show_opened(self, opened: OpenedWorkbook, *, from_snapshot: bool) -> None:
        """The full workbook's rows and people; the filters were restored with its snapshot, if any."""
        self.swap_rows(opened.requests)
        self._model.set_date_flagged(opened.date_flagged)
        self.set_people(opened.people, opened.sections)
        if not from_snapshot:
            self._filter_bar.restore(self._settings.filters())

    def clear(self) -> None:
        """The workbook closed: no rows, nothing in the panel, its comment drafts gone."""
        self._model.set_rows([])
        self._model.set_date_flagged(())
        self._panel.show_nothing()
        self._panel.forget_drafts()

    def requests(self, refs: Sequence[str]) -> list[Request]:
        """The requests of `refs` as the table shows them now."""
        model = self._model
        return [model.request_at(row) for ref in refs if (row := model.row_of(ref)) is not None]

    def swap_rows(self, requests: Sequence[Request]) -> None:
        """Show `requests`, keeping order, sort and selection; rows that did not change are not touched."""
        model = self._model
        header = self._table.horizontalHeader()
        sort_column = header.sortIndicatorSection()
        sorted_view = 0 <= sort_column < model.columnCount()
        if len(requests) == model.rowCount() and (
            all(model.row_of(r.ref) is not None for r in requests)
            if sorted_view
            else all(model.request_at(row).ref == r.ref for row, r in enumerate(requests))
        ):
            changed = [r for r in requests if model.request_at(model.row_of(r.ref) or 0) != r]
            if len(changed) <= FEW_REFS:
                model.update_rows(changed)
                self.update_header()
                return
        selected = self.selected_refs()
        model.set_rows(requests)
        if sorted_view:
            model.sort(sort_column, header.sortIndicatorOrder())
        self.select_refs(selected)
        self.update_header()

    def reload(self) -> Job | None:
        """Read every request again on a reader job and swap them in when it ends (`reloaded`)."""
        workbook = self._session.workbook
        if workbook is None:
            return None

        def work(progress: Callable[[int, int], None], cancel: Any) -> tuple[list[Request], frozenset[str]]:
            return workbook.requests.list(RequestFilter()), date_flagged_refs(workbook.evidence.flagged())

        # The callbacks name `job`: it is bound before any queued result can reach this thread.
        job = self._jobs.run(
            "Reading the requests",
            work,
            writes=False,
            on_finished=lambda read: self._on_reload_finished(job, *read),
            on_failed=lambda error: self._on_reload_failed(job, error),
            context=self,
        )
        self._reload_job = job
        self._edited_during_reload = set()
        return job

    def _on_reload_finished(self, job: Job, requests: list[Request], date_flagged: frozenset[str]) -> None:
        if self._session.workbook is None or job is not self._reload_job:
            return  # a newer reload is on its way, or the workbook was closed
        self._reload_job = None
        self.swap_rows(requests)
        self._model.set_date_flagged(date_flagged)
        edited, self._edited_during_reload = self._edited_during_reload, set()
        if edited:
            self._model.update_rows(self._fetch(sorted(edited)))
            self._model.set_date_flagged(self._date_flagged(sorted(edited)), only=edited)
            self.update_header()
        self.reloaded.emit()

    def _on_reload_failed(self, job: Job, error: BaseException) -> None:
        if job is self._reload_job:
            self._reload_job = None
            self._show_error(error, action="Cannot read the requests")

    def _on_session_closing(self) -> None:
        self._reload_job = None

    def _fetch(self, refs: Sequence[str]) -> list[Request]:
        """The requests of `refs` that still exist (one may have been archived meanwhile)."""
        workbook = self._session.workbook
        if workbook is None:
            return []
        found = []
        for ref in refs:
            try:
                found.append(workbook.requests.get(ref))
            except UserError:
                continue
        return found

    def _date_flagged(self, refs: Sequence[str]) -> list[str]:
        """Those of `refs` whose current evidence is flagged for its date, by the evidence service's rule."""
        workbook = self._session.workbook
        flagged = []
        for ref in refs:
            try:
                if workbook is not None and has_date_flag(workbook.evidence.for_request(ref)):
                    flagged.append(ref)
            except UserError:
                continue
        return flagged

    def set_people(self, people: Sequence[Person], sections: Sequence[str]) -> None:
        self._panel.set_people(people)
        self._filter_bar.set_choices([p.name for p in people], list(sections))

    def refresh(self, changes: Changes) -> None:
        """Refresh only what a service said it changed."""
        workbook = self._session.workbook
        if workbook is None:
            return
        if changes.all_requests or len(changes.refs) > FEW_REFS:
            self.reload()
        elif changes.refs:
            if self._reload_job is not None:
                self._edited_during_reload.update(changes.refs)
            self._model.update_rows(self._fetch(sorted(changes.refs)))
            if changes.evidence:
                self._model.set_date_flagged(self._date_flagged(sorted(changes.refs)), only=changes.refs)
            self.update_header()
        if changes.people:
            self.set_people(tuple(workbook.people.list()), tuple(workbook.requests.sections()))
        if self.current_ref and (
            changes.all_requests or self.current_ref in changes.refs or changes.evidence
        ):
            self.show_current()

    def update_header(self) -> None:
        ready, overdue, total = self._model.counts()
        text = f"{ready} of {total} ready · {overdue} overdue"
        shown = self._proxy.rowCount()
        if shown != total:
            text += f" · showing {shown}"
        self._header.setText(text)
        if self._session.shown is None:
            state = TableState.ROWS
        elif not total:
            state = TableState.NO_REQUESTS
        else:
            state = TableState.NO_MATCH if not shown else TableState.ROWS
        was = self._table.table_state
        self._table.set_state(state, can_import=not self._session.read_only)
        if state is TableState.NO_REQUESTS:
            self._panel.show_nothing(empty_workbook=True)
        elif was is TableState.NO_REQUESTS and self.current_ref is None:
            self._panel.show_nothing()

    def selected_refs(self) -> list[str]:
        rows = sorted({index.row() for index in self._table.selectionModel().selectedRows()})
        return [self._proxy.ref_at(row) for row in rows]

    def select_refs(self, refs: Sequence[str]) -> None:
        selection = self._table.selectionModel()
        selection.clearSelection()
        flags = selection.SelectionFlag.Select | selection.SelectionFlag.Rows
        first = True
        for ref in refs:
            source_row = self._model.row_of(ref)
            if source_row is None:
                continue
            index = self._proxy.mapFromSource(self._model.index(source_row, 0))
            if index.isValid():
                selection.select(index, flags)
                if first:
                    selection.setCurrentIndex(index, selection.SelectionFlag.NoUpdate)
                    first = False

    def select_first(self) -> None:
        if self._proxy.rowCount():
            self._table.selectRow(0)

    def _on_selection_changed(self) -> None:
        refs = self.selected_refs()
        previous = self.current_ref
        if self._reverting_selection:
            return  # going back to the request whose edits are still in the panel: show it as it is
        if previous and (len(refs) != 1 or refs[0] != previous) and not self._commit_pending():
            # Not saved: the panel keeps what was typed and the selection goes back to its request.
            QTimer.singleShot(0, lambda: self._revert_selection(previous))
            return
        self._selection_label.setText(f"{len(refs)} selected" if len(refs) > 1 else "")
        if len(refs) == 1:
            self.current_ref = refs[0]
            self.show_current()
        else:
            self.current_ref = None
            self._panel.show_nothing(
                len(refs), empty_workbook=self._table.table_state is TableState.NO_REQUESTS
            )

    def _revert_selection(self, ref: str) -> None:
        if self.current_ref != ref:
            return
        self._reverting_selection = True
        try:
            self.select_refs([ref])
        finally:
            self._reverting_selection = False

    def show_current(self) -> None:
        """Show the selected request in the panel as the workbook has it now."""
        if self.current_ref is None:
            return
        ref = self.current_ref
        workbook = self._session.workbook
        if workbook is None:
            # Snapshot only: the request as the table has it; evidence, comments and history follow.
            row = self._model.row_of(ref)
            if row is not None:
                request = self._model.request_at(row)
                self._panel.show_request(request, [], [], [], read_only=True)
                # The snapshot knows how many files there are, not their details yet.
                self._panel.show_evidence_count(request.evidence_count)
            return
        try:
            request = workbook.requests.get(ref)
            evidence = workbook.evidence.for_request(
                ref, include_history=self._panel.evidence_tab.include_history
            )
            comments = workbook.requests.comments(ref)
            history = workbook.activity.list(target=ref, limit=100)
        except UserError:
            self.current_ref = None
            self._panel.show_nothing()
            return
        self._panel.show_request(request, evidence, comments, history, read_only=self._session.read_only)

    def _on_evidence_tab_history_toggled(self, _on: bool) -> None:
        self.show_current()

    def _on_filter_bar_criteria_changed(self, criteria: RequestCriteria) -> None:
        self._proxy.set_criteria(criteria)
        self.update_header()
        self._settings.set_filters(self._filter_bar.state())

    def focus_search(self) -> None:
        """Edit → Find (Ctrl+F): into the search field, its text selected."""
        self._filter_bar.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._filter_bar.search.selectAll()
