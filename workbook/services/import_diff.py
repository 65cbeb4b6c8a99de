"""What a re-import changes: each row paired with a stored request (by ref, else by similar wording)."""

from __future__ import annotations

import bisect
import difflib
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbook.jobs import CancelToken, Progress, no_progress
from workbook.model import DiffKind, FieldDiff, RequestDiff
from workbook.storage.schema import RequestRow

if TYPE_CHECKING:
    from workbook.formats.checklist.reader import ChecklistRow

# Fields the checklist owns: a re-import updates them. Owner, status, notes and evidence belong to the user.
CHECKLIST_FIELDS = ("title", "request", "criteria", "section", "priority", "auditor_comment", "extra")
RENUMBER_SIMILARITY = 0.9


def _row_values(row: ChecklistRow) -> dict[str, Any]:
    return {
        "title": row.title,
        "request": row.request,
        "criteria": list(row.criteria),
        "section": row.section,
        "priority": row.priority,
        "auditor_comment": row.comment,
        "extra": dict(row.extra),
    }


def _stored_values(row: RequestRow) -> dict[str, Any]:
    return {
        "title": row.title,
        "request": row.request_text,
        "criteria": list(row.criteria or []),
        "section": row.section,
        "priority": row.priority,
        "auditor_comment": row.auditor_comment,
        "extra": dict(row.extra or {}),
    }


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


# Texts up to this many character pairs (len × len) are compared character by character; longer ones by
# words first, then characters inside the changed stretches (difflib is quadratic: two 3,000-character
# requests took 0.35 s).
_CHAR_LEVEL = 300 * 300
_TOKEN = re.compile(r"\S+\s*|\s+")
# A pair this far apart in length cannot reach RENUMBER_SIMILARITY (difflib's real_quick_ratio).
_LENGTH_RATIO = RENUMBER_SIMILARITY / (2 - RENUMBER_SIMILARITY)
# Wording 90 % alike shares most of its three-letter sequences (words, past _LONG characters): pairs
# sharing fewer than half are not compared.
_SHARED = 0.5
_LONG = 300
_WORD = re.compile(r"\w+")
# The closest candidates by shared trigrams that are compared in full, per incoming row.
_SHORTLIST = 5
# Pairing by similar wording stops past these budgets (about a second each): trigrams looked up while
# screening, character or word pairs compared in full. The rest are added and removed, and the import
# says so. Before them, 2,200 changed rows against 112 requests took 88 s.
SIMILARITY_SCREEN = 20_000_000
SIMILARITY_WORK = 40_000_000


def _similar(a: str, b: str) -> tuple[float, int]:
    """difflib's similarity of two texts, and the work it took (character or word pairs looked at)."""
    if not a or not b:
        return 0.0, 0
    if len(a) * len(b) <= _CHAR_LEVEL:
        return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio(), len(a) * len(b)
    words_a, words_b = _TOKEN.findall(a), _TOKEN.findall(b)
    work = len(words_a) * len(words_b)
    matched = 0
    gaps: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, words_a, words_b, autojunk=False).get_opcodes():
        if tag == "equal":
            matched += sum(len(word) for word in words_a[i1:i2])
        elif tag == "replace":
            gaps.append(("".join(words_a[i1:i2]), "".join(words_b[j1:j2])))
    total = len(a) + len(b)
    best_case = matched + sum(min(len(x), len(y)) for x, y in gaps)
    if 2 * best_case < RENUMBER_SIMILARITY * total:
        return 2 * best_case / total, work
    for x, y in gaps:
        if len(x) * len(y) <= _CHAR_LEVEL:
            matched += sum(
                m.size for m in difflib.SequenceMatcher(None, x, y, autojunk=False).get_matching_blocks()
            )
            work += len(x) * len(y)
    return 2 * matched / total, work


@dataclass(frozen=True)
class _Shape:
    """What screening compares: three-letter sequences of a short text, the words of a long one."""

    length: int
    trigrams: frozenset[str]
    words: frozenset[str]

    @classmethod
    def of(cls, text: str) -> _Shape:
        folded = _wording(text)
        # A text past _LONG is only ever screened by its words.
        span = range(max(1, len(folded) - 2)) if len(text) <= _LONG else range(0)
        return cls(len(text), frozenset(folded[i : i + 3] for i in span), frozenset(_WORD.findall(folded)))

    def shared(self, other: _Shape) -> tuple[float, int]:
        """The share of sequences (or words, past _LONG characters) both hold, and the look-ups it took."""
        mine, theirs = (
            (self.trigrams, other.trigrams)
            if max(self.length, other.length) <= _LONG
            else (self.words, other.words)
        )
        if not mine or not theirs:
            return 0.0, 1
        return 2 * len(mine & theirs) / (len(mine) + len(theirs)), min(len(mine), len(theirs)) + 1


