"""Read an auditor's checklist as it is: sheet(s), header, columns, every row accounted for."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from workbook.errors import UserError
from workbook.formats.checklist.header import HeaderCandidate, header_at, header_candidates
from workbook.formats.checklist.layout import (
    SheetRank,
    is_placeholder,
    is_repeated_header,
    rank_sheet,
    rank_sheets,
    row_texts,
    same_list,
)
from workbook.formats.checklist.mapping import (
    REVIEW_BELOW,
    ColumnMapping,
    FieldChoice,
    RefMode,
    choose_mapping,
    prefixed_id_share,
)
from workbook.formats.checklist.profile import profile_columns
from workbook.formats.checklist.rows import (
    ChecklistRow,
    DuplicatePolicy,
    DuplicateRef,
    MergedRow,
    RowPlan,
    SkippedRow,
    read_rows,
    resolve_duplicates,
    with_status,
)
from workbook.formats.checklist.status_words import map_status_word, status_vocabulary
from workbook.formats.checklist.synonyms import guess_fields, header_signature, normalise_header
from workbook.formats.sheets.cells import clean_text, to_text
from workbook.formats.sheets.grid import ChecklistSource, SheetGrid, open_source
from workbook.formats.sheets.preflight import FileFacts, column_letter, place, preflight
from workbook.model import MAPPABLE_FIELDS, Problem, Status

__all__ = [
    "ChecklistAnalysis",
    "ChecklistInfo",
    "ChecklistRow",
    "ColumnInfo",
    "Decision",
    "DuplicatePolicy",
    "DuplicateRef",
    "MergedRow",
    "SheetInfo",
    "SheetLayout",
    "SkippedRow",
    "analyse_grid",
    "analyse_sheet",
    "inspect_checklist",
]

SAMPLE_ROWS = 300
# Fields whose checklist column our answers are written back into (with the response and evidence columns).
ANSWER_MAPPED_FIELDS = ("status", "owner", "due")

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

    def same_list_as(self, sheet: str) -> tuple[str, ...]:
        """`sheet` and the other sheets holding the same list (same columns), in workbook order."""
        ranks = {r.name: r for r in self.sheets}
        best = ranks.get(sheet)
        if best is None:
            return (sheet,)
        siblings = [r for r in self.sheets if r.name == sheet or same_list(best, r)]
        return tuple(r.name for r in sorted(siblings, key=lambda r: r.index))


@dataclass(frozen=True)
class ColumnInfo:
    """One column under the header row, and what it was taken for (with how sure, and why)."""

    index: int
    letter: str
    header: str
    normalised: str
    field: str | None
    confidence: float
    hidden: bool
    reason: str = ""


@dataclass(frozen=True)
class Decision:
    """One choice the reader made (sheet, header row, a field, rows left out), how sure, and why."""

    subject: str
    confidence: float
    reason: str

    @property
    def doubtful(self) -> bool:
        return self.confidence < REVIEW_BELOW


@dataclass(frozen=True)
class SheetLayout:
    """Where one sheet of the list keeps its header and each answer column (1-based), for write-back."""

    sheet: str
    header_row: int
    answer_columns: dict[str, int]
    dropdowns: dict[str, tuple[str, ...]]


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
    duplicate_policy: DuplicatePolicy | None
    skipped: tuple[SkippedRow, ...]
    header_signature: str
    header_candidates: tuple[int, ...]
    sheets: tuple[SheetInfo, ...]
    merged: tuple[MergedRow, ...] = ()
    ref_mode: RefMode = "column"
    non_empty_rows: int = 0
    decisions: tuple[Decision, ...] = ()
    sheets_used: tuple[str, ...] = ()
    layouts: tuple[SheetLayout, ...] = ()
    included_rows: tuple[int, ...] = ()

    def field_column(self, field: str) -> ColumnInfo | None:
        for column in self.columns:
            if column.field == field:
                return column
        return None

    @property
    def needs_review(self) -> bool:
        return any(d.doubtful for d in self.decisions)

    @property
    def answer_columns(self) -> dict[str, str]:
        """Our answer fields and the checklist column each is written into (header as written, or letter)."""
        return {
            c.field: c.header or c.letter
            for c in self.columns
            if c.field in (*ANSWER_MAPPED_FIELDS, "response", "evidence")
        }

    @property
    def imported_rows(self) -> int:
        """Rows that became requests (a request merged from several rows counts each row once)."""
        return sum(len(r.source_rows) for r in self.rows) - len(self.merged_into_requests)

    @property
    def merged_into_requests(self) -> tuple[MergedRow, ...]:
        return self.merged


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


def _resolve_sheet(source: ChecklistSource, facts: FileFacts, sheet: str) -> str:
    names = [e.name for e in source.sheets()]
    if sheet in names:
        return sheet
    folded = {n.strip().lower(): n for n in names}
    if sheet.strip().lower() in folded:
        return folded[sheet.strip().lower()]
    raise UserError(
        f"There is no sheet named {sheet!r}.",
        where=place(facts.name),
        hint=f"Sheets in this file: {', '.join(repr(n) for n in names)}.",
    )


def analyse_sheet(
    path: Path | str,
    sheet: str | Sequence[str] | None = None,
    header_row: int | None = None,
    mapping: Mapping[str, str] | None = None,
    duplicates: DuplicatePolicy | None = None,
    include_rows: Sequence[int] = (),
) -> ChecklistAnalysis:
    """Read the list into requests.

    `sheet`: one sheet, several sheets read as one list, or None to choose (the best sheet and the other
    sheets with the same columns). `mapping` ({field: header text or column letter, "" for none}) overrides
    guesses;
    `include_rows` brings rows the reader skipped back in as requests (row numbers of the first sheet).
    """
    if duplicates not in (None, "merge", "suffix"):
        raise UserError(f"Unknown duplicate policy {duplicates!r}.", hint="Use 'merge' or 'suffix'.")
    facts = preflight(path)
    with open_source(facts) as source:
        entries = source.sheets()
        ranks: tuple[SheetInfo, ...] = ()
        if sheet is None:
            ranks = _ranked_sheets(source) if len(entries) > 1 else ()
            if ranks:
                chosen = [ranks[0].name]
                chosen += [r.name for r in ranks[1:] if same_list(ranks[0], r)]
                order = {e.name: e.index for e in entries}
                chosen.sort(key=lambda n: (n != ranks[0].name, order[n]))
            else:
                chosen = [entries[0].name]
        else:
            wanted = [sheet] if isinstance(sheet, str) else list(sheet)
            if not wanted:
                raise UserError("No sheet was given.", where=place(facts.name))
            chosen = list(dict.fromkeys(_resolve_sheet(source, facts, s) for s in wanted))
        grids = [source.read(name) for name in chosen]
    first = analyse_grid(facts, grids[0], header_row, mapping, duplicates, ranks, include_rows)
    if len(grids) == 1:
        return first
    return _combine(facts, first, grids[1:], duplicates)


def _combine(
    facts: FileFacts, first: ChecklistAnalysis, grids: Sequence[SheetGrid], duplicates: DuplicatePolicy | None
) -> ChecklistAnalysis:
    """Several sheets with the same columns read as one list: each with the first sheet's mapping."""
    parts = [first]
    fixed = {c.field: c.header for c in first.columns if c.field and c.header}
    for grid in grids:
        if not any(grid.rows):
            continue
        try:
            parts.append(analyse_grid(facts, grid, None, fixed, duplicates, first.sheets, ()))
        except UserError as exc:
            raise UserError(
                f"The sheet {grid.name!r} does not have the same columns as {first.sheet!r}: {exc.message}",
                where=place(facts.name, grid.name),
                hint="Import the sheets one at a time (choose the sheet).",
            ) from exc
    seen: dict[str, str] = {}
    rows: list[ChecklistRow] = []
    problems = list(first.problems)
    for part in parts:
        for row in part.rows:
            ref = row.ref
            if ref in seen and seen[ref] != part.sheet:
                ref = f"{part.sheet}/{row.ref}"
                problems.append(
                    Problem(
                        "duplicate_ref",
                        place(facts.name, part.sheet, row.source_row),
                        f"Ref {row.ref!r} is also on sheet {seen[row.ref]!r}; this one became {ref!r}.",
                    )
                )
            seen.setdefault(ref, part.sheet)
            rows.append(replace(row, ref=ref))
        if part is not first:
            problems.extend(part.problems)
    vocabulary: dict[str, Status] = {}
    for part in parts:
        for word, status in part.status_vocabulary.items():
            vocabulary.setdefault(word, status)
    names = tuple(p.sheet for p in parts)
    decisions = (
        Decision(
            "sheet",
            min(d.confidence for d in first.decisions if d.subject == "sheet") if first.decisions else 0.8,
            f"{len(names)} sheets have the same columns and are read as one list: {', '.join(names)}",
        ),
        *(d for d in first.decisions if d.subject != "sheet"),
    )
    return replace(
        first,
        rows=tuple(rows),
        problems=tuple(problems),
        status_vocabulary=vocabulary,
        duplicates=tuple(d for p in parts for d in p.duplicates),
        skipped=tuple(s for p in parts for s in p.skipped),
        merged=tuple(m for p in parts for m in p.merged),
        non_empty_rows=sum(p.non_empty_rows for p in parts),
        decisions=decisions,
        sheets_used=names,
        layouts=tuple(layout for p in parts for layout in p.layouts),
    )


