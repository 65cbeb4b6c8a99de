"""Map an auditor's status words (dropdown values and what the cells say) onto our statuses."""

from __future__ import annotations

import re

from workbook.formats.checklist.synonyms import fold_latin
from workbook.model import Status

_TOKENS = re.compile(r"[a-z0-9]+|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+")

_PHRASES: dict[Status, tuple[str, ...]] = {
    Status.NOT_APPLICABLE: (
        "no es necesario",
        "nao e necessario",
        "non necessaire",
        "nicht erforderlich",
        "entbehrlich",
        "nicht anwendbar",
        "no aplica",
        "nao aplicavel",
        "non applicabile",
        "niet van toepassing",
        "対象外",
        "該当なし",
        "해당없음",
        "해당 없음",
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
        "issues",
        "issue",
        "failed",
        "fail",
        "not met",
        "gap",
        "teilweise",
        "partially implemented",
        "not effective",
        "ineffective",
        "deficiency",
        "finding",
        "non conforme",
        "no conforme",
        "nao conforme",
        "abweichung",
        "不備",
        "一部不備",
        "미흡",
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
        "fulfilled",
        "pass",
        "met",
        "compliant",
        "implemented",
        "effective",
        "cumplido",
        "cumprido",
        "conforme",
        "umgesetzt",
        "erfullt",
        "voldaan",
        "soddisfatto",
        "有効",
        "適合",
        "완료",
        "적정",
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
        "en cours",
        "en curso",
        "en progreso",
        "em andamento",
        "in bearbeitung",
        "in corso",
        "in uitvoering",
        "対応中",
        "進行中",
        "진행중",
        "진행 중",
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
        "not verified",
        "unverified",
        "no verificado",
        "nao verificado",
        "non verifie",
        "nicht gepruft",
        "non verificato",
        "niet geverifieerd",
        "abrir",
        "abierto",
        "aberto",
        "ouvert",
        "offen",
        "aperto",
        "a faire",
        "por hacer",
        "pendiente",
        "pendente",
        "未着手",
        "未対応",
        "미착수",
        "not implemented",
        "nicht umgesetzt",
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
    return " ".join(_TOKENS.findall(fold_latin(word).casefold()))


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
