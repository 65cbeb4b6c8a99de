"""What an import did or would do: the diff per request, the rows left out, the summary."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class DiffKind(enum.StrEnum):
    """A request's fate in an import."""

    ADDED = "added"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    REMOVED = "removed"
    RESTORED = "restored"


@dataclass(frozen=True)
class FieldDiff:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class RequestDiff:
    """One request's fate in an import: added, changed, removed, unchanged (or restored from the archive)."""

    ref: str
    kind: DiffKind
    fields: tuple[FieldDiff, ...] = ()
    previous_ref: str = ""
    recheck_evidence: bool = False


@dataclass(frozen=True)
class SkippedRowInfo:
    """A non-empty row the import left out, and why (the wizard offers it back)."""

    sheet: str
    row: int
    reason: str
    text: str


@dataclass(frozen=True)
class MergedRowInfo:
    """A row folded into another request, and why."""

    sheet: str
    row: int
    into: str
    reason: str


@dataclass(frozen=True)
class ImportSummary:
    file_name: str
    sha256: str
    sheet: str
    header_row: int
    mapping: dict[str, str]
    added: int
    updated: int
    unchanged: int
    removed: int
    skipped: int
    items: int
    generated_refs: bool
    dry_run: bool
    diff: tuple[RequestDiff, ...] = ()
    problems: tuple[str, ...] = ()
    status_vocabulary: dict[str, str] = field(default_factory=dict)
    sheets: tuple[str, ...] = ()
    skipped_rows: tuple[SkippedRowInfo, ...] = ()
    merged_rows: tuple[MergedRowInfo, ...] = ()
    non_empty_rows: int = 0
    imported_rows: int = 0
    answer_columns: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    needs_review: bool = False
    candidates: tuple[dict[str, Any], ...] = ()
    included_rows: tuple[int, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "sheets": list(self.sheets or (self.sheet,)),
            "header_row": self.header_row,
            "mapping": self.mapping,
            "answer_columns": self.answer_columns,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "skipped": self.skipped,
            "items": self.items,
            "dry_run": self.dry_run,
            "generated_refs": self.generated_refs,
            "rows": {
                "non_empty": self.non_empty_rows,
                "imported": self.imported_rows,
                "merged": len(self.merged_rows),
                "skipped": len(self.skipped_rows),
            },
            "skipped_rows": [
                {"sheet": s.sheet, "row": s.row, "reason": s.reason, "text": s.text}
                for s in self.skipped_rows
            ],
            "merged_rows": [
                {"sheet": m.sheet, "row": m.row, "into": m.into, "reason": m.reason} for m in self.merged_rows
            ],
            "included_rows": list(self.included_rows),
            "needs_review": self.needs_review,
            "warnings": list(self.warnings),
            "candidates": list(self.candidates),
            "diff": {
                "added": [d.ref for d in self.diff if d.kind == "added"],
                "changed": [
                    {
                        "ref": d.ref,
                        "fields": [f.field for f in d.fields],
                        "previous_ref": d.previous_ref or None,
                        "recheck_evidence": d.recheck_evidence,
                    }
                    for d in self.diff
                    if d.kind == "changed"
                ],
                "removed": [d.ref for d in self.diff if d.kind == "removed"],
                "restored": [d.ref for d in self.diff if d.kind == "restored"],
            },
            "problems": list(self.problems),
        }