def _fixed_columns(
    mapping: Mapping[str, str], header: HeaderCandidate, width: int, where: str
) -> dict[str, int | None]:
    fixed: dict[str, int | None] = {}
    for field, column in mapping.items():
        if field not in MAPPABLE_FIELDS:
            raise UserError(
                f"Unknown field {field!r}.", where=where, hint=f"Fields are: {', '.join(MAPPABLE_FIELDS)}."
            )
        if not column.strip():
            fixed[field] = None
            continue
        index = _find_column(column, header, width)
        if index is None:
            names = ", ".join(repr(h) for h in header.headers if h)
            raise UserError(
                f"No column {column!r} to map to {field!r}.",
                where=where,
                hint=f"Give a header as written or a column letter; headers are: {names}.",
            )
        fixed[field] = index
    taken: dict[int, str] = {}
    for field, index in fixed.items():
        if index is not None and index in taken:
            raise UserError(
                f"Column {column_letter(index + 1)} cannot be both {taken[index]!r} and {field!r}.",
                where=where,
                hint="Map each field to its own column.",
            )
        if index is not None:
            taken[index] = field
    return fixed


_LETTERS = re.compile(r"^[A-Za-z]{1,3}$")


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


def _body_rows(grid: SheetGrid, header: HeaderCandidate) -> list[tuple[object, ...]]:
    """The rows to judge columns by: below the header, not blank, not a repeated header, no template."""
    body: list[tuple[object, ...]] = []
    lone: list[tuple[object, ...]] = []
    for raw in grid.rows[header.row :]:
        filled = sum(1 for v in raw if v not in (None, ""))
        if not filled:
            continue
        texts = row_texts(raw)
        if filled >= 2 and is_repeated_header(texts, header):
            continue
        if all(is_placeholder(t) for t in texts if t):
            continue
        (body if filled >= 2 else lone).append(raw)
    # A form-like list fills one cell a row: then those rows are the data.
    return body if len(body) >= len(lone) else body + lone


