"""Layout judgements on a grid: which sheet holds the requests, and what each row below the header is."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence, Set
from dataclasses import dataclass

from workbook.formats.checklist.header import HeaderCandidate, header_candidates, normalise_header
from workbook.formats.sheets.grid import SheetEntry, SheetGrid

_SKIP_NAMES = re.compile(
    r"\b(instructions?|read ?me|about|guide|help|how to|dashboard|summary|overview|charts?|lookups?|"
    r"drop ?downs?|licen[cs]e|legend|cover|change ?log|version history|revision history|introduction|intro|"
    r"contents|toc|settings|config|definitions|glossary|key|notes)\b"
)
_LOOKUP_NAMES = re.compile(
    r"^(lists?|values|data ?validation|validation|ref ?data|reference data|hidden|sheet\d*_?helper)$"
)
_GOOD_NAMES = re.compile(r"\b(pbc|requests?|irl|evidence|checklist|controls?|matrix|tracker|soc ?2|list)\b")


@dataclass(frozen=True)
class SheetRank:
    """How much a sheet looks like a request list, and why."""

    name: str
    index: int
    score: float
    hidden: bool
    rows: int
    columns: int
    header_row: int | None
    reason: str


def rank_sheet(entry: SheetEntry, grid: SheetGrid | None) -> SheetRank:
    """Score one sheet from its name, visibility and the shape of its first rows."""
    name = entry.name.strip().lower()
    reasons: list[str] = []
    score = 0.0
    if entry.kind != "worksheet":
        return SheetRank(entry.name, entry.index, -100.0, entry.hidden, 0, 0, None, "a chart, not a table")
    if entry.hidden:
        score -= 20
        reasons.append("hidden")
    if _LOOKUP_NAMES.match(name):
        score -= 8
        reasons.append("looks like a lookup/list sheet")
    elif _SKIP_NAMES.search(name) and not _GOOD_NAMES.search(name):
        score -= 8
        reasons.append("looks like an instructions/notes sheet")
    elif _GOOD_NAMES.search(name):
        score += 2
        reasons.append("name suggests requests")
    rows = columns = 0
    header_row: int | None = None
    if grid is not None:
        candidates = header_candidates(grid)
        rows = sum(1 for r in grid.rows if r)
        columns = grid.width
        if candidates:
            best = candidates[0]
            header_row = best.row
            data_rows = sum(1 for r in grid.rows[best.row :] if sum(1 for v in r if v is not None) >= 2)
            score += min(best.score, 40.0) + 2.0 * math.log2(1 + data_rows)
            reasons.append(f"header at row {best.row}, {data_rows} rows below")
            if data_rows == 0:
                score -= 10
        else:
            score -= 15
            reasons.append("no table found")
        if columns < 2:
            score -= 10
    score -= 0.5 * entry.index
    return SheetRank(
        entry.name, entry.index, round(score, 2), entry.hidden, rows, columns, header_row, "; ".join(reasons)
    )


def rank_sheets(ranks: Sequence[SheetRank]) -> tuple[SheetRank, ...]:
    """Best candidate first; ties keep workbook order."""
    return tuple(sorted(ranks, key=lambda r: (-r.score, r.index)))


_PLACEHOLDER = re.compile(r"^\s*(\[[^\]:]{1,60}\]|<[^>:]{1,60}>|\{[^}:]{1,60}\})\s*$")
_EXAMPLE = re.compile(r"^\s*(e\.g\.|eg[:.]|example\b|sample\b|xx+\b|tbd\s*$)", re.IGNORECASE)


def is_placeholder(text: str) -> bool:
    """`[Insert request]`, `<owner>`, `e.g. ...`, `Example: ...` rows are samples, not requests."""
    return bool(text) and (bool(_PLACEHOLDER.match(text)) or bool(_EXAMPLE.match(text)))


def is_repeated_header(texts: Sequence[str], header: HeaderCandidate) -> bool:
    """A row repeating the header (printed lists repeat it on every page)."""
    pairs = [
        (normalise_header(t), normalise_header(h)) for t, h in zip(texts, header.headers, strict=False) if h
    ]
    if not pairs:
        return False
    same = sum(1 for a, b in pairs if a and a == b)
    return same >= max(2, 0.6 * len(pairs))


_ID_SHAPE = re.compile(r"^\S{1,24}$|^[A-Za-z]{1,10}[-_. ]?\d[\w.()\-]*$")


def looks_like_ref(text: str) -> bool:
    """Short, space-free tokens (`PBC-012`, `3.10`, `AC-2(1)`) rather than sentences."""
    return bool(_ID_SHAPE.match(text.strip()))


SAMPLE_LEAD = 3


def sample_rows(shaded: Set[int], data_rows: Sequence[int], lead: int = SAMPLE_LEAD) -> frozenset[int]:
    """Grey/italic rows opening the list (at most `lead`, plain rows after) are samples; banding is not.

    `shaded`: rows whose every filled cell is grey or italic; `data_rows`: non-blank rows below the header.
    """
    block: list[int] = []
    for row in data_rows:
        if row not in shaded:
            break
        block.append(row)
    rest = data_rows[len(block) :]
    if not block or len(block) > lead or not rest:
        return frozenset()
    # Banding (every other row grey) shades a row again soon after; an all-grey list shades most rows.
    if any(row in shaded for row in rest[: 2 * len(block) + 1]):
        return frozenset()
    if sum(1 for row in rest if row in shaded) > 0.25 * len(rest):
        return frozenset()
    return frozenset(block)
