"""Find a checklist's header row and map its columns to request fields by header synonyms."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeGuard

from workbook.formats.sheets.cells import CellValue, clean_text, to_text
from workbook.formats.sheets.grid import CellRange, SheetGrid

HEADER_SCAN_ROWS = 40

_TOKEN_ALIASES = {
    "number": "#",
    "no": "#",
    "num": "#",
    "nbr": "#",
    "nr": "#",
    "ids": "id",
    "comments": "comment",
    "notes": "note",
    "remarks": "remark",
    "reference": "ref",
    "references": "refs",
    "desc": "description",
    "descr": "description",
    "dates": "date",
    "owners": "owner",
    "requests": "request",
    "items": "item",
    "details": "detail",
    "controls": "control",
    "criterion": "criteria",
    "soc2": "soc 2",
}

# field → {normalised synonym: confidence}; anything not listed may still match by containment at 70%.
SYNONYMS: dict[str, dict[str, float]] = {
    "ref": {
        **dict.fromkeys(
            (
                "request id",
                "request #",
                "request ref",
                "pbc #",
                "pbc id",
                "pbc ref",
                "pbc",
                "evidence id",
                "evidence #",
                "evidence ref",
                "item #",
                "item id",
                "ref",
                "ref #",
                "ref id",
                "irl #",
                "irl id",
                "irl ref",
                "req #",
                "req id",
                "requirement id",
                "requirement #",
                "ticket #",
                "ticket id",
                "test id",
                "test #",
                "question id",
                "question #",
                "request item #",
                "document request #",
                "pbc item #",
                "pbc request #",
                "tracking #",
                "tracking id",
                "unique id",
            ),
            1.0,
        ),
        **dict.fromkeys(
            ("control id", "control #", "control ref", "control identifier", "control code", "identifier"),
            0.85,
        ),
        **dict.fromkeys(("id", "#", "s #", "sl #", "sr #", "item", "key", "line #", "code"), 0.7),
    },
    "title": {
        **dict.fromkeys(
            (
                "title",
                "request title",
                "name",
                "control name",
                "control title",
                "short description",
                "subject",
                "summary",
                "requested item",
                "document name",
                "evidence name",
                "evidence title",
                "item name",
                "request name",
                "control objective",
            ),
            0.9,
        ),
        **dict.fromkeys(("recommendation", "document", "control", "objective", "topic name"), 0.6),
    },
    "request": {
        **dict.fromkeys(
            (
                "request",
                "request description",
                "description",
                "request detail",
                "detail",
                "evidence requested",
                "information requested",
                "requested information",
                "documents requested",
                "document request",
                "requested evidence",
                "requested documentation",
                "item description",
                "request text",
                "requirement",
                "requirement description",
                "control description",
                "control text",
                "control activity",
                "control activity description",
                "evidence description",
                "evidence required",
                "required evidence",
                "pbc description",
                "pbc request",
                "question",
                "documentation requested",
                "evidence request",
                "what is needed",
                "request detail description",
                "information request",
            ),
            0.95,
        ),
        **dict.fromkeys(("test procedure", "assessment objective", "ask", "security principle"), 0.6),
    },
    "criteria": {
        **dict.fromkeys(
            (
                "criteria",
                "tsc",
                "tsc ref",
                "tsc refs",
                "tsc #",
                "tsc id",
                "tsc criteria",
                "trust services criteria",
                "trust service criteria",
                "tsc mapping",
                "criteria mapping",
                "mapped criteria",
                "related criteria",
                "criteria ref",
                "soc 2 criteria",
                "soc 2 ref",
                "coso principle",
                "common criteria",
                "cc ref",
                "tsc reference",
                "applicable criteria",
                "criteria refs",
                "tsc criteria ref",
            ),
            0.95,
        ),
        **dict.fromkeys(("control mapping", "framework ref", "framework mapping", "coso", "cc"), 0.8),
        # Crosswalks name the framework whose control IDs they list (`NIST SP 800-53, Revision 5 Control`).
        **dict.fromkeys(
            (
                "revision 5 control",
                "rev 5 control",
                "800 53 control",
                "27001 control",
                "iso control",
                "nist control",
                "mapped control",
                "csf control",
            ),
            0.8,
        ),
        **dict.fromkeys(("mapping", "related control", "refs", "related ref", "requirement ref"), 0.6),
    },
    "section": {
        **dict.fromkeys(
            (
                "section",
                "category",
                "domain",
                "control domain",
                "area",
                "family",
                "control family",
                "process",
                "group",
                "module",
                "control area",
                "control category",
                "process area",
                "workstream",
                "business process",
                "audit area",
                "section name",
                "category name",
                "request category",
            ),
            0.9,
        ),
        **dict.fromkeys(("function", "cycle", "topic", "type", "request type", "theme"), 0.7),
    },
    "owner": {
        **dict.fromkeys(
            (
                "owner",
                "assigned to",
                "assignee",
                "responsible",
                "responsible party",
                "responsible person",
                "person responsible",
                "client owner",
                "client contact",
                "point of contact",
                "poc",
                "provided by",
                "control owner",
                "process owner",
                "owner name",
                "assigned",
                "client poc",
                "responsibility",
                "request owner",
                "evidence owner",
                "client responsible",
                "accountable",
            ),
            0.95,
        ),
        **dict.fromkeys(("contact", "resource", "preparer", "team"), 0.6),
    },
    "due": {
        **dict.fromkeys(
            (
                "due",
                "due date",
                "due on",
                "due by",
                "deadline",
                "target date",
                "date due",
                "needed by",
                "required by",
                "requested by date",
                "expected date",
                "target completion date",
                "date needed",
                "date required",
                "response due",
                "due dt",
            ),
            0.95,
        ),
        **dict.fromkeys(("completion date", "target", "eta", "date"), 0.5),
    },
    "status": {
        **dict.fromkeys(
            (
                "status",
                "request status",
                "client status",
                "pbc status",
                "state",
                "progress",
                "current status",
                "item status",
                "evidence status",
                "completion status",
                "response status",
                "auditor status",
            ),
            0.95,
        ),
    },
    "priority": {
        **dict.fromkeys(("priority", "importance", "criticality", "urgency", "request priority"), 0.95),
        **dict.fromkeys(("risk", "risk rating", "severity", "tier", "rating"), 0.6),
    },
    "comment": {
        **dict.fromkeys(
            (
                "comment",
                "auditor comment",
                "auditor note",
                "remark",
                "feedback",
                "auditor feedback",
                "review comment",
                "reviewer comment",
                "auditor remark",
                "follow up comment",
                "auditor response",
                "audit comment",
                "auditor question",
                "ey comment",
                "kpmg comment",
                "pwc comment",
                "deloitte comment",
            ),
            0.9,
        ),
        **dict.fromkeys(("note", "follow up", "additional information", "additional info"), 0.6),
    },
}

_SYNONYM_INDEX: dict[str, list[tuple[str, float]]] = {}
for _field, _names in SYNONYMS.items():
    for _name, _conf in _names.items():
        _SYNONYM_INDEX.setdefault(_name, []).append((_field, _conf))


@dataclass(frozen=True)
class FieldGuess:
    field: str
    confidence: float


@dataclass(frozen=True)
class HeaderCandidate:
    """A row that may hold the headers; `first_row` < `row` when a group band sits above it."""

    row: int
    first_row: int
    score: float
    headers: tuple[str, ...]


def normalise_header(text: str) -> str:
    """Header text as compared: NFKC, NBSP/line breaks to spaces, lower case, aliases, no trailing colons."""
    text = unicodedata.normalize("NFKC", clean_text(text)).lower()
    text = re.sub(r"['’`]s\b", "", text)
    tokens = re.findall(r"[a-z0-9]+|#", text)
    out: list[str] = []
    for token in tokens:
        out.extend(_TOKEN_ALIASES.get(token, token).split())
    return " ".join(out)


def header_signature(headers: Sequence[str]) -> str:
    """Stable hash of the normalised non-empty header names in column order, for mapping profiles."""
    names = [normalise_header(h) for h in headers]
    while names and not names[-1]:
        names.pop()
    return hashlib.sha256("\x1f".join(names).encode("utf-8")).hexdigest()[:16]


def guess_field(header: str) -> FieldGuess | None:
    """The field a header most likely names: exact synonym first, else the longest synonym it contains."""
    key = normalise_header(header)
    if not key:
        return None
    exact = _SYNONYM_INDEX.get(key)
    if exact:
        field, conf = max(exact, key=lambda fc: fc[1])
        return FieldGuess(field, conf)
    tokens = key.split()
    if len(tokens) > 10 or any(t.startswith("http") for t in tokens):
        return None
    best: tuple[int, float, int, str] | None = None
    for name, guesses in _SYNONYM_INDEX.items():
        parts = name.split()
        if len(parts) > len(tokens) or (
            len(parts) == 1 and parts[0] in ("#", "id", "s", "item", "key", "code")
        ):
            continue
        at = _position(tokens, parts)
        if at is not None:
            head = 1 if at + len(parts) == _head_end(tokens) else 0
            for field, conf in guesses:
                candidate = (len(parts), conf * 0.7, head, field)
                if best is None or candidate[:3] > best[:3]:
                    best = candidate
    if best is None:
        return None
    return FieldGuess(best[3], round(best[1], 3))


def _head_end(tokens: list[str]) -> int:
    """Where a noun phrase's head ends: before `of`/`for`/`by` (`Status of request`), else at the end."""
    for i, token in enumerate(tokens):
        if i and token in ("of", "for", "by", "from"):
            return i
    return len(tokens)