def _dropdowns(grid: SheetGrid, header_row: int) -> dict[int, tuple[str, ...]]:
    found: dict[int, tuple[str, ...]] = {}
    for validation in grid.validations:
        for r in validation.ranges:
            if r.max_row > header_row:
                for col in range(r.min_col, min(r.max_col, 16_384) + 1):
                    found.setdefault(col - 1, validation.values)
    return found


def analyse_grid(
    facts: FileFacts,
    grid: SheetGrid,
    header_row: int | None = None,
    mapping: Mapping[str, str] | None = None,
    duplicates: DuplicatePolicy | None = None,
    sheets: tuple[SheetInfo, ...] = (),
    include_rows: Sequence[int] = (),
) -> ChecklistAnalysis:
    """The layout steps on one grid already read: header, columns, mapping, rows, vocabulary, duplicates."""
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
    width = max(len(header.headers), grid.width)
    body = _body_rows(grid, header)
    formula_columns: dict[int, int] = {}
    for row_number, cols in grid.formula_cells.items():
        if row_number > header.row:
            for col in cols:
                formula_columns[col - 1] = formula_columns.get(col - 1, 0) + 1
    profiles = profile_columns(body, width, formula_columns)  # type: ignore[arg-type]
    dropdowns = _dropdowns(grid, header.row)
    prefixed = {}
    for p in profiles:
        if p.filled >= 2 and not p.is_code:
            values = [clean_text(to_text(r[p.index])) for r in body[:300] if p.index < len(r)]  # type: ignore[arg-type]
            share = prefixed_id_share(values)
            if share >= 0.8:
                prefixed[p.index] = share
    fixed = _fixed_columns(mapping, header, width, where) if mapping else {}
    chosen = choose_mapping(
        header.headers,
        profiles,
        dropdowns=dropdowns,
        prefixed=prefixed,
        fixed=fixed,
        hidden=frozenset(c - 1 for c in grid.hidden_columns),
    )
    columns = tuple(_column(grid, header, chosen, i) for i in range(width))
    fields = {c.field: c.index - 1 for c in columns if c.field and c.field in _ROW_FIELDS}
    plan = RowPlan(
        fields=fields,
        extra_names=_extra_names(columns),
        ref_mode=chosen.ref_mode,
        header_texts=header.headers,
        first_section=_first_section(grid, header, chosen),
        include=frozenset(include_rows),
    )
    read = read_rows(facts.name, grid, header.row, plan, header)
    if not read.non_empty:
        raise UserError(
            f"No requests were found below the header row (row {header.row}).",
            where=where,
            hint="Check that this is the right sheet and header row; the sheet may hold only headers.",
        )
    problems: list[Problem] = []
    if grid.ghost_rows_skipped:
        last = len(grid.rows)
        claim = (
            f"claims {grid.claimed_rows:,} rows" if grid.claimed_rows > last else "has empty formatted rows"
        )
        problems.append(
            Problem("ghost_rows", where, f"The sheet {claim}; the empty rows after row {last} were ignored.")
        )
    problems.extend(read.problems)
    vocabulary, unknown = _vocabulary(dropdowns, fields, read.rows)
    for word in unknown:
        problems.append(
            Problem(
                "unknown_status",
                where,
                f"Status {word!r} does not match any of ours; those requests stay open.",
            )
        )
    rows = [with_status(r, vocabulary, map_status_word) for r in read.rows]
    rows, dup_report, dup_merged = resolve_duplicates(
        rows, duplicates, read.spanning, numbered=chosen.ref_mode == "numbered"
    )
    for dup in dup_report:
        verb = "merged into one request" if dup.action == "merged" else f"kept apart as {', '.join(dup.refs)}"
        rows_text = ", ".join(str(r) for r in dup.rows)
        problems.append(Problem("duplicate_ref", where, f"Ref {dup.ref!r} is on rows {rows_text}: {verb}."))
    generated = chosen.ref_mode == "generated"
    if generated:
        problems.append(
            Problem(
                "generated_refs",
                where,
                "No column holds request IDs, so refs were made from the row numbers (R0012 is row 12).",
            )
        )
    merged = tuple(read.merged) + tuple(dup_merged)
    skipped = tuple(read.skipped)
    decisions = _decisions(grid, header, candidates, chosen, sheets, skipped, merged)
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
        skipped=skipped,
        header_signature=header_signature(header.headers),
        header_candidates=tuple(c.row for c in candidates[:5]),
        sheets=sheets,
        merged=merged,
        ref_mode=chosen.ref_mode,
        non_empty_rows=read.non_empty,
        decisions=decisions,
        sheets_used=(grid.name,),
        layouts=(_layout(grid.name, header.row, columns, dropdowns),),
        included_rows=tuple(sorted(set(include_rows))),
    )


