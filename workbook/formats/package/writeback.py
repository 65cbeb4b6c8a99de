"""Write-back: the auditor's own checklist with status, owner, response and evidence filled in as text."""

from __future__ import annotations

import copy
import csv
import io
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from workbook.atomic import atomic_output
from workbook.errors import UserError
from workbook.formats.package.inputs import WritebackAnswer, WritebackInput

# The fields write-back fills, in the order appended columns are added, with their appended headers.
WRITEBACK_FIELDS: tuple[tuple[str, str], ...] = (
    ("status", "Status"),
    ("owner", "Owner"),
    ("response", "Response"),
    ("evidence", "Evidence"),
)
_EXCEL_CELL_LIMIT = 32_767


def clean_text(value: str) -> str:
    """Text openpyxl accepts and Excel keeps: no control characters, at most Excel's cell limit."""
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(text) > _EXCEL_CELL_LIMIT:
        text = text[: _EXCEL_CELL_LIMIT - 1] + "…"
    return text


def _norm(header: object) -> str:
    text = str(header or "").replace("\u00a0", " ")
    return " ".join(text.split()).rstrip(":").strip().casefold()


def _find_column(ws: Worksheet, header_row: int, wanted: str | int) -> int | None:
    if isinstance(wanted, int):
        return wanted if wanted >= 1 else None
    target = _norm(wanted)
    if not target:
        return None
    rows = [header_row] + ([header_row - 1] if header_row > 1 else [])
    for row in rows:
        for cell in ws[row]:
            if _norm(cell.value) == target:
                return cell.column
    # Two-row merged headers are often mapped by their joined text ("Response Owner").
    if header_row > 1:
        for col in range(1, ws.max_column + 1):
            above, here = ws.cell(header_row - 1, col).value, ws.cell(header_row, col).value
            if _norm(f"{above or ''} {here or ''}") == target:
                return col
    return None


def _load(original_bytes: bytes, file_name: str) -> tuple[Workbook, bool]:
    """Open the checklist; a CSV becomes a one-sheet workbook of text cells."""
    is_zip = original_bytes[:4] == b"PK\x03\x04"
    if not is_zip:
        if original_bytes[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise UserError(
                "write-back cannot fill in an old-style .xls checklist",
                hint="save the checklist as .xlsx in Excel and import it again",
                where=file_name,
            )
        text = original_bytes.decode("utf-8-sig", errors="replace")
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = Path(file_name).stem[:31] or "Sheet1"
        for row in csv.reader(io.StringIO(text)):
            ws.append([clean_text(v) for v in row])
        return wb, False
    keep_vba = file_name.lower().endswith(".xlsm")
    try:
        return load_workbook(io.BytesIO(original_bytes), keep_vba=keep_vba, rich_text=True), keep_vba
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UserError(
            f"the stored checklist cannot be opened as a spreadsheet ({exc})",
            hint="import the auditor's checklist again, then export",
            where=file_name,
        ) from exc


def write_back(
    original_bytes: bytes,
    sheet: str,
    header_row: int,
    mapping: Mapping[str, str | int],
    answers: Sequence[WritebackAnswer],
    out_path: Path,
    *,
    file_name: str = "checklist.xlsx",
) -> dict[str, int]:
    """Fill the answers into `sheet` and save to `out_path`; returns field -> 1-based column written."""
    wb, _ = _load(original_bytes, file_name)
    if sheet not in wb.sheetnames:
        if len(wb.sheetnames) == 1 and not file_name.lower().endswith((".xlsx", ".xlsm")):
            sheet = wb.sheetnames[0]
        else:
            raise UserError(
                f"the checklist has no sheet named {sheet!r}",
                hint=f"sheets are: {', '.join(wb.sheetnames)}; import the checklist again",
                where=file_name,
            )
    ws = wb[sheet]
    if header_row < 1:
        raise UserError("the header row must be 1 or more", where=f"{file_name} · {sheet}")
    columns: dict[str, int] = {}
    next_free = max(ws.max_column, 1) + 1
    for fld, default_header in WRITEBACK_FIELDS:
        wanted = mapping.get(fld)
        col = _find_column(ws, header_row, wanted) if wanted is not None else None
        if col is None:
            col = next_free
            next_free += 1
            header = wanted if isinstance(wanted, str) and wanted.strip() else default_header
            _append_header(ws, header_row, col, header)
        columns[fld] = col
    for answer in answers:
        if answer.source_row <= header_row:
            raise UserError(
                f"an answer points at row {answer.source_row}, not below the header row {header_row}",
                hint="import the checklist again so the rows line up",
                where=f"{file_name} · {sheet} · row {answer.source_row}",
            )
        values = {
            "status": answer.status,
            "owner": answer.owner,
            "response": answer.response,
            "evidence": "\n".join(answer.evidence),
        }
        for fld, col in columns.items():
            _put_text(ws, answer.source_row, col, values[fld])
    _save(wb, Path(out_path))
    return columns


def write_back_input(data: WritebackInput, out_path: Path) -> dict[str, int]:
    """`write_back` for the dataclass the export service builds."""
    return write_back(
        data.original_bytes,
        data.sheet,
        data.header_row,
        data.mapping,
        data.answers,
        out_path,
        file_name=data.file_name,
    )


def _append_header(ws: Worksheet, header_row: int, col: int, text: str) -> None:
    cell = ws.cell(header_row, col)
    left = ws.cell(header_row, col - 1) if col > 1 else None
    if isinstance(cell, Cell) and isinstance(left, Cell) and left.has_style:
        cell._style = copy.copy(left._style)  # type: ignore[attr-defined]  # no public style copy
    _put_text(ws, header_row, col, text)
    ws.column_dimensions[get_column_letter(col)].width = 28


def _put_text(ws: Worksheet, row: int, col: int, value: str) -> None:
    cell = ws.cell(row, col)
    if isinstance(cell, MergedCell):
        # A merged block takes the answer in its top-left cell, the only one Excel shows.
        for block in ws.merged_cells.ranges:
            if cell.coordinate in block:
                cell = ws.cell(block.min_row, block.min_col)
                break
    assert isinstance(cell, Cell)
    text = clean_text(value)
    cell.value = text or None
    if not text:
        return
    # A typed string cell is never a formula, whatever it starts with (=, +, -, @, tab, CR).
    cell.data_type = "s"
    if "\n" in value and not (cell.alignment and cell.alignment.wrap_text):
        cell.alignment = Alignment(
            horizontal=cell.alignment.horizontal, vertical=cell.alignment.vertical or "top", wrap_text=True
        )


def _save(wb: Workbook, out_path: Path) -> None:
    with atomic_output(out_path) as (fd, tmp):
        os.close(fd)
        wb.save(tmp)
