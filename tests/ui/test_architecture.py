"""ui/ works through the workbook's services: no module reaches a workbook's database, read from source."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "ui"


def database_accesses(source: str, filename: str = "<source>") -> list[int]:
    """Lines where `source` reads an attribute named `db`: `workbook.db.write()`, `Service(workbook.db)`…"""
    tree = ast.parse(source, filename=filename)
    attributes = (node for node in ast.walk(tree) if isinstance(node, ast.Attribute))
    return sorted(node.lineno for node in attributes if node.attr == "db")


def test_no_ui_module_reaches_a_workbooks_database() -> None:
    found = [
        f"{path.relative_to(UI.parent).as_posix()}:{line}"
        for path in sorted(UI.rglob("*.py"))
        for line in database_accesses(path.read_text(encoding="utf-8"), str(path))
    ]

    assert found == [], "use Workbook.read_only_reason and Workbook.imports() instead"


def test_the_database_scan_reads_every_ui_module() -> None:
    scanned = {path.relative_to(UI.parent).as_posix() for path in UI.rglob("*.py")}

    assert {"ui/main_window.py", "ui/workbook_session.py", "ui/dialogs/import_wizard/wizard.py"} <= scanned


def test_the_database_scan_finds_every_way_of_writing_it_and_nothing_else() -> None:
    source = (
        "session = workbook.db.write()\n"
        "service = ImportService(workbook.db, workbook.actor)\n"
        "reason = self.workbook.db.read_only_reason\n"
        "other = workbook.dbx or 'workbook.db' or db\n"
    )

    assert database_accesses(source) == [1, 2, 3]
