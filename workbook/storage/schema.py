"""The tables of a .auditwb file (SQLAlchemy 2.0 declarative); changes go through an Alembic migration."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from workbook.storage.fileformat import APPLICATION_ID

__all__ = ["APPLICATION_ID"]

CHUNK_SIZE = 1024 * 1024


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class MetaRow(Base):
    """Key/value facts about the file: created_with, activity_head, activity_count."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class EngagementRow(Base):
    __tablename__ = "engagement"
    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(Text)
    framework: Mapped[str] = mapped_column(Text, default="SOC 2 Type II")
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    auditor: Mapped[str] = mapped_column(Text, default="")
    freshness_days: Mapped[int] = mapped_column(Integer, default=365)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PersonRow(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    email: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class RequestRow(Base):
    __tablename__ = "requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    request_text: Mapped[str] = mapped_column(Text, default="")
    criteria: Mapped[list[str]] = mapped_column(JSON, default=list)
    section: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(32), default="open")
    due: Mapped[dt.date | None] = mapped_column(Date)
    priority: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    auditor_comment: Mapped[str] = mapped_column(Text, default="")
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_sheet: Mapped[str] = mapped_column(Text, default="")
    source_row: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    recheck_evidence: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (Index("ix_requests_status", "status"), Index("ix_requests_owner", "owner_id"))


class CommentRow(Base):
    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class EvidenceRow(Base):
    """One distinct file content; the bytes live in evidence_chunks."""

    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(Text, default="application/octet-stream")
    effective_date: Mapped[dt.date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    source_system: Mapped[str] = mapped_column(Text, default="")
    shows: Mapped[str] = mapped_column(Text, default="")
    population: Mapped[str] = mapped_column(Text, default="")
    period_covered: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str] = mapped_column(Text)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)
    text_content: Mapped[str] = mapped_column(Text, default="")
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Marked by the user: kept in the workbook, left out of every package, zip and `items --json`.
    never_export: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class EvidenceChunkRow(Base):
    __tablename__ = "evidence_chunks"
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class LinkRow(Base):
    """A request's use of one evidence; replaced versions stay with current=False."""

    __tablename__ = "links"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), index=True)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    replaced_by: Mapped[int | None] = mapped_column(ForeignKey("links.id"))
    linked_by: Mapped[str] = mapped_column(Text)
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("request_id", "evidence_id", name="uq_links_request_evidence"),)


class PriorEvidenceRow(Base):
    """Last period's evidence of a request, carried by next-period: shown, openable, never this period's."""

    __tablename__ = "prior_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), index=True)
    period: Mapped[str] = mapped_column(Text, default="")
    prior_ref: Mapped[str] = mapped_column(Text, default="")
    sample: Mapped[str] = mapped_column(Text, default="")
    carried_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("request_id", "evidence_id", name="uq_prior_request_evidence"),)


class SamplePlanRow(Base):
    """What each sample of a request needs ("offer letter", "background check"), in order."""

    __tablename__ = "sample_plans"
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True)
    required: Mapped[list[str]] = mapped_column(JSON, default=list)


class SampleRow(Base):
    """One item of the auditor's selection for a request (an employee id, a ticket, a change)."""

    __tablename__ = "samples"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(32), default="open")
    notes: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("request_id", "code", name="uq_samples_request_code"),)


class SampleEvidenceRow(Base):
    """A file given for one sample, for one of its required items ("" when it names none)."""

    __tablename__ = "sample_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"), index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), index=True)
    requirement: Mapped[str] = mapped_column(Text, default="")
    linked_by: Mapped[str] = mapped_column(Text)
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("sample_id", "evidence_id", "requirement", name="uq_sample_evidence"),)


class ImportRow(Base):
    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sheet: Mapped[str] = mapped_column(Text)
    header_row: Mapped[int] = mapped_column(Integer)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status_vocabulary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    header_signature: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    imported_by: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ActivityRow(Base):
    """The hash-chained log: each row stores the previous row's hash and its own."""

    __tablename__ = "activity"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(Text)
    login: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(Text, default="")
    field: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (Index("ix_activity_target", "target"),)
