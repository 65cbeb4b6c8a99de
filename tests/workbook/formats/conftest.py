"""Builders for messy checklist files, written in code into tmp_path."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from helpers.files import write_xlsx

SheetSpec = Sequence[Sequence[Any]]
MakeXlsx = Callable[..., Path]


@pytest.fixture
def make_xlsx(tmp_path: Path) -> MakeXlsx:
    """make_xlsx({"Sheet": rows, ...}, name="x.xlsx", edit=callable(wb)) → path of the saved workbook."""

    def build(
        sheets: dict[str, SheetSpec], name: str = "checklist.xlsx", edit: Callable[[Any], None] | None = None
    ) -> Path:
        return write_xlsx(tmp_path / name, sheets, edit)

    return build
