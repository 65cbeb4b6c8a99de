"""Previews kept in the workbook: built from the stored bytes, cached on the evidence row, found by search."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbook.formats import evidence_preview
from workbook.jobs import CancelToken, Progress, no_progress
from workbook.storage import blobs
from workbook.storage.database import Database
from workbook.storage.schema import EvidenceRow, LinkRow

# Empty bytes in `thumbnail` mean "tried, no thumbnail"; NULL means "not built yet".
NO_THUMBNAIL = b""
# Previews and date sniffing seek around the stored chunks; a buffer spares one query per small read.
_READ_BUFFER = 256 * 1024


def build_stored_preview(session: Session, row: EvidenceRow) -> None:
    """Fill `row.thumbnail` and `row.text_content` from the bytes stored for it."""
    with blobs.ChunkReader(session, row.id) as raw, io.BufferedReader(raw, _READ_BUFFER) as reader:
        preview = evidence_preview.build_preview(reader, row.media_type)
    row.thumbnail = preview.thumbnail or NO_THUMBNAIL
    row.text_content = preview.text


def build_preview_if_missing(session: Session, evidence_id: int) -> None:
    """Build the preview of one evidence unless it has one (or it is gone) by now."""
    row = session.get(EvidenceRow, evidence_id)
    if row is not None and row.thumbnail is None:
        build_stored_preview(session, row)


def stored_effective_date(session: Session, evidence_id: int, media_type: str) -> dt.date | None:
    """The date the stored file's own metadata gives, for images and PDFs; None for other kinds."""
    if not (evidence_preview.is_image(media_type) or evidence_preview.is_pdf(media_type)):
        return None
    with blobs.ChunkReader(session, evidence_id) as raw, io.BufferedReader(raw, _READ_BUFFER) as reader:
        return evidence_preview.sniff_effective_date(reader, media_type)


def build_missing_previews(
    db: Database, *, progress: Progress = no_progress, cancel: CancelToken | None = None
) -> int:
    """Build previews for every evidence that has none yet, one short transaction each; returns how many."""
    cancel = cancel or CancelToken()
    with db.read() as session:
        ids = list(session.scalars(select(EvidenceRow.id).where(EvidenceRow.thumbnail.is_(None))))
    for done, evidence_id in enumerate(ids):
        cancel.raise_if_cancelled()
        with db.write() as session:
            build_preview_if_missing(session, evidence_id)
        progress(done + 1, len(ids))
    return len(ids)


def evidence_text_by_request(session: Session) -> dict[int, str]:
    """Request id → the extracted text of its current evidence, for the request search to include."""
    query = (
        select(LinkRow.request_id, EvidenceRow.text_content)
        .join(EvidenceRow, EvidenceRow.id == LinkRow.evidence_id)
        .where(LinkRow.current.is_(True), EvidenceRow.text_content != "")
    )
    texts: dict[int, list[str]] = defaultdict(list)
    for request_id, text in session.execute(query):
        texts[request_id].append(text)
    return {request_id: "\n".join(parts) for request_id, parts in texts.items()}
