"""Which column is which field: the header's words propose, the values decide (uniqueness, fill, shape)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from workbook.formats.checklist.profile import ColumnProfile
from workbook.formats.checklist.synonyms import guess_fields

RefMode = Literal["column", "numbered", "prefixed", "generated"]

# A ref column may repeat this share of its values (a couple of duplicate IDs in a catalogue of thousands).
UNIQUE_ENOUGH = 0.98
# Below this share of distinct values a code column groups requests (criteria, section): it names none.
GROUPING_BELOW = 0.2
REVIEW_BELOW = 0.6

PREFIXED_ID = re.compile(r"^([A-Z][A-Za-z0-9]*(?:[.\-_][A-Za-z0-9()\[\]]+)+):\s+(\S.*)$", re.DOTALL)

_PRIORITY_WORDS = frozenset(
    [
        "high",
        "medium",
        "low",
        "critical",
        "moderate",
        "minor",
        "major",
        "severe",
        "informational",
        "info",
        "p1",
        "p2",
        "p3",
        "p4",
        "alto",
        "medio",
        "bajo",
        "alta",
        "media",
        "baja",
        "hoch",
        "mittel",
        "niedrig",
        "eleve",
        "elevee",
        "moyen",
        "moyenne",
        "faible",
        "basso",
        "alto",
        "medio",
        "laag",
        "hoog",
        "gemiddeld",
        "高",
        "中",
        "低",
        "상",
        "중",
        "하",
    ]
)


@dataclass(frozen=True)
class FieldChoice:
    """One field's column, how sure the choice is (0–1) and why, in words a person understands."""

    field: str
    column: int  # 0-based
    confidence: float
    reason: str
    manual: bool = False


@dataclass(frozen=True)
class ColumnMapping:
    choices: dict[str, FieldChoice]
    ref_mode: RefMode
    ref_reason: str

    def column_of(self, field: str) -> int | None:
        choice = self.choices.get(field)
        return choice.column if choice else None


def prefixed_id_share(values: Sequence[str]) -> float:
    """Share of values written `ID: text` (`GV.OC-01: The organization...`), the ref inside the text."""
    filled = [v for v in values if v]
    if not filled:
        return 0.0
    return sum(1 for v in filled if PREFIXED_ID.match(v)) / len(filled)


def _share(value: float) -> str:
    if value >= 0.995:
        return "every row"
    if value >= 0.9:
        return "nearly every row"
    return f"{round(value * 100)} % of rows"


def _clamp(value: float) -> float:
    return round(max(0.0, min(1.0, value)), 2)


def _header_words(header: str, field: str, h: float) -> str:
    if not header:
        return "no header"
    if h >= 0.9:
        return f"header {header!r}"
    if h > 0:
        return f"header {header!r} (partly)"
    return f"header {header!r} says nothing of it"


class _Chooser:
    """Greedy assignment, most important field first; each column serves one field."""

    def __init__(
        self,
        headers: Sequence[str],
        profiles: Sequence[ColumnProfile],
        dropdowns: Mapping[int, tuple[str, ...]],
        prefixed: Mapping[int, float],
        fixed: Mapping[str, int | None],
        hidden: frozenset[int] = frozenset(),
    ) -> None:
        self.headers = list(headers) + [""] * max(0, len(profiles) - len(headers))
        self.profiles = profiles
        self.dropdowns = dropdowns
        self.prefixed = prefixed
        self.fixed = fixed
        self.hidden = hidden
        self.guesses = [guess_fields(h) for h in self.headers]
        self.choices: dict[str, FieldChoice] = {}
        self.taken: set[int] = set()
        for field, column in fixed.items():
            if column is not None:
                self.choices[field] = FieldChoice(field, column, 1.0, "chosen by you", manual=True)
                self.taken.add(column)

    def h(self, column: int, field: str) -> float:
        return self.guesses[column].get(field, 0.0) if column < len(self.guesses) else 0.0

    def other(self, column: int, field: str) -> float:
        """How strongly the header names some other field than `field`, still to be placed."""
        if column >= len(self.guesses):
            return 0.0
        return max(
            (c for f, c in self.guesses[column].items() if f != field and f not in self.choices), default=0.0
        )

    def named_otherwise(self, column: int, field: str) -> bool:
        """The header names another field still to be placed: a guess from the values must not take it."""
        if column >= len(self.guesses):
            return False
        mine = self.h(column, field)
        return any(
            c >= 0.5 and c > mine + 0.2 and f not in self.choices
            for f, c in self.guesses[column].items()
            if f != field
        )

    def free(self) -> list[tuple[int, ColumnProfile]]:
        return [(p.index, p) for p in self.profiles if p.index not in self.taken]

    def wants(self, field: str) -> bool:
        return field not in self.fixed

    def take(self, field: str, column: int, confidence: float, reason: str) -> None:
        self.choices[field] = FieldChoice(field, column, _clamp(confidence), reason)
        self.taken.add(column)

    def best_header(self, field: str) -> float:
        return max((self.h(c, field) for c, _ in self.free()), default=0.0)