def _position(tokens: list[str], parts: list[str]) -> int | None:
    n = len(parts)
    for i in range(len(tokens) - n + 1):
        if tokens[i : i + n] == parts:
            return i
    return None


def _row_texts(grid: SheetGrid, row: int) -> list[str]:
    if row < 1 or row > len(grid.rows):
        return []
    return [clean_text(to_text(v)) for v in grid.rows[row - 1]]


_NUMBERISH = re.compile(r"^[-+]?[\d.,/%:\s]+$")


def _is_texty(value: CellValue) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip()) and not _NUMBERISH.match(value.strip())


def header_candidates(grid: SheetGrid, scan_rows: int = HEADER_SCAN_ROWS) -> tuple[HeaderCandidate, ...]:
    """Score each of the first rows as a header row; best first."""
    limit = min(scan_rows, len(grid.rows))
    widths = [sum(1 for v in grid.rows[i] if _is_texty(v)) for i in range(limit)]
    widest = max(widths, default=0)
    candidates: list[HeaderCandidate] = []
    for row in range(1, limit + 1):
        values = grid.rows[row - 1]
        filled = [v for v in values if v is not None and to_text(v).strip()]
        texts = [clean_text(v) for v in values if _is_texty(v)]
        if len(filled) < 2 and not (widest <= 1 and len(filled) == 1):
            continue
        fields = {g.field for t in texts if (g := guess_field(t)) is not None and g.confidence >= 0.6}
        long_cells = sum(1 for t in texts if len(t) > 60)
        id_cells = sum(1 for t in texts if _ID_LIKE.match(t.strip()))
        non_text = len(filled) - len(texts)
        score = min(len(texts), 8) + 3.0 * len(fields) - 2.0 * non_text - 1.5 * long_cells - 3.0 * id_cells
        if "ref" in fields:
            score += 2.0
        if widest and len(texts) >= 0.6 * widest and all(w < 0.6 * widest for w in widths[: row - 1]):
            score += 2.0
        score += 3.0 * _data_below(grid, row, values)
        if len(set(t.lower() for t in texts)) < len(texts):
            score -= 1.0
        score -= 0.05 * row
        candidates.append(
            HeaderCandidate(row, row, round(score, 3), tuple(clean_text(to_text(v)) for v in values))
        )
    candidates.sort(key=lambda c: (-c.score, c.row))
    return tuple(_with_band(grid, c) for c in candidates)


