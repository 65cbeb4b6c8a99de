"""Properties of the reader's pure parts, over generated inputs: header row, delimiter, encoding, mapping."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from workbook.errors import UserError
from workbook.formats.checklist.header import header_candidates
from workbook.formats.checklist.mapping import choose_mapping
from workbook.formats.checklist.profile import profile_columns
from workbook.formats.checklist.reader import analyse_grid
from workbook.formats.sheets.cells import general, render_number
from workbook.formats.sheets.grid import SheetGrid
from workbook.formats.sheets.preflight import FileFacts
from workbook.formats.sheets.text_source import decode_text, sniff_delimiter
from workbook.model import Status

FACTS = FileFacts(Path("generated.xlsx"), "generated.xlsx", 0, "0" * 64, "xlsx")
HEADER_WORDS = {
    "ref": ["Request ID", "PBC #", "Ref", "Evidence ID"],
    "request": ["Request", "Description", "Request Description"],
    "owner": ["Owner", "Assigned To", "Responsible"],
    "status": ["Status"],
    "due": ["Due Date", "Deadline"],
}
words = st.sampled_from(
    ["access", "review", "the", "population", "of", "change", "tickets", "policy", "vendor", "backup", "logs"]
)
sentence = st.lists(words, min_size=3, max_size=14).map(lambda w: " ".join(w).capitalize() + ".")
cell = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(-(10**6), 10**6).map(str),
    st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)),
    sentence,
)


@st.composite
def checklists(draw: Any) -> tuple[SheetGrid, int, list[str]]:
    """A title block of one-cell rows, a header row of known words, then request rows."""
    fields = draw(st.permutations(["ref", "request", "owner", "status", "due"]))
    headers = [draw(st.sampled_from(HEADER_WORDS[f])) for f in fields]
    titles = draw(
        st.lists(st.sampled_from(["Acme Corp", "SOC 2 Type II request list", "FY2026", ""]), max_size=5)
    )
    rows: list[tuple[Any, ...]] = [(t,) if t else () for t in titles]
    rows.append(tuple(headers))
    count = draw(st.integers(3, 25))
    for n in range(1, count + 1):
        values = {
            "ref": f"PBC-{n:03d}",
            "request": draw(sentence),
            "owner": draw(st.sampled_from(["Sam Chen", "Casey Jones", "Dana Ops"])),
            "status": draw(st.sampled_from(["Open", "Provided", "Not started"])),
            "due": dt.date(2026, 1, 1) + dt.timedelta(days=n),
        }
        rows.append(tuple(values[f] for f in fields))
    return SheetGrid(name="PBC", rows=tuple(rows)), len(titles) + 1, list(fields)


@given(checklists())
@settings(max_examples=60, deadline=None)
def test_the_header_row_is_found_below_any_title_block(checklist: tuple[SheetGrid, int, list[str]]) -> None:
    grid, header_row, _ = checklist
    assert header_candidates(grid)[0].row == header_row


@given(st.lists(st.lists(cell, max_size=8).map(tuple), max_size=30))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_header_candidates_of_any_grid_are_rows_of_the_grid_best_first(rows: list[tuple[Any, ...]]) -> None:
    candidates = header_candidates(SheetGrid(name="S", rows=tuple(rows)))
    assert all(1 <= c.first_row <= c.row <= len(rows) for c in candidates)
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)


@given(checklists())
@settings(max_examples=40, deadline=None)
def test_each_field_gets_its_own_column_and_a_confidence_between_0_and_1(
    checklist: tuple[SheetGrid, int, list[str]],
) -> None:
    grid, header_row, fields = checklist
    headers = [str(v) for v in grid.rows[header_row - 1]]
    body = grid.rows[header_row:]
    mapping = choose_mapping(headers, profile_columns(body, len(headers)))
    columns = [choice.column for choice in mapping.choices.values()]
    assert len(columns) == len(set(columns))
    assert all(0 <= column < len(headers) for column in columns)
    assert all(0.0 <= choice.confidence <= 1.0 for choice in mapping.choices.values())
    assert mapping.column_of("ref") == fields.index("ref")


@given(checklists(), st.data())
@settings(max_examples=40, deadline=None)
def test_a_column_chosen_by_hand_is_kept_with_full_confidence(
    checklist: tuple[SheetGrid, int, list[str]], data: st.DataObject
) -> None:
    grid, header_row, fields = checklist
    headers = [str(v) for v in grid.rows[header_row - 1]]
    field = data.draw(st.sampled_from(["request", "owner", "status"]))
    column = data.draw(st.integers(0, len(headers) - 1))
    assume(fields[column] != "ref")
    mapping = choose_mapping(
        headers, profile_columns(grid.rows[header_row:], len(headers)), fixed={field: column}
    )
    assert mapping.column_of(field) == column
    assert mapping.choices[field].confidence == 1.0
    assert [f for f, c in mapping.choices.items() if c.column == column] == [field]


@given(st.lists(st.lists(cell, max_size=6).map(tuple), max_size=25))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_grid_is_analysed_or_refused_in_words(rows: list[tuple[Any, ...]]) -> None:
    try:
        analysis = analyse_grid(FACTS, SheetGrid(name="S", rows=tuple(rows)))
    except UserError as error:
        assert error.where.startswith("generated.xlsx")
        return
    # Every non-empty row below the header is a request's row or a left-out row (docs/import.md, step 4).
    assert analysis.non_empty_rows == sum(len(r.source_rows) for r in analysis.rows) + len(analysis.skipped)


plain = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), max_codepoint=0x2FF) | st.just(" "),
    min_size=1,
    max_size=20,
)


@st.composite
def delimited(draw: Any) -> tuple[str, str]:
    """A table written by csv.writer: fields may hold the delimiter, quotes and line breaks (quoted)."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    width = draw(st.integers(2, 7))
    field = st.one_of(plain, plain.map(lambda t: f"{t}{delimiter}{t}"), plain.map(lambda t: f'{t} "x"\n{t}'))
    rows = draw(st.lists(st.lists(field, min_size=width, max_size=width), min_size=2, max_size=20))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue(), delimiter


