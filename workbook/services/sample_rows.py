"""Samples as stored: each request's grid (samples, required items, files) read in one pass, and the counts
the request list shows. No request-service import here, so both the request and the sample services use it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbook.model import Sample, SampleFile, SampleGrid
from workbook.storage.schema import EvidenceRow, RequestRow, SampleEvidenceRow, SamplePlanRow, SampleRow
from workbook.storage.values import Row


def required_of(session: Session, request_id: int) -> tuple[str, ...]:
    plan = session.get(SamplePlanRow, request_id)
    return Row("sample_plans", request_id).text_list("required", plan.required) if plan else ()


def grids_of(session: Session, requests: Sequence[RequestRow]) -> dict[int, SampleGrid]:
    """The sample grid of each request that has samples or required items (keyed by request id)."""
    ids = [r.id for r in requests]
    plans = {
        p.request_id: Row("sample_plans", p.request_id).text_list("required", p.required)
        for p in session.scalars(select(SamplePlanRow).where(SamplePlanRow.request_id.in_(ids)))
    }
    samples: dict[int, list[SampleRow]] = defaultdict(list)
    for row in session.scalars(
        select(SampleRow).where(SampleRow.request_id.in_(ids)).order_by(SampleRow.position, SampleRow.id)
    ):
        samples[row.request_id].append(row)
    sample_ids = [s.id for rows in samples.values() for s in rows]
    files: dict[int, list[SampleFile]] = defaultdict(list)
    query = (
        select(SampleEvidenceRow.sample_id, SampleEvidenceRow.requirement, EvidenceRow)
        .join(EvidenceRow, EvidenceRow.id == SampleEvidenceRow.evidence_id)
        .where(SampleEvidenceRow.sample_id.in_(sample_ids))
        .order_by(SampleEvidenceRow.id)
    )
    for sample_id, requirement, evidence in session.execute(query):
        check = Row("evidence", evidence.id)
        files[sample_id].append(
            SampleFile(
                check.text("sha256", evidence.sha256),
                check.text("name", evidence.name),
                check.integer("size", evidence.size),
                Row("sample_evidence", sample_id).text("requirement", requirement),
                check.flag("never_export", evidence.never_export),
            )
        )
    out: dict[int, SampleGrid] = {}
    for request in requests:
        if request.id not in plans and request.id not in samples:
            continue
        items = []
        for row in samples.get(request.id, ()):
            check = Row("samples", row.id)
            items.append(
                Sample(
                    id=row.id,
                    ref=request.ref,
                    code=check.text("code", row.code),
                    label=check.text("label", row.label),
                    status=check.status("status", row.status),
                    notes=check.text("notes", row.notes),
                    position=check.integer("position", row.position),
                    files=tuple(files.get(row.id, ())),
                )
            )
        out[request.id] = SampleGrid(request.ref, plans.get(request.id, ()), tuple(items))
    return out


def sample_counts(session: Session, request_ids: Iterable[int] | None = None) -> dict[int, tuple[int, int]]:
    """Request id → (samples, samples provided), for the requests that have samples."""
    query = select(RequestRow).where(RequestRow.id.in_(select(SampleRow.request_id)))
    if request_ids is not None:
        query = query.where(RequestRow.id.in_(list(request_ids)))
    rows = list(session.scalars(query))
    return {rid: (len(g.samples), g.provided) for rid, g in grids_of(session, rows).items() if g.samples}
