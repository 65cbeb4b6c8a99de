"""Import checklist and Export package: the import wizard and the export dialog on the open workbook."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QObject, Qt, Signal
from PySide6.QtWidgets import QStatusBar, QWidget

from ui.jobs import JobRunner
from ui.models.request_table_model import RequestTableModel
from ui.settings import Settings
from ui.workbook_session import WorkbookSession
from workbook.model import Changes

if TYPE_CHECKING:
    from ui.dialogs.import_wizard import ImportWizard
    from workbook.model import ImportSummary


def dropped_checklist(mime: QMimeData) -> Path | None:
    """The one checklist file in dropped data, or None (several files, or not a checklist)."""
    from ui.dialogs.import_wizard import is_checklist

    paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()] if mime.hasUrls() else []
    return paths[0] if len(paths) == 1 and is_checklist(paths[0]) else None


class ImportExport(QObject):
    """Opens the import wizard and the export dialog, on `parent` (the window), for the workbook open now."""

    import_finished = Signal(object)

    def __init__(
        self,
        session: WorkbookSession,
        jobs: JobRunner,
        model: RequestTableModel,
        settings: Settings,
        status_bar: QStatusBar,
        *,
        on_changed: Callable[[Changes], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._jobs = jobs
        self._model = model
        self._settings = settings
        self._status_bar = status_bar
        self._on_changed = on_changed
        self._dialog_parent = parent

    def import_checklist(self, path: Path | None = None) -> ImportWizard | None:
        """File → Import checklist… (Ctrl+I) or a checklist dropped on the window: open the import wizard."""
        workbook = self._session.workbook
        if workbook is None:
            self._status_bar.showMessage(
                "The workbook is still opening; import in a moment."
                if self._session.opening
                else "Open or create a workbook first, then import its checklist.",
                8000,
            )
            return None
        if not self._session.ensure_writable():
            return None
        from ui.dialogs.import_wizard import ImportWizard

        wizard = ImportWizard(
            workbook,
            self._jobs,
            self._settings.last_folder,
            path,
            self._dialog_parent,
            titles={r.ref: r.title or r.request for r in self._model.requests()},
        )
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.import_finished.connect(self._on_wizard_import_finished)
        wizard.open()
        return wizard

    def _on_wizard_import_finished(self, summary: ImportSummary) -> None:
        self._on_changed(Changes(all_requests=True, people=True))
        self._status_bar.showMessage(
            f"Imported {summary.file_name}: {summary.added} added, {summary.updated} changed, "
            f"{summary.removed} removed.",
            10000,
        )
        self.import_finished.emit(summary)

    def export_package(self) -> None:
        workbook = self._session.workbook
        if workbook is None:
            return
        from ui.dialogs.export_dialog import ExportDialog

        sections = workbook.requests.sections()
        # The folder of the last export (the auditor's handover folder), else the workbook's own.
        folder = self._settings.export_folder or str(Path(workbook.path).parent)
        dialog = ExportDialog(
            workbook,
            self._jobs,
            folder,
            sections,
            self._dialog_parent,
            page_size=self._settings.export_page_size,
            final=self._settings.export_final,
            outputs=self._settings.export_outputs,
        )
        dialog.folder_used.connect(self._on_export_dialog_folder_used)
        dialog.open()

    def _on_export_dialog_folder_used(self, folder: str) -> None:
        self._settings.export_folder = folder
