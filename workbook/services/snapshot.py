"""The first paint's read of a workbook, as the UI asks for it (no SQLAlchemy: it reads the file directly)."""

from __future__ import annotations

from pathlib import Path

from workbook.storage import snapshot as stored
from workbook.storage.snapshot import WorkbookSnapshot

__all__ = ["WorkbookSnapshot", "read_snapshot"]


def read_snapshot(path: Path) -> WorkbookSnapshot:
    """Live requests in checklist order, the engagement and the people; nothing is written."""
    return stored.read_snapshot(path)
