"""Builders for messy checklist files, written in code into tmp_path."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

SheetSpec = Sequence[Sequence[Any]]
MakeXlsx = Callable[..., Path]


def fill(ws: Worksheet, rows: SheetSpec) -> None:
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)


@pytest.fixture
def make_xlsx(tmp_path: Path) -> MakeXlsx:
    """make_xlsx({"Sheet": rows, ...}, name="x.xlsx", edit=callable(wb)) → path of the saved workbook."""

    def build(
        sheets: dict[str, SheetSpec], name: str = "checklist.xlsx", edit: Callable[[Any], None] | None = None
    ) -> Path:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title, rows in sheets.items():
            fill(wb.create_sheet(title), rows)
        if edit is not None:
            edit(wb)
        path = tmp_path / name
        wb.save(path)
        return path

    return build
