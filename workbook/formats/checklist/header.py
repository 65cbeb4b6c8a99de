"""Find a checklist's header row: title blocks above it, group bands over it, twins told apart."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeGuard

from workbook.formats.checklist.profile import looks_like_code
from workbook.formats.checklist.synonyms import guess_fields, normalise_header
from workbook.formats.sheets.cells import CellValue, clean_text, to_text
from workbook.formats.sheets.grid import CellRange, SheetGrid

HEADER_SCAN_ROWS = 40


@dataclass(frozen=True)
class HeaderCandidate:
    """A row that may hold the headers; `first_row` < `row` when a group band sits above it."""

    row: int
    first_row: int
    score: float
    headers: tuple[str, ...]


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
        fields = {f for t in texts for f, c in guess_fields(t).items() if c >= 0.6}
        long_cells = sum(1 for t in texts if len(t) > 60)
        id_cells = sum(1 for t in texts if looks_like_code(t.strip()))
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
    banded = [_with_band(grid, c) for c in candidates]
    if banded:
        banded[0] = _leaf(banded[0], banded[1:])
    return tuple(banded)


def _leaf(best: HeaderCandidate, others: list[HeaderCandidate]) -> HeaderCandidate:
    """A header block of several rows is named by its lowest row, the one right above the data.

    When the row below the best candidate scores nearly as well and its band reaches up into the best row,
    that row is the header.
    """
    for other in others:
        if (
            best.row < other.row <= best.row + 2
            and other.first_row <= best.row
            and other.score >= 0.9 * best.score
        ):
            return HeaderCandidate(other.row, min(other.first_row, best.first_row), best.score, other.headers)
    return best


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