def choose_mapping(
    headers: Sequence[str],
    profiles: Sequence[ColumnProfile],
    *,
    dropdowns: Mapping[int, tuple[str, ...]] | None = None,
    prefixed: Mapping[int, float] | None = None,
    fixed: Mapping[str, int | None] | None = None,
    hidden: frozenset[int] = frozenset(),
) -> ColumnMapping:
    """Map columns (0-based) to fields from the header words and the values' shape.

    `fixed` holds the user's own choices (a column, or None for "no column"); they are kept with
    confidence 1 and never change how sure the other guesses are.
    """
    chooser = _Chooser(headers, profiles, dropdowns or {}, prefixed or {}, fixed or {}, hidden)
    ref_mode, ref_reason = _choose_ref(chooser)
    _choose_request(chooser)
    _choose_title(chooser)
    _choose_due(chooser)
    _choose_status(chooser)
    _choose_owner(chooser)
    _choose_criteria(chooser)
    _choose_section(chooser)
    _choose_simple(chooser, "priority", max_length=40)
    _choose_simple(chooser, "comment", max_length=10_000)
    _choose_answer(chooser, "response")
    _choose_answer(chooser, "evidence")
    return ColumnMapping(dict(chooser.choices), ref_mode, ref_reason)


def _choose_ref(ch: _Chooser) -> tuple[RefMode, str]:
    if not ch.wants("ref"):
        column = ch.fixed["ref"]
        if column is None:
            return "generated", "you chose no ref column: refs are made from the row numbers"
        p = ch.profiles[column] if column < len(ch.profiles) else None
        if p is not None and p.filled and p.unique < UNIQUE_ENOUGH:
            return "numbered", "your ref column repeats values: repeats are numbered (-2, -3 …)"
        if ch.prefixed.get(column, 0.0) >= 0.8:
            return "prefixed", "refs are taken from the start of each text"
        return "column", "chosen by you"
    scored: list[tuple[float, int, ColumnProfile, float]] = []
    for column, p in ch.free():
        h = ch.h(column, "ref")
        # A header that says "Ref" lets a short list with a stray cell still count as codes.
        if p.filled < 1 or not p.code_like(0.5 if h >= 0.85 else 0.8):
            continue
        if p.date_share >= 0.5 or p.formula_share >= 0.5 or (p.rows and p.fill < 0.6):
            continue
        if p.unique < GROUPING_BELOW:
            continue  # one value on most rows (`25`, `CC6.1`): a grouping or a setting, never a ref
        score = 4.0 * min(p.unique / UNIQUE_ENOUGH, 1.0) + 1.5 * p.fill + 1.2 * h + 0.3 * p.code_share
        if column in ch.hidden:
            score -= 2.0  # auditors hide their helper columns, not the refs they ask about
        if ch.named_otherwise(column, "ref"):
            score -= 2.0  # `Title: Control 5` is a title that happens to look like a code
        scored.append((score - 0.01 * column, column, p, h))
    strong_codes = [c for _, c, p, _ in scored if p.unique >= UNIQUE_ENOUGH and not p.counter]
    ranked = []
    for score, column, p, h in scored:
        if p.counter and any(c != column for c in strong_codes):
            score -= 2.5  # a row number loses to the auditor's own codes
        ranked.append((score, column, p, h))
    ranked.sort(key=lambda item: -item[0])
    if ranked:
        _, column, p, h = ranked[0]
        header = ch.headers[column]
        if p.unique >= UNIQUE_ENOUGH or p.duplicates <= max(1, int(0.002 * p.filled)):
            fit = min(1.0, p.fill / 0.9) * p.code_share
            confidence = 0.35 + 0.4 * fit + 0.25 * h
            counter = p.counter and len(ranked) > 1
            if counter:
                confidence -= 0.2
            words = "counts 1, 2, 3 … (a row number)" if p.counter else "short codes"
            reason = f"{_header_words(header, 'ref', h)}; values in {_share(p.fill)}, each different, {words}"
            ch.take("ref", column, confidence, reason)
            return "column", reason
        if p.unique >= GROUPING_BELOW:
            reason = (
                f"{_header_words(header, 'ref', h)}; its codes repeat ({p.distinct} different in "
                f"{p.filled} rows), so rows sharing one are numbered (-2, -3 …) and stay apart"
            )
            ch.take("ref", column, 0.3 + 0.2 * h, reason)
            return "numbered", reason
    for column, share in sorted(ch.prefixed.items(), key=lambda item: (-item[1], item[0])):
        if share >= 0.8 and column not in ch.taken:
            reason = "each text starts with its ID (`GV.OC-01: …`): the ID is the ref, the rest the title"
            ch.take("ref", column, 0.7, reason)
            return "prefixed", reason
    return "generated", "no column holds a unique, filled code, so refs are made from the row numbers"