def _data_below(grid: SheetGrid, row: int, header: tuple[CellValue, ...]) -> float:
    """Share of the next non-blank rows whose filled cells sit under this row's filled columns."""
    columns = {i for i, v in enumerate(header) if v is not None and to_text(v).strip()}
    for m in grid.merged:
        if m.min_row <= row <= m.max_row and m.min_col - 1 in columns:
            columns.update(range(m.min_col - 1, m.max_col))
    seen = fitting = 0
    for below in grid.rows[row : row + 15]:
        filled = [i for i, v in enumerate(below) if v is not None and to_text(v).strip()]
        if not filled:
            continue
        seen += 1
        if len(filled) >= 2 and sum(1 for i in filled if i in columns) >= 0.8 * len(filled):
            fitting += 1
    return fitting / seen if seen else 0.0


def _with_band(grid: SheetGrid, candidate: HeaderCandidate) -> HeaderCandidate:
    """Extend a header to two rows when merged cells show a group band above it (or below it)."""
    row = candidate.row
    if _is_band(grid, row - 1, row):
        return _combined(grid, row - 1, row, candidate.score)
    if _is_band(grid, row, row + 1) and _looks_like_subheader(grid, row + 1):
        return _combined(grid, row, row + 1, candidate.score)
    return candidate