_ROW_FIELDS = frozenset(
    ("ref", "title", "request", "criteria", "section", "owner", "due", "status", "priority", "comment")
)


def _layout(
    sheet: str, header_row: int, columns: Sequence[ColumnInfo], dropdowns: Mapping[int, tuple[str, ...]]
) -> SheetLayout:
    answer = {c.field: c.index for c in columns if c.field in (*ANSWER_MAPPED_FIELDS, "response", "evidence")}
    return SheetLayout(
        sheet,
        header_row,
        answer,
        {field: dropdowns[col - 1] for field, col in answer.items() if col - 1 in dropdowns},
    )


def _first_section(grid: SheetGrid, header: HeaderCandidate, chosen: ColumnMapping) -> str:
    """A questionnaire that repeats its header above each section names the first section in the header itself
    (`Information Gathering | Test Name | Objectives`): the ref column's header cell is a section name."""
    ref = chosen.column_of("ref")
    if ref is None or ref >= len(header.headers):
        return ""
    text = header.headers[ref]
    if not text or "ref" in guess_fields(text):
        return ""
    for raw in grid.rows[header.row :]:
        texts = row_texts(raw)
        if len(texts) > ref and texts[ref] and texts[ref] != text and is_repeated_header(texts, header):
            return text
    return ""


