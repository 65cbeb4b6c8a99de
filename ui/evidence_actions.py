"""Evidence of the selected request: attach (files, folders, paste, drop), replace, unlink, open, preview."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImage, QUndoStack
from PySide6.QtWidgets import QFileDialog, QStatusBar, QWidget

from ui.commands import (
    ChangedCallback,
    ErrorCallback,
    LinkEvidenceCommand,
    ReplaceEvidenceCommand,
    RestoreVersionCommand,
    ServiceCommand,
    SetEvidenceDetailsCommand,
    UnlinkEvidenceCommand,
)
from ui.jobs import Job, JobRunner
from ui.request_list import RequestList
from ui.settings import Settings
from ui.widgets.evidence_list import files_in
from ui.widgets.evidence_tab import EvidenceTab
from ui.widgets.job_status import JobStatus
from ui.workbook_session import ShowError, WorkbookSession
from workbook.errors import UserError, WorkbookError
from workbook.model import AttachResult, Changes, EvidenceDetails

if TYPE_CHECKING:
    from workbook.services.workbook import Workbook

MAX_PREVIEW_BYTES = 40 * 1024 * 1024


def _same_file(path: Path, size: int, sha256: str) -> bool:
    """True when `path` holds exactly `size` bytes hashing to `sha256`."""
    try:
        if path.stat().st_size != size:
            return False
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == sha256


class SetNeverExportCommand(ServiceCommand):
    """Mark one file never to be exported (or allow it again); undo sets the mark back."""

    def __init__(
        self,
        workbook: Workbook,
        sha256: str,
        name: str,
        never: bool,
        writer: JobRunner,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        text = f"Never export {name}" if never else f"Export {name} again"
        super().__init__(text, workbook, writer, on_changed, on_error)
        self.sha256 = sha256
        self.never = never

    def redo(self) -> None:
        self._run(lambda: self._workbook.evidence.set_never_export(self.sha256, self.never))

    def undo(self) -> None:
        self._run(lambda: self._workbook.evidence.set_never_export(self.sha256, not self.never))


class EvidenceActions(QObject):
    """Runs the evidence tab's actions and Paste on the selected request; attach and replace are jobs.

    A job's result is ignored (beyond its status-bar line) when the workbook it ran on is no longer open.
    """

    attach_finished = Signal(object)
    evidence_replaced = Signal(object)
    preview_shown = Signal(str)

    def __init__(
        self,
        session: WorkbookSession,
        request_list: RequestList,
        jobs: JobRunner,
        job_status: JobStatus,
        evidence_tab: EvidenceTab,
        undo_stack: QUndoStack,
        settings: Settings,
        status_bar: QStatusBar,
        show_error: ShowError,
        *,
        on_changed: Callable[[Changes], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._list = request_list
        self._jobs = jobs
        self._job_status = job_status
        self._tab = evidence_tab
        self._undo_stack = undo_stack
        self._settings = settings
        self._status_bar = status_bar
        self._show_error = show_error
        self._on_changed = on_changed
        self._dialog_parent = parent
        # Files dropped on a request while the workbook is still opening: attached once it is open.
        self._pending: list[tuple[str, list[Path]]] = []
        # The private folder the copies opened in the system viewer go to (made on first use).
        self._open_folder: Path | None = None
        evidence_tab.files_dropped.connect(self._on_evidence_tab_files_dropped)
        evidence_tab.unlink_requested.connect(self._on_evidence_tab_unlink_requested)
        evidence_tab.open_requested.connect(self.open_evidence)
        evidence_tab.evidence_selected.connect(self._on_evidence_tab_evidence_selected)
        evidence_tab.details_saved.connect(self._on_evidence_tab_details_saved)
        evidence_tab.replace_requested.connect(self._on_evidence_tab_replace_requested)
        evidence_tab.restore_requested.connect(self._on_evidence_tab_restore_requested)
        evidence_tab.add_files_requested.connect(self.add_files)
        evidence_tab.add_folder_requested.connect(self.add_folder)
        evidence_tab.paste_requested.connect(self.paste_evidence)
        evidence_tab.never_export_requested.connect(self.set_never_export)
        session.closing.connect(self._on_session_closing)

    def attach_files(self, ref: str, paths: list[Path]) -> Job | None:
        workbook = self._session.workbook
        if not paths:
            return None
        words = paths[0].name if len(paths) == 1 else f"{len(paths)} files"
        if workbook is None:
            if self._session.opening:
                self._pending.append((ref, list(paths)))
                self._status_bar.showMessage(f"{words} will be attached to {ref} once the workbook is open.")
            return None
        if not self._session.ensure_writable():
            return None

        def work(progress: Callable[[int, int], None], cancel: Any) -> list[AttachResult]:
            return workbook.evidence.attach(ref, paths, progress=progress, cancel=cancel)

        return self._start_attach(workbook, ref, f"Attaching {words} to {ref}", work)

    def add_files(self) -> Job | None:
        """Add files…: pick files to attach to the selected request."""
        ref = self._list.current_ref
        if ref is None or not self._session.ensure_writable():
            return None
        paths, _ = QFileDialog.getOpenFileNames(
            self._dialog_parent, f"Add evidence to {ref}", self._settings.evidence_folder, "All files (*)"
        )
        if not paths:
            return None
        self._settings.evidence_folder = str(Path(paths[0]).parent)
        return self.attach_files(ref, [Path(p) for p in paths])

    def add_folder(self) -> Job | None:
        """Add folder…: every file in a folder (hidden files skipped), as a folder dropped on the list."""
        ref = self._list.current_ref
        if ref is None or not self._session.ensure_writable():
            return None
        folder = QFileDialog.getExistingDirectory(
            self._dialog_parent, f"Add a folder of evidence to {ref}", self._settings.evidence_folder
        )
        if not folder:
            return None
        self._settings.evidence_folder = folder
        paths = files_in([Path(folder)])
        if not paths:
            self._status_bar.showMessage(f"{Path(folder).name} holds no files to attach.", 8000)
            return None
        return self.attach_files(ref, paths)

    def attach_pending(self) -> None:
        """The workbook is open: attach what was dropped on it while it opened."""
        pending, self._pending = self._pending, []
        for ref, paths in pending:
            self.attach_files(ref, paths)

    def _on_session_closing(self) -> None:
        self._pending = []
        self.remove_open_copies()

    def remove_open_copies(self) -> None:
        """The copies handed to the system viewer go with the workbook (one a viewer holds open may stay)."""
        folder, self._open_folder = self._open_folder, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def paste_evidence(self) -> Job | None:
        """Ctrl+V: the clipboard's image becomes PNG evidence of the selected request."""
        workbook, ref = self._session.workbook, self._list.current_ref
        if workbook is None or ref is None or self._session.read_only:
            return None
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasUrls() and any(u.isLocalFile() for u in mime.urls()):
            return self.attach_files(ref, [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()])
        image = QGuiApplication.clipboard().image()
        if image.isNull():
            self._status_bar.showMessage("The clipboard holds no image or file to attach.", 5000)
            return None
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs want bytes, the binding wants str
        buffer.close()
        png = bytes(data.data())
        name = f"screenshot-{dt.datetime.now():%Y-%m-%d-%H%M%S}.png"

        def work(progress: Callable[[int, int], None], cancel: Any) -> list[AttachResult]:
            result = workbook.evidence.attach_bytes(ref, png, name)
            progress(1, 1)
            return [result]

        return self._start_attach(workbook, ref, f"Attaching pasted screenshot to {ref}", work)

    def _start_attach(
        self, workbook: Workbook, ref: str, title: str, work: Callable[..., list[AttachResult]]
    ) -> Job:
        def kept(done: int, total: int) -> str:
            count = f"{done} of {total} files" if total else "no files"
            return f"{count} had been attached to {ref} (they stay)"

        # The callbacks name `job`: it is bound before any queued result can reach this thread.
        job = self._jobs.run(
            title,
            work,
            writes=True,
            on_finished=lambda results: self._on_attach_finished(job, workbook, ref, results),
            on_failed=lambda error: self._on_job_failed(job, workbook, ref, error),
            on_cancelled=lambda: self._on_job_cancelled(job, workbook, ref),
            kept_when_stopped=kept,
            context=self,
        )
        self._job_status.track(job)
        return job

    def _ended(self, job: Job, workbook: Workbook) -> bool:
        """Forget an ended attach/replace job; False when the workbook it ran on was closed since."""
        self._job_status.end(job)
        return workbook is self._session.workbook

    def _on_attach_finished(
        self, job: Job, workbook: Workbook, ref: str, results: list[AttachResult]
    ) -> None:
        if not self._ended(job, workbook):
            return
        fresh = [(r.evidence.sha256, r.evidence.name) for r in results if not r.already_linked]
        if fresh:
            self._undo_stack.push(
                LinkEvidenceCommand(workbook, ref, fresh, self._jobs, self._on_changed, self._show_error)
            )
        self._on_changed(Changes(refs=frozenset([ref]), evidence=True))
        already = len(results) - len(fresh)
        message = f"Attached {len(fresh)} file{'s' if len(fresh) != 1 else ''} to {ref}"
        self._status_bar.showMessage(message + (f" ({already} already linked)" if already else ""), 8000)
        self.attach_finished.emit(results)

    def _on_job_failed(self, job: Job, workbook: Workbook, ref: str, error: BaseException) -> None:
        current = self._ended(job, workbook)
        self._show_error(error, action=job.title)
        if current:
            self._on_changed(Changes(refs=frozenset([ref]), evidence=True))

    def _on_job_cancelled(self, job: Job, workbook: Workbook, ref: str) -> None:
        if not self._ended(job, workbook):
            return
        self._status_bar.showMessage("Cancelled; files finished before the cancel stay attached.", 8000)
        self._on_changed(Changes(refs=frozenset([ref]), evidence=True))

    def _on_evidence_tab_files_dropped(self, paths: list[Path]) -> None:
        if self._list.current_ref:
            self.attach_files(self._list.current_ref, paths)

    def _on_evidence_tab_unlink_requested(self, links: list[tuple[str, str]]) -> None:
        workbook, ref = self._session.workbook, self._list.current_ref
        if workbook is None or not ref or self._session.read_only:
            return
        self._undo_stack.push(
            UnlinkEvidenceCommand(workbook, ref, links, self._jobs, self._on_changed, self._show_error)
        )

    def open_evidence(self, sha256: str, name: str) -> None:
        """Write the stored bytes to a private temporary folder and hand them to the system viewer."""
        workbook = self._session.workbook
        if workbook is None:
            return
        if self._open_folder is None or not self._open_folder.is_dir():
            # Owner-only (mkdtemp makes it 0700) and new for each workbook: never a shared /tmp name.
            self._open_folder = Path(tempfile.mkdtemp(prefix="audit-workbook-open-"))
        folder = self._open_folder / sha256[:16]
        folder.mkdir(mode=0o700, exist_ok=True)
        dest = folder / Path(name).name
        try:
            # A copy left from before may have been edited or cut short: reuse it only if it is still exact.
            if not _same_file(dest, workbook.evidence.get(sha256).size, sha256):
                workbook.evidence.export_original(sha256, dest)
        except (OSError, WorkbookError) as error:
            self._show_error(
                error if isinstance(error, WorkbookError) else UserError(str(error), where=str(dest))
            )
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(dest)))

    def _on_evidence_tab_evidence_selected(self, sha256: str, name: str, media: str) -> None:
        workbook = self._session.workbook
        is_pdf = media == "application/pdf" or name.lower().endswith(".pdf")
        if workbook is None or not (media.startswith("image/") or is_pdf):
            self._tab.show_preview(None)
            return

        def work(progress: Callable[[int, int], None], cancel: Any) -> bytes:
            return workbook.evidence.read_at_most(sha256, MAX_PREVIEW_BYTES)

        self._jobs.run(
            f"Preview {name}",
            work,
            writes=False,
            on_finished=lambda data: self._on_preview_loaded(sha256, data),
            context=self,
        )

    def _on_preview_loaded(self, sha256: str, data: bytes) -> None:
        if not self._tab.shows_only(sha256):
            return
        if data.startswith(b"%PDF"):
            self._tab.show_pdf(data)
        else:
            self._tab.show_preview(QImage.fromData(data) if data else None)
        self.preview_shown.emit(sha256)

    def _on_evidence_tab_details_saved(self, sha256: str, details: EvidenceDetails) -> None:
        links = self._tab.selected_evidence()
        workbook = self._session.workbook
        if workbook is None or self._session.read_only or len(links) != 1:
            return
        evidence = links[0].evidence
        before = EvidenceDetails.of(evidence)
        self._undo_stack.push(
            SetEvidenceDetailsCommand(
                workbook,
                sha256,
                evidence.name,
                before,
                details,
                self._jobs,
                self._on_changed,
                self._show_error,
            )
        )
        self._status_bar.showMessage(f"Saving the details of {evidence.name}…", 5000)

    def _on_evidence_tab_replace_requested(self, sha256: str, name: str) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._dialog_parent,
            f"Replace {name} with a newer version",
            self._settings.evidence_folder,
            "All files (*)",
        )
        if path:
            self.replace_evidence(sha256, name, Path(path))

    def replace_evidence(self, old_sha256: str, old_name: str, path: Path) -> Job | None:
        """Store `path` as the newer version of the selected request's evidence `old_sha256` (a job)."""
        workbook, ref = self._session.workbook, self._list.current_ref
        if workbook is None or ref is None or self._session.read_only:
            return None

        def work(progress: Callable[[int, int], None], cancel: Any) -> AttachResult:
            result = workbook.evidence.replace(ref, old_sha256, path, cancel=cancel)
            progress(1, 1)
            return result

        old = (old_sha256, old_name)
        # The callbacks name `job`: it is bound before any queued result can reach this thread.
        job = self._jobs.run(
            f"Replacing {old_name} in {ref}",
            work,
            writes=True,
            on_finished=lambda result: self._on_replace_finished(job, workbook, ref, old, result),
            on_failed=lambda error: self._on_job_failed(job, workbook, ref, error),
            on_cancelled=lambda: self._on_job_cancelled(job, workbook, ref),
            context=self,
        )
        self._job_status.track(job)
        return job

    def _on_replace_finished(
        self, job: Job, workbook: Workbook, ref: str, old: tuple[str, str], result: AttachResult
    ) -> None:
        if not self._ended(job, workbook):
            return
        new = (result.evidence.sha256, result.evidence.name)
        self._undo_stack.push(
            ReplaceEvidenceCommand(workbook, ref, old, new, self._jobs, self._on_changed, self._show_error)
        )
        self._on_changed(Changes(refs=frozenset([ref]), evidence=True))
        self._status_bar.showMessage(f"{old[1]} replaced by {result.evidence.name} in {ref}.", 8000)
        self.evidence_replaced.emit(result)

    def _on_evidence_tab_restore_requested(self, sha256: str) -> None:
        links = self._tab.selected_evidence()
        workbook, ref = self._session.workbook, self._list.current_ref
        if workbook is None or ref is None or self._session.read_only or len(links) != 1:
            return
        name = links[0].evidence.name
        self._undo_stack.push(
            RestoreVersionCommand(workbook, ref, sha256, name, self._jobs, self._on_changed, self._show_error)
        )

    def set_never_export(self, sha256: str, name: str, never: bool) -> None:
        """Never export (or export again) one file: an undo step, saved on the writer."""
        workbook = self._session.workbook
        if workbook is None or not self._session.ensure_writable():
            self._list.show_current()
            return
        command = SetNeverExportCommand(
            workbook, sha256, name, never, self._jobs, self._on_changed, self._show_error
        )
        # A failed save puts the file's mark back as the workbook has it.
        command.after_failure = self._list.show_current
        self._undo_stack.push(command)
        self._status_bar.showMessage(
            f"{name} is kept in the workbook and left out of every package."
            if never
            else f"{name} is exported again with its requests.",
            8000,
        )
