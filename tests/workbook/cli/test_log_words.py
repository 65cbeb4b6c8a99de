"""`audit-workbook log` speaks the activity log's plain words; `--json` keeps the codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbook.cli import main
from workbook.model import Actor, FieldChange, Status
from workbook.services.workbook import Workbook


def test_the_log_prints_each_entry_in_words_with_its_number(
    workbook: Workbook, workbook_path: Path, capsys: pytest.CaptureFixture[str], actor: Actor
) -> None:
    workbook.requests.bulk_set(["PBC-001"], FieldChange(status=Status.IN_PROGRESS))
    workbook.close()
    assert main(["log", str(workbook_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    line = next(text for text in lines if "status of PBC-001" in text)
    assert f"{actor.name} set status of PBC-001 from Open to In progress" in line
    assert line.startswith("#") and line.rstrip().endswith("request.set)")
    assert "open →" not in "\n".join(lines)