def _choose_request(ch: _Chooser) -> None:
    if not ch.wants("request"):
        return
    ref = ch.choices.get("ref")
    prefixed = ref is not None and ch.prefixed.get(ref.column, 0.0) >= 0.8 and not ref.manual
    best: tuple[float, int, float, ColumnProfile] | None = None
    for column, p in ch.free():
        h = ch.h(column, "request")
        if not _texty(p) or p.filled == 0:
            continue
        if prefixed and h < 0.8:
            continue  # `GV.OC-01: statement` already holds the text
        if p.categorical and p.avg_length < 25 and h < 0.9:
            continue  # statuses, levels, yes/no
        score = (
            2.0 * h
            + 3.0 * p.fill
            + min(p.avg_length, 150.0) / 150.0
            + 0.5 * min(p.unique, 1.0)
            + (0.3 if p.long_share > 0.3 else 0.0)
            - (1.5 * ch.other(column, "request") if ch.named_otherwise(column, "request") else 0.0)
            - (1.5 if column in ch.hidden else 0.0)
            - 0.005 * column
        )
        if best is None or score > best[0]:
            best = (score, column, h, p)
    if best is None:
        return
    _, column, h, p = best
    if (
        ref is not None
        and column == ref.column + 1
        and not ch.headers[column]
        and p.avg_length <= 60
        and ch.wants("title")
    ):
        # `Control | (no header: the ref's header cell is merged over it)` holds names, not requests.
        reason = "no header of its own, beside the ref: short names"
        ch.take("title", column, 0.5 + 0.2 * min(1.0, p.fill), reason)
        return
    fit = min(1.0, p.fill / 0.8) * min(1.0, p.avg_length / 30.0)
    reason = f"{_header_words(ch.headers[column], 'request', h)}; the longest text, in {_share(p.fill)}"
    ch.take("request", column, 0.3 + 0.4 * fit + 0.3 * h, reason)


def _texty(p: ColumnProfile) -> bool:
    return p.code_share < 0.5 and p.date_share < 0.5 and p.list_share < 0.5 and p.status_share < 0.5


def _choose_title(ch: _Chooser) -> None:
    if not ch.wants("title"):
        return
    request = ch.choices.get("request")
    ref = ch.choices.get("ref")
    if ref is not None and ch.prefixed.get(ref.column, 0.0) >= 0.8 and not ref.manual:
        return  # the text after `GV.OC-01:` is the title
    best: tuple[float, int, float, ColumnProfile] | None = None
    for column, p in ch.free():
        h = ch.h(column, "title")
        if p.filled and not _texty(p):
            continue
        if h >= 0.5 and not ch.named_otherwise(column, "title"):
            score = 2.0 * h + p.fill
        elif (
            ref is not None
            and column == ref.column + 1
            and not ch.headers[column]
            and p.filled >= 2
            and 3 <= p.avg_length <= 100
            and p.unique >= 0.6
        ):
            # `Control | (no header: the ref's header cell is merged over it)` holds the names.
            score = 0.8 + p.fill
        else:
            continue
        if request is not None and p.avg_length > ch.profiles[request.column].avg_length * 1.5:
            score -= 1.0
        if best is None or score > best[0]:
            best = (score, column, h, p)
    if best is None:
        return
    _, column, h, p = best
    reason = f"{_header_words(ch.headers[column], 'title', h)}; short names in {_share(p.fill)}"
    ch.take("title", column, 0.3 + 0.3 * min(1.0, p.fill / 0.8) + 0.4 * h, reason)


