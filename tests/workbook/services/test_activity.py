"""The activity log: every change attributed, hash-chained, tampering named."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from workbook.model import FieldChange, Status, VerifyReport
from workbook.services.workbook import Workbook


def test_a_status_change_is_logged_with_who_when_before_and_after(workbook: Workbook) -> None:
    workbook.requests.set("PBC-001", FieldChange(status=Status.ACCEPTED))
    entry = workbook.activity.list(target="PBC-001")[0]
    assert (entry.actor, entry.login, entry.action, entry.field) == (
        "Dana Ops",
        "dana",
        "request.set",
        "status",
    )
    assert (entry.before, entry.after) == ("open", "accepted")
    assert entry.at.tzinfo is not None


def test_setting_the_same_value_again_logs_nothing(workbook: Workbook) -> None:
    workbook.requests.set("PBC-001", FieldChange(status=Status.IN_PROGRESS))
    count = len(workbook.activity.list())
    changes = workbook.requests.set("PBC-001", FieldChange(status=Status.IN_PROGRESS))
    assert changes.refs == frozenset()
    assert len(workbook.activity.list()) == count


def test_the_head_hash_changes_with_every_entry_and_verify_accepts_it(workbook: Workbook) -> None:
    head = workbook.activity.head()
    workbook.requests.set("PBC-002", FieldChange(notes="asked IT"))
    new_head = workbook.activity.head()
    assert new_head != head
    report = workbook.verify(expect_head=new_head)
    assert report.ok
    assert report.head == new_head


def test_verify_against_an_older_expected_head_fails(workbook: Workbook) -> None:
    head = workbook.activity.head()
    workbook.requests.set("PBC-002", FieldChange(notes="asked IT"))
    report = workbook.verify(expect_head=head)
    assert not report.ok
    assert "expected" in report.problems[0].message


Statement = str | tuple[str, tuple[object, ...]]


def _verify_after_tampering(workbook: Workbook, *statements: Statement) -> VerifyReport:
    """Close the workbook, change its file behind the app's back with raw SQL, reopen it and verify."""
    path = workbook.path
    workbook.close()
    con = sqlite3.connect(path)
    for statement in statements:
        sql, params = (statement, ()) if isinstance(statement, str) else statement
        con.execute(sql, params)
    con.commit()
    con.close()
    with Workbook.open(path, workbook.actor) as reopened:
        return reopened.verify()


def test_an_edited_entry_is_named(workbook: Workbook, actor: object) -> None:
    workbook.requests.set("PBC-001", FieldChange(status=Status.ACCEPTED))
    workbook.requests.set("PBC-002", FieldChange(status=Status.ACCEPTED))
    target = workbook.activity.list(target="PBC-001")[0].id
    report = _verify_after_tampering(workbook, f"UPDATE activity SET after = 'open' WHERE id = {target}")
    assert not report.ok
    assert any(f"#{target}" in p.message and "edited" in p.message for p in report.problems)


def test_a_deleted_middle_entry_is_detected(workbook: Workbook) -> None:
    for ref in ("PBC-001", "PBC-002", "PBC-003"):
        workbook.requests.set(ref, FieldChange(status=Status.ACCEPTED))
    middle = workbook.activity.list(target="PBC-002")[0].id
    report = _verify_after_tampering(workbook, f"DELETE FROM activity WHERE id = {middle}")
    assert not report.ok
    assert any(f"#{middle}" in p.where for p in report.problems)


def test_a_deleted_last_entry_is_detected(workbook: Workbook) -> None:
    workbook.requests.set("PBC-001", FieldChange(status=Status.ACCEPTED))
    report = _verify_after_tampering(
        workbook, "DELETE FROM activity WHERE id = (SELECT max(id) FROM activity)"
    )
    assert not report.ok
    assert "deleted" in report.problems[0].message


def test_bulk_changes_are_all_or_nothing(workbook: Workbook) -> None:
    before = len(workbook.activity.list())
    try:
        workbook.requests.bulk_set(["PBC-001", "PBC-999"], FieldChange(status=Status.ACCEPTED))
    except Exception as exc:
        assert "PBC-999" in str(exc)
    assert workbook.requests.get("PBC-001").status is Status.OPEN
    assert len(workbook.activity.list()) == before


def _attached(workbook: Workbook, tmp_path: Path, name: str, text: str, ref: str = "PBC-001") -> None:
    path = tmp_path / name
    path.write_text(text)
    workbook.evidence.attach(ref, [path])


def test_evidence_swapped_with_its_hash_updated_is_caught_by_the_log(
    workbook: Workbook, tmp_path: Path
) -> None:
    _attached(workbook, tmp_path, "users.csv", "user,mfa\nana,yes\n")
    other = b"user,mfa\nana,no\n"
    report = _verify_after_tampering(
        workbook,
        ("UPDATE evidence_chunks SET data = ?", (other,)),
        ("UPDATE evidence SET sha256 = ?, size = ?", (hashlib.sha256(other).hexdigest(), len(other))),
    )
    assert not report.ok
    assert "users.csv" in report.problems[0].where
    assert "swapped" in report.problems[0].message


def test_evidence_deleted_outside_the_app_is_reported_missing(workbook: Workbook, tmp_path: Path) -> None:
    _attached(workbook, tmp_path, "policy.txt", "policy v3")
    report = _verify_after_tampering(
        workbook, "PRAGMA foreign_keys=ON", "DELETE FROM links", "DELETE FROM evidence"
    )
    assert [p.message.split(" is missing")[0] for p in report.problems] == [
        "evidence 'policy.txt' added at activity entry #"
        + report.problems[0].message.split("#")[1].split()[0]
    ]


def test_a_purge_while_verify_runs_is_not_taken_for_tampering(workbook: Workbook, tmp_path: Path) -> None:
    _attached(workbook, tmp_path, "a.txt", "first", "PBC-001")
    _attached(workbook, tmp_path, "b.txt", "second", "PBC-002")
    sha = workbook.evidence.for_request("PBC-002")[0].evidence.sha256
    workbook.evidence.unlink("PBC-002", sha)
    purged: list[int] = []

    def purge_once(done: int, total: int) -> None:
        if not purged:
            purged.append(workbook.evidence.purge_unlinked()[0])

    report = workbook.verify(progress=purge_once)
    assert purged == [1]
    assert report.ok, report.problems
