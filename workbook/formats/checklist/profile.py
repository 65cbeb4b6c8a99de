"""What a column's values are, whatever its header says: fill, uniqueness, codes, counters, dates, names."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from workbook.formats.checklist.status_words import map_status_word
from workbook.formats.sheets.cells import CellValue, clean_text, read_date, to_text

# Shape checks (regexes) look at this many values per column; counts and uniqueness see every row.
SHAPE_SAMPLE = 2_000

# `PBC-012`, `CC6.1`, `3.10`, `AC-2(1)`, `SYS.1.2.3.A1`, `WSTG-INFO-01`, `1.d.i`, `V-26681`, a GUID.
_CODE = re.compile(r"^(?=[^\s]*\d)[\w.\-/()\[\]#:+]{1,40}$|^[A-Za-z]{1,12}[ -]\d[\w.\-()]*$")
_INTEGER = re.compile(r"^\d{1,9}$")
_LIST_ITEM = re.compile(r"^[A-Za-z]{0,6}[.\-]?\d+(?:[.\-]\w+)*(?:\(\w+\))?\*?$")
_LIST_SEPARATORS = re.compile(r"\s*[,;\n]\s*")
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_'.\-]*\.?$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True)
class ColumnProfile:
    """One column's values under the header: the facts every data-based judgement is made from."""

    index: int  # 0-based
    rows: int  # rows looked at (the content rows below the header)
    filled: int
    distinct: int
    avg_length: float
    long_share: float  # values over 60 characters
    code_share: float  # short code-like tokens
    integer_share: float
    counter: bool  # 1, 2, 3 … in row order
    date_share: float
    list_share: float  # lists of several control IDs (`CM-8, PM-5`)
    name_share: float  # one to four capitalised words: people, roles, departments
    person_share: float  # two or three words written like a person's name (`Sam Chen`)
    status_share: float  # values our status words understand
    formula_share: float
    top_share: float  # the commonest value's share of the filled cells

    @property
    def fill(self) -> float:
        return self.filled / self.rows if self.rows else 0.0

    @property
    def unique(self) -> float:
        return self.distinct / self.filled if self.filled else 0.0

    @property
    def duplicates(self) -> int:
        return self.filled - self.distinct

    @property
    def is_code(self) -> bool:
        return self.code_like(0.8)

    def code_like(self, share: float) -> bool:
        """Short codes in at least `share` of the cells that say something, not lists of them."""
        return (
            self.filled > 0 and self.code_share >= share and self.avg_length <= 40 and self.list_share < 0.3
        )

    @property
    def is_free_text(self) -> bool:
        return self.filled > 0 and self.code_share < 0.5 and self.date_share < 0.5 and self.avg_length >= 12

    @property
    def categorical(self) -> bool:
        """Few values, repeated: a grouping, a status, a level."""
        return self.filled >= 4 and self.distinct <= max(3, 0.35 * self.filled) and self.avg_length <= 60


def looks_like_code(text: str) -> bool:
    return bool(_CODE.match(text)) and read_date(text).date is None


_NONE_LIKE = frozenset({"none", "n/a", "na", "-", "--", "---", "—", "not applicable", "nil", "null", "tbd"})


def is_none_like(text: str) -> bool:
    """`None.`, `N/A`, `---`: a cell saying there is nothing, as lists of references often do."""
    return text.strip().rstrip(".").strip().casefold() in _NONE_LIKE


def is_id_list(text: str) -> bool:
    """`CM-8, PM-5` / `A.9.2.1, A.9.2.2` / `CC6.1` — control IDs and nothing else."""
    items = [
        item.rstrip(" .") for item in _LIST_SEPARATORS.split(text.strip().rstrip(" .")) if item.strip(" .")
    ]
    return bool(items) and all(_LIST_ITEM.match(item) for item in items)


def _several(text: str) -> bool:
    return len([item for item in _LIST_SEPARATORS.split(text.strip().rstrip(" .")) if item.strip(" .")]) > 1


