"""Audit cycles: the auditor's samples of a request, and last period's evidence carried into the next one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workbook.model.evidence import Evidence
from workbook.model.requests import Status

# A sample with one of these statuses counts as provided whatever its files (the auditor waived it, or
# accepted it as it is).
SETTLED = frozenset({Status.ACCEPTED, Status.NOT_APPLICABLE})
# The request (and sample) statuses the sample summary may move between on its own; any other status was set
# by a person for a reason (sent to the auditor, follow-up) and is left alone.
AUTOMATIC = (Status.OPEN, Status.IN_PROGRESS, Status.READY_FOR_REVIEW)
# The word a sample's required item is shown with when the request names none.
ANY_FILE = "file"


@dataclass(frozen=True)
class SampleFile:
    """One file given for a sample, and which required item it stands for ("" when none is named)."""

    sha256: str
    name: str
    size: int
    requirement: str
    never_export: bool = False


@dataclass(frozen=True)
class Sample:
    """One item of the auditor's selection: its id (`code`), label, own status, notes and files."""

    id: int
    ref: str
    code: str
    label: str
    status: Status
    notes: str
    position: int
    files: tuple[SampleFile, ...] = ()

    def files_for(self, requirement: str) -> tuple[SampleFile, ...]:
        return tuple(f for f in self.files if f.requirement == requirement)

    def missing(self, required: Sequence[str]) -> tuple[str, ...]:
        """The required items with no file yet (with none named: one file of any kind is needed)."""
        if self.status in SETTLED:
            return ()
        if not required:
            return () if self.files else (ANY_FILE,)
        given = {f.requirement for f in self.files}
        return tuple(item for item in required if item not in given)

    def is_provided(self, required: Sequence[str]) -> bool:
        return not self.missing(required)


@dataclass(frozen=True)
class SampleGrid:
    """A request's samples against what each must provide: the grid of sample × required item."""

    ref: str
    required: tuple[str, ...]
    samples: tuple[Sample, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """The grid's item columns: the required items, or one "file" column when none is named."""
        return self.required or (ANY_FILE,)

    def cell(self, sample: Sample, item: str) -> tuple[SampleFile, ...]:
        return sample.files if not self.required else sample.files_for(item)

    @property
    def provided(self) -> int:
        return sum(1 for s in self.samples if s.is_provided(self.required))

    @property
    def missing_cells(self) -> int:
        """How many sample × item cells still need a file."""
        return sum(len(s.missing(self.required)) for s in self.samples)

    @property
    def summary(self) -> str:
        """ "7/10 samples provided" — the words the list, the package and the written-back checklist use."""
        return f"{self.provided}/{len(self.samples)} samples provided" if self.samples else ""

    def summary_status(self) -> Status | None:
        """The status the samples give the request: ready for review when every one is provided."""
        if not self.samples:
            return None
        if self.provided == len(self.samples):
            return Status.READY_FOR_REVIEW
        started = any(s.files or s.status in SETTLED for s in self.samples)
        return Status.IN_PROGRESS if started else Status.OPEN


@dataclass(frozen=True)
class SampleSummary:
    """A sampled request's figures as a list row, the dashboard and `items --json` show them."""

    ref: str
    owner: str
    total: int
    provided: int
    missing_cells: int


@dataclass(frozen=True)
class PriorEvidence:
    """Last period's file of a request: shown beside it, never counted or exported until reused."""

    evidence: Evidence
    ref: str
    period: str
    prior_ref: str
    sample: str
    reused: bool


@dataclass(frozen=True)
class ReuseResult:
    """A prior-period file made this period's evidence, and what its date says against the new period."""

    evidence: Evidence
    ref: str
    already: bool
    flags: tuple[str, ...]


@dataclass(frozen=True)
class NextPeriodResult:
    """What `next-period` wrote: the new file and what it carried from the old one."""

    path: Path
    source: Path
    source_head: str
    period_start: dt.date | None
    period_end: dt.date | None
    requests: int
    people: int
    evidence_files: int
    evidence_bytes: int
    prior_links: int
    sample_plans: int