def _is_band(grid: SheetGrid, band: int, sub: int) -> bool:
    """Merged group labels over sub-headers; a title merged across the whole width is not a band."""
    if band < 1 or sub > len(grid.rows):
        return False
    width = max(len(grid.rows[band - 1]), len(grid.rows[sub - 1]))
    horizontal = [m for m in grid.merged if m.min_row == band and m.max_row == band and m.max_col > m.min_col]
    vertical = [m for m in grid.merged if m.min_row == band and m.max_row == sub]
    if not horizontal:
        return False
    for m in horizontal:
        text = clean_text(to_text(grid.value(m.min_row, m.min_col)))
        if len(text) > 60 or (m.max_col - m.min_col + 1 >= max(width - 1, 2) and len(horizontal) == 1):
            return False
    subs = _row_texts(grid, sub)
    under = any(
        any(subs[c - 1] for c in range(m.min_col, m.max_col + 1) if c <= len(subs)) for m in horizontal
    )
    return under or bool(vertical)


def _looks_like_subheader(grid: SheetGrid, row: int) -> bool:
    values = grid.rows[row - 1] if row <= len(grid.rows) else ()
    short = [v for v in values if _is_texty(v) and len(v) <= 60]
    return len(short) >= 2


def _merge_at(grid: SheetGrid, row: int, col: int) -> CellRange | None:
    for m in grid.merged:
        if m.min_row <= row <= m.max_row and m.min_col <= col <= m.max_col:
            return m
    return None


def _combined(grid: SheetGrid, band: int, sub: int, score: float) -> HeaderCandidate:
    """Each column is named by its sub-header as written; the band label is added only to tell twins apart."""
    width = max(len(grid.rows[band - 1]), len(grid.rows[sub - 1]) if sub <= len(grid.rows) else 0)
    plain: list[str] = []
    banded: list[str] = []
    for col in range(1, width + 1):
        merge = _merge_at(grid, band, col)
        band_text = clean_text(
            to_text(grid.value(merge.min_row, merge.min_col) if merge else grid.value(band, col))
        )
        sub_text = clean_text(to_text(grid.value(sub, col)))
        if merge is not None and merge.max_row >= sub:
            plain.append(band_text)
            banded.append(band_text)
        elif band_text and sub_text and merge is not None and merge.max_col > merge.min_col:
            plain.append(sub_text)
            banded.append(f"{band_text} {sub_text}")
        else:
            plain.append(sub_text or band_text)
            banded.append(sub_text or band_text)
    counts: dict[str, int] = {}
    for name in plain:
        key = normalise_header(name)
        counts[key] = counts.get(key, 0) + 1
    headers = [
        banded[i] if name and counts[normalise_header(name)] > 1 else name for i, name in enumerate(plain)
    ]
    return HeaderCandidate(sub, band, score, tuple(headers))


def header_at(grid: SheetGrid, row: int) -> HeaderCandidate:
    """The header a caller chose by row number (band above included when merges show one)."""
    values = grid.rows[row - 1] if 0 < row <= len(grid.rows) else ()
    return _with_band(grid, HeaderCandidate(row, row, 0.0, tuple(clean_text(to_text(v)) for v in values)))


def map_columns(headers: Sequence[str], samples: Sequence[Sequence[str]] = ()) -> dict[int, FieldGuess]:
    """Assign fields to columns (0-based), each field to at most one column, most confident first.

    `samples` are the first data rows as text; they only break ties and find a ref column with no header.
    """
    scored: list[tuple[float, int, str]] = []
    for col, header in enumerate(headers):
        guess = guess_field(header)
        if guess is None:
            continue
        conf = guess.confidence
        column_values = [row[col] for row in samples if col < len(row) and row[col]]
        if guess.field == "ref" and column_values and _average_length(column_values) > 40:
            conf *= 0.5
        scored.append((conf, -col, guess.field))
    scored.sort(reverse=True)
    mapping: dict[int, FieldGuess] = {}
    used: set[str] = set()
    for conf, neg_col, field in scored:
        col = -neg_col
        if field in used or col in mapping:
            continue
        mapping[col] = FieldGuess(field, round(conf, 3))
        used.add(field)
    if "ref" not in used and samples:
        weak = {c for c, g in mapping.items() if g.confidence < 0.7}
        col_ref = _id_like_column(headers, samples, set(mapping) - weak)
        if col_ref is not None:
            displaced = mapping.get(col_ref)
            mapping[col_ref] = FieldGuess("ref", 0.5)
            if displaced is not None:
                # The field that column had goes to its next-best column (both headers said "controls").
                used.discard(displaced.field)
                for conf, neg_col, field in scored:
                    if field == displaced.field and -neg_col not in mapping:
                        mapping[-neg_col] = FieldGuess(field, round(conf, 3))
                        used.add(field)
                        break
        else:
            col_ref = _prefixed_id_column(samples, set(mapping))
            if col_ref is not None:
                mapping[col_ref] = FieldGuess("ref", 0.5)
    ref_col = next((c for c, g in mapping.items() if g.field == "ref"), None)
    if ref_col is not None and "title" not in {g.field for g in mapping.values()} and samples:
        # `Control | (no header: the ref's header cell is merged over it)` holds the names.
        beside = ref_col + 1
        values = [row[beside] for row in samples if beside < len(row) and row[beside]]
        if (
            beside not in mapping
            and not (headers[beside] if beside < len(headers) else "")
            and len(values) >= 2
            and not any(_ID_LIKE.match(v) for v in values)
            and _average_length(values) <= 100
        ):
            mapping[beside] = FieldGuess("title", 0.5)
    if "criteria" not in used and samples:
        col_list = _id_list_column(headers, samples, mapping)
        if col_list is not None:
            mapping[col_list] = FieldGuess("criteria", 0.6)
    return mapping


