"""Review with the auditor (View → Review with the auditor…, Ctrl+Shift+R).

The workbook turns read-only except for verdicts, and the presenter opens (full screen on a second display
when there is one).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QWidget

from ui.geometry import fitted_size
from ui.jobs import JobRunner
from ui.models.request_table_model import RequestTableModel
from ui.widgets.request_panel import format_comments
from ui.workbook_session import ShowError, WorkbookSession
from workbook.errors import UserError, WorkbookError
from workbook.model import Changes

if TYPE_CHECKING:
    # Loaded when review starts, not with the window.
    from ui.widgets.presenter import Presenter

# Evidence larger than this is not read into memory to be shown: it opens in its own app instead.
MAX_SHOWN_BYTES = 64 * 1024 * 1024


class ReviewMode(QObject):
    """Starts and ends review; records verdicts on the writer thread; feeds the presenter its evidence."""

    changed = Signal(bool)  # True when review starts, False when it ends

    def __init__(
        self,
        session: WorkbookSession,
        jobs: JobRunner,
        model: RequestTableModel,
        current_ref: Callable[[], str | None],
        on_changed: Callable[[Changes], None],
        show_error: ShowError,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._jobs = jobs
        self._model = model
        self._current_ref = current_ref
        self._on_changed = on_changed
        self._show_error = show_error
        self._window = parent
        self.presenter: Presenter | None = None
        self._temp: Path | None = None
        self.action = QAction("&Review with the auditor…", parent)
        self.action.setObjectName("review")
        self.action.setShortcut("Ctrl+Shift+R")
        self.action.setStatusTip(
            "Step through requests with the auditor and record each verdict; nothing else changes"
        )
        self.action.triggered.connect(self.start)
        parent.addAction(self.action)

    @property
    def active(self) -> bool:
        return self.presenter is not None

    def start(self) -> Presenter | None:
        workbook = self._session.workbook
        if self.presenter is not None:
            self.presenter.raise_()
            self.presenter.activateWindow()
            return self.presenter
        if workbook is None:
            return None
        if workbook.read_only:
            self._show_error(
                UserError(
                    "review records verdicts, and this workbook is open read-only",
                    hint=workbook.read_only_reason,
                )
            )
            return None
        from ui.widgets.presenter import Presenter

        engagement = workbook.engagement()
        presenter = Presenter(engagement.client, engagement.auditor, self._window)
        presenter.set_sources(
            workbook.evidence.for_request, lambda ref: format_comments(workbook.requests.comments(ref))
        )
        presenter.set_requests(self._model.requests(), keep=self._current_ref())
        presenter.verdict_asked.connect(self._on_verdict_asked)
        presenter.evidence_wanted.connect(self._on_evidence_wanted)
        presenter.open_wanted.connect(self._on_open_wanted)
        presenter.closed.connect(self._on_presenter_closed)
        self.presenter = presenter
        self._session.reviewing = True
        self.changed.emit(True)
        self._place(presenter)
        return presenter

    def _place(self, presenter: Presenter) -> None:
        """Full screen on a display the main window is not on; a large window on a single display."""
        screens = QGuiApplication.screens()
        own = self._window.screen()
        other = next((s for s in screens if s is not own), None)
        if other is not None:
            presenter.setScreen(other)
            presenter.setGeometry(other.geometry())
            presenter.showFullScreen()
        else:
            presenter.resize(fitted_size(self._window, 1280, 800))
            presenter.show()

    def stop(self) -> None:
        if self.presenter is not None:
            self.presenter.close()

    def refresh(self) -> None:
        """The requests changed (a verdict, a reload): the presenter shows them as they are now."""
        if self.presenter is not None:
            self.presenter.set_requests(self._model.requests())

    def _on_presenter_closed(self) -> None:
        presenter, self.presenter = self.presenter, None
        if presenter is not None:
            presenter.deleteLater()
        self._session.reviewing = False
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)
            self._temp = None
        self.changed.emit(False)

    def _on_verdict_asked(self, ref: str, accepted: bool, comment: str) -> None:
        workbook = self._session.workbook
        if workbook is None:
            return
        auditor = workbook.engagement().auditor

        def saved(changes: Changes) -> None:
            if workbook is self._session.workbook:
                self._on_changed(changes)
            if self.presenter is not None:
                self.presenter.verdict_recorded(ref, accepted)
                self.refresh()

        def failed(error: BaseException) -> None:
            if not isinstance(error, WorkbookError):
                raise error  # a bug: the excepthook shows it
            self._show_error(error, action=f"Recording the verdict on {ref}")

        self._jobs.write(
            f"Verdict on {ref}",
            lambda: workbook.requests.record_verdict(
                ref, accepted=accepted, comment=comment, auditor=auditor
            ),
            on_finished=saved,
            on_failed=failed,
        )

    def _on_evidence_wanted(self, sha256: str, name: str, media_type: str) -> None:
        workbook = self._session.workbook
        if workbook is None:
            return

        def read(progress: Callable[[int, int], None], cancel: Any) -> bytes:
            return workbook.evidence.read_at_most(sha256, MAX_SHOWN_BYTES)

        self._jobs.run(
            f"Showing {name}",
            read,
            writes=False,
            on_finished=lambda data: self.presenter.show_evidence(sha256, data) if self.presenter else None,
            on_failed=lambda error: self._show_error(error, action=f"Reading {name}"),
            context=self,
        )

    def _on_open_wanted(self, sha256: str, name: str) -> None:
        """A copy in a private temporary folder, removed when review ends, opened by the system."""
        workbook = self._session.workbook
        if workbook is None:
            return
        if self._temp is None:
            self._temp = Path(tempfile.mkdtemp(prefix="audit-workbook-review-"))
        dest = self._temp / Path(name).name
        try:
            workbook.evidence.export_original(sha256, dest)
        except (OSError, WorkbookError) as error:
            self._show_error(
                error if isinstance(error, WorkbookError) else UserError(str(error), where=str(dest))
            )
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(dest)))