def _wording(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Pairing:
    """Incoming row index → the request it continues; `unchecked` rows were never compared by wording."""

    pairs: dict[int, RequestRow]
    unchecked: int = 0

    @property
    def note(self) -> str:
        if not self.unchecked:
            return ""
        return (
            f"{self.unchecked} changed row(s) were not compared by wording (too many long or similar "
            "requests to compare in time): they show as added and their earlier versions as removed. Give "
            "them their earlier refs in the checklist to keep them paired."
        )


def _pair(
    existing: Sequence[RequestRow],
    incoming: Sequence[ChecklistRow],
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> Pairing:
    """Incoming row index → the request it continues.

    Identical wording wins over the ref (an auditor who inserts an item renumbers everything below it), then
    the same ref (a reworded request), then wording at least 90 % similar (renumbered and reworded): only
    pairs of about the same length sharing half their three-letter sequences (or words) are screened in, the
    closest few compared in full, within the SIMILARITY budgets.
    """
    free = {row.ref: row for row in existing}
    pairs: dict[int, RequestRow] = {}
    by_text: dict[str, list[RequestRow]] = defaultdict(list)
    for row in existing:
        if key := _wording(row.request_text):
            by_text[key].append(row)
    for index, new in enumerate(incoming):
        candidates = [row for row in by_text.get(_wording(new.request), ()) if row.ref in free]
        if candidates:
            chosen = next((row for row in candidates if row.ref == new.ref), candidates[0])
            pairs[index] = free.pop(chosen.ref)
    for index, new in enumerate(incoming):
        if index not in pairs and new.ref in free:
            pairs[index] = free.pop(new.ref)
    left = [index for index, new in enumerate(incoming) if index not in pairs and new.request]
    others = sorted((r for r in free.values() if not r.archived and r.request_text), key=_text_length)
    if not left or not others:
        return Pairing(pairs)
    lengths = [len(row.request_text) for row in others]
    shapes = {row.ref: _Shape.of(row.request_text) for row in others}
    screened = work = 0
    for done, index in enumerate(left):
        if done % 64 == 0:
            progress(done, len(left))
            if cancel is not None:
                cancel.raise_if_cancelled()
        if screened > SIMILARITY_SCREEN or work > SIMILARITY_WORK:
            return Pairing(pairs, unchecked=len(left) - done)
        wording = incoming[index].request
        shape = _Shape.of(wording)
        low = bisect.bisect_left(lengths, len(wording) * _LENGTH_RATIO)
        high = bisect.bisect_right(lengths, len(wording) / _LENGTH_RATIO)
        shortlist: list[tuple[float, int, RequestRow]] = []
        for order, row in enumerate(others[low:high]):
            if row.ref not in free:
                continue
            shared, cost = shape.shared(shapes[row.ref])
            screened += cost
            if shared >= _SHARED:
                shortlist.append((-shared, order, row))
        best: tuple[float, RequestRow] | None = None
        for _, _, row in sorted(shortlist)[:_SHORTLIST]:
            ratio, cost = _similar(row.request_text, wording)
            work += cost
            if ratio >= RENUMBER_SIMILARITY and (best is None or ratio > best[0]):
                best = (ratio, row)
        if best is not None:
            pairs[index] = free.pop(best[1].ref)
    progress(len(left), len(left))
    return Pairing(pairs)


def _text_length(row: RequestRow) -> int:
    return len(row.request_text)


def diff_rows(
    existing: Sequence[RequestRow],
    incoming: Sequence[ChecklistRow],
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> list[RequestDiff]:
    """Pair each incoming row with the request it continues and list what changes, in checklist order."""
    return plan_diff(existing, incoming, progress, cancel)[0]


def plan_diff(
    existing: Sequence[RequestRow],
    incoming: Sequence[ChecklistRow],
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[list[RequestDiff], str]:
    """The diff in checklist order, and a note when pairing by wording stopped short (else "")."""
    pairing = _pair(existing, incoming, progress, cancel)
    pairs = pairing.pairs
    paired = {row.id for row in pairs.values()}
    diffs: list[RequestDiff] = []
    for index, new in enumerate(incoming):
        old = pairs.get(index)
        if old is None:
            diffs.append(RequestDiff(new.ref, DiffKind.ADDED))
            continue
        previous_ref = old.ref if old.ref != new.ref else ""
        before, after = _stored_values(old), _row_values(new)
        fields = tuple(
            FieldDiff(name, _show(before[name]), _show(after[name]))
            for name in CHECKLIST_FIELDS
            if before[name] != after[name]
        )
        if previous_ref:
            fields = (FieldDiff("ref", previous_ref, new.ref), *fields)
        recheck = any(f.field == "request" for f in fields)
        if old.archived:
            diffs.append(RequestDiff(new.ref, DiffKind.RESTORED, fields, previous_ref, recheck))
        elif fields:
            diffs.append(RequestDiff(new.ref, DiffKind.CHANGED, fields, previous_ref, recheck))
        else:
            diffs.append(RequestDiff(new.ref, DiffKind.UNCHANGED))
    diffs.extend(
        RequestDiff(row.ref, DiffKind.REMOVED)
        for row in existing
        if row.id not in paired and not row.archived
    )
    return diffs, pairing.note
