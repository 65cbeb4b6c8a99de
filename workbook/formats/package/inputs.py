"""What the export service hands the package writers: frozen dataclasses, evidence bytes as chunk streams."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from workbook.model import PageSize, Status
from workbook.model.cycles import ANY_FILE

# Calling it yields the evidence bytes in chunks (about 1 MiB each); it may be called more than once.
ChunkSource = Callable[[], Iterator[bytes]]
# Where a file sits among a request's: (ref, "", index) for the request's own files, (ref, sample id, index)
# for a sample's (a sample id is never empty).
FileKey = tuple[str, str, int]


MANIFEST_FORMAT = "audit-workbook-package/1"


@dataclass(frozen=True)
class PackageEvidence:
    """One file of proof as linked to one request."""

    name: str
    media_type: str
    size: int
    sha256: str
    effective_date: dt.date | None
    added_by: str
    added_at: dt.datetime
    open: ChunkSource = field(compare=False, repr=False)
    description: str = ""
    source_system: str = ""
    shows: str = ""
    population: str = ""
    period_covered: str = ""
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackageSampleFile:
    """One file given for a sample, and the required item it stands for ("" when the request names none)."""

    requirement: str
    evidence: PackageEvidence


@dataclass(frozen=True)
class PackageSample:
    """One item of the auditor's selection as the package shows it."""

    code: str
    label: str
    status: Status
    notes: str
    files: tuple[PackageSampleFile, ...] = ()
    # The required items with no file yet (the model's rule, worked out by the service).
    missing: tuple[str, ...] = ()
    # The required item of each of its files marked never export, which the package leaves out.
    withheld: tuple[str, ...] = ()

    @property
    def provided(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class PackageSamples:
    """A request's samples against what each must provide (the grid of sample × required item)."""

    required: tuple[str, ...]
    samples: tuple[PackageSample, ...]
    summary: str  # "7/10 samples provided", as SampleGrid words it

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required or (ANY_FILE,)

    def cell(self, sample: PackageSample, item: str) -> tuple[PackageSampleFile, ...]:
        return sample.files if not self.required else tuple(f for f in sample.files if f.requirement == item)

    def withheld_in(self, sample: PackageSample, item: str) -> int:
        return len(sample.withheld) if not self.required else sample.withheld.count(item)

    @property
    def provided(self) -> int:
        return sum(1 for s in self.samples if s.provided)


@dataclass(frozen=True)
class PackageComment:
    author: str
    at: dt.datetime
    body: str


@dataclass(frozen=True)
class PackageRequest:
    """One request with everything the package shows about it."""

    ref: str
    title: str
    request: str
    criteria: tuple[str, ...]
    section: str
    owner: str
    status: Status
    due: dt.date | None
    completed: dt.date | None = None
    notes: str = ""
    auditor_comment: str = ""
    comments: tuple[PackageComment, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()
    evidence: tuple[PackageEvidence, ...] = ()
    overdue: bool = False
    # The checklist's own word for the status (its dropdown value); the package shows both.
    status_label: str = ""
    samples: PackageSamples | None = None
    # How many of the request's own files are marked never export and left out.
    withheld: int = 0

    @property
    def status_text(self) -> str:
        if self.status_label and self.status_label.casefold() != self.status.label.casefold():
            return f"{self.status.label} ({self.status_label})"
        return self.status.label

    @property
    def missing_evidence(self) -> bool:
        """No proof yet: a sampled request while any sample is not provided, else no file at all."""
        if self.status is Status.NOT_APPLICABLE:
            return False
        if self.samples is not None and self.samples.samples:
            return self.samples.provided < len(self.samples.samples)
        return not self.evidence and not self.withheld

    def files(self) -> Iterator[tuple[FileKey, PackageEvidence]]:
        """Every file the package holds for the request: its own, then each sample's in sample order."""
        for i, ev in enumerate(self.evidence):
            yield (self.ref, "", i), ev
        if self.samples is not None:
            for sample in self.samples.samples:
                for i, sf in enumerate(sample.files):
                    yield (self.ref, sample.code, i), sf.evidence


# The answer fields write-back fills, in the order appended columns are added, with our header for each.
ANSWER_FIELDS: tuple[tuple[str, str], ...] = (
    ("status", "Status"),
    ("owner", "Owner"),
    ("due", "Due date"),
    ("response", "Response"),
    ("evidence", "Evidence"),
)

AnswerValue = str | dt.date


@dataclass(frozen=True)
class AnswerColumn:
    """Where one answer field goes on one sheet: the column confirmed at import, or a new one appended."""

    field: str
    # 1-based column confirmed at import; None appends a column after the sheet's last one.
    column: int | None
    # The column's own header (a confirmed column) or ours (an appended one).
    header: str
    # The values the column's dropdown admits, as read at import; None when the column has no dropdown.
    allowed: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SheetAnswers:
    """One answered sheet: its header row and where each answer field goes."""

    sheet: str
    header_row: int
    columns: tuple[AnswerColumn, ...]


@dataclass(frozen=True)
class WritebackAnswer:
    """What goes back into one row: only the fields whose value differs from what the file said at import."""

    sheet: str
    row: int
    ref: str
    values: tuple[tuple[str, AnswerValue], ...]


@dataclass(frozen=True)
class WritebackInput:
    """The auditor's original checklist, where the answers go, and the answers that changed."""

    original_bytes: bytes = field(repr=False)
    file_name: str
    kind: str  # xlsx, xlsm, xls, csv, tsv
    sheets: tuple[SheetAnswers, ...]
    answers: tuple[WritebackAnswer, ...]


@dataclass(frozen=True)
class Redirect:
    """An answer that could not go into its own column, and why (a formula, a dropdown, a merged cell)."""

    sheet: str
    row: int
    ref: str
    field: str
    reason: str
    column: str  # the letter of the column it went to instead


@dataclass(frozen=True)
class WritebackResult:
    """What write-back did: the output's SHA-256, the columns it appended and the answers it redirected."""

    sha256: str
    appended: tuple[tuple[str, str, str, str], ...] = ()  # (sheet, field, column letter, header)
    redirected: tuple[Redirect, ...] = ()
    written: int = 0  # cells written


@dataclass(frozen=True)
class PackageInput:
    """Everything one export needs; formats never read the workbook file themselves."""

    client: str
    framework: str
    period_start: dt.date | None
    period_end: dt.date | None
    auditor: str
    prepared_by: str
    generated_at: dt.datetime
    final: bool
    package_id: str
    activity_head: str
    requests: tuple[PackageRequest, ...]
    page_size: PageSize = "letter"
    checklist: WritebackInput | None = None
    # Describes a filtered export ("status: open, follow_up"); empty means every request.
    scope: str = ""
    # Distinct files marked never export that the package leaves out (counted, never named).
    withheld: int = 0

    def __post_init__(self) -> None:
        if self.generated_at.tzinfo is None or self.generated_at.utcoffset() is None:
            raise ValueError("generated_at must be timezone-aware")

    @property
    def period_text(self) -> str:
        start = self.period_start.isoformat() if self.period_start else "…"
        end = self.period_end.isoformat() if self.period_end else "…"
        return "not set" if self.period_start is None and self.period_end is None else f"{start} to {end}"

    def files(self) -> Iterator[tuple[FileKey, PackageEvidence]]:
        for request in self.requests:
            yield from request.files()


def count_text(count: int, word: str) -> str:
    """ "1 file", "2 files"."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def left_out_text(count: int) -> str:
    """ "2 files marked never export were left out" — on the cover, the summary page and in the manifest."""
    if not count:
        return ""
    return f"{count_text(count, 'file')} marked never export {'was' if count == 1 else 'were'} left out"


@dataclass(frozen=True)
class Readiness:
    """The readiness summary: counts by status, owner and section, plus what is late or unproven."""

    total: int
    ready: int
    by_status: tuple[tuple[Status, int], ...]
    by_owner: tuple[tuple[str, int, int], ...]
    by_section: tuple[tuple[str, int, int], ...]
    overdue: tuple[PackageRequest, ...]
    missing_evidence: tuple[PackageRequest, ...]

    @property
    def ready_percent(self) -> float:
        return 100.0 * self.ready / self.total if self.total else 0.0


def summarise(requests: tuple[PackageRequest, ...]) -> Readiness:
    """Count requests by status (workflow order), owner and section (first-seen order)."""
    by_status = Counter(r.status for r in requests)
    owners: dict[str, list[int]] = {}
    sections: dict[str, list[int]] = {}
    for r in requests:
        for key, table in ((r.owner or "(no owner)", owners), (r.section or "(no section)", sections)):
            counts = table.setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += int(r.status.is_ready)
    return Readiness(
        total=len(requests),
        ready=sum(1 for r in requests if r.status.is_ready),
        by_status=tuple((s, by_status[s]) for s in Status if by_status[s]),
        by_owner=tuple((k, v[0], v[1]) for k, v in owners.items()),
        by_section=tuple((k, v[0], v[1]) for k, v in sections.items()),
        overdue=tuple(r for r in requests if r.overdue),
        missing_evidence=tuple(r for r in requests if r.missing_evidence),
    )


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def evidence_entry(ev: PackageEvidence, **locations: str) -> dict[str, Any]:
    """One file in manifest.json; `locations` says where it sits in this package (path, attachment)."""
    return {
        "name": ev.name,
        **locations,
        "size": ev.size,
        "sha256": ev.sha256,
        "media_type": ev.media_type,
        "effective_date": _iso(ev.effective_date),
        "added_by": ev.added_by,
        "added_at": _iso(ev.added_at),
        "description": ev.description,
        "provenance": {
            "source_system": ev.source_system,
            "shows": ev.shows,
            "population": ev.population,
            "period_covered": ev.period_covered,
        },
        "flags": list(ev.flags),
    }


def _samples_entry(
    req: PackageRequest, samples: PackageSamples, files: Mapping[FileKey, Mapping[str, str]]
) -> dict[str, Any]:
    return {
        "required": list(samples.required),
        "summary": samples.summary,
        "items": [
            {
                "id": s.code,
                "label": s.label,
                "status": s.status.value,
                "provided": s.provided,
                "missing": list(s.missing),
                "files": [
                    {
                        "sample": s.code,
                        "requirement": sf.requirement,
                        **evidence_entry(sf.evidence, **files.get((req.ref, s.code, i), {})),
                    }
                    for i, sf in enumerate(s.files)
                ],
            }
            for s in samples.samples
        ],
    }


def _request_entry(req: PackageRequest, files: Mapping[FileKey, Mapping[str, str]]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "ref": req.ref,
        "title": req.title,
        "section": req.section,
        "owner": req.owner,
        "status": req.status.value,
        "due": _iso(req.due),
        "files": [evidence_entry(ev, **files.get((req.ref, "", i), {})) for i, ev in enumerate(req.evidence)],
    }
    if req.samples is not None and req.samples.samples:
        entry["samples"] = _samples_entry(req, req.samples, files)
    return entry


def package_manifest(pkg: PackageInput, files: Mapping[FileKey, Mapping[str, str]]) -> dict[str, Any]:
    """The machine-readable manifest: ref -> files and samples; `files[key]` gives each file's locations."""
    return {
        "format": MANIFEST_FORMAT,
        "package_id": pkg.package_id,
        "activity_head": pkg.activity_head,
        "generated_at": _iso(pkg.generated_at),
        "final": pkg.final,
        "client": pkg.client,
        "framework": pkg.framework,
        "period_start": _iso(pkg.period_start),
        "period_end": _iso(pkg.period_end),
        "auditor": pkg.auditor,
        "prepared_by": pkg.prepared_by,
        "scope": pkg.scope,
        # Files marked never export are counted here and named nowhere in the package.
        "never_export_left_out": pkg.withheld,
        "never_export_note": left_out_text(pkg.withheld),
        "requests": [_request_entry(r, files) for r in pkg.requests],
    }
