"""The first-paint snapshot: the same requests as the full service, read without SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workbook.errors import UserError
from workbook.model import FieldChange, Status
from workbook.services.snapshot import read_snapshot
from workbook.services.workbook import Workbook


def test_snapshot_equals_the_full_request_list(workbook: Workbook, tmp_path: Path) -> None:
    proof = tmp_path / "users.csv"
    proof.write_text("user,mfa\nana,yes\n")
    workbook.evidence.attach("PBC-002", [proof])
    workbook.requests.set("PBC-001", FieldChange(owner="Priya", status=Status.FOLLOW_UP, notes="more please"))
    snapshot = read_snapshot(workbook.path)
    assert list(snapshot.requests) == workbook.requests.list()
    assert snapshot.engagement == workbook.engagement()
    assert snapshot.people == ("Priya",)
    assert snapshot.activity_head == workbook.activity.head()


def test_reading_a_snapshot_does_not_load_sqlalchemy(workbook: Workbook) -> None:
    code = (
        "import sys; from pathlib import Path; from workbook.services.snapshot import read_snapshot;"
        f"s = read_snapshot(Path({str(workbook.path)!r}));"
        "print(len(s.requests), 'sqlalchemy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["4", "False"]


def test_a_snapshot_of_a_file_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x.auditwb"
    bad.write_bytes(b"not a database" * 20)
    with pytest.raises(UserError, match="not an Audit Workbook file"):
        read_snapshot(bad)
