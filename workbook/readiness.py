"""How ready a workbook is, for the dashboard: every number with the exact requests behind it.

Each figure is a `Tally`, and its number is `len(tally.refs)`: the dashboard shows the count and a click asks
the request table for those refs, so the two cannot disagree. The rules are the filter's own
(`Status.is_ready`, `Request.is_overdue`, `Request.missing_evidence`, and from `workbook/filtering.py`
`is_flagged` and the owner and section keys), so asking `RequestService.list` the same question with a
`RequestFilter` gives the same refs; the search text, which no figure needs, is not built.

Samples missing per owner come from `SampleService.summaries()`: each owner's number of samples not yet
provided, with the sampled requests behind it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from workbook.filtering import is_flagged, owner_key, section_key
from workbook.model import Request, SampleSummary, Status

UNASSIGNED = "Unassigned"
NO_SECTION = "(no section)"


@dataclass(frozen=True)
class Tally:
    """One number and the requests it counts, in checklist order; `what` says it in words."""

    refs: tuple[str, ...]
    what: str

    @property
    def count(self) -> int:
        return len(self.refs)

    def __len__(self) -> int:
        return len(self.refs)


@dataclass(frozen=True)
class StatusReadiness:
    status: Status
    requests: Tally


@dataclass(frozen=True)
class OwnerReadiness:
    """One person's requests: `owner` as the workbook spells it ("" for unassigned)."""

    owner: str
    requests: Tally
    open: Tally  # not ready yet
    overdue: Tally
    missing_evidence: Tally

    @property
    def label(self) -> str:
        return self.owner or UNASSIGNED


@dataclass(frozen=True)
class SectionReadiness:
    """One section of the checklist: `section` as the checklist spells it ("" for none)."""

    section: str
    requests: Tally
    ready: Tally
    not_ready: Tally

    @property
    def label(self) -> str:
        return self.section or NO_SECTION


@dataclass(frozen=True)
class OwnerSamples:
    """One person's samples not yet provided: `missing` samples over the requests in `requests`."""

    owner: str
    missing: int
    samples: int
    # The owner's sampled requests with a sample still missing, in checklist order.
    requests: Tally

    @property
    def label(self) -> str:
        return self.owner or UNASSIGNED

    @property
    def words(self) -> str:
        """ "3 of 10 samples missing" """
        return f"{self.missing} of {self.samples} sample{'' if self.samples == 1 else 's'} missing"


def samples_missing_by_owner(
    summaries: Iterable[SampleSummary], refs: Collection[str] | None = None
) -> tuple[OwnerSamples, ...]:
    """Owner → samples not yet provided (only owners with some missing), most missing first.

    `summaries`: `workbook.samples.summaries()` (in checklist order); `refs`: only these requests count
    (the ones not archived), all when None. Owners are grouped by the filter's own key, so clicking one
    asks `RequestFilter(owners=(owner,))` of the same people.
    """
    groups: dict[str, tuple[str, list[str], list[int]]] = {}
    for summary in summaries:
        if refs is not None and summary.ref not in refs:
            continue
        missing = summary.total - summary.provided
        if missing <= 0:
            continue
        _name, listed, counts = groups.setdefault(
            owner_key(summary.owner), (" ".join(summary.owner.split()), [], [0, 0])
        )
        listed.append(summary.ref)
        counts[0] += missing
        counts[1] += summary.total
    out = [
        OwnerSamples(
            owner=name,
            missing=counts[0],
            samples=counts[1],
            requests=Tally(tuple(listed), f"{name or UNASSIGNED.lower()}: samples missing"),
        )
        for name, listed, counts in groups.values()
    ]
    return tuple(sorted(out, key=lambda o: (-o.missing, o.label.casefold())))


@dataclass(frozen=True)
class Readiness:
    """The dashboard's figures for the requests not archived, as of `today`."""

    today: dt.date
    requests: Tally
    ready: Tally
    # Every status in workflow order, those with no request too.
    by_status: tuple[StatusReadiness, ...]
    # Who is behind first: most overdue, then most missing evidence, then most open.
    by_owner: tuple[OwnerReadiness, ...]
    # In the checklist's order (where each section first appears).
    by_section: tuple[SectionReadiness, ...]
    # Longest overdue first.
    overdue: Tally
    missing_evidence: Tally
    # Evidence flagged for its dates, or a request the auditor reworded since evidence was attached.
    flagged: Tally
    # Of `flagged`, those whose evidence carries a date flag (the others were reworded by the auditor).
    date_flagged: frozenset[str] = frozenset()
    # Sent back by the auditor in review (status Follow-up), in the checklist's order.
    follow_ups: Tally = field(default_factory=lambda: Tally((), "follow-ups"))
    # Samples not yet provided per owner, most missing first (empty when no summaries were given).
    samples_missing: tuple[OwnerSamples, ...] = ()
    by_ref: Mapping[str, Request] = field(default_factory=dict, repr=False, compare=False)

    def request(self, ref: str) -> Request:
        return self.by_ref[ref]


