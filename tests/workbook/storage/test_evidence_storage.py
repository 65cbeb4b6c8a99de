"""Evidence stored in driver SQL: rows read back alike, one file undone whole, disk errors named."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from workbook.errors import StorageError, UserError
from workbook.services.workbook import Workbook
from workbook.storage import blobs
from workbook.storage.schema import CHUNK_SIZE


def test_attached_evidence_reads_back_as_it_was_returned(workbook: Workbook, tmp_path: Path) -> None:
    path = tmp_path / "okta users.csv"
    path.write_bytes(b"user,role\nalice,admin\n")
    result = workbook.evidence.attach_to_refs(
        ["PBC-002", "PBC-001"], path, effective_date=dt.date(2026, 3, 31), description="All active users"
    )
    stored = workbook.evidence.get(result[0].evidence.sha256)
    returned = result[0].evidence
    # The returned time carries UTC; the column keeps it naive, as SQLAlchemy's DateTime does on SQLite.
    assert stored == dataclasses.replace(returned, added_at=returned.added_at.replace(tzinfo=None))
    assert (stored.name, stored.media_type, stored.size) == ("okta users.csv", "text/csv", 22)
    assert stored.effective_date == dt.date(2026, 3, 31)
    assert stored.description == "All active users"
    assert stored.added_by == "Dana Ops"
    assert stored.refs == ("PBC-001", "PBC-002")
    assert [r.ref for r in result] == ["PBC-002", "PBC-001"]
    assert [r.stored_new_bytes for r in result] == [True, False]


def test_linking_sets_who_and_when_on_the_link_and_touches_the_request(
    workbook: Workbook, tmp_path: Path
) -> None:
    before = workbook.requests.get("PBC-003").updated_at
    path = tmp_path / "PBC-003 policy.txt"
    path.write_bytes(b"policy text")
    workbook.evidence.attach_one("PBC-003", path)
    (link,) = workbook.evidence.for_request("PBC-003")
    assert link.linked_by == "Dana Ops"
    assert link.current is True
    assert link.replaced_by is None
    assert abs(link.linked_at - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(minutes=1)
    assert workbook.requests.get("PBC-003").updated_at > before


def test_a_file_failing_mid_way_in_a_bulk_attach_is_undone_whole_and_the_others_kept(
    workbook: Workbook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = []
    for index in range(3):
        path = tmp_path / f"export {index}.bin"
        path.write_bytes(bytes([index]) * (CHUNK_SIZE + 10))
        paths.append(path)
    original = blobs.write_chunks
    calls = []

    def fail_the_second(*args: object, **kwargs: object) -> str:
        sha = original(*args, **kwargs)  # type: ignore[arg-type]
        calls.append(sha)
        if len(calls) == 2:
            raise UserError("refused after its chunks were written")
        return sha

    monkeypatch.setattr(blobs, "write_chunks", fail_the_second)
    outcomes, cancelled = workbook.evidence.attach_many([(["PBC-001"], p) for p in paths])
    assert cancelled is False
    assert isinstance(outcomes[1], UserError)
    assert [e.name for e in workbook.evidence.list()] == ["export 0.bin", "export 2.bin"]
    assert workbook.evidence.chunk_rows() == 4
    assert workbook.evidence.stored_bytes() == 2 * (CHUNK_SIZE + 10)
    assert [(e.action, e.after) for e in workbook.activity.iter_all() if e.action.startswith("evidence")] == [
        ("evidence.add", "export 0.bin"),
        ("evidence.link", "export 0.bin"),
        ("evidence.add", "export 2.bin"),
        ("evidence.link", "export 2.bin"),
    ]
    assert workbook.verify().ok


def test_a_disk_error_while_storing_is_a_storage_error_and_nothing_is_kept(
    workbook: Workbook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "PBC-001 big.bin"
    path.write_bytes(b"x" * (CHUNK_SIZE + 1))
    head = workbook.activity.head()

    def disk_full(*_args: object, **_kwargs: object) -> str:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(blobs, "write_chunks", disk_full)
    with pytest.raises(StorageError, match="could not write the workbook: database or disk is full"):
        workbook.evidence.attach_one("PBC-001", path)
    with pytest.raises(StorageError):
        workbook.evidence.attach_many([(["PBC-001"], path)])
    assert workbook.evidence.list() == []
    assert workbook.evidence.chunk_rows() == 0
    assert workbook.activity.head() == head
    assert workbook.evidence.for_request("PBC-001") == []


def test_attaching_to_an_unknown_ref_stores_nothing(workbook: Workbook, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(UserError, match="no request with ref 'PBC-999' in this workbook"):
        workbook.evidence.attach_to_refs(["PBC-001", "PBC-999"], path)
    assert workbook.evidence.list() == []
    assert workbook.evidence.for_request("PBC-001") == []
