"""Requests and what can be asked of them: statuses, filters, changes, comments."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


class Status(enum.StrEnum):
    """Where a request stands, in workflow order."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    READY_FOR_REVIEW = "ready_for_review"
    READY_FOR_AUDITOR = "ready_for_auditor"
    ACCEPTED = "accepted"
    FOLLOW_UP = "follow_up"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def is_ready(self) -> bool:
        """Counts as done for the progress figure ("72 of 118 ready")."""
        return self in (Status.READY_FOR_AUDITOR, Status.ACCEPTED, Status.NOT_APPLICABLE)

    @classmethod
    def parse(cls, text: str) -> Status:
        """Accept the value, the label, or a loose spelling (`Ready for review`, `in-progress`)."""
        key = "_".join(text.strip().lower().replace("-", " ").replace("/", " ").split())
        for status in cls:
            if key in (status.value, status.label.lower().replace(" ", "_")):
                return status
        raise ValueError(f"unknown status {text!r}; use one of: {', '.join(s.value for s in cls)}")


STATUS_LABELS: dict[Status, str] = {
    Status.OPEN: "Open",
    Status.IN_PROGRESS: "In progress",
    Status.READY_FOR_REVIEW: "Ready for review",
    Status.READY_FOR_AUDITOR: "Ready for auditor",
    Status.ACCEPTED: "Accepted",
    Status.FOLLOW_UP: "Follow-up",
    Status.NOT_APPLICABLE: "Not applicable",
}


# Fields a checklist column can map to; `ref` is required.
FIELDS: tuple[str, ...] = (
    "ref",
    "title",
    "request",
    "criteria",
    "section",
    "owner",
    "due",
    "status",
    "priority",
    "comment",
)


# Columns the import can also confirm as the auditor's own answer columns (write-back fills them).
MAPPABLE_FIELDS: tuple[str, ...] = (*FIELDS, "response", "evidence")


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str
    request_count: int = 0


@dataclass(frozen=True)
class Request:
    id: int
    ref: str
    title: str
    request: str
    criteria: tuple[str, ...]
    section: str
    owner: str
    status: Status
    due: dt.date | None
    priority: str
    notes: str
    auditor_comment: str
    extra: tuple[tuple[str, str], ...]
    source_sheet: str
    source_row: int | None
    evidence_count: int
    evidence_names: tuple[str, ...]
    recheck_evidence: bool
    archived: bool
    updated_at: dt.datetime
    position: int
    # The auditor's samples of this request, and how many of them have everything they need.
    sample_count: int = 0
    samples_provided: int = 0

    def is_overdue(self, today: dt.date) -> bool:
        """Due before today and not yet ready (services/workbook.py counts the same rule in SQL)."""
        return self.due is not None and self.due < today and not self.status.is_ready

    @property
    def missing_evidence(self) -> bool:
        """No file of proof yet (for a sampled request: a sample still misses something), and the request
        is not marked not applicable."""
        if self.status is Status.NOT_APPLICABLE:
            return False
        if self.sample_count:
            return self.samples_provided < self.sample_count
        return not self.evidence_count

    @property
    def samples_summary(self) -> str:
        """ "6/10 samples" for a sampled request, "" for the others."""
        return f"{self.samples_provided}/{self.sample_count} samples" if self.sample_count else ""

    @property
    def headline(self) -> str:
        """The title, or the request text's first line shortened, for checklists without a title column."""
        if self.title:
            return self.title
        first = " ".join(self.request.split("\n", 1)[0].split())
        return first if len(first) <= 80 else first[:79].rsplit(" ", 1)[0] + "…"


@dataclass(frozen=True)
class RequestFilter:
    """All set criteria must hold. Empty tuples and None mean 'any'."""

    statuses: tuple[Status, ...] = ()
    owners: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    text: str = ""
    overdue: bool = False
    missing_evidence: bool = False
    # Requests flagged "re-check evidence" after the auditor reworded them.
    flagged: bool = False
    include_archived: bool = False
    today: dt.date | None = None


@dataclass(frozen=True)
class FieldChange:
    """A set of field values to apply; None leaves a field as it is, "" (or clear_due) clears it."""

    owner: str | None = None
    status: Status | None = None
    due: dt.date | None = None
    clear_due: bool = False
    notes: str | None = None


@dataclass(frozen=True)
class Comment:
    id: int
    ref: str
    author: str
    body: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Changes:
    """What a mutating call changed, so a view can refresh only that."""

    refs: frozenset[str] = field(default_factory=frozenset)
    evidence: bool = False
    people: bool = False
    engagement: bool = False
    all_requests: bool = False
    # People this call added to the workbook (an owner typed that nobody had): an undo removes them again.
    created_people: frozenset[str] = field(default_factory=frozenset)
    # Evidence (by SHA-256) that stopped being current on `refs` because another version was made current.
    demoted: frozenset[str] = field(default_factory=frozenset)
