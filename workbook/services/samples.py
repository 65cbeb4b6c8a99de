"""The auditor's samples of a request: the selection, what each sample must provide, and its files.

Every change is one unit of work and logged (sample.add / remove / set / require / link / unlink), so the
activity log, undo and verify know samples as they know requests. After each change the request's samples
are summarised: a sample (and the request) still in an automatic status (open, in progress, ready for review)
moves to "ready for review" when everything it needs is there, "in progress" when something is, "open" when
nothing is. A status a person chose for a reason (ready for auditor, accepted, follow-up, not applicable) is
left alone.
"""

from __future__ import annotations

import builtins
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbook.errors import UserError
from workbook.jobs import CancelToken, Progress, no_progress
from workbook.model import (
    Actor,
    AttachResult,
    Changes,
    SampleGrid,
    SampleSummary,
    Status,
)
from workbook.model.cycles import AUTOMATIC
from workbook.services import intake
from workbook.services.activity import record
from workbook.services.evidence import log_added
from workbook.services.intake import DEFAULT_MAX_FILE_SIZE
from workbook.services.requests import load_request_row
from workbook.services.sample_rows import grids_of as _grids
from workbook.services.sample_rows import required_of as _required
from workbook.storage import blobs
from workbook.storage.database import Database
from workbook.storage.schema import (
    PersonRow,
    RequestRow,
    SampleEvidenceRow,
    SamplePlanRow,
    SampleRow,
)

# A sample id is one line of at most this many characters (an employee id, a ticket number, a change id).
MAX_CODE = 120
MAX_SAMPLES = 5000
_SPLIT = re.compile(r"\t|;|,|\s{2,}")


@dataclass(frozen=True)
class Selection:
    """The samples read from pasted text or a selection spreadsheet, and what was left out (with why)."""

    items: tuple[tuple[str, str], ...]
    skipped: tuple[str, ...] = ()
    source: str = ""
    column: str = ""


def parse_selection_text(text: str) -> Selection:
    """Samples from pasted or typed text: one per line, the id first, then (after a tab, comma, semicolon or
    two spaces) a label. Blank lines and repeated ids are left out, each with a line saying so."""
    items: dict[str, str] = {}
    skipped: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in _SPLIT.split(line, maxsplit=1)]
        code, label = parts[0], (parts[1] if len(parts) > 1 else "")
        problem = code_problem(code)
        if problem:
            skipped.append(f"line {number}: {problem}")
        elif code.casefold() in {c.casefold() for c in items}:
            skipped.append(f"line {number}: {code!r} is listed twice (kept once)")
        else:
            items[code] = label
    return Selection(tuple(items.items()), tuple(skipped), "pasted text")


def code_problem(code: str) -> str:
    """Why `code` cannot be a sample id ("" when it can)."""
    if not code.strip():
        return "the sample id is empty"
    if len(code) > MAX_CODE:
        return f"the sample id is longer than {MAX_CODE} characters"
    if any(ch in code for ch in "\r\n\x00/\\"):
        return "a sample id cannot hold a line break or a slash"
    return ""


def read_selection(path: Path, *, sheet: str | None = None, column: str | None = None) -> Selection:
    """The auditor's selection spreadsheet read as the checklist importer reads any layout: the sample id is
    the column whose values identify the rows (or `column`, a header or letter), the label the next text."""
    from workbook.formats.checklist.reader import analyse_sheet

    analysis = analyse_sheet(Path(path), sheet=sheet, mapping={"ref": column} if column else None)
    if analysis.generated_refs:
        raise UserError(
            "no column of the selection holds one id per row",
            where=f"{Path(path).name}, sheet {analysis.sheet}",
            hint="name the column of sample ids (--column HEADER, or choose it in the dialog)",
        )
    ref_column = analysis.field_column("ref")
    items: dict[str, str] = {}
    skipped = [f"row {r.row}: {r.reason}" for r in analysis.skipped]
    for row in analysis.rows:
        code = row.ref.strip()
        texts = [row.title, row.request, *(value for _name, value in row.extra)]
        # The label is the first text beside the id that reads as words (a name), not a counter or a date.
        label = next((t for t in texts if t.strip() != code and any(ch.isalpha() for ch in t)), "")
        problem = code_problem(code)
        if problem:
            skipped.append(f"row {row.source_row}: {problem}")
        elif code in items:
            skipped.append(f"row {row.source_row}: {code!r} is listed twice (kept once)")
        else:
            items[code] = " ".join(label.split())[:200]
    shown = ref_column.header or ref_column.letter if ref_column else (column or "")
    return Selection(
        tuple(items.items()), tuple(skipped), f"{Path(path).name}, sheet {analysis.sheet}", shown
    )


