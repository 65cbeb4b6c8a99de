"""Read an auditor's checklist as it is: pick the sheet, find the header, map columns, return its requests."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from workbook.errors import UserError
from workbook.formats.checklist.header import (
    PREFIXED_ID,
    FieldGuess,
    HeaderCandidate,
    header_at,
    header_candidates,
    header_signature,
    map_columns,
    normalise_header,
    prefixed_id_share,
)
from workbook.formats.checklist.layout import (
    SheetRank,
    is_placeholder,
    is_repeated_header,
    looks_like_ref,
    rank_sheet,
    rank_sheets,
    sample_rows,
)
from workbook.formats.checklist.status_words import map_status_word, status_vocabulary
from workbook.formats.sheets.cells import (
    CellValue,
    clean_text,
    numeric_date_order,
    read_date,
    split_criteria,
    to_text,
)
from workbook.formats.sheets.grid import ChecklistSource, SheetGrid, open_source
from workbook.formats.sheets.preflight import FileFacts, column_letter, place, preflight
from workbook.model import FIELDS, Problem, Status

DuplicatePolicy = Literal["merge", "suffix"]
SAMPLE_ROWS = 300
_TEXT_FIELDS = ("title", "request", "section", "owner", "priority", "comment")


# One sheet as the import wizard lists it: the layout ranking is the one definition.
SheetInfo = SheetRank


@dataclass(frozen=True)
class ChecklistInfo:
    """What a checklist file is, before choosing anything: sheets best candidate first."""

    file_name: str
    size: int
    sha256: str
    kind: str
    sheets: tuple[SheetInfo, ...]

    @property
    def best_sheet(self) -> str:
        return self.sheets[0].name


@dataclass(frozen=True)
class ColumnInfo:
    """One column under the header row."""

    index: int
    letter: str
    header: str
    normalised: str
    field: str | None
    confidence: float
    hidden: bool


@dataclass(frozen=True)
class ChecklistRow:
    """One request as read from the checklist; texts are exactly as shown in the cells."""

    source_row: int
    ref: str
    title: str
    request: str
    criteria: tuple[str, ...]
    section: str
    owner: str
    due: dt.date | None
    due_text: str
    status_text: str
    status: Status | None
    priority: str
    comment: str
    extra: tuple[tuple[str, str], ...]
    source_rows: tuple[int, ...] = ()


@dataclass(frozen=True)
class DuplicateRef:
    """Rows that shared one ref, and what was done with them."""

    ref: str
    rows: tuple[int, ...]
    action: Literal["merged", "suffixed"]
    refs: tuple[str, ...]


@dataclass(frozen=True)
class SkippedRow:
    row: int
    reason: str


@dataclass(frozen=True)
class ChecklistAnalysis:
    """Everything the import wizard shows and the import service applies."""

    file_name: str
    sha256: str
    kind: str
    sheet: str
    header_row: int
    header_first_row: int
    columns: tuple[ColumnInfo, ...]
    mapping: dict[str, str]
    rows: tuple[ChecklistRow, ...]
    problems: tuple[Problem, ...]
    status_vocabulary: dict[str, Status]
    generated_refs: bool
    duplicates: tuple[DuplicateRef, ...]
    duplicate_policy: DuplicatePolicy
    skipped: tuple[SkippedRow, ...]
    header_signature: str
    header_candidates: tuple[int, ...]
    sheets: tuple[SheetInfo, ...]

    def field_column(self, field: str) -> ColumnInfo | None:
        for column in self.columns:
            if column.field == field:
                return column
        return None


def inspect_checklist(path: Path | str) -> ChecklistInfo:
    """Preflight the file and rank its sheets by how much each looks like a request list."""
    facts = preflight(path)
    with open_source(facts) as source:
        ranked = _ranked_sheets(source)
    return ChecklistInfo(facts.name, facts.size, facts.sha256, facts.kind, ranked)


def _ranked_sheets(source: ChecklistSource) -> tuple[SheetInfo, ...]:
    ranks: list[SheetRank] = []
    for entry in source.sheets():
        grid = source.read(entry.name, max_rows=SAMPLE_ROWS) if entry.kind == "worksheet" else None
        ranks.append(rank_sheet(entry, grid))
    return rank_sheets(ranks)


def analyse_sheet(
    path: Path | str,
    sheet: str | None = None,
    header_row: int | None = None,
    mapping: Mapping[str, str] | None = None,
    duplicates: DuplicatePolicy = "merge",
) -> ChecklistAnalysis:
    """Read one sheet into requests. `mapping` ({field: header text or column letter}) overrides guesses."""
    if duplicates not in ("merge", "suffix"):
        raise UserError(f"Unknown duplicate policy {duplicates!r}.", hint="Use 'merge' or 'suffix'.")
    facts = preflight(path)
    with open_source(facts) as source:
        entries = source.sheets()
        if sheet is None:
            sheets = _ranked_sheets(source) if len(entries) > 1 else ()
            chosen = sheets[0].name if sheets else entries[0].name
        else:
            sheets = ()
            names = [e.name for e in entries]
            if sheet not in names:
                folded = {n.strip().lower(): n for n in names}
                if sheet.strip().lower() not in folded:
                    raise UserError(
                        f"There is no sheet named {sheet!r}.",
                        where=place(facts.name),
                        hint=f"Sheets in this file: {', '.join(repr(n) for n in names)}.",
                    )
                sheet = folded[sheet.strip().lower()]
            chosen = sheet
        grid = source.read(chosen)
    return analyse_grid(facts, grid, header_row, mapping, duplicates, sheets)


def analyse_grid(
    facts: FileFacts,
    grid: SheetGrid,
    header_row: int | None = None,
    mapping: Mapping[str, str] | None = None,
    duplicates: DuplicatePolicy = "merge",
    sheets: tuple[SheetInfo, ...] = (),
) -> ChecklistAnalysis:
    """The layout steps on a grid already read: header, columns, mapping, rows, vocabulary, duplicates."""
    where = place(facts.name, grid.name)
    if not any(grid.rows):
        raise UserError("The sheet is empty.", where=where, hint="Choose the sheet that lists the requests.")
    candidates = header_candidates(grid)
    if header_row is not None:
        if not 1 <= header_row <= len(grid.rows) or not grid.rows[header_row - 1]:
            raise UserError(
                f"Row {header_row} is empty or outside the sheet, so it cannot be the header row.",
                where=where,
                hint=f"The sheet has {len(grid.rows)} rows.",
            )
        header = header_at(grid, header_row)
    elif candidates:
        header = candidates[0]
    else:
        raise UserError(
            "No header row was found: no row has two or more column names.",
            where=where,
            hint="Choose another sheet, or give the header row.",
        )
    samples = [
        [clean_text(to_text(v)) for v in grid.rows[r]]
        for r in range(header.row, min(len(grid.rows), header.row + 50))
        if grid.rows[r]
    ]
    guesses = map_columns(header.headers, samples)
    if mapping:
        guesses = _apply_mapping(guesses, mapping, header, grid, where)
    width = max(len(header.headers), grid.width)
    columns = tuple(_column(grid, header, guesses, i) for i in range(width))
    field_cols = {c.field: c.index - 1 for c in columns if c.field}
    problems: list[Problem] = []
    if grid.ghost_rows_skipped:
        last = len(grid.rows)
        claim = (
            f"claims {grid.claimed_rows:,} rows" if grid.claimed_rows > last else "has empty formatted rows"
        )
        problems.append(
            Problem("ghost_rows", where, f"The sheet {claim}; the empty rows after row {last} were ignored.")
        )
    rows, skipped, section_problems = _read_rows(facts, grid, header, columns, field_cols)
    problems.extend(section_problems)
    if not rows:
        raise UserError(
            f"No requests were found below the header row (row {header.row}).",
            where=where,
            hint="Check that this is the right sheet and header row; the sheet may hold only headers.",
        )
    vocabulary, unknown = _vocabulary(grid, header, field_cols, rows)
    for word in unknown:
        problems.append(
            Problem(
                "unknown_status",
                where,
                f"Status {word!r} does not match any of ours; those requests stay open.",
            )
        )
    rows = [_with_status(r, vocabulary) for r in rows]
    generated = "ref" not in field_cols
    if generated:
        problems.append(
            Problem(
                "generated_refs",
                where,
                "No column holds request IDs, so refs were made from the row numbers (R0012 is row 12).",
            )
        )
    rows, dup_report = _resolve_duplicates(rows, duplicates)
    for dup in dup_report:
        verb = "merged into one request" if dup.action == "merged" else f"kept apart as {', '.join(dup.refs)}"
        rows_text = ", ".join(str(r) for r in dup.rows)
        problems.append(
            Problem(
                "duplicate_ref",
                place(facts.name, grid.name),
                f"Ref {dup.ref!r} is on rows {rows_text}: {verb}.",
            )
        )
    return ChecklistAnalysis(
        file_name=facts.name,
        sha256=facts.sha256,
        kind=facts.kind,
        sheet=grid.name,
        header_row=header.row,
        header_first_row=header.first_row,
        columns=columns,
        mapping={c.field: c.header or c.letter for c in columns if c.field},
        rows=tuple(rows),
        problems=tuple(problems),
        status_vocabulary=vocabulary,
        generated_refs=generated,
        duplicates=dup_report,
        duplicate_policy=duplicates,
        skipped=tuple(skipped),
        header_signature=header_signature(header.headers),
        header_candidates=tuple(c.row for c in candidates[:5]),
        sheets=sheets,
    )


_LETTERS = re.compile(r"^[A-Za-z]{1,3}$")


def _apply_mapping(
    guesses: dict[int, FieldGuess],
    mapping: Mapping[str, str],
    header: HeaderCandidate,
    grid: SheetGrid,
    where: str,
) -> dict[int, FieldGuess]:
    result = dict(guesses)
    width = max(len(header.headers), grid.width)
    for field, column in mapping.items():
        if field not in FIELDS:
            raise UserError(
                f"Unknown field {field!r}.", where=where, hint=f"Fields are: {', '.join(FIELDS)}."
            )
        result = {c: g for c, g in result.items() if g.field != field}
        if not column.strip():
            continue
        index = _find_column(column, header, width)
        if index is None:
            names = ", ".join(repr(h) for h in header.headers if h)
            raise UserError(
                f"No column {column!r} to map to {field!r}.",
                where=where,
                hint=f"Give a header as written or a column letter; headers are: {names}.",
            )
        result[index] = FieldGuess(field, 1.0)
    return result


def _find_column(column: str, header: HeaderCandidate, width: int) -> int | None:
    wanted = normalise_header(column)
    for i, text in enumerate(header.headers):
        if text == column.strip():
            return i
    for i, text in enumerate(header.headers):
        if wanted and normalise_header(text) == wanted:
            return i
    if _LETTERS.match(column.strip()):
        index = 0
        for ch in column.strip().upper():
            index = index * 26 + ord(ch) - 64
        if 1 <= index <= width:
            return index - 1
    return None


def _column(grid: SheetGrid, header: HeaderCandidate, guesses: dict[int, FieldGuess], i: int) -> ColumnInfo:
    text = header.headers[i] if i < len(header.headers) else ""
    guess = guesses.get(i)
    return ColumnInfo(
        index=i + 1,
        letter=column_letter(i + 1),
        header=text,
        normalised=normalise_header(text),
        field=guess.field if guess else None,
        confidence=guess.confidence if guess else 0.0,
        hidden=(i + 1) in grid.hidden_columns,
    )


def _extra_names(columns: tuple[ColumnInfo, ...]) -> dict[int, str]:
    names: dict[int, str] = {}
    seen: dict[str, int] = {}
    for column in columns:
        if column.field:
            continue
        name = column.header.replace("\n", " ") or f"Column {column.letter}"
        count = seen.get(name, 0) + 1
        seen[name] = count
        names[column.index - 1] = name if count == 1 else f"{name} ({count})"
    return names


def _vertical_fill(grid: SheetGrid, first_data_row: int) -> dict[tuple[int, int], CellValue]:
    """Values of vertically merged cells for every row they cover (first column of the merge)."""
    fill: dict[tuple[int, int], CellValue] = {}
    for m in grid.merged:
        # Merges that start in the header belong to the header, not to the first requests.
        if m.max_row <= m.min_row or m.max_row < first_data_row or m.min_row < first_data_row:
            continue
        value = grid.value(m.min_row, m.min_col)
        for row in range(max(m.min_row + 1, first_data_row), m.max_row + 1):
            fill[(row, m.min_col)] = value
    return fill


def _read_rows(
    facts: FileFacts,
    grid: SheetGrid,
    header: HeaderCandidate,
    columns: tuple[ColumnInfo, ...],
    field_cols: dict[str, int],
) -> tuple[list[ChecklistRow], list[SkippedRow], list[Problem]]:
    first = header.row + 1
    fill = _vertical_fill(grid, first)
    extra_names = _extra_names(columns)
    ref_col = field_cols.get("ref")
    section_col = field_cols.get("section")
    due_col = field_cols.get("due")
    content_cols = [field_cols[f] for f in ("ref", "title", "request") if f in field_cols]
    width = len(columns)
    day_first = None
    if due_col is not None:
        due_texts = [
            r[due_col] for r in grid.rows[header.row :] if due_col < len(r) and isinstance(r[due_col], str)
        ]
        day_first = numeric_date_order([t for t in due_texts if isinstance(t, str)])
    header_lower = {h.lower() for h in header.headers if h}
    prefixed = False
    if ref_col is not None:
        head = grid.rows[header.row : header.row + 200]
        ref_values = [clean_text(to_text(r[ref_col])) for r in head if ref_col < len(r)]
        prefixed = prefixed_id_share(ref_values) >= 0.8
    rows: list[ChecklistRow] = []
    skipped: list[SkippedRow] = []
    problems: list[Problem] = []
    current_section = ""
    samples: frozenset[int] = frozenset()
    if grid.shaded_rows:
        data_rows = [n for n in range(first, len(grid.rows) + 1) if grid.rows[n - 1]]
        samples = sample_rows(grid.shaded_rows, data_rows)
    for number in range(first, len(grid.rows) + 1):
        raw = grid.rows[number - 1]
        if not raw and not fill:
            skipped.append(SkippedRow(number, "blank"))
            continue
        values: list[CellValue] = list(raw) + [None] * (width - len(raw)) if len(raw) < width else list(raw)
        if fill:
            for col in range(1, width + 1):
                if values[col - 1] in (None, "") and (number, col) in fill:
                    values[col - 1] = fill[(number, col)]
        texts = [clean_text(to_text(v)) if v is not None else "" for v in values]
        filled = [i for i, t in enumerate(texts) if t]
        if not filled:
            skipped.append(SkippedRow(number, "blank"))
            continue
        # The cheap set test spares the full header comparison on ordinary rows.
        repeats = sum(1 for t in texts if t and t.lower() in header_lower)
        if repeats >= 2 and is_repeated_header(texts, header):
            skipped.append(SkippedRow(number, "repeated header"))
            continue
        if any(is_placeholder(texts[c]) for c in content_cols):
            skipped.append(SkippedRow(number, "example or placeholder"))
            continue
        if number in samples or (
            number in grid.shaded_rows and any(is_placeholder(texts[i]) for i in filled)
        ):
            skipped.append(SkippedRow(number, "example row (shaded grey or italic)"))
            continue
        distinct = {texts[i] for i in filled}
        ref_text = texts[ref_col] if ref_col is not None else ""
        ref_id = split[1] if prefixed and (split := PREFIXED_ID.match(ref_text)) else ref_text
        if len(distinct) == 1 and (ref_col is None or not ref_id or not looks_like_ref(ref_id)):
            heading = next(iter(distinct))
            is_note = len(heading) > 100 or heading.lower().startswith(("note", "*", "legend", "source"))
            if (section_col is None or filled == [section_col]) and not is_note:
                current_section = heading
            skipped.append(SkippedRow(number, "section heading or note"))
            continue
        if not any(texts[c] for c in content_cols):
            if section_col is not None and texts[section_col]:
                current_section = texts[section_col]
            skipped.append(SkippedRow(number, "no ref, title or request"))
            continue
        if section_col is not None and texts[section_col]:
            current_section = texts[section_col]
        ref = ref_text
        if ref_col is None:
            ref = f"R{number:04d}"
        elif not ref:
            ref = f"R{number:04d}"
            problems.append(
                Problem(
                    "missing_ref",
                    place(facts.name, grid.name, number, ref_col + 1),
                    f"This row has no ref; it was given {ref}.",
                )
            )
        due: dt.date | None = None
        due_text = ""
        if due_col is not None:
            due_value = values[due_col]
            due_text = texts[due_col]
            reading = read_date(due_value, day_first)
            due = reading.date
            if due_text and due is None:
                problems.append(
                    Problem(
                        "unreadable_date",
                        place(facts.name, grid.name, number, due_col + 1),
                        f"{due_text!r} is not a date; the text is kept and the due date left empty.",
                    )
                )
            if reading.ambiguous:
                problems.append(
                    Problem(
                        "ambiguous_date",
                        place(facts.name, grid.name, number, due_col + 1),
                        f"{due_text!r} could be day/month or month/day; read as {due}.",
                    )
                )
        fields = {f: texts[c] for f, c in field_cols.items() if f in _TEXT_FIELDS}
        if prefixed and (split := PREFIXED_ID.match(ref)):
            ref = split[1]
            spill = "title" if "title" not in field_cols else "request" if "request" not in field_cols else ""
            if spill:
                fields[spill] = split[2].strip()
        rows.append(
            ChecklistRow(
                source_row=number,
                ref=ref,
                title=fields.get("title", ""),
                request=fields.get("request", ""),
                criteria=split_criteria(texts[field_cols["criteria"]]) if "criteria" in field_cols else (),
                section=fields.get("section", "") or current_section,
                owner=fields.get("owner", ""),
                due=due,
                due_text=due_text,
                status_text=texts[field_cols["status"]] if "status" in field_cols else "",
                status=None,
                priority=fields.get("priority", ""),
                comment=fields.get("comment", ""),
                extra=tuple((name, texts[c]) for c, name in extra_names.items() if texts[c]),
                source_rows=(number,),
            )
        )
    return rows, skipped, problems


def _vocabulary(
    grid: SheetGrid, header: HeaderCandidate, field_cols: dict[str, int], rows: list[ChecklistRow]
) -> tuple[dict[str, Status], tuple[str, ...]]:
    col = field_cols.get("status")
    if col is None:
        return {}, ()
    words: list[str] = []
    for validation in grid.validations:
        if any(r.min_col <= col + 1 <= r.max_col and r.max_row > header.row for r in validation.ranges):
            words.extend(validation.values)
    words.extend(r.status_text for r in rows)
    return status_vocabulary(words)


def _with_status(row: ChecklistRow, vocabulary: dict[str, Status]) -> ChecklistRow:
    if not row.status_text:
        return row
    status = vocabulary.get(row.status_text.strip()) or map_status_word(row.status_text)
    return _replace(row, status=status)


def _replace(row: ChecklistRow, **changes: object) -> ChecklistRow:
    from dataclasses import replace

    return replace(row, **changes)  # type: ignore[arg-type]


def _resolve_duplicates(
    rows: list[ChecklistRow], policy: DuplicatePolicy
) -> tuple[list[ChecklistRow], tuple[DuplicateRef, ...]]:
    groups: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(row.ref, []).append(i)
    dup_groups = {ref: idx for ref, idx in groups.items() if len(idx) > 1}
    if not dup_groups:
        return rows, ()
    report: list[DuplicateRef] = []
    if policy == "merge":
        drop: set[int] = set()
        merged_rows = list(rows)
        for ref, indexes in dup_groups.items():
            base = rows[indexes[0]]
            for i in indexes[1:]:
                base = _merge(base, rows[i])
                drop.add(i)
            merged_rows[indexes[0]] = base
            report.append(DuplicateRef(ref, tuple(rows[i].source_row for i in indexes), "merged", (ref,)))
        return [r for i, r in enumerate(merged_rows) if i not in drop], tuple(report)
    taken = set(groups)
    out = list(rows)
    for ref, indexes in dup_groups.items():
        new_refs = [ref]
        n = 1
        for i in indexes[1:]:
            n += 1
            candidate = f"{ref}-{n}"
            while candidate in taken:
                n += 1
                candidate = f"{ref}-{n}"
            taken.add(candidate)
            new_refs.append(candidate)
            out[i] = _replace(rows[i], ref=candidate)
        report.append(
            DuplicateRef(ref, tuple(rows[i].source_row for i in indexes), "suffixed", tuple(new_refs))
        )
    return out, tuple(report)


def _join(a: str, b: str) -> str:
    if not b or b == a:
        return a
    if not a:
        return b
    parts = a.split("\n\n")
    return a if b in parts else f"{a}\n\n{b}"


def _merge(a: ChecklistRow, b: ChecklistRow) -> ChecklistRow:
    criteria = a.criteria + tuple(c for c in b.criteria if c not in a.criteria)
    extra = a.extra + tuple(item for item in b.extra if item not in a.extra)
    return _replace(
        a,
        title=_join(a.title, b.title),
        request=_join(a.request, b.request),
        criteria=criteria,
        section=a.section or b.section,
        owner=a.owner or b.owner,
        due=a.due or b.due,
        due_text=a.due_text or b.due_text,
        status_text=a.status_text or b.status_text,
        status=a.status or b.status,
        priority=a.priority or b.priority,
        comment=_join(a.comment, b.comment),
        extra=extra,
        source_rows=a.source_rows + b.source_rows,
    )
