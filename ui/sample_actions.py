"""Samples of the selected request: the samples tab's intents as undo steps and attach jobs.

The tab asks for its grid when the panel shows a request (read here, through `workbook.samples`); every change
is an undo step of `ui/sample_commands.py` written on the one writer thread, and attaching files is a job.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFileDialog, QStatusBar, QWidget

from ui.jobs import Job, JobRunner
from ui.request_list import RequestList
from ui.sample_commands import (
    AddSamplesCommand,
    LinkSampleFilesCommand,
    RemoveSamplesCommand,
    SetRequiredCommand,
    SetSampleCommand,
    UnlinkSampleFilesCommand,
)
from ui.settings import Settings
from ui.widgets.job_status import JobStatus
from ui.widgets.samples_tab import SamplesTab
from ui.workbook_session import ShowError, WorkbookSession
from workbook.errors import UserError
from workbook.model import AttachResult, Changes, Status

if TYPE_CHECKING:
    from ui.dialogs.sample_selection import SampleSelectionDialog
    from ui.main_window import MainWindow
    from workbook.services.workbook import Workbook


class SampleActions(QObject):
    """Runs the samples tab's actions on the selected request; attaching files is a job with progress."""

    # The grid shown in the tab was read (carries the SampleGrid).
    grid_shown = Signal(object)
    # An attach for a sample ended (carries the AttachResults).
    attach_finished = Signal(object)
    # The add-samples dialog was opened (carries it), for tests and scripts.
    dialog_opened = Signal(object)

    def __init__(
        self,
        session: WorkbookSession,
        request_list: RequestList,
        jobs: JobRunner,
        job_status: JobStatus,
        tab: SamplesTab,
        undo_stack: QUndoStack,
        settings: Settings,
        status_bar: QStatusBar,
        show_error: ShowError,
        *,
        on_changed: Callable[[Changes], None],
        open_evidence: Callable[[str, str], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._list = request_list
        self._jobs = jobs
        self._job_status = job_status
        self._tab = tab
        self._undo_stack = undo_stack
        self._settings = settings
        self._status_bar = status_bar
        self._show_error = show_error
        self._on_changed = on_changed
        self._open_evidence = open_evidence
        self._dialog_parent = parent
        tab.grid_wanted.connect(self.show_grid)
        tab.add_requested.connect(self.add_samples)
        tab.remove_requested.connect(self.remove_samples)
        tab.required_changed.connect(self.set_required)
        tab.sample_edited.connect(self.edit_sample)
        tab.attach_requested.connect(self.choose_files)
        tab.files_dropped.connect(self.attach_files)
        tab.open_requested.connect(open_evidence)
        tab.unlink_requested.connect(self.unlink_files)
        # A request shown before these actions existed (the tab asked with nobody listening).
        if tab.ref is not None:
            self.show_grid(tab.ref)

    def _writable_workbook(self) -> Workbook | None:
        workbook = self._session.workbook
        if workbook is None or not self._session.ensure_writable():
            return None
        return workbook

    def _push(self, command: Any) -> None:
        self._undo_stack.push(command)

    def _changed(self, changes: Changes) -> None:
        self._on_changed(changes)

    # Reading

    def show_grid(self, ref: str) -> None:
        """Read `ref`'s samples and show them (a snapshot being opened has none to show yet)."""
        workbook = self._session.workbook
        if workbook is None:
            self._tab.set_grid(None, writable=False)
            return
        try:
            grid = workbook.samples.grid(ref)
        except UserError:
            self._tab.set_grid(None, writable=False)
            return
        if self._tab.ref == ref:
            self._tab.set_grid(grid, writable=not self._session.read_only)
            self.grid_shown.emit(grid)

    # Adding and removing samples

    def add_samples(self, mode: str = "paste") -> SampleSelectionDialog | None:
        """Add samples…: the dialog to paste, type or import the selection; its samples added as one step."""
        from ui.dialogs.sample_selection import SampleSelectionDialog

        ref, workbook = self._tab.ref, self._writable_workbook()
        if ref is None or workbook is None:
            return None
        existing = [s.code for s in self._tab.grid.samples] if self._tab.grid is not None else []
        dialog = SampleSelectionDialog(
            ref,
            self._jobs,
            self._settings.last_folder,
            existing,
            mode=mode,
            parent=self._dialog_parent,
        )
        dialog.accepted.connect(lambda: self._on_dialog_accepted(dialog, workbook, ref))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.dialog_opened.emit(dialog)
        if mode == "spreadsheet" and not dialog.path_edit.text():
            dialog.choose_button.click()
        return dialog

    def _on_dialog_accepted(self, dialog: SampleSelectionDialog, workbook: Workbook, ref: str) -> None:
        if workbook is not self._session.workbook or not dialog.items:
            return
        self.add(ref, list(dialog.items))

    def add(self, ref: str, items: list[tuple[str, str]]) -> None:
        workbook = self._writable_workbook()
        if workbook is None or not items:
            return
        self._push(AddSamplesCommand(workbook, ref, items, self._jobs, self._changed, self._show_error))
        self._status_bar.showMessage(
            f"Adding {len(items)} sample{'s' if len(items) != 1 else ''} to {ref}…", 5000
        )

    def remove_samples(self, codes: list[str]) -> None:
        ref, workbook, grid = self._tab.ref, self._writable_workbook(), self._tab.grid
        if ref is None or workbook is None or grid is None:
            return
        samples = [s for s in grid.samples if s.code in set(codes)]
        if not samples:
            return
        self._push(RemoveSamplesCommand(workbook, ref, samples, self._jobs, self._changed, self._show_error))
        words = samples[0].code if len(samples) == 1 else f"{len(samples)} samples"
        self._status_bar.showMessage(f"Removed {words} from {ref} (Undo brings them back).", 8000)

    # Editing

    def edit_sample(self, code: str, field: str, value: object) -> None:
        ref, workbook, grid = self._tab.ref, self._writable_workbook(), self._tab.grid
        sample = next((s for s in grid.samples if s.code == code), None) if grid is not None else None
        if ref is None or workbook is None or sample is None:
            return
        before: str | Status = getattr(sample, field)
        after: str | Status = value if isinstance(value, Status) else str(value)
        if before == after:
            return
        self._push(
            SetSampleCommand(
                workbook, ref, code, field, before, after, self._jobs, self._changed, self._show_error
            )
        )

    def set_required(self, before: tuple[str, ...], after: tuple[str, ...], renamed: dict[str, str]) -> None:
        ref, workbook = self._tab.ref, self._writable_workbook()
        if ref is None or workbook is None or before == after:
            return
        self._push(
            SetRequiredCommand(
                workbook, ref, before, after, renamed, self._jobs, self._changed, self._show_error
            )
        )

    # Files

    def choose_files(self, code: str, requirement: str) -> Job | None:
        """Attach…: pick files to give for the sample (and item)."""
        ref = self._tab.ref
        if ref is None or self._writable_workbook() is None:
            return None
        what = f"{requirement} of " if requirement else ""
        paths, _ = QFileDialog.getOpenFileNames(
            self._dialog_parent,
            f"Attach {what}sample {code} ({ref})",
            self._settings.evidence_folder,
            "All files (*)",
        )
        if not paths:
            return None
        self._settings.evidence_folder = str(Path(paths[0]).parent)
        return self.attach_files(code, requirement, [Path(p) for p in paths])

    def attach_files(self, code: str, requirement: str, paths: list[Path]) -> Job | None:
        """Store `paths` and give them for sample `code` (for `requirement`, "" for none): a job."""
        ref, workbook = self._tab.ref, self._writable_workbook()
        if ref is None or workbook is None or not paths:
            return None
        words = paths[0].name if len(paths) == 1 else f"{len(paths)} files"
        what = f" ({requirement})" if requirement else ""

        def work(progress: Callable[[int, int], None], cancel: Any) -> list[AttachResult]:
            return workbook.samples.attach(
                ref, code, paths, requirement=requirement, progress=progress, cancel=cancel
            )

        def kept(done: int, total: int) -> str:
            return f"{done} of {total} files had been attached to sample {code} (they stay)"

        # The callbacks name `job`: it is bound before any queued result can reach this thread.
        job = self._jobs.run(
            f"Attaching {words} to sample {code}{what} of {ref}",
            work,
            writes=True,
            on_finished=lambda results: self._on_attached(job, workbook, ref, code, requirement, results),
            on_failed=lambda error: self._on_attach_failed(job, workbook, ref, error),
            on_cancelled=lambda: self._on_attach_cancelled(job, workbook, ref),
            kept_when_stopped=kept,
            context=self,
        )
        self._job_status.track(job)
        return job

    def _ended(self, job: Job, workbook: Workbook) -> bool:
        self._job_status.end(job)
        return workbook is self._session.workbook

    def _on_attached(
        self, job: Job, workbook: Workbook, ref: str, code: str, requirement: str, results: list[AttachResult]
    ) -> None:
        if not self._ended(job, workbook):
            return
        fresh = [(r.evidence.sha256, r.evidence.name, requirement) for r in results if not r.already_linked]
        if fresh:
            self._push(
                LinkSampleFilesCommand(
                    workbook, ref, code, fresh, self._jobs, self._changed, self._show_error
                )
            )
        self._changed(Changes(refs=frozenset([ref]), evidence=True))
        already = len(results) - len(fresh)
        message = f"Attached {len(fresh)} file{'s' if len(fresh) != 1 else ''} to sample {code}"
        self._status_bar.showMessage(message + (f" ({already} already given)" if already else ""), 8000)
        self.attach_finished.emit(results)

    def _on_attach_failed(self, job: Job, workbook: Workbook, ref: str, error: BaseException) -> None:
        current = self._ended(job, workbook)
        self._show_error(error, action=job.title)
        if current:
            self._changed(Changes(refs=frozenset([ref]), evidence=True))

    def _on_attach_cancelled(self, job: Job, workbook: Workbook, ref: str) -> None:
        if not self._ended(job, workbook):
            return
        self._status_bar.showMessage("Cancelled; files finished before the cancel stay attached.", 8000)
        self._changed(Changes(refs=frozenset([ref]), evidence=True))

    def unlink_files(self, code: str, links: list[tuple[str, str, str]]) -> None:
        ref, workbook = self._tab.ref, self._writable_workbook()
        if ref is None or workbook is None or not links:
            return
        self._push(
            UnlinkSampleFilesCommand(workbook, ref, code, links, self._jobs, self._changed, self._show_error)
        )


def sample_actions_for(window: MainWindow) -> SampleActions:
    """The window's sample actions, wired to its panel's samples tab, undo stack and evidence viewer."""
    return SampleActions(
        window.session,
        window.request_list,
        window.jobs,
        window.job_status,
        window.panel.samples_tab,
        window.undo_stack,
        window.settings,
        window.statusBar(),
        window._show,
        on_changed=window._on_changed,
        open_evidence=window.evidence_actions.open_evidence,
        parent=window,
    )