def _sample_row(session: Session, request: RequestRow, code: str) -> SampleRow:
    row = session.scalar(select(SampleRow).where(SampleRow.request_id == request.id, SampleRow.code == code))
    if row is None:
        raise UserError(
            f"request {request.ref} has no sample {code!r}",
            hint=f"list them with `samples list {request.ref}`",
        )
    return row


class SampleService:
    """Samples of requests: add, import, edit, remove, require items, attach and link files."""

    def __init__(self, db: Database, actor: Actor, max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> None:
        self._db = db
        self._actor = actor
        self.max_file_size = max_file_size

    # reading

    def grid(self, ref: str) -> SampleGrid:
        with self._db.read() as session:
            request = load_request_row(session, ref)
            return _grids(session, [request]).get(request.id, SampleGrid(request.ref, (), ()))

    def grids(self) -> builtins.list[SampleGrid]:
        """Every request with samples (or required items), in checklist order; archived ones left out."""
        with self._db.read() as session:
            requests = list(
                session.scalars(
                    select(RequestRow)
                    .where(RequestRow.archived.is_(False))
                    .where(
                        RequestRow.id.in_(select(SampleRow.request_id))
                        | RequestRow.id.in_(select(SamplePlanRow.request_id))
                    )
                    .order_by(RequestRow.position, RequestRow.id)
                )
            )
            found = _grids(session, requests)
            return [found[r.id] for r in requests if r.id in found]

    def summaries(self) -> builtins.list[SampleSummary]:
        """Per sampled request: its owner, samples, how many are provided and cells still missing."""
        with self._db.read() as session:
            owners = {p.id: p.name for p in session.scalars(select(PersonRow))}
            owner_of = {
                r.ref: owners.get(r.owner_id or 0, "")
                for r in session.scalars(select(RequestRow).where(RequestRow.archived.is_(False)))
            }
        return [
            SampleSummary(g.ref, owner_of.get(g.ref, ""), len(g.samples), g.provided, g.missing_cells)
            for g in self.grids()
            if g.samples
        ]

    # changing

    def add(self, ref: str, items: Sequence[tuple[str, str]]) -> Changes:
        """Add samples (id, label) after the request's others; ids it has already are left as they are."""
        with self._db.write() as session:
            request = load_request_row(session, ref)
            existing = {
                code.casefold()
                for code in session.scalars(select(SampleRow.code).where(SampleRow.request_id == request.id))
            }
            position = len(existing)
            if position + len(items) > MAX_SAMPLES:
                raise UserError(
                    f"a request holds at most {MAX_SAMPLES} samples", where=ref, hint="split the selection"
                )
            now = dt.datetime.now(dt.UTC)
            added = 0
            for code, label in items:
                code, label = code.strip(), " ".join(label.split())
                problem = code_problem(code)
                if problem:
                    raise UserError(f"{problem}: {code[:40]!r}", where=ref)
                if code.casefold() in existing:
                    continue
                existing.add(code.casefold())
                session.add(
                    SampleRow(
                        request_id=request.id,
                        code=code,
                        label=label,
                        status=Status.OPEN.value,
                        notes="",
                        position=position,
                        created_at=now,
                    )
                )
                record(
                    session,
                    self._actor,
                    "sample.add",
                    ref,
                    after=code,
                    detail={"sample": code, "label": label, "position": position},
                )
                position += 1
                added += 1
            if not added:
                return Changes()
            session.flush()
            self._summarise(session, request)
            return Changes(refs=frozenset({request.ref}))

    def import_selection(
        self, ref: str, path: Path, *, sheet: str | None = None, column: str | None = None
    ) -> tuple[Changes, Selection]:
        selection = read_selection(path, sheet=sheet, column=column)
        if not selection.items:
            raise UserError("the selection lists no sample ids", where=selection.source or str(path))
        return self.add(ref, selection.items), selection

    def remove(self, ref: str, codes: Sequence[str]) -> Changes:
        """Remove samples (their files stay stored and in the log; a purge frees what nothing uses)."""
        with self._db.write() as session:
            request = load_request_row(session, ref)
            rows = [_sample_row(session, request, code) for code in codes]
            for row in rows:
                record(
                    session, self._actor, "sample.remove", ref, before=row.code, detail={"sample": row.code}
                )
                session.delete(row)
            remaining = list(
                session.scalars(
                    select(SampleRow).where(SampleRow.request_id == request.id).order_by(SampleRow.position)
                )
            )
            for position, row in enumerate(remaining):
                row.position = position  # positions follow the order; replay renumbers the same way
            session.flush()
            self._summarise(session, request)
            return Changes(refs=frozenset({request.ref}))

    def set(
        self,
        ref: str,
        code: str,
        *,
        label: str | None = None,
        status: Status | None = None,
        notes: str | None = None,
    ) -> Changes:
        with self._db.write() as session:
            request = load_request_row(session, ref)
            row = _sample_row(session, request, code)
            wanted = {
                "label": None if label is None else " ".join(label.split()),
                "status": status.value if status is not None else None,
                "notes": notes,
            }
            changed = False
            for field, value in wanted.items():
                if value is None or getattr(row, field) == value:
                    continue
                record(
                    session,
                    self._actor,
                    "sample.set",
                    ref,
                    field,
                    getattr(row, field),
                    value,
                    detail={"sample": row.code},
                )
                setattr(row, field, value)
                changed = True
            if not changed:
                return Changes()
            session.flush()
            self._summarise(session, request, manual={row.id} if status is not None else set())
            return Changes(refs=frozenset({request.ref}))

    def set_required(self, ref: str, items: Sequence[str]) -> Changes:
        """Name what each sample of the request must provide ("offer letter", "background check")."""
        cleaned: list[str] = []
        for item in (" ".join(i.split()) for i in items if i.strip()):
            if item.casefold() not in {c.casefold() for c in cleaned}:
                cleaned.append(item)
        if any(len(i) > MAX_CODE for i in cleaned):
            raise UserError(f"a required item is named in at most {MAX_CODE} characters", where=ref)
        with self._db.write() as session:
            request = load_request_row(session, ref)
            plan = session.get(SamplePlanRow, request.id)
            before = list(_required(session, request.id))
            if before == cleaned:
                return Changes()
            if plan is None:
                session.add(SamplePlanRow(request_id=request.id, required=cleaned))
            else:
                plan.required = cleaned
            record(
                session,
                self._actor,
                "sample.require",
                ref,
                before="; ".join(before),
                after="; ".join(cleaned),
                detail={"required": cleaned},
            )
            session.flush()
            self._summarise(session, request)
            return Changes(refs=frozenset({request.ref}))

    def attach(
        self,
        ref: str,
        code: str,
        paths: Sequence[Path],
        *,
        requirement: str = "",
        follow_symlinks: bool = False,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> builtins.list[AttachResult]:
        """Store each file once (by SHA-256) and give it for the sample, each file in its own transaction."""
        cancel = cancel or CancelToken()
        results = []
        for done, path in enumerate(paths):
            cancel.raise_if_cancelled()
            with self._db.write() as session:
                request = load_request_row(session, ref)
                sample = _sample_row(session, request, code)
                requirement = self._requirement(session, request, requirement)
                evidence, new = intake.store_file(
                    session,
                    Path(path),
                    Path(path).name,
                    None,
                    "",
                    follow_symlinks=follow_symlinks,
                    max_size=self.max_file_size,
                    added_by=self._actor.name,
                    cancel=cancel,
                )
                if new:
                    log_added(session, self._actor, ref, evidence, source=str(path))
                already = self._link(
                    session, request, sample, evidence.id, evidence.name, evidence.sha256, requirement
                )
                session.flush()
                self._summarise(session, request)
            results.append(AttachResult(evidence, ref, new, already))
            progress(done + 1, len(paths))
        return results

    def link(self, ref: str, code: str, sha256: str, requirement: str = "") -> Changes:
        """Give a stored file for the sample (the same file may serve several samples and requests)."""
        with self._db.write() as session:
            request = load_request_row(session, ref)
            sample = _sample_row(session, request, code)
            requirement = self._requirement(session, request, requirement)
            evidence = blobs.find_by_sha(session, sha256)
            if evidence is None:
                raise UserError(f"no evidence file with SHA-256 {sha256[:12]}… in this workbook")
            if self._link(session, request, sample, evidence.id, evidence.name, evidence.sha256, requirement):
                return Changes()
            session.flush()
            self._summarise(session, request)
            return Changes(refs=frozenset({request.ref}))

    def unlink(self, ref: str, code: str, sha256: str, requirement: str | None = None) -> Changes:
        """Take a file off the sample (for one required item, or all); its bytes stay stored."""
        with self._db.write() as session:
            request = load_request_row(session, ref)
            sample = _sample_row(session, request, code)
            evidence = blobs.find_by_sha(session, sha256)
            query = select(SampleEvidenceRow).where(SampleEvidenceRow.sample_id == sample.id)
            if evidence is not None:
                query = query.where(SampleEvidenceRow.evidence_id == evidence.id)
            if requirement is not None:
                query = query.where(SampleEvidenceRow.requirement == requirement)
            rows = list(session.scalars(query)) if evidence is not None else []
            if not rows:
                raise UserError(f"that file is not given for sample {code!r} of {ref}")
            assert evidence is not None
            for row in rows:
                record(
                    session,
                    self._actor,
                    "sample.unlink",
                    ref,
                    before=evidence.name,
                    detail={"sample": sample.code, "sha256": evidence.sha256, "requirement": row.requirement},
                )
                session.delete(row)
            session.flush()
            self._summarise(session, request)
            return Changes(refs=frozenset({request.ref}))

    # inside a unit of work

    def _requirement(self, session: Session, request: RequestRow, requirement: str) -> str:
        requirement = " ".join(requirement.split())
        required = _required(session, request.id)
        if not requirement:
            return ""
        for item in required:
            if item.casefold() == requirement.casefold():
                return item
        named = "; ".join(required) if required else "none"
        raise UserError(
            f"request {request.ref} does not require {requirement!r} of its samples (it requires: {named})",
            hint="name one of its required items, or add it to the request's list",
        )

    def _link(
        self,
        session: Session,
        request: RequestRow,
        sample: SampleRow,
        evidence_id: int,
        name: str,
        sha256: str,
        requirement: str,
    ) -> bool:
        """Link the file to the sample for `requirement`; True when it already was."""
        found = session.scalar(
            select(SampleEvidenceRow.id).where(
                SampleEvidenceRow.sample_id == sample.id,
                SampleEvidenceRow.evidence_id == evidence_id,
                SampleEvidenceRow.requirement == requirement,
            )
        )
        if found is not None:
            return True
        now = dt.datetime.now(dt.UTC)
        session.add(
            SampleEvidenceRow(
                sample_id=sample.id,
                evidence_id=evidence_id,
                requirement=requirement,
                linked_by=self._actor.name,
                linked_at=now,
            )
        )
        request.updated_at = now
        record(
            session,
            self._actor,
            "sample.link",
            request.ref,
            after=name,
            detail={"sample": sample.code, "sha256": sha256, "requirement": requirement},
        )
        return False

    def _summarise(
        self, session: Session, request: RequestRow, manual: builtins.set[int] | None = None
    ) -> None:
        """Move the samples, then the request, to the status their files give (automatic statuses only)."""
        grid = _grids(session, [request]).get(request.id)
        if grid is None:
            return
        rows = {
            row.id: row
            for row in session.scalars(select(SampleRow).where(SampleRow.request_id == request.id))
        }
        for sample in grid.samples:
            if sample.status not in AUTOMATIC or sample.id in (manual or set()):
                continue
            if sample.is_provided(grid.required):
                wanted = Status.READY_FOR_REVIEW
            else:
                wanted = Status.IN_PROGRESS if sample.files else Status.OPEN
            if wanted is not sample.status:
                record(
                    session,
                    self._actor,
                    "sample.set",
                    request.ref,
                    "status",
                    sample.status.value,
                    wanted.value,
                    detail={"sample": sample.code, "why": "its files"},
                )
                rows[sample.id].status = wanted.value
        session.flush()
        grid = _grids(session, [request]).get(request.id)
        summary = grid.summary_status() if grid else None
        current = Status(request.status) if request.status in {s.value for s in Status} else None
        if summary is None or current not in AUTOMATIC or summary is current:
            return
        record(
            session,
            self._actor,
            "request.set",
            request.ref,
            "status",
            request.status,
            summary.value,
            detail={"why": grid.summary if grid else ""},
        )
        request.status = summary.value
        request.updated_at = dt.datetime.now(dt.UTC)
