"""Text for CSV cells a spreadsheet opens as text: a cell it would run as a formula is neutralised."""

from __future__ import annotations

# A CSV cell starting with one of these is a formula (or the start of one) to Excel, LibreOffice and Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """`text` as a CSV cell a spreadsheet shows as typed: a leading apostrophe keeps `=1+1` from running."""
    return "'" + text if text.startswith(FORMULA_START) else text
