"""Evidence files, their links to requests and what is flagged about them."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Evidence:
    """One distinct file of proof (one SHA-256), possibly linked to several requests."""

    id: int
    sha256: str
    name: str
    media_type: str
    size: int
    effective_date: dt.date | None
    description: str
    source_system: str
    shows: str
    population: str
    period_covered: str
    added_by: str
    added_at: dt.datetime
    refs: tuple[str, ...] = ()
    # Kept in the workbook, never put in a package, zip, filled-in checklist or `items --json`.
    never_export: bool = False


@dataclass(frozen=True)
class EvidenceLink:
    """Evidence as seen from one request, with its place in that request's version history."""

    evidence: Evidence
    ref: str
    linked_by: str
    linked_at: dt.datetime
    current: bool
    replaced_by: int | None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class AttachResult:
    evidence: Evidence
    ref: str
    stored_new_bytes: bool
    already_linked: bool


class EvidenceFlag(enum.StrEnum):
    """Why an evidence file's dates or provenance need a look; the value is stored, the label is shown."""

    OUTSIDE_PERIOD = "outside_period"
    STALE = "stale"
    UNDATED = "undated"
    PROVENANCE_MISSING = "provenance_missing"

    @property
    def label(self) -> str:
        return _FLAG_LABELS[self]


_FLAG_LABELS: dict[EvidenceFlag, str] = {
    EvidenceFlag.OUTSIDE_PERIOD: "dated outside the audit period",
    EvidenceFlag.STALE: "older than the freshness window",
    EvidenceFlag.UNDATED: "no effective date",
    EvidenceFlag.PROVENANCE_MISSING: "screenshot without source system or what it shows",
}


# The flags "Dates flagged" stands for: those about an evidence file's dates (the ⚠ of the evidence list), not
# its provenance. The window's filter and the dashboard both ask `has_date_flag`, so they never disagree.
DATE_FLAGS = frozenset({EvidenceFlag.OUTSIDE_PERIOD, EvidenceFlag.STALE, EvidenceFlag.UNDATED})


def has_date_flag(links: Iterable[EvidenceLink]) -> bool:
    """True when a current file of these links is flagged for its date."""
    return any(link.current and DATE_FLAGS.intersection(link.flags) for link in links)


def date_flagged_refs(flagged: Mapping[str, Sequence[EvidenceLink]]) -> frozenset[str]:
    """The refs of `EvidenceService.flagged()` whose evidence has a date flag (not provenance only)."""
    return frozenset(ref for ref, links in flagged.items() if has_date_flag(links))


def flag_label(flag: str) -> str:
    """The words for a stored flag; an unknown one (a newer app's) is shown as written."""
    try:
        return EvidenceFlag(flag).label
    except ValueError:
        return flag.replace("_", " ")


@dataclass(frozen=True)
class EvidenceDetails:
    """The editable facts of one evidence file: its effective date and provenance."""

    effective_date: dt.date | None
    description: str
    source_system: str
    shows: str
    population: str
    period_covered: str

    @classmethod
    def of(cls, evidence: Evidence) -> EvidenceDetails:
        return cls(
            evidence.effective_date,
            evidence.description,
            evidence.source_system,
            evidence.shows,
            evidence.population,
            evidence.period_covered,
        )