def _choose_due(ch: _Chooser) -> None:
    if not ch.wants("due"):
        return
    best: tuple[float, int, float, ColumnProfile] | None = None
    for column, p in ch.free():
        h = ch.h(column, "due")
        # A column of names or wave numbers is never a due date, whatever its header says.
        if h < 0.4 or (p.filled and p.date_share < 0.5):
            continue
        score = h + (p.date_share if p.filled else 0.3)
        if best is None or score > best[0]:
            best = (score, column, h, p)
    if best is None:
        return
    _, column, h, p = best
    values = "dates in " + _share(p.date_share) if p.filled else "empty, for you to fill"
    reason = f"{_header_words(ch.headers[column], 'due', h)}; {values}"
    ch.take("due", column, 0.3 + 0.4 * (p.date_share if p.filled else 0.5) + 0.3 * h, reason)


def _choose_status(ch: _Chooser) -> None:
    if not ch.wants("status"):
        return
    best: tuple[float, int, float, ColumnProfile] | None = None
    for column, p in ch.free():
        h = ch.h(column, "status")
        dropdown = ch.dropdowns.get(column, ())
        if p.filled and (p.date_share >= 0.5 or p.avg_length > 40):
            continue
        if h >= 0.5:
            score = 1.0 + h + p.status_share + (0.3 if dropdown else 0.0)
        elif (
            p.filled >= 3
            and p.categorical
            and p.status_share >= 0.8
            and p.distinct >= 2
            and not ch.guesses[column]
        ):
            score = 0.5 + p.status_share
        else:
            continue
        if best is None or score > best[0]:
            best = (score, column, h, p)
    if best is None:
        return
    _, column, h, p = best
    if p.filled:
        values = f"{p.distinct} different words, {round(p.status_share * 100)} % of them understood"
    else:
        values = "empty, for you to fill"
    reason = f"{_header_words(ch.headers[column], 'status', h)}; {values}"
    ch.take("status", column, 0.35 + 0.35 * h + 0.3 * (p.status_share if p.filled else 0.5), reason)


def _choose_owner(ch: _Chooser) -> None:
    if not ch.wants("owner"):
        return
    request = ch.choices.get("request")
    best: tuple[float, int, float, ColumnProfile] | None = None
    for column, p in ch.free():
        h = ch.h(column, "owner")
        if p.filled and (p.date_share >= 0.5 or p.avg_length > 60 or p.code_share >= 0.8):
            continue
        if h >= 0.4 and not ch.named_otherwise(column, "owner"):
            score = 1.0 + h + p.name_share
        elif (
            request is not None
            and column > request.column
            and p.filled >= 3
            and p.person_share >= 0.8
            and p.unique <= 0.7
            and p.status_share < 0.2
            and not ch.guesses[column]
        ):
            score = 0.5 + p.person_share
        else:
            continue
        if best is None or score > best[0]:
            best = (score, column, h, p)
    if best is None:
        return
    _, column, h, p = best
    values = f"names in {_share(p.name_share)}" if p.filled else "empty, for you to fill"
    reason = f"{_header_words(ch.headers[column], 'owner', h)}; {values}"
    ch.take("owner", column, 0.3 + 0.4 * h + 0.3 * (p.name_share if p.filled else 0.5), reason)