def _column(grid: SheetGrid, header: HeaderCandidate, chosen: ColumnMapping, i: int) -> ColumnInfo:
    text = header.headers[i] if i < len(header.headers) else ""
    choice: FieldChoice | None = next((c for c in chosen.choices.values() if c.column == i), None)
    return ColumnInfo(
        index=i + 1,
        letter=column_letter(i + 1),
        header=text,
        normalised=normalise_header(text),
        field=choice.field if choice else None,
        confidence=choice.confidence if choice else 0.0,
        hidden=(i + 1) in grid.hidden_columns,
        reason=choice.reason if choice else "",
    )


def _extra_names(columns: tuple[ColumnInfo, ...]) -> dict[int, str]:
    """Columns kept as extra data: every unmapped one, and the response/evidence columns (their text)."""
    names: dict[int, str] = {}
    seen: dict[str, int] = {}
    for column in columns:
        if column.field and column.field not in ("response", "evidence"):
            continue
        name = column.header.replace("\n", " ") or f"Column {column.letter}"
        count = seen.get(name, 0) + 1
        seen[name] = count
        names[column.index - 1] = name if count == 1 else f"{name} ({count})"
    return names


def _vocabulary(
    dropdowns: Mapping[int, tuple[str, ...]], fields: Mapping[str, int], rows: Sequence[ChecklistRow]
) -> tuple[dict[str, Status], tuple[str, ...]]:
    col = fields.get("status")
    if col is None:
        return {}, ()
    words: list[str] = list(dropdowns.get(col, ()))
    words.extend(r.status_text for r in rows)
    return status_vocabulary(words)


def _decisions(
    grid: SheetGrid,
    header: HeaderCandidate,
    candidates: Sequence[HeaderCandidate],
    chosen: ColumnMapping,
    sheets: Sequence[SheetInfo],
    skipped: Sequence[SkippedRow],
    merged: Sequence[MergedRow],
) -> tuple[Decision, ...]:
    out: list[Decision] = []
    if len(sheets) > 1:
        best, second = sheets[0], sheets[1]
        margin = best.score - second.score
        confidence = min(0.95, 0.45 + margin / 25) if best.name == grid.name else 0.9
        out.append(Decision("sheet", round(max(confidence, 0.1), 2), f"{best.name!r}: {best.reason}"))
    if header.score:
        others = [c for c in candidates if c.row != header.row and c.first_row != header.first_row]
        margin = header.score - others[0].score if others else 10.0
        out.append(
            Decision(
                "header row",
                round(min(0.95, 0.5 + margin / 10), 2),
                f"row {header.row} names the columns"
                + (f" (next best: row {others[0].row})" if others else ""),
            )
        )
    for field in ("ref", "request", "title", "owner", "status", "due", "criteria", "section"):
        choice = chosen.choices.get(field)
        if choice is not None:
            out.append(Decision(field, 1.0 if choice.manual else choice.confidence, choice.reason))
    if chosen.ref_mode == "generated":
        out.append(Decision("ref", 0.4, chosen.ref_reason))
    if "request" not in chosen.choices and "title" not in chosen.choices:
        out.append(Decision("request", 0.2, "no column holds the request text"))
    examples = [s for s in skipped if s.kind == "example"]
    if examples:
        rows = ", ".join(str(s.row) for s in examples[:5])
        words = (
            f"rows {rows} look like examples, not requests"
            if len(examples) > 1
            else f"row {rows} looks like an example, not a request"
        )
        out.append(Decision("rows left out", 0.5, words))
    continued = [m for m in merged if m.reason.startswith("continues")]
    if continued:
        rows = ", ".join(str(m.row) for m in continued[:5])
        out.append(
            Decision("rows joined", 0.5, f"rows {rows} were read as the continuation of the row above")
        )
    return tuple(out)