def looks_like_name(text: str) -> bool:
    """`Sam Chen`, `Head of Engineering`, `QA유닛`, `与信管理担当`: short, no digits, not a sentence."""
    if not text or len(text) > 40 or any(ch.isdigit() for ch in text) or "\n" in text:
        return False
    if _CJK.search(text):
        return len(text) <= 16 and " " not in text.strip()
    words = text.replace(",", " ").split()
    if not 1 <= len(words) <= 4 or text.endswith(("?", ".", ":")):
        return False
    capitalised = [w for w in words if w[:1].isupper()]
    return all(_NAME_WORD.match(w) for w in words) and len(capitalised) >= max(1, len(words) - 1)


_PERSON_WORD = re.compile(r"^[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?\.?$")


def looks_like_person(text: str) -> bool:
    """`Sam Chen`, `Mary-Jo O'Neil`: two or three capitalised words, as names are written."""
    words = text.split()
    return 2 <= len(words) <= 3 and all(
        _PERSON_WORD.match(w) or w in ("de", "van", "von", "da") for w in words
    )


def _is_counter(values: Sequence[str]) -> bool:
    """1, 2, 3 … (or 0, 1, 2 …) down the rows: a row number, whatever the header calls it."""
    if len(values) < 3 or not all(_INTEGER.match(v) for v in values):
        return False
    numbers = [int(v) for v in values]
    if numbers[0] > 1:
        return False
    steps = sum(1 for a, b in itertools.pairwise(numbers) if b == a + 1)
    return steps >= 0.9 * (len(numbers) - 1)


def profile_columns(
    rows: Sequence[Sequence[CellValue]],
    width: int,
    formula_columns: dict[int, int] | None = None,
) -> tuple[ColumnProfile, ...]:
    """Profile each of `width` columns over `rows` (the content rows below the header, cells as read)."""
    formula_columns = formula_columns or {}
    texts: list[list[str]] = [[] for _ in range(width)]
    dates = [0] * width
    for row in rows:
        for i in range(min(width, len(row))):
            value = row[i]
            if value is None:
                continue
            if isinstance(value, dt.date | dt.datetime):
                dates[i] += 1
            text = clean_text(to_text(value))
            if text:
                texts[i].append(text)
    profiles = []
    for i in range(width):
        values = texts[i]
        filled = len(values)
        sample = values[:SHAPE_SAMPLE]
        n = len(sample) or 1
        # Codes and lists are judged among the cells that say something (`None.` says nothing).
        meaningful = [v for v in sample if not is_none_like(v)]
        m = len(meaningful) or 1
        counts: dict[str, int] = {}
        for v in values:
            counts[v] = counts.get(v, 0) + 1
        date_cells = min(dates[i], filled)
        profiles.append(
            ColumnProfile(
                index=i,
                rows=len(rows),
                filled=filled,
                distinct=len(counts),
                avg_length=sum(len(v) for v in sample) / n if sample else 0.0,
                long_share=sum(1 for v in sample if len(v) > 60) / n,
                code_share=sum(1 for v in meaningful if looks_like_code(v)) / m if meaningful else 0.0,
                integer_share=sum(1 for v in sample if _INTEGER.match(v)) / n,
                counter=_is_counter(values),
                date_share=(
                    max(date_cells / filled if filled else 0.0, _text_dates(sample) / n) if filled else 0.0
                ),
                list_share=sum(1 for v in meaningful if _several(v) and is_id_list(v)) / m
                if meaningful
                else 0.0,
                name_share=sum(1 for v in sample if looks_like_name(v)) / n,
                person_share=sum(1 for v in sample if looks_like_person(v)) / n,
                status_share=_status_share(counts),
                formula_share=min(1.0, formula_columns.get(i, 0) / filled) if filled else 0.0,
                top_share=max(counts.values()) / filled if filled else 0.0,
            )
        )
    return tuple(profiles)


def _text_dates(values: Sequence[str]) -> int:
    return sum(1 for v in values if not _INTEGER.match(v) and read_date(v).date is not None)


def _status_share(counts: dict[str, int]) -> float:
    """Share of the filled cells whose word our status vocabulary understands (by distinct value)."""
    total = sum(counts.values())
    if not total or len(counts) > 40:
        return 0.0
    known = sum(n for word, n in counts.items() if len(word) <= 40 and map_status_word(word) is not None)
    return known / total
