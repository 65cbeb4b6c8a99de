"""Evidence links and versions: a request's current files, and the replaced ones kept as its history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbook.errors import UserError
from workbook.model import Actor, Evidence
from workbook.services.activity import record
from workbook.storage import evidence_sql
from workbook.storage.database import driver
from workbook.storage.schema import EvidenceRow, LinkRow, RequestRow


def link_row(session: Session, request_id: int, evidence_id: int) -> LinkRow | None:
    return session.scalar(
        select(LinkRow).where(LinkRow.request_id == request_id, LinkRow.evidence_id == evidence_id)
    )


def current_successor(session: Session, link: LinkRow) -> LinkRow | None:
    """Follow replaced_by to the version that is current now (None if the chain was unlinked)."""
    seen = {link.id}
    step = link.replaced_by
    while step is not None and step not in seen:
        seen.add(step)
        row = session.get(LinkRow, step)
        if row is None:
            return None
        if row.current:
            return row
        step = row.replaced_by
    return None


def successor_name(session: Session, link: LinkRow | None) -> str:
    if link is None:
        return ""
    row = session.get(EvidenceRow, link.evidence_id)
    return row.name if row else ""


def current_link(session: Session, request: RequestRow, old: EvidenceRow) -> LinkRow:
    """The link that makes `old` a current version of the request: the one a replace may supersede."""
    link = link_row(session, request.id, old.id)
    if link is None or not link.current:
        raise UserError(
            f"{old.name!r} is not current evidence of {request.ref}",
            hint="replace one of the files the request shows now",
        )
    return link


def check_new_bytes(old: EvidenceRow, new: Evidence, new_path: Path) -> None:
    if new.id == old.id:
        raise UserError(
            "the new file has exactly the same bytes as the current version",
            where=str(new_path),
            hint="nothing to replace",
        )


def supersede(
    session: Session, actor: Actor, request: RequestRow, old: EvidenceRow, old_link: LinkRow, new: Evidence
) -> None:
    """Put the old version into history behind the new one (already linked as current); logged."""
    new_link = link_row(session, request.id, new.id)
    assert new_link is not None
    old_link.current = False
    old_link.replaced_by = new_link.id
    record(
        session,
        actor,
        "evidence.replace",
        target=request.ref,
        before=old.name,
        after=new.name,
        detail={"old_sha256": old.sha256, "new_sha256": new.sha256},
    )
    session.flush()


def restore(session: Session, actor: Actor, request: RequestRow, evidence: EvidenceRow) -> str | None:
    """Make an older version current again; the version that replaced it goes into history; logged.

    Returns the SHA-256 of the version pushed aside (None when the chain had been unlinked).
    """
    link = link_row(session, request.id, evidence.id)
    if link is None:
        raise UserError(f"{evidence.name!r} was never evidence of {request.ref}")
    if link.current:
        raise UserError(f"{evidence.name!r} is already current evidence of {request.ref}")
    successor = current_successor(session, link)
    link.current = True
    link.replaced_by = None
    if successor is not None:
        successor.current = False
        successor.replaced_by = link.id
    request.updated_at = dt.datetime.now(dt.UTC)
    record(
        session,
        actor,
        "evidence.restore",
        target=request.ref,
        before=successor_name(session, successor),
        after=evidence.name,
        detail={"sha256": evidence.sha256},
    )
    if successor is None:
        return None
    pushed_aside = session.get(EvidenceRow, successor.evidence_id)
    return pushed_aside.sha256 if pushed_aside is not None else None


def link(session: Session, actor: Actor, request: RequestRow, evidence: EvidenceRow) -> None:
    """Make stored evidence current on the request; logged unless it already was."""
    if not evidence_sql.make_link_current(driver(session), request.id, evidence.id, linked_by=actor.name):
        record(
            session,
            actor,
            "evidence.link",
            target=request.ref,
            after=evidence.name,
            detail={"sha256": evidence.sha256},
        )


def unlink(session: Session, actor: Actor, request: RequestRow, evidence: EvidenceRow) -> None:
    """Remove the link only (the bytes stay); versions it had replaced stay, no longer pointing at it."""
    found = link_row(session, request.id, evidence.id)
    if found is None:
        raise UserError(f"{evidence.name!r} is not linked to {request.ref}")
    for older in session.scalars(select(LinkRow).where(LinkRow.replaced_by == found.id)):
        older.replaced_by = None
    session.delete(found)
    request.updated_at = dt.datetime.now(dt.UTC)
    record(
        session,
        actor,
        "evidence.unlink",
        target=request.ref,
        before=evidence.name,
        detail={"sha256": evidence.sha256},
    )
