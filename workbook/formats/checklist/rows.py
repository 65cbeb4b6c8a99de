"""Every non-empty row below the header, accounted for: a request, part of one, or skipped with a reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from typing import Literal

from workbook.formats.checklist.layout import (
    is_bracketed,
    is_example_ref,
    is_placeholder,
    is_repeated_header,
    row_texts,
    sample_rows,
)
from workbook.formats.checklist.mapping import PREFIXED_ID, RefMode
from workbook.formats.sheets.cells import CellValue, numeric_date_order, read_date, split_criteria
from workbook.formats.sheets.grid import SheetGrid
from workbook.formats.sheets.preflight import column_letter, place
from workbook.model import Problem, Status

DuplicatePolicy = Literal["merge", "suffix"]
_TEXT_FIELDS = ("title", "request", "section", "owner", "priority", "comment")
_NOTE_STARTS = (
    "note",
    "*",
    "legend",
    "source",
    "remarque",
    "hinweis",
    "nota",
    "opmerking",
    "注",
    "※",
    "참고",
)


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
    sheet: str = ""


@dataclass(frozen=True)
class SkippedRow:
    """A non-empty row that is not a request, why (in words), and what it said."""

    row: int
    reason: str
    text: str = ""
    sheet: str = ""
    kind: str = ""  # repeated_header, section, note, example, no_request, empty_header_only


@dataclass(frozen=True)
class MergedRow:
    """A row folded into another request, and why."""

    row: int
    into: str
    reason: str
    sheet: str = ""


@dataclass(frozen=True)
class DuplicateRef:
    """Rows that shared one ref, and what was done with them."""

    ref: str
    rows: tuple[int, ...]
    action: Literal["merged", "suffixed"]
    refs: tuple[str, ...]


@dataclass
class RowsRead:
    rows: list[ChecklistRow] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    merged: list[MergedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    non_empty: int = 0
    # Rows whose ref was filled down from a cell merged over several rows: one request spanning rows.
    spanning: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class RowPlan:
    """What the row reader needs: where each field is, how refs are made, what the user brought back."""

    fields: dict[str, int]  # field -> 0-based column
    extra_names: dict[int, str]  # unmapped column -> its name in `extra`
    ref_mode: RefMode
    header_texts: tuple[str, ...]
    first_section: str = ""
    include: frozenset[int] = frozenset()


def vertical_fill(grid: SheetGrid, first_data_row: int) -> dict[tuple[int, int], CellValue]:
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


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_rows(
    file_name: str,
    grid: SheetGrid,
    header_row: int,
    plan: RowPlan,
    header: object,
) -> RowsRead:
    """Walk every row below the header once and account for each non-empty one."""
    from workbook.formats.checklist.header import HeaderCandidate

    assert isinstance(header, HeaderCandidate)
    out = RowsRead()
    first = header_row + 1
    fill = vertical_fill(grid, first)
    fields = plan.fields
    ref_col = fields.get("ref")
    section_col = fields.get("section")
    due_col = fields.get("due")
    content_cols = [fields[f] for f in ("ref", "title", "request") if f in fields]
    width = max(grid.width, len(plan.header_texts), max(fields.values(), default=-1) + 1)
    day_first = _day_first(grid, header_row, due_col)
    header_lower = {h.lower() for h in plan.header_texts if h}
    data_rows = [n for n in range(first, len(grid.rows) + 1) if grid.rows[n - 1]]
    look_like_samples = sample_rows(grid.shaded_rows, data_rows) if grid.shaded_rows else frozenset()
    typical_width = _typical_width(grid, data_rows, content_cols)
    current_section = plan.first_section
    last_request_row = 0
    for number in range(first, len(grid.rows) + 1):
        raw = grid.rows[number - 1]
        if not raw:
            continue
        values: list[CellValue] = list(raw) + [None] * (width - len(raw))
        from_merge: set[int] = set()
        if fill:
            for col in range(1, width + 1):
                if values[col - 1] in (None, "") and (number, col) in fill:
                    values[col - 1] = fill[(number, col)]
                    from_merge.add(col - 1)
        texts = row_texts(values)
        filled = [i for i, t in enumerate(texts) if t]
        if not filled:
            continue
        out.non_empty += 1
        summary = _short(" · ".join(texts[i] for i in filled))

        def skip(reason: str, kind: str, number: int = number, summary: str = summary) -> None:
            out.skipped.append(SkippedRow(number, reason, summary, grid.name, kind))

        forced = number in plan.include
        if not forced:
            repeats = sum(1 for t in texts if t and t.lower() in header_lower)
            if repeats >= 2 and is_repeated_header(texts, header):
                differing = [
                    texts[i]
                    for i in filled
                    if i < len(plan.header_texts) and texts[i].lower() != plan.header_texts[i].lower()
                ]
                if len(differing) == 1:
                    current_section = differing[0]
                skip(
                    "the header row repeated" + (f" (section {differing[0]!r})" if differing else ""),
                    "repeated_header",
                )
                continue
            shaded = number in grid.shaded_rows
            placeholder = any(is_placeholder(texts[i]) for i in filled)
            if (shaded and placeholder and (number in look_like_samples or _all_template(texts, filled))) or (
                ref_col is not None and is_example_ref(texts[ref_col])
            ):
                why = "grey or italic template text" if shaded and placeholder else "its ref names an example"
                skip(f"an example row ({why})", "example")
                continue
            if (
                content_cols
                and all(not texts[c] or is_bracketed(texts[c]) for c in content_cols)
                and any(is_bracketed(texts[c]) for c in content_cols)
            ):
                skip("a placeholder row ([…] prompts only)", "example")
                continue
        content = [c for c in content_cols if texts[c]]
        distinct = {texts[i] for i in filled}
        if not forced and not content:
            if section_col is not None and texts[section_col]:
                current_section = texts[section_col]
                skip("a section row", "section")
                continue
            continues = (
                out.rows
                and last_request_row == number - 1
                and ref_col is not None
                and min(filled) > min(content_cols)
                and number not in grid.bold_rows
                and not any(_merged_across(grid, number, i + 1) for i in filled)
            )
            if continues:
                into = out.rows[-1]
                out.rows[-1] = _merge(
                    into,
                    _as_row(
                        number,
                        texts,
                        values,
                        plan,
                        into.ref,
                        "",
                        current_section,
                        grid.name,
                        day_first,
                        due_col,
                    ),
                )
                out.merged.append(
                    MergedRow(
                        number,
                        into.ref,
                        "continues the row above (no ref or request text of its own)",
                        grid.name,
                    )
                )
                last_request_row = number
                continue
            if len(distinct) == 1:
                heading = next(iter(distinct))
                if _is_note(heading):
                    skip("a note", "note")
                else:
                    current_section = heading
                    skip("a section heading", "section")
                continue
            where = ", ".join(f"{_short(texts[i], 30)!r} in {column_letter(i + 1)}" for i in filled[:3])
            skip(f"no ref, title or request text (only {where})", "no_request")
            continue
        if (
            not forced
            and ref_col is not None
            and not texts[ref_col]
            and plan.ref_mode in ("column", "numbered")
            and (number in grid.bold_rows or any(_merged_across(grid, number, i + 1) for i in filled))
        ):
            # A bold row with no ref in a list of refs names the group below it (`Control 1` over 1.1, 1.2 …).
            current_section = next((texts[c] for c in content_cols if texts[c]), texts[filled[0]])
            skip("a section heading (bold, no ref)", "section")
            continue
        if not forced and len(distinct) == 1 and len(filled) == 1:
            only = filled[0]
            if (
                out.rows
                and last_request_row == number - 1
                and content_cols
                and only > min(content_cols)
                and only not in (ref_col, fields.get("request"), fields.get("title"))
                and number not in grid.bold_rows
            ):
                into = out.rows[-1]
                out.rows[-1] = _merge(
                    into,
                    _as_row(
                        number,
                        texts,
                        values,
                        plan,
                        into.ref,
                        "",
                        current_section,
                        grid.name,
                        day_first,
                        due_col,
                    ),
                )
                out.merged.append(
                    MergedRow(
                        number,
                        into.ref,
                        "continues the row above (no ref or request text of its own)",
                        grid.name,
                    )
                )
                last_request_row = number
                continue
            value = texts[only]
            code_ref = only == ref_col and (
                (plan.ref_mode in ("column", "numbered") and _code(value))
                or (plan.ref_mode == "prefixed" and PREFIXED_ID.match(value) is not None)
            )
            heading_shape = (
                number in grid.bold_rows or _merged_across(grid, number, only + 1) or typical_width >= 2
            )
            if not code_ref and heading_shape:
                if _is_note(value):
                    skip("a note", "note")
                else:
                    current_section = value
                    skip("a section heading", "section")
                continue
        if section_col is not None and texts[section_col]:
            current_section = texts[section_col]
        ref = _ref(number, texts, plan, out, file_name, grid.name)
        row = _as_row(number, texts, values, plan, ref, "", current_section, grid.name, day_first, due_col)
        if (
            plan.ref_mode == "prefixed"
            and ref_col is not None
            and (split := PREFIXED_ID.match(texts[ref_col]))
        ):
            row = replace(row, ref=split[1])
            if "title" not in fields:
                row = replace(row, title=split[2].strip())
            elif "request" not in fields:
                row = replace(row, request=split[2].strip())
        if ref_col is not None and ref_col in from_merge and out.rows and out.rows[-1].ref == row.ref:
            out.spanning.add(number)
        if due_col is not None:
            _due_problems(file_name, grid.name, number, due_col, row, out)
        out.rows.append(row)
        last_request_row = number
    return out


def _all_template(texts: list[str], filled: list[int]) -> bool:
    return all(is_placeholder(texts[i]) for i in filled)


def _code(text: str) -> bool:
    from workbook.formats.checklist.profile import looks_like_code

    return looks_like_code(text)


def _is_note(text: str) -> bool:
    return len(text) > 100 or text.lower().startswith(_NOTE_STARTS)


def _merged_across(grid: SheetGrid, row: int, col: int) -> bool:
    return any(
        m.min_row <= row <= m.max_row and m.min_col <= col <= m.max_col and m.max_col > m.min_col
        for m in grid.merged
    )


def _typical_width(grid: SheetGrid, data_rows: list[int], content_cols: list[int]) -> int:
    """How many cells a request row usually fills (form-like lists fill one)."""
    widths = []
    for n in data_rows[:400]:
        row = grid.rows[n - 1]
        if any(c < len(row) and row[c] not in (None, "") for c in content_cols):
            widths.append(sum(1 for v in row if v not in (None, "")))
    if not widths:
        return 0
    widths.sort()
    return widths[len(widths) // 2]


def _day_first(grid: SheetGrid, header_row: int, due_col: int | None) -> bool | None:
    if due_col is None:
        return None
    due_texts = [
        r[due_col] for r in grid.rows[header_row:] if due_col < len(r) and isinstance(r[due_col], str)
    ]
    return numeric_date_order([t for t in due_texts if isinstance(t, str)])


def _ref(number: int, texts: list[str], plan: RowPlan, out: RowsRead, file_name: str, sheet: str) -> str:
    ref_col = plan.fields.get("ref")
    generated = f"R{number:04d}"
    if ref_col is None or plan.ref_mode == "generated":
        return generated
    ref = texts[ref_col]
    if not ref:
        out.problems.append(
            Problem(
                "missing_ref",
                place(file_name, sheet, number, ref_col + 1),
                f"This row has no ref; it was given {generated}.",
            )
        )
        return generated
    return ref


def _as_row(
    number: int,
    texts: list[str],
    values: list[CellValue],
    plan: RowPlan,
    ref: str,
    _unused: str,
    section: str,
    sheet: str,
    day_first: bool | None,
    due_col: int | None,
) -> ChecklistRow:
    fields = plan.fields
    text_of = {f: texts[c] for f, c in fields.items() if f in _TEXT_FIELDS}
    extra = [(name, texts[c]) for c, name in plan.extra_names.items() if c < len(texts) and texts[c]]
    due: dt.date | None = None
    due_text = ""
    if due_col is not None:
        due_text = texts[due_col]
        due = read_date(values[due_col], day_first).date
        if due_text and due is None:
            # Text that is not a date is kept where the user can see it.
            extra.append(
                (plan.header_texts[due_col] if due_col < len(plan.header_texts) else "Due", due_text)
            )
    return ChecklistRow(
        source_row=number,
        ref=ref,
        title=text_of.get("title", ""),
        request=text_of.get("request", ""),
        criteria=split_criteria(texts[fields["criteria"]]) if "criteria" in fields else (),
        section=text_of.get("section", "") or section,
        owner=text_of.get("owner", ""),
        due=due,
        due_text=due_text,
        status_text=texts[fields["status"]] if "status" in fields else "",
        status=None,
        priority=text_of.get("priority", ""),
        comment=text_of.get("comment", ""),
        extra=tuple(extra),
        source_rows=(number,),
        sheet=sheet,
    )


def _due_problems(
    file_name: str, sheet: str, number: int, due_col: int, row: ChecklistRow, out: RowsRead
) -> None:
    if row.due_text and row.due is None:
        out.problems.append(
            Problem(
                "unreadable_date",
                place(file_name, sheet, number, due_col + 1),
                f"{row.due_text!r} is not a date; the text is kept and the due date left empty.",
            )
        )
    elif row.due_text and read_date(row.due_text).ambiguous:
        out.problems.append(
            Problem(
                "ambiguous_date",
                place(file_name, sheet, number, due_col + 1),
                f"{row.due_text!r} could be day/month or month/day; read as {row.due}.",
            )
        )


def _join(a: str, b: str) -> str:
    if not b or b == a:
        return a
    if not a:
        return b
    parts = a.split("\n\n")
    return a if b in parts else f"{a}\n\n{b}"


def _merge(a: ChecklistRow, b: ChecklistRow) -> ChecklistRow:
    criteria = a.criteria + tuple(c for c in b.criteria if c not in a.criteria)
    extra = dict(a.extra)
    for name, text in b.extra:
        extra[name] = _join(extra.get(name, ""), text)
    return replace(
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
        extra=tuple(extra.items()),
        source_rows=a.source_rows + b.source_rows,
    )


def _content_key(row: ChecklistRow) -> tuple[object, ...]:
    return (row.title, row.request, row.criteria, row.owner, row.status_text, row.comment, row.extra)


def resolve_duplicates(
    rows: list[ChecklistRow],
    policy: DuplicatePolicy | None,
    spanning: Collection[int],
    numbered: bool,
) -> tuple[list[ChecklistRow], tuple[DuplicateRef, ...], list[MergedRow]]:
    """Rows sharing a ref: the same text twice, or a ref cell merged over rows, is one request; otherwise the
    rows stay apart, numbered `-2`, `-3` … (or merged when the user asks for `merge`)."""
    groups: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(row.ref, []).append(i)
    if all(len(idx) == 1 for idx in groups.values()):
        return rows, (), []
    taken = set(groups)
    out: list[ChecklistRow | None] = list(rows)
    report: list[DuplicateRef] = []
    merged_rows: list[MergedRow] = []
    for ref, indexes in groups.items():
        if len(indexes) < 2:
            continue
        keep: list[int] = [indexes[0]]
        for i in indexes[1:]:
            base_i = keep[-1]
            same = _content_key(rows[i]) == _content_key(rows[indexes[0]])
            spans = rows[i].source_row in spanning
            if policy == "merge" or same or spans:
                target = keep[0] if not spans else base_i
                current = out[target]
                assert current is not None
                out[target] = _merge(current, rows[i])
                out[i] = None
                why = (
                    "same ref and the same text as row " + str(rows[indexes[0]].source_row)
                    if same
                    else "its ref cell is merged with the row above"
                    if spans
                    else "same ref as row " + str(rows[indexes[0]].source_row) + " (you chose to merge)"
                )
                merged_rows.append(MergedRow(rows[i].source_row, ref, why, rows[i].sheet))
            else:
                keep.append(i)
        if len(keep) > 1:
            new_refs = [ref]
            n = 1
            for i in keep[1:]:
                n += 1
                candidate = f"{ref}-{n}"
                while candidate in taken:
                    n += 1
                    candidate = f"{ref}-{n}"
                taken.add(candidate)
                new_refs.append(candidate)
                current = out[i]
                assert current is not None
                out[i] = replace(current, ref=candidate)
            report.append(
                DuplicateRef(ref, tuple(rows[i].source_row for i in keep), "suffixed", tuple(new_refs))
            )
        elif len(indexes) > 1:
            report.append(DuplicateRef(ref, tuple(rows[i].source_row for i in indexes), "merged", (ref,)))
    del numbered
    return [r for r in out if r is not None], tuple(report), merged_rows


def with_status(
    row: ChecklistRow, vocabulary: dict[str, Status], fallback: Callable[[str], Status | None]
) -> ChecklistRow:
    if not row.status_text:
        return row
    status = vocabulary.get(row.status_text.strip()) or fallback(row.status_text)
    return replace(row, status=status)