@given(delimited())
@settings(max_examples=200, deadline=None)
def test_the_delimiter_a_table_was_written_with_is_the_one_sniffed(table: tuple[str, str]) -> None:
    text, delimiter = table
    assert sniff_delimiter(text, prefer_tab=delimiter == "\t") == delimiter


@given(st.text(max_size=2000), st.booleans())
@settings(max_examples=200, deadline=None)
def test_sniffing_any_text_gives_one_of_the_four_delimiters(text: str, prefer_tab: bool) -> None:
    assert sniff_delimiter(text, prefer_tab=prefer_tab) in (",", ";", "\t", "|")


printable = st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufeff")
readable = st.text(alphabet=printable, min_size=4, max_size=300)


@given(readable, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
@settings(max_examples=200, deadline=None)
def test_text_in_any_supported_encoding_decodes_to_itself(text: str, encoding: str) -> None:
    assert decode_text(text.encode(encoding), "x.csv")[0] == text


@given(st.binary(max_size=3000))
@settings(max_examples=300, deadline=None)
def test_any_bytes_decode_or_are_refused_as_not_text(data: bytes) -> None:
    try:
        text, encoding = decode_text(data, "x.csv")
    except UserError as error:
        assert error.message.startswith("The file is not text")
        return
    assert isinstance(text, str) and encoding


@given(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**20), 10**20))
@settings(max_examples=300, deadline=None)
def test_general_format_of_any_number_is_short_text(value: float) -> None:
    shown = general(value)
    assert shown and len(shown) <= 25


@given(st.floats(-1e12, 1e12, allow_nan=False), st.text(alphabet='0#.,%;"$ -()E+@_*?/', max_size=25))
@settings(max_examples=400, deadline=None)
def test_any_number_format_renders_text_or_refuses_with_value_error(value: float, number_format: str) -> None:
    try:
        shown = render_number(value, number_format)
    except (ValueError, OverflowError):
        return
    assert isinstance(shown, str)


@pytest.mark.parametrize("status", list(Status))
def test_a_status_parses_from_its_value_and_its_label(status: Status) -> None:
    assert Status.parse(status.value) == status
    assert Status.parse(status.label.upper()) == status
    assert Status.parse(f"  {status.label.replace(' ', '-')} ") == status


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_any_text_is_a_status_or_refused_with_value_error(text: str) -> None:
    try:
        status = Status.parse(text)
    except ValueError as error:
        assert "unknown status" in str(error)
        return
    assert status in Status
