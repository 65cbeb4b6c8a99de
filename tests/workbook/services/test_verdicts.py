"""Review verdicts: status and comment in one step, a Follow-ups section in the package, written back."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from workbook.errors import UserError
from workbook.model import Actor, ExportOptions, Status
from workbook.services.demo import build_demo
from workbook.services.exporting import ExportService
from workbook.services.workbook import Workbook


@pytest.fixture
def demo(tmp_path: Path, actor: Actor) -> Workbook:
    path = build_demo(tmp_path / "demo", actor)
    workbook = Workbook.open(path, actor)
    yield workbook
    workbook.close()


def test_a_follow_up_needs_words_and_records_status_and_comment_together(demo: Workbook) -> None:
    ref = demo.requests.list()[0].ref
    before = demo.requests.get(ref).status
    with pytest.raises(UserError, match="a follow-up needs a comment"):
        demo.requests.record_verdict(ref, accepted=False, comment="  ", auditor="Northbridge")
    assert demo.requests.get(ref).status is before
    changes = demo.requests.record_verdict(
        ref, accepted=False, comment="Q2 is missing", auditor="Northbridge"
    )
    assert changes.refs == frozenset([ref])
    assert demo.requests.get(ref).status is Status.FOLLOW_UP
    assert demo.requests.comments(ref)[-1].body == "Follow-up from Northbridge: Q2 is missing"
    demo.requests.record_verdict(ref, accepted=True, auditor="Northbridge")
    assert demo.requests.get(ref).status is Status.ACCEPTED
    assert demo.requests.comments(ref)[-1].body == "Accepted by Northbridge."


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_follow_ups_are_a_section_of_the_package_and_go_back_into_the_auditors_checklist(
    demo: Workbook, tmp_path: Path
) -> None:
    requests = demo.requests.list()
    ref = next(r.ref for r in requests if r.status is Status.OPEN)
    already = sum(r.status is Status.FOLLOW_UP for r in requests)
    demo.requests.record_verdict(
        ref, accepted=False, comment="Screenshots must show the date", auditor="Northbridge"
    )
    pdf, xlsx = tmp_path / "package.pdf", tmp_path / "answered.xlsx"
    ExportService(demo).export(ExportOptions(pdf=pdf, xlsx=xlsx))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert f"Follow-ups ({already + 1})" in text
    assert "Screenshots must show the date" in text
    sheet_rows = [
        [str(c.value or "") for c in row]
        for ws in openpyxl.load_workbook(xlsx, read_only=True).worksheets
        for row in ws.iter_rows()
    ]
    row = next(r for r in sheet_rows if ref in r)
    assert any("follow" in cell.casefold() for cell in row), row
