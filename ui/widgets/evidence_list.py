"""The request's evidence: a list that is also a drop zone for files and folders."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QWidget

from workbook.filtering import human_size
from workbook.model import Evidence, EvidenceLink, PriorEvidence, flag_label

SHA_ROLE = int(Qt.ItemDataRole.UserRole) + 1
MEDIA_ROLE = int(Qt.ItemDataRole.UserRole) + 2
NAME_ROLE = int(Qt.ItemDataRole.UserRole) + 3
LINK_ROLE = int(Qt.ItemDataRole.UserRole) + 4
MAX_FOLDER_FILES = 5000
# The mark of a file kept in the workbook but left out of every package.
NEVER_EXPORTED = "⊘\u00a0never\u00a0exported"
NO_EVIDENCE = (
    "No evidence yet. Use Add files… above, drop files or folders here, or paste a screenshot (Ctrl+V)"
)
# A request carried from last period: its old files are offered below the list.
NO_EVIDENCE_WITH_PRIOR = (
    "No evidence for this period yet. Reuse last period's file below, "
    "use Add files… above, or drop files here"
)
# The prior-period list shows this many files before it scrolls.
PRIOR_ROWS = 3


def _tooltip(evidence: Evidence) -> str:
    return (
        f"{evidence.name}\nSHA-256 {evidence.sha256}\nadded by {evidence.added_by} on "
        f"{evidence.added_at:%Y-%m-%d %H:%M}"
        + (f"\nalso linked to {', '.join(evidence.refs)}" if len(evidence.refs) > 1 else "")
        + (
            "\nNever exported: kept in this workbook, left out of every package"
            if evidence.never_export
            else ""
        )
    )


def files_in(paths: Iterable[Path]) -> list[Path]:
    """Dropped files as they are, folders walked (hidden files and links skipped), in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(Path(root) / n for n in sorted(names) if not n.startswith("."))
                if len(found) > MAX_FOLDER_FILES:
                    break
        else:
            found.append(path)
    return found


class EvidenceList(QListWidget):
    """Lists evidence links; accepts dropped files/folders and says so when empty."""

    files_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evidence_list")
        self.setAccessibleName("Evidence")
        self.setAccessibleDescription(
            "Evidence files of the request; drop files or folders here to attach them"
        )
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.placeholder = NO_EVIDENCE
        self._links: list[EvidenceLink] = []

    def set_links(self, links: list[EvidenceLink]) -> None:
        """Show the links; the selection survives a refresh by SHA-256, so an edit does not lose its place."""
        kept = {sha for sha, _ in self.selected_links()}
        self.blockSignals(True)
        self.clear()
        self._links = list(links)
        for number, link in enumerate(links):
            evidence = link.evidence
            # First, so a narrow panel never elides it.
            parts = [NEVER_EXPORTED] if evidence.never_export else []
            parts.append(human_size(evidence.size))
            if evidence.effective_date:
                parts.append(f"effective {evidence.effective_date.isoformat()}")
            if not link.current:
                parts.append("replaced")
            parts.extend(f"⚠ {flag_label(flag)}" for flag in link.flags)
            self.addItem(f"{evidence.name}\n{' · '.join(parts)}")
            item = self.item(self.count() - 1)
            item.setData(SHA_ROLE, evidence.sha256)
            item.setData(MEDIA_ROLE, evidence.media_type)
            item.setData(NAME_ROLE, evidence.name)
            item.setData(LINK_ROLE, number)
            item.setToolTip(_tooltip(evidence))
            if not link.current:
                item.setForeground(self.palette().placeholderText())
        for row in range(self.count()):
            item = self.item(row)
            item.setSelected(str(item.data(SHA_ROLE)) in kept and bool(self._links[row].current))
        self.blockSignals(False)

    def selected_links(self) -> list[tuple[str, str]]:
        """(sha256, name) of the selected evidence."""
        return [(str(i.data(SHA_ROLE)), str(i.data(NAME_ROLE))) for i in self.selectedItems()]

    def select_evidence(self, sha256: str) -> None:
        """Select the current file `sha256` alone (a file just reused, so its date can be set)."""
        for row in range(self.count()):
            item = self.item(row)
            if str(item.data(SHA_ROLE)) == sha256 and self._links[row].current:
                self.setCurrentItem(item)
                return

    def selected_evidence(self) -> list[EvidenceLink]:
        """The selected links themselves, with their evidence's details and version state."""
        return [self._links[int(i.data(LINK_ROLE))] for i in self.selectedItems()]

    def _has_files(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        mime = event.mimeData()
        return mime.hasUrls() and any(url.isLocalFile() for url in mime.urls())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._has_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._has_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        if not self._has_files(event):
            event.ignore()
            return
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        event.acceptProposedAction()
        self.files_dropped.emit(files_in(paths))

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.count() == 0 and self.isEnabled():
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            rect = QRect(self.viewport().rect()).adjusted(12, 12, -12, -12)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
            painter.end()


class PriorEvidenceList(QListWidget):
    """Last period's files of a request: name, date, sample and whether it was reused for this period."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("prior_evidence_list")
        self.setAccessibleName("Last period's evidence")
        self.setAccessibleDescription(
            "Files of the previous audit period: not counted or exported until reused for this period"
        )
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self._prior: list[PriorEvidence] = []

    def set_prior(self, prior: list[PriorEvidence]) -> None:
        """Show the files; the selection survives a refresh by SHA-256, as the evidence list's does."""
        kept = {p.evidence.sha256 for p in self.selected_prior()}
        self.blockSignals(True)
        self.clear()
        self._prior = list(prior)
        for number, entry in enumerate(prior):
            evidence = entry.evidence
            date = evidence.effective_date
            parts = [f"dated {date.isoformat()}" if date else "no date", human_size(evidence.size)]
            if entry.sample:
                parts.append(f"sample {entry.sample}")
            if entry.prior_ref and entry.prior_ref != entry.ref:
                parts.append(f"was {entry.prior_ref}")
            if entry.reused:
                parts.append("✓ reused for this period")
            self.addItem(f"{evidence.name}\n{' · '.join(parts)}")
            item = self.item(self.count() - 1)
            item.setData(SHA_ROLE, evidence.sha256)
            item.setData(MEDIA_ROLE, evidence.media_type)
            item.setData(NAME_ROLE, evidence.name)
            item.setData(LINK_ROLE, number)
            item.setToolTip(f"From {entry.prior_ref or entry.ref}, {entry.period}\n{_tooltip(evidence)}")
            item.setSelected(evidence.sha256 in kept)
        self.blockSignals(False)
        self._fit_height()

    def _fit_height(self) -> None:
        """As tall as its first few files as they wrap at this width (the panel scrolls, not this list)."""
        self.executeDelayedItemsLayout()
        rows = sum(
            self.visualItemRect(self.item(row)).height() for row in range(min(self.count(), PRIOR_ROWS))
        )
        height = max(rows, 24) + 2 * self.frameWidth() + 2
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.scheduleDelayedItemsLayout()
            self._fit_height()

    def selected_links(self) -> list[tuple[str, str]]:
        """(sha256, name) of the selected file."""
        return [(str(i.data(SHA_ROLE)), str(i.data(NAME_ROLE))) for i in self.selectedItems()]

    def selected_prior(self) -> list[PriorEvidence]:
        return [self._prior[int(i.data(LINK_ROLE))] for i in self.selectedItems()]
