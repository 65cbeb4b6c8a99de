"""What an export is asked for and what it produced."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from workbook.model.requests import Status

PageSize = Literal["letter", "a4"]


@dataclass(frozen=True)
class ExportOptions:
    pdf: Path | None = None
    zip: Path | None = None
    xlsx: Path | None = None
    final: bool = False
    statuses: tuple[Status, ...] = ()
    sections: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    page_size: PageSize = "letter"

    @property
    def scope(self) -> str:
        parts = []
        if self.statuses:
            parts.append("status: " + ", ".join(s.value for s in self.statuses))
        if self.sections:
            parts.append("section: " + ", ".join(self.sections))
        if self.owners:
            parts.append("owner: " + ", ".join(self.owners))
        if self.refs:
            parts.append("refs: " + ", ".join(self.refs))
        return "; ".join(parts)


@dataclass(frozen=True)
class ExportOutput:
    kind: str
    path: Path
    sha256: str


@dataclass(frozen=True)
class ExportResult:
    package_id: str
    activity_head: str
    requests: int
    evidence: int
    outputs: tuple[ExportOutput, ...]
    logged: bool
    problems: tuple[str, ...] = ()
