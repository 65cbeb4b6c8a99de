"""Header detection and column mapping as pure functions over grids built in the test."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from workbook.formats.checklist.header import header_candidates
from workbook.formats.checklist.synonyms import FieldGuess, guess_field, header_signature, normalise_header
from workbook.formats.sheets.grid import CellRange, SheetGrid


def grid(rows: Sequence[Sequence[Any]], merged: tuple[CellRange, ...] = ()) -> SheetGrid:
    return SheetGrid(name="PBC", rows=tuple(tuple(r) for r in rows), merged=merged)


def test_normalise_header_folds_case_breaks_nbsp_colons_plurals_and_number_words() -> None:
    assert normalise_header("Request\nID:") == "request id"
    assert normalise_header("Référence de la demande") == "ref de la demande"
    assert normalise_header("genericId") == "generic id"
    assert normalise_header("統制ID") == "統制 id"
    assert normalise_header(" Request\u00a0No. ") == "request #"
    assert normalise_header("Client's Comments") == "client comment"
    assert normalise_header("ＰＢＣ　＃") == "pbc #"
    assert normalise_header("") == ""


def test_header_signature_ignores_cosmetics_and_trailing_blanks_but_not_order() -> None:
    assert header_signature(["Request ID", "Owner:", ""]) == header_signature(["request\u00a0id", "OWNER"])
    assert header_signature(["Request ID", "Owner"]) != header_signature(["Owner", "Request ID"])
    assert len(header_signature(["Ref"])) == 16


@pytest.mark.parametrize(
    ("header", "field", "confidence"),
    [
        ("Request ID", "ref", 1.0),
        ("PBC #", "ref", 1.0),
        ("Evidence ID", "ref", 1.0),
        ("Ref", "ref", 1.0),
        ("Control ID", "ref", 0.85),
        ("Item", "ref", 0.7),
        ("TSC", "criteria", 0.95),
        ("Assigned To", "owner", 0.95),
        ("Due On", "due", 0.95),
        ("Deadline", "due", 0.95),
        ("Date", "due", 0.5),
        ("Auditor Comments", "comment", 0.9),
        ("Request Description", "request", 0.95),
        ("Status of request", "status", 0.665),
        ("Owner (Client)", "owner", 0.855),
        ("NIST SP 800-53, Revision 5 Control", "criteria", 0.56),
        ("Assignees", "owner", 0.95),
        ("Evidence Owner", "owner", 0.95),
        ("Documentation Artifact", "title", 0.9),
        ("Référence", "ref", 1.0),
        ("Verantwortlich", "owner", 0.95),
        ("Fecha límite", "due", 0.95),
        ("Responsável", "owner", 0.95),
        ("Scadenza", "due", 0.95),
        ("Eigenaar", "owner", 0.95),
        ("統制の内容", "request", 0.95),
        ("담당 부서", "owner", 0.95),
        ("genericId", "ref", 0.6),
    ],
)
def test_guess_field_knows_synonyms_with_a_confidence(header: str, field: str, confidence: float) -> None:
    assert guess_field(header) == FieldGuess(field, confidence)


def test_guess_field_leaves_unknown_and_blank_headers_alone() -> None:
    assert [guess_field(h) for h in ("Population", "", "https://example.com/request id")] == [None] * 3


def test_header_row_is_found_below_a_title_block_and_blank_rows() -> None:
    rows: list[list[Any]] = [
        ["Acme SOC 2 Type II — request list"],
        ["Prepared by the auditor, 2026-01-05"],
        [],
        ["Request ID", "Request", "Owner", "Due Date"],
        ["PBC-1", "Access list", "Ann", "2026-02-01"],
        ["PBC-2", "Change tickets", "Bo", "2026-02-01"],
    ]
    best = header_candidates(grid(rows))[0]
    assert (best.row, best.first_row) == (4, 4)
    assert best.headers == ("Request ID", "Request", "Owner", "Due Date")


def test_two_row_header_under_a_band_keeps_sub_headers_as_written() -> None:
    rows: list[list[Any]] = [
        ["PBC #", "Request", "Client response", None, None],
        [None, None, "Owner", "Status", "Due On"],
        ["1", "Policies", "Ann", "Open", "2026-03-31"],
        ["2", "Vendors", "Bo", "Open", "2026-03-31"],
    ]
    merged = (CellRange(1, 1, 2, 1), CellRange(1, 2, 2, 2), CellRange(1, 3, 1, 5))
    best = header_candidates(grid(rows, merged))[0]
    assert (best.first_row, best.row) == (1, 2)
    assert best.headers == ("PBC #", "Request", "Owner", "Status", "Due On")


def test_a_title_merged_across_the_whole_width_is_not_a_band() -> None:
    rows: list[list[Any]] = [
        ["Acme request list", None, None],
        ["Ref", "Request", "Owner"],
        ["A-1", "x", "Ann"],
        ["A-2", "y", "Bo"],
    ]
    best = header_candidates(grid(rows, (CellRange(1, 1, 1, 3),)))[0]
    assert (best.first_row, best.row, best.headers) == (2, 2, ("Ref", "Request", "Owner"))