def _choose_criteria(ch: _Chooser) -> None:
    if not ch.wants("criteria"):
        return
    best: tuple[float, int, float, ColumnProfile, str] | None = None
    for column, p in ch.free():
        h = ch.h(column, "criteria")
        codes = max(p.list_share, p.code_share) if p.filled else 0.0
        if h >= 0.5 and (not p.filled or (codes >= 0.5 and (p.avg_length <= 80 or p.list_share >= 0.3))):
            score, why = 1.5 + h + codes, "control references"
        elif ch.named_otherwise(column, "criteria"):
            continue
        elif p.filled >= 2 and p.list_share >= 0.3 and p.list_share + p.code_share >= 0.8:
            score, why = 1.0 + p.list_share, "lists of control IDs"
        elif p.filled >= 2 and p.is_code and p.unique < 0.9 and p.fill >= 0.5 and p.integer_share < 0.8:
            score, why = 0.8 + p.fill, f"codes that repeat ({p.distinct} different), a grouping"
        else:
            continue
        if best is None or score > best[0]:
            best = (score, column, h, p, why)
    if best is None:
        return
    _, column, h, p, why = best
    reason = f"{_header_words(ch.headers[column], 'criteria', h)}; {why}"
    ch.take("criteria", column, 0.35 + 0.35 * h + 0.3 * min(1.0, p.fill / 0.5), reason)


def _choose_section(ch: _Chooser) -> None:
    if not ch.wants("section"):
        return
    request = ch.choices.get("request")
    best: tuple[float, int, float, ColumnProfile] | None = None
    for column, p in ch.free():
        h = ch.h(column, "section")
        longest = 300 if h >= 0.8 else 120
        codes = p.code_share >= 0.8 and h < 0.8
        if p.filled and (codes or p.date_share >= 0.5 or p.avg_length > longest):
            continue
        grouping = p.unique < 0.9 or p.fill < 0.9
        named = h >= 0.8 or (h >= 0.5 and (not p.filled or grouping))
        if named and not ch.named_otherwise(column, "section"):
            score = 1.0 + h + (0.5 if grouping else 0.0)
        elif (
            request is not None
            and column < request.column
            and p.filled >= 4
            and p.categorical
            and p.status_share < 0.3
            and not _priority_like(p, ch)
            and not ch.guesses[column]
        ):
            score = 0.6 + p.fill
        else:
            continue
        if best is None or score > best[0]:
            best = (score, column, h, p)
    if best is None:
        return
    _, column, h, p = best
    reason = f"{_header_words(ch.headers[column], 'section', h)}; {p.distinct} groups"
    ch.take("section", column, 0.35 + 0.4 * h + 0.25 * min(1.0, p.fill), reason)


def _priority_like(p: ColumnProfile, ch: _Chooser) -> bool:
    return p.avg_length <= 12 and p.distinct <= 6 and ch.h(p.index, "priority") > 0


def _choose_simple(ch: _Chooser, field: str, *, max_length: float) -> None:
    if not ch.wants(field):
        return
    best: tuple[float, int, float, ColumnProfile] | None = None
    for column, p in ch.free():
        h = ch.h(column, field)
        if h < 0.5 or (p.filled and (p.avg_length > max_length or p.date_share >= 0.5)):
            continue
        if best is None or h > best[0]:
            best = (h, column, h, p)
    if best is None:
        return
    _, column, h, p = best
    ch.take(field, column, 0.4 + 0.5 * h, _header_words(ch.headers[column], field, h))


def _choose_answer(ch: _Chooser, field: str) -> None:
    """The auditor's own response or evidence column: named so, mostly empty, free text (no dropdown)."""
    if not ch.wants(field):
        return
    best: tuple[float, int, float, ColumnProfile] | None = None
    for column, p in ch.free():
        h = ch.h(column, field)
        # Mostly empty: where answers go; a column the auditor filled (`Correct Answer: Yes`) is theirs.
        if h < 0.6 or p.fill > (0.6 if h >= 0.9 else 0.3) or column in ch.dropdowns or p.formula_share >= 0.3:
            continue
        if best is None or h > best[0]:
            best = (h, column, h, p)
    if best is None:
        return
    _, column, h, p = best
    reason = f"{_header_words(ch.headers[column], field, h)}; empty in {_share(1 - p.fill)}, for our answers"
    ch.take(field, column, 0.4 + 0.5 * h, reason)


def is_priority_word(text: str) -> bool:
    return text.strip().casefold() in _PRIORITY_WORDS
