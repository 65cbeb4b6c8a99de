"""Every real checklist in ../shared/corpus comes back from write-back with only the answered rows changed.

Import with no options, answer three requests (owner, status, a note that looks like a formula), export the
filled-in checklist and compare it with the original: every cell outside those rows identical, every formula
kept, every zip member but the answered sheets byte-identical, the answers on the right rows as text.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from helpers.corpus import CORPUS, corpus_names

from workbook.errors import UserError
from workbook.formats.sheets.cells import to_text
from workbook.formats.sheets.grid import open_source
from workbook.formats.sheets.preflight import preflight
from workbook.model import Actor, ExportOptions, FieldChange, RequestFilter, Status
from workbook.services.exporting import ExportService
from workbook.services.importing import ImportService
from workbook.services.workbook import Workbook

pytestmark = [
    pytest.mark.corpus,
    # openpyxl, used here only to read both files back, does not read x14 extensions (write-back keeps them).
    pytest.mark.filterwarnings("ignore:(Conditional Formatting|Data Validation) extension:UserWarning"),
    pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning"),
]


def cells(book: Any) -> dict[tuple[str, int, int], tuple[object, str]]:
    out = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    value = cell.value
                    if hasattr(value, "text") and hasattr(value, "ref"):  # array formula
                        value = ("array", value.ref, value.text)
                    out[(sheet.title, cell.row, cell.column)] = (value, cell.data_type)
    return out


def sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name -> its part in the zip, from the workbook's relationships."""
    import re

    with zipfile.ZipFile(path) as zf:
        book = zf.read("xl/workbook.xml").decode("utf-8")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    targets |= {k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)}
    parts = {}
    for name, rid in re.findall(r'<(?:\w+:)?sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', book):
        target = targets.get(rid, "")
        parts[name.replace("&amp;", "&")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return parts


@pytest.mark.parametrize("name", corpus_names())
def test_write_back_changes_only_the_answered_rows(name: str, tmp_path: Path) -> None:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file {name} is absent")
    actor = Actor("Dana Ops", "dana")
    with Workbook.create(tmp_path / "w.auditwb", actor, client="Acme") as workbook:
        try:
            ImportService(workbook.db, actor, profiles_path=tmp_path / "p.json").import_checklist(path)
        except UserError as exc:
            assert "No requests" in exc.message  # a checklist shell: nothing to answer
            return
        answered = workbook.requests.list(RequestFilter())[:3]
        for i, request in enumerate(answered):
            status = (
                Status.READY_FOR_AUDITOR if request.status != Status.READY_FOR_AUDITOR else Status.ACCEPTED
            )
            workbook.requests.set(
                request.ref, FieldChange(owner=f"Dana Ops {i}", status=status, notes=f"=1+1 answered {i}")
            )
        rows = {(r.source_sheet, r.source_row) for r in answered}
        out = tmp_path / "answered.xlsx"
        ExportService(workbook).export(ExportOptions(xlsx=out))
    facts = preflight(path)
    answered_book = openpyxl.load_workbook(out)
    if facts.kind in ("xlsx", "xlsm"):
        original_book = openpyxl.load_workbook(path, keep_vba=facts.kind == "xlsm")
        before, after = cells(original_book), cells(answered_book)
        widths = {s.title: s.max_column for s in original_book.worksheets}
        header_rows = {r.source_sheet: r.source_row for r in answered}
        for key in set(before) | set(after):
            sheet, row, col = key
            if (sheet, row) in rows:
                continue
            if col > widths.get(sheet, 0) and row < header_rows.get(sheet, 0):
                continue  # the header cell of a column we appended
            assert before.get(key) == after.get(key), key
        formulas = sum(1 for value, kind in before.values() if kind == "f")
        assert formulas == sum(1 for value, kind in after.values() if kind == "f")
        touched = {sheet_parts(path)[sheet] for sheet, _ in rows} | {"xl/styles.xml"}
        with zipfile.ZipFile(path) as a, zipfile.ZipFile(out) as b:
            assert [i.filename for i in a.infolist()] == [i.filename for i in b.infolist()]
            for info in a.infolist():
                if info.filename not in touched:
                    assert a.read(info) == b.read(info.filename), info.filename
    else:
        with open_source(facts) as source:
            grids = {entry.name: source.read(entry.name) for entry in source.sheets()}
        assert [s.title for s in answered_book.worksheets] == [n[:31] for n in grids]
        for (sheet_name, grid), sheet in zip(grids.items(), answered_book.worksheets, strict=True):
            for number, values in enumerate(grid.rows, start=1):
                if (sheet_name, number) in rows:
                    continue
                for col, value in enumerate(values, start=1):
                    got = sheet.cell(number, col).value
                    assert (to_text(got) if got is not None else "") == to_text(value), (
                        sheet_name,
                        number,
                        col,
                    )
    for i, request in enumerate(answered):
        sheet = answered_book[(request.source_sheet or "")[:31]]
        row = [c for c in sheet[request.source_row] if c.value is not None]
        texts = {str(c.value) for c in row}
        assert f"Dana Ops {i}" in texts
        note = next(c for c in row if c.value == f"=1+1 answered {i}")
        assert note.data_type == "s"  # typed text: never a live formula
