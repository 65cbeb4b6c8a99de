"""Cell values as a person sees them: number formats, dates in every Excel form, criteria lists, text."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from workbook.formats.checklist.reader import analyse_sheet
from workbook.formats.sheets.cells import (
    DateReading,
    clean_text,
    general,
    numeric_date_order,
    read_date,
    render_number,
    split_criteria,
    to_text,
)

MARCH_31 = dt.date(2025, 3, 31)


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [
        (3.1, "0.00", "3.10"),
        (7, "000", "007"),
        (12, '"PBC-"000', "PBC-012"),
        (3, "\\A0", "A3"),
        (1234.5, "#,##0.00", "1,234.50"),
        (0.25, "0%", "25%"),
        (0.5, "0.0#", "0.5"),
        (-5, "0.00", "-5.00"),
        (3.1, "General", "3.1"),
        (7, "@", "7"),
    ],
)
def test_numbers_render_in_their_display_format(value: float, number_format: str, shown: str) -> None:
    assert render_number(value, number_format) == shown


def test_general_format_drops_binary_noise_and_trailing_zero() -> None:
    assert [general(3.0), general(0.1 + 0.2), general(1e20), general(1.5e-7), general(True)] == [
        "3",
        "0.3",
        "1E+20",
        "1.5E-07",
        "TRUE",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "45747",
        "45747.0",
        "2025-03-31",
        "2025/3/31",
        "2025-03-31T10:00:00",
        "31/03/2025",
        "03/31/2025",
        "31/03/2025 10:00",
        "31 Mar 2025",
        "31-Mar-25",
        "Mar 31, 2025",
        "Monday, March 31, 2025",
        "31. März 2025",
        "31 mars 2025",
        "31 marzo 2025",
    ],
)
def test_text_dates_in_several_forms_and_locales_are_read(text: str) -> None:
    assert read_date(text) == DateReading(MARCH_31)


def test_datetime_and_date_cells_are_dates_and_times_or_blanks_are_not() -> None:
    assert read_date(dt.datetime(2025, 3, 31, 10, 30)) == DateReading(MARCH_31)
    assert read_date(MARCH_31) == DateReading(MARCH_31)
    assert [read_date(v).date for v in (dt.time(9, 30), None, "", "TBD", "99999")] == [None] * 5


def test_ambiguous_numeric_dates_are_flagged_and_follow_the_columns_order() -> None:
    assert read_date("04/05/2025") == DateReading(dt.date(2025, 4, 5), ambiguous=True)
    assert read_date("04/05/2025", day_first=True) == DateReading(dt.date(2025, 5, 4), ambiguous=True)
    assert read_date("04.05.2025") == DateReading(dt.date(2025, 5, 4), ambiguous=True)
    assert read_date("4/4/2025") == DateReading(dt.date(2025, 4, 4))
    assert numeric_date_order(["31/03/2025", "04/05/2025"]) is True
    assert numeric_date_order(["03/31/2025", "04/05/2025"]) is False
    assert numeric_date_order(["04/05/2025"]) is None


def test_dates_in_a_1904_workbook_are_read_with_its_epoch(make_xlsx: Any) -> None:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    def mac(wb: Any) -> None:
        wb.epoch = CALENDAR_MAC_1904

    rows = [["Ref", "Request", "Due Date"], ["1", "a", dt.datetime(2025, 3, 31)]]
    analysis = analyse_sheet(make_xlsx({"PBC": rows}, edit=mac))
    assert [r.due for r in analysis.rows] == [MARCH_31]


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("CC6.1, CC6.2", ("CC6.1", "CC6.2")),
        ("CC6.1;CC6.2", ("CC6.1", "CC6.2")),
        ("CC6.1\nCC6.2\n", ("CC6.1", "CC6.2")),
        ("CC6.1 and CC6.2", ("CC6.1", "CC6.2")),
        ("CC6.1 / CC6.2", ("CC6.1", "CC6.2")),
        ("CC6.1 | CC6.2", ("CC6.1", "CC6.2")),
        ("• CC6.1\n• CC7.2", ("CC6.1", "CC7.2")),
        ("CC6.1, CC6.1", ("CC6.1",)),
        ("N/A", ()),
        ("", ()),
    ],
)
def test_criteria_cells_split_into_lists(text: str, items: tuple[str, ...]) -> None:
    assert split_criteria(text) == items


def test_clean_text_turns_nbsp_to_space_and_crlf_to_lf_and_trims_lines() -> None:
    assert clean_text("  a\u00a0b  \r\n c  \r\n\r\n") == "a b\n c"
    assert clean_text("Request\rID") == "Request\nID"
    assert clean_text("") == ""


def test_to_text_shows_dates_and_times_as_a_person_reads_them() -> None:
    assert to_text(dt.datetime(2025, 1, 2)) == "2025-01-02"
    assert to_text(dt.datetime(2025, 1, 2, 3, 4)) == "2025-01-02 03:04"
    assert to_text(dt.time(9, 30)) == "09:30"
    assert to_text(None) == ""


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [
        (-5, "0.00;(0.00)", "(5.00)"),
        (5, "0.00;(0.00)", "5.00"),
        (-1234.5, "#,##0.00;[Red]-#,##0.00", "-1,234.50"),
        (0, '0;-0;"nil"', "nil"),
        (-5, "0.00", "-5.00"),
    ],
)
def test_negative_and_zero_sections_of_a_number_format_are_used(
    value: float, number_format: str, shown: str
) -> None:
    assert render_number(value, number_format) == shown


@pytest.mark.parametrize("text", ["²", "٣٤٥٦٧", "45000²", "１２３４５"])
def test_unicode_digits_are_not_taken_for_an_excel_serial_date(text: str) -> None:
    # Found by hypothesis: "²".isdigit() is True, and int(float("²")) raised instead of "no date".
    assert read_date(text).date is None