PREFIXED_ID = re.compile(r"^([A-Z][A-Za-z0-9]*(?:[.\-_][A-Za-z0-9()\[\]]+)+):\s+(\S.*)$", re.DOTALL)


def prefixed_id_share(values: Sequence[str]) -> float:
    """Share of values written `ID: text` (`GV.OC-01: The organization...`), the ref inside the text."""
    filled = [v for v in values if v]
    if not filled:
        return 0.0
    return sum(1 for v in filled if PREFIXED_ID.match(v)) / len(filled)


def _prefixed_id_column(samples: Sequence[Sequence[str]], taken: set[int]) -> int | None:
    width = max((len(r) for r in samples), default=0)
    for col in range(width):
        values = [row[col] for row in samples if col < len(row) and row[col]]
        if col not in taken and len(values) >= 2 and prefixed_id_share(values) >= 0.8:
            return col
    return None


_LIST_ITEM = re.compile(r"^[A-Z]{0,4}[.\-]?\d+(?:[.\-]\d+)*(?:\(\w+\))?\*?$")
_LIST_SEPARATORS = re.compile(r"\s*[,;\n]\s*")
_LIST_HEADER_WORDS = frozenset(("control", "mapping", "ref", "refs", "criteria", "requirement"))


def is_id_list(text: str) -> bool:
    """`CM-8, PM-5` / `A.9.2.1, A.9.2.2` / `CC6.1` — control IDs and nothing else."""
    items = [item for item in _LIST_SEPARATORS.split(text.strip()) if item]
    return bool(items) and all(_LIST_ITEM.match(item) for item in items)


def _id_list_column(
    headers: Sequence[str], samples: Sequence[Sequence[str]], mapping: dict[int, FieldGuess]
) -> int | None:
    """A column of control-ID lists: a weak title/request guess, or an unmapped column named for controls."""
    for col, header in enumerate(headers):
        guess = mapping.get(col)
        weak_text = guess is not None and guess.field in ("title", "request") and guess.confidence < 0.7
        named = guess is None and bool(_LIST_HEADER_WORDS & set(normalise_header(header).split()))
        if not (weak_text or named):
            continue
        values = [row[col] for row in samples if col < len(row) and row[col]]
        lists = sum(1 for v in values if is_id_list(v))
        several = sum(1 for v in values if len(_LIST_SEPARATORS.split(v.strip())) > 1)
        # A ref column holds one ID a row; a criteria column lists several on many rows.
        if len(values) >= 2 and lists >= 0.8 * len(values) and several >= 0.3 * len(values):
            if guess is not None:
                del mapping[col]
            return col
    return None


def _average_length(values: Sequence[str]) -> float:
    return sum(len(v) for v in values) / len(values)


_ID_LIKE = re.compile(r"^[A-Za-z]{0,8}[-_. ]?\d+(?:[.\-_]\d+|\(\w+\)|[A-Za-z])*$")


def _id_like_column(headers: Sequence[str], samples: Sequence[Sequence[str]], taken: set[int]) -> int | None:
    width = max((len(r) for r in samples), default=0)
    for col in range(width):
        if col in taken:
            continue
        values = [row[col] for row in samples if col < len(row) and row[col]]
        if len(values) < max(2, len(samples) // 2):
            continue
        matching = sum(1 for v in values if _ID_LIKE.match(v))
        if matching >= 0.9 * len(values) and len(set(values)) >= 0.9 * len(values):
            return col
    return None