class _Group:
    """Refs gathered for one owner or section while the requests are read once."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.all: list[str] = []
        self.ready: list[str] = []
        self.not_ready: list[str] = []
        self.overdue: list[str] = []
        self.missing: list[str] = []


def readiness(
    requests: Iterable[Request],
    today: dt.date,
    date_flagged: Collection[str] = (),
    samples: Iterable[SampleSummary] = (),
) -> Readiness:
    """The figures for `requests` (archived ones left out, as a plain `RequestFilter` does).

    `date_flagged`: the refs whose current evidence is flagged for its date
    (`workbook.model.date_flagged_refs(workbook.evidence.flagged())`), which "flagged" includes.
    `samples`: `workbook.samples.summaries()`, for the samples missing per owner.
    """
    flagged_dates = frozenset(date_flagged)
    kept: list[Request] = []
    every: list[str] = []
    ready: list[str] = []
    statuses: dict[Status, list[str]] = {status: [] for status in Status}
    owners: dict[str, _Group] = {}
    sections: dict[str, _Group] = {}
    overdue: list[Request] = []
    missing: list[str] = []
    flagged: list[str] = []
    ready_statuses = frozenset(status for status in Status if status.is_ready)
    for request in requests:
        if request.archived:
            continue
        ref = request.ref
        kept.append(request)
        every.append(ref)
        status = request.status
        is_ready = status in ready_statuses
        is_overdue = request.is_overdue(today)
        is_missing = request.missing_evidence
        statuses[status].append(ref)
        # Grouped by the filter's own keys, so "owner X" here is `RequestFilter(owners=(X,))` there.
        key = owner_key(request.owner)
        owner = owners.get(key)
        if owner is None:
            owner = owners[key] = _Group(" ".join(request.owner.split()))
        key = section_key(request.section)
        section = sections.get(key)
        if section is None:
            section = sections[key] = _Group(request.section)
        for group in (owner, section):
            group.all.append(ref)
            (group.ready if is_ready else group.not_ready).append(ref)
            if is_overdue:
                group.overdue.append(ref)
            if is_missing:
                group.missing.append(ref)
        if is_ready:
            ready.append(ref)
        if is_overdue:
            overdue.append(request)
        if is_missing:
            missing.append(ref)
        if is_flagged(request, ref in flagged_dates):
            flagged.append(ref)
    # Longest overdue first; a stable sort keeps the checklist's order among the same due date.
    overdue.sort(key=lambda r: r.due or today)
    return Readiness(
        today=today,
        requests=Tally(tuple(every), "all requests"),
        ready=Tally(tuple(ready), "ready"),
        by_status=tuple(
            StatusReadiness(status, Tally(tuple(refs), f"status {status.label}"))
            for status, refs in statuses.items()
        ),
        by_owner=tuple(sorted((_owner(group) for group in owners.values()), key=_behind)),
        by_section=tuple(_section(group) for group in sections.values()),
        overdue=Tally(tuple(r.ref for r in overdue), "overdue"),
        missing_evidence=Tally(tuple(missing), "missing evidence"),
        flagged=Tally(tuple(flagged), "flagged evidence"),
        date_flagged=flagged_dates.intersection(flagged),
        follow_ups=Tally(tuple(r.ref for r in kept if r.status is Status.FOLLOW_UP), "follow-ups"),
        samples_missing=samples_missing_by_owner(samples, frozenset(every)),
        by_ref={r.ref: r for r in kept},
    )


def _owner(group: _Group) -> OwnerReadiness:
    who = group.name or UNASSIGNED.lower()
    return OwnerReadiness(
        owner=group.name,
        requests=Tally(tuple(group.all), f"owned by {who}" if group.name else "unassigned"),
        open=Tally(tuple(group.not_ready), f"{who}: not ready"),
        overdue=Tally(tuple(group.overdue), f"{who}: overdue"),
        missing_evidence=Tally(tuple(group.missing), f"{who}: missing evidence"),
    )


def _behind(owner: OwnerReadiness) -> tuple[int, int, int, int, str]:
    return (
        -owner.overdue.count,
        -owner.missing_evidence.count,
        -owner.open.count,
        -owner.requests.count,
        owner.label.casefold(),
    )


def _section(group: _Group) -> SectionReadiness:
    name = group.name or NO_SECTION
    return SectionReadiness(
        section=group.name,
        requests=Tally(tuple(group.all), f"section {name}"),
        ready=Tally(tuple(group.ready), f"section {name}: ready"),
        not_ready=Tally(tuple(group.not_ready), f"section {name}: not ready"),
    )
