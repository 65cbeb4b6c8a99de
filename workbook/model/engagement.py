"""The engagement and who acts on it; the activity log and what verify reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who is acting: shown in the activity log."""

    name: str
    login: str


@dataclass(frozen=True)
class Engagement:
    client: str
    framework: str
    period_start: dt.date | None
    period_end: dt.date | None
    auditor: str
    freshness_days: int


@dataclass(frozen=True)
class WorkbookInfo:
    path: str
    engagement: Engagement
    schema_version: str
    read_only: bool
    read_only_reason: str
    request_count: int
    ready_count: int
    overdue_count: int
    evidence_count: int
    evidence_bytes: int
    activity_head: str
    created_at: dt.datetime


@dataclass(frozen=True)
class ActivityEntry:
    id: int
    at: dt.datetime
    actor: str
    login: str
    action: str
    target: str
    field: str
    before: str
    after: str
    detail: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Problem:
    """One thing a check found wrong, named so a person can find it."""

    kind: str
    where: str
    message: str


@dataclass(frozen=True)
class VerifyReport:
    evidence_checked: int
    activity_checked: int
    head: str
    problems: tuple[Problem, ...] = ()
    # What the check could not compare, each with the reason (the log does not record it, say).
    not_covered: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems
