"""Layout judgements on a grid: which sheet holds the requests, and what a row below the header looks like."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence, Set
from dataclasses import dataclass

from workbook.formats.checklist.header import HeaderCandidate, header_candidates
from workbook.formats.checklist.profile import profile_columns
from workbook.formats.checklist.synonyms import guess_fields, normalise_header
from workbook.formats.sheets.cells import clean_text, to_text
from workbook.formats.sheets.grid import SheetEntry, SheetGrid

_SKIP_NAMES = re.compile(
    r"\b(instructions?|read ?me|about|guide|help|how to|dashboard|summary|overview|charts?|lookups?|"
    r"drop ?downs?|licen[cs]e|legend|cover|change ?log|version history|revision history|introduction|intro|"
    r"contents|toc|settings|config|definitions|glossary|key|notes|benchmark|scorecard|score ?card|scoring|"
    r"retired|deprecated|withdrawn|removed|archive|archived|history|results?|findings|statistics|stats|"
    r"anleitung|hinweise|instrucciones|instructions|istruzioni|handleiding|uebersicht|resumen|resumo|"
    r"sommaire|riepilogo|samenvatting|概要|説明|要約|요약|설명|가이드)\b"
)
_LOOKUP_NAMES = re.compile(
    r"^(lists?|values|data ?validation|validation|ref ?data|reference data|hidden|sheet\d*_?helper|"
    r"listen|listas|valeurs|valores|valori|waarden)$"
)
_GOOD_NAMES = re.compile(
    r"\b(pbc|requests?|irl|erl|evidence|checklist|controls?|matrix|tracker|soc ?2|list|questionnaire|"
    r"questions?|rcm|demandes|anforderungen|checkliste|solicitudes|solicitacoes|richieste|verzoeken)\b"
)
_READ_ONLY_TEXT = re.compile(
    r"(cannot be (made|changed|edited)|do not (edit|change|modify|type)|read[- ]only|for reference only|"
    r"calculated automatically|auto-?calculated|ne pas modifier|nicht (bearbeiten|ändern)|no modificar)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SheetRank:
    """How much a sheet looks like a request list, and why, in plain words."""

    name: str
    index: int
    score: float
    hidden: bool
    rows: int
    columns: int
    header_row: int | None
    reason: str
    # The normalised header names, to find other sheets holding the same list.
    header_key: tuple[str, ...] = ()


def rank_sheet(entry: SheetEntry, grid: SheetGrid | None) -> SheetRank:
    """Score one sheet by how request-like its rows are (codes, long text), below its name and visibility."""
    name = entry.name.strip().lower()
    reasons: list[str] = []
    score = 0.0
    if entry.kind != "worksheet":
        return SheetRank(entry.name, entry.index, -100.0, entry.hidden, 0, 0, None, "a chart, not a table")
    if entry.hidden:
        score -= 25
        reasons.append("hidden")
    if _LOOKUP_NAMES.match(name):
        score -= 12
        reasons.append("its name says it holds dropdown lists")
    elif _SKIP_NAMES.search(name) and not _GOOD_NAMES.search(name):
        score -= 12
        reasons.append("its name says instructions, a summary or retired items")
    elif _GOOD_NAMES.search(name):
        score += 3
        reasons.append("its name suggests requests")
    rows = columns = 0
    header_row: int | None = None
    header_key: tuple[str, ...] = ()
    if grid is not None:
        rows = sum(1 for r in grid.rows if r)
        columns = grid.width
        candidates = header_candidates(grid)
        if candidates:
            best = candidates[0]
            header_row = best.row
            header_key = tuple(normalise_header(h) for h in best.headers)
            filled = [sum(1 for v in r if v not in (None, "")) for r in grid.rows[best.row :]]
            several = sum(1 for n in filled if n >= 2)
            # A form-like list fills one cell a row: then those rows are its body.
            least = 2 if several >= sum(1 for n in filled if n == 1) else 1
            body = [r for r, n in zip(grid.rows[best.row :], filled, strict=True) if n >= least]
            profiles = profile_columns(body, max(grid.width, len(best.headers)))
            named = {f for h in best.headers for f, c in guess_fields(h).items() if c >= 0.6}
            codes = [p for p in profiles if p.is_code and p.fill >= 0.6 and p.unique >= 0.9]
            texts = [p for p in profiles if p.is_free_text and p.fill >= 0.5 and p.avg_length >= 25]
            score += min(best.score, 30.0) * 0.5 + 2.0 * math.log2(1 + len(body)) + 1.5 * len(named)
            said = [f"header at row {best.row}", f"{len(body)} rows below"]
            if codes:
                score += 8
                said.append("a column of unique codes")
            if texts:
                score += 8
                said.append("a column of request text")
            if not body:
                score -= 15
            reasons.append(", ".join(said))
            formulas = grid.formula_count(best.row + 1)
            cells = sum(1 for r in body for v in r if v not in (None, ""))
            if cells and formulas >= 0.4 * cells:
                score -= 20
                reasons.append("its cells are formulas copying other sheets")
        else:
            score -= 15
            reasons.append("no table found")
        if columns < 2:
            score -= 10
        if _says_read_only(grid):
            score -= 15
            reasons.append("it says it must not be edited")
    score -= 0.5 * entry.index
    return SheetRank(
        entry.name,
        entry.index,
        round(score, 2),
        entry.hidden,
        rows,
        columns,
        header_row,
        "; ".join(reasons),
        header_key,
    )


def _says_read_only(grid: SheetGrid) -> bool:
    for row in grid.rows[:12]:
        for value in row:
            if isinstance(value, str) and len(value) < 300 and _READ_ONLY_TEXT.search(value):
                return True
    return False


def rank_sheets(ranks: Sequence[SheetRank]) -> tuple[SheetRank, ...]:
    """Best candidate first; ties keep workbook order."""
    return tuple(sorted(ranks, key=lambda r: (-r.score, r.index)))


def same_list(best: SheetRank, other: SheetRank) -> bool:
    """Another visible sheet with the same columns as the best: one list spread over chapter sheets."""
    if other.name == best.name or other.hidden or not best.header_key or other.header_row is None:
        return False
    if other.score < best.score - 30 or other.rows < 2:
        return False
    mine = [h for h in best.header_key if h]
    theirs = set(h for h in other.header_key if h)
    if len(mine) < 2:
        return False
    shared = sum(1 for h in mine if h in theirs)
    return shared >= max(2, 0.8 * len(mine)) and shared >= 0.8 * len(theirs)


_PLACEHOLDER = re.compile(r"^\s*(\[[^\]]{1,80}\]|<[^>]{1,60}>|\{[^}]{1,60}\})\s*$")
_EXAMPLE = re.compile(
    r"^\s*(e\.g\.|eg[:.]|example\b|for example\b|z\.b\.|p\.ex\.|por ejemplo|ad es\.|xx+\b|tbd\s*$|"
    r"insert\b|enter\b|type here|your text|[a-z]{1,8}-0*x{1,3}\d*$)",
    re.IGNORECASE,
)
_EXAMPLE_REF = re.compile(
    r"^\s*(ex|example|e\.g\.?|exemple|beispiel|ejemplo|exemplo|esempio|voorbeeld)[-_ .#]*\d*\s*$",
    re.IGNORECASE,
)


def is_placeholder(text: str) -> bool:
    """`[Insert request]`, `<owner>`, `e.g. ...`, `Example: ...`, `PBC-00X`: template text, not a request."""
    return bool(text) and (bool(_PLACEHOLDER.match(text)) or bool(_EXAMPLE.match(text)))


def is_bracketed(text: str) -> bool:
    """Text that is only a bracketed prompt (`[Describe the request]`, `<owner>`)."""
    return (
        bool(text)
        and bool(_PLACEHOLDER.match(text))
        and not text.strip("[]<>{} ").upper().startswith(("WITHDRAWN", "DELETED", "RESERVED"))
    )


def is_example_ref(text: str) -> bool:
    """A ref that names a worked example: `EX-1`, `Example 2`, `e.g.`."""
    return bool(text) and bool(_EXAMPLE_REF.match(text))


_ROUGH = re.compile(r"[\W_]+")


def _rough(text: str) -> str:
    return _ROUGH.sub("", text.casefold())


def is_repeated_header(texts: Sequence[str], header: HeaderCandidate) -> bool:
    """A row repeating the header (printed lists repeat it on every page, questionnaires on every section)."""
    rough = {_rough(h) for h in header.headers if h}
    if sum(1 for t in texts if t and _rough(t) in rough) < 2:
        return False  # the cheap test spares the full comparison on ordinary rows
    pairs = [
        (normalise_header(t), normalise_header(h)) for t, h in zip(texts, header.headers, strict=False) if h
    ]
    if not pairs:
        return False
    same = sum(1 for a, b in pairs if a and a == b)
    return same >= max(2, 0.6 * len(pairs))


def row_texts(values: Sequence[object]) -> list[str]:
    return [clean_text(to_text(v)) if v is not None else "" for v in values]  # type: ignore[arg-type]


SAMPLE_LEAD = 3


def sample_rows(shaded: Set[int], data_rows: Sequence[int], lead: int = SAMPLE_LEAD) -> frozenset[int]:
    """Grey/italic rows opening the list (at most `lead`) look like samples; banding does not.

    `shaded`: rows whose every filled cell is grey or italic; `data_rows`: non-blank rows below the header.
    Looking like a sample is not enough to skip a row: it must also hold template text (see `is_placeholder`).
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
