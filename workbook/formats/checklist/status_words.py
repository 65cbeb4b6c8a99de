"""Map an auditor's status words (dropdown values and what the cells say) onto our statuses."""

from __future__ import annotations

import re

from workbook.model import Status

_PHRASES: dict[Status, tuple[str, ...]] = {
    Status.NOT_APPLICABLE: (
        "n a",
        "na",
        "not applicable",
        "not required",
        "waived",
        "cancelled",
        "canceled",
        "out of scope",
        "not in scope",
        "withdrawn",
        "duplicate",
        "no longer required",
        "removed",
        "descoped",
    ),
    Status.FOLLOW_UP: (
        "follow up",
        "followup",
        "more info needed",
        "more information needed",
        "additional info requested",
        "additional information requested",
        "rejected",
        "returned",
        "reopened",
        "re opened",
        "incomplete",
        "insufficient",
        "clarification needed",
        "needs clarification",
        "open question",
        "exception",
        "resubmit",
        "needs more",
        "partially accepted",
        "query",
        "deficient",
    ),
    Status.READY_FOR_AUDITOR: (
        "ready for auditor",
        "submitted",
        "provided",
        "sent",
        "uploaded",
        "delivered",
        "received",
        "under review",
        "in review",
        "pending review",
        "awaiting review",
        "pending auditor review",
        "responded",
        "answered",
        "sent to auditor",
        "with auditor",
        "auditor review",
        "pending auditor",
        "evidence provided",
        "complete pending review",
        "completed pending review",
    ),
    Status.ACCEPTED: (
        "accepted",
        "complete",
        "completed",
        "closed",
        "approved",
        "cleared",
        "satisfied",
        "no exceptions",
        "reviewed",
        "tested",
        "resolved",
        "final",
        "done",
        "finished",
        "passed",
        "signed off",
        "verified",
    ),
    Status.READY_FOR_REVIEW: (
        "ready for review",
        "internal review",
        "draft",
        "prepared",
        "drafted",
        "pending internal review",
        "ready for internal review",
        "management review",
    ),
    Status.IN_PROGRESS: (
        "in progress",
        "wip",
        "work in progress",
        "working",
        "started",
        "partially provided",
        "partial",
        "partially received",
        "ongoing",
        "in process",
        "underway",
        "under way",
        "being prepared",
        "in preparation",
        "gathering",
    ),
    Status.OPEN: (
        "open",
        "not started",
        "new",
        "pending",
        "outstanding",
        "to do",
        "todo",
        "requested",
        "not received",
        "not provided",
        "awaiting",
        "waiting",
        "not yet started",
        "not submitted",
        "pending client",
        "awaiting client",
        "no response",
        "unassigned",
        "overdue",
        "past due",
        "late",
    ),
}

_EXACT: dict[str, Status] = {}
_ORDERED: list[tuple[list[str], Status]] = []
for _status, _phrases in _PHRASES.items():
    for _phrase in _phrases:
        _EXACT.setdefault(_phrase, _status)
        _ORDERED.append((_phrase.split(), _status))
_ORDERED.sort(key=lambda item: -len(item[0]))


def _key(word: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", word.lower()))


def map_status_word(word: str) -> Status | None:
    """Our status for an auditor's word (`Submitted` → ready_for_auditor, `N/A` → not_applicable), or None."""
    key = _key(word)
    if not key:
        return None
    try:
        return Status.parse(word)
    except ValueError:
        pass
    if key in _EXACT:
        return _EXACT[key]
    tokens = key.split()
    for parts, status in _ORDERED:
        n = len(parts)
        if any(tokens[i : i + n] == parts for i in range(len(tokens) - n + 1)):
            return status
    return None


def status_vocabulary(words: list[str]) -> tuple[dict[str, Status], tuple[str, ...]]:
    """Map each distinct word, in first-seen order; returns (mapped words, words we could not place)."""
    mapped: dict[str, Status] = {}
    unknown: dict[str, None] = {}
    for word in words:
        word = word.strip()
        if not word or word in mapped or word in unknown:
            continue
        status = map_status_word(word)
        if status is None:
            unknown[word] = None
        else:
            mapped[word] = status
    return mapped, tuple(unknown)
