"""Verify checks the state, not only the log: SQLite's integrity, every value readable, every value the log
gives equal to the stored one (services/state_check.py, services/replay.py); what the log does not give is
listed, never passed over."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PIL import Image

from workbook.cli import main
from workbook.formats.png_check import png_problem
from workbook.model import Actor, FieldChange, Status, VerifyReport
from workbook.services import state_check, state_compare
from workbook.services.workbook import Workbook
from workbook.storage.schema import RequestRow

HEADER = ["Request #", "Category", "TSC Ref", "Request Description", "Owner", "Status", "Due Date"]
FIRST = [
    ["PBC-001", "Access", "CC6.1", "Provide the list of users with access to production.", "Ana Diaz", "Open",
     dt.date(2026, 7, 31)],
    ["PBC-002", "Access", "CC6.2", "Provide the quarterly access reviews.", "", "In Progress", None],
    ["PBC-003", "Change", "CC8.1", "Provide the change tickets for the period.", "Ana Diaz", "",
     dt.date(2026, 8, 15)],
]  # fmt: skip
Statement = str | tuple[str, Sequence[Any]]


def _checklist(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "PBC"
    for row in [HEADER, *rows]:
        sheet.append(row)
    book.save(path)
    return path


def _png(path: Path) -> Path:
    Image.new("RGB", (60, 40), (20, 120, 200)).save(path)
    return path


@pytest.fixture
def book(tmp_path: Path, actor: Actor) -> Iterator[Workbook]:
    """A workbook made the way the app makes one: an import, then changes, a person, a comment, evidence."""
    wb = Workbook.create(
        tmp_path / "state.auditwb",
        actor,
        client="Acme Cloud, Inc.",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 6, 30),
        auditor="Northbridge Assurance LLP",
    )
    wb.imports().import_checklist(_checklist(tmp_path / "list.xlsx", FIRST), remember=False)
    wb.requests.set("PBC-002", FieldChange(status=Status.READY_FOR_AUDITOR, notes="asked IT"))
    wb.people.add("Sam Lee", "sam@example.com")
    wb.requests.set("PBC-003", FieldChange(owner="Sam Lee", due=dt.date(2026, 9, 1)))
    wb.requests.add_comment("PBC-001", "export attached from the portal")
    log = tmp_path / "log.txt"
    log.write_text("restore test passed on 14 May\n", "utf-8")
    wb.evidence.attach("PBC-001", [log], effective_date=dt.date(2026, 5, 14))
    wb.evidence.attach("PBC-002", [_png(tmp_path / "screen.png")])
    yield wb
    wb.close()


def _verify_after(book: Workbook, *statements: Statement) -> VerifyReport:
    """Close the workbook, change its file behind the app's back, reopen it read-only and verify."""
    path = book.path
    book.close()
    with sqlite3.connect(path) as con:
        for statement in statements:
            sql, parameters = statement if isinstance(statement, tuple) else (statement, ())
            con.execute(sql, parameters)
    with Workbook.open(path, book.actor, read_only=True) as reopened:
        return reopened.verify()


def _found(report: VerifyReport, where: str, *words: str) -> bool:
    return any(p.where == where and all(w in p.message for w in words) for p in report.problems)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_workbook_the_app_made_verifies_intact_and_lists_what_was_not_compared(book: Workbook) -> None:
    report = book.verify()
    assert report.ok, report.problems
    gaps = "\n".join(report.not_covered)
    # The app logs an e-mail given with a new person and the date and description given at attach.
    assert "e-mail addresses" not in gaps
    assert "evidence files" not in gaps
    assert state_compare.ROW_TIMES in gaps
    assert "not made by an import" not in gaps


@pytest.mark.parametrize(
    ("statement", "where", "words"),
    [
        pytest.param(
            "UPDATE requests SET status = 'accepted' WHERE ref = 'PBC-002'",
            "request PBC-002",
            ["status is 'accepted' in the workbook", "'ready_for_auditor' by activity entry #"],
            id="status-set-in-the-app",
        ),
        pytest.param(
            "UPDATE requests SET status = 'accepted' WHERE ref = 'PBC-001'",
            "request PBC-001",
            ["status is 'accepted'", "'open' by the checklist imported at activity entry #"],
            id="status-from-the-checklist",
        ),
        pytest.param(
            "UPDATE requests SET notes = 'nothing yet' WHERE ref = 'PBC-002'",
            "request PBC-002",
            ["notes is 'nothing yet'", "'asked IT'"],
            id="notes",
        ),
        pytest.param(
            "UPDATE requests SET due = '2030-01-01' WHERE ref = 'PBC-001'",
            "request PBC-001",
            ["due date is '2030-01-01'", "'2026-07-31'"],
            id="due",
        ),
        pytest.param(
            "UPDATE requests SET owner_id = NULL WHERE ref = 'PBC-003'",
            "request PBC-003",
            ["owner is ''", "'Sam Lee' by activity entry #"],
            id="owner",
        ),
        pytest.param(
            "UPDATE requests SET archived = 1 WHERE ref = 'PBC-001'",
            "request PBC-001",
            ["archived is True", "False"],
            id="archived",
        ),
        pytest.param(
            "UPDATE requests SET request_text = 'Provide nothing.' WHERE ref = 'PBC-003'",
            "request PBC-003",
            ["request text is 'Provide nothing.'", "the checklist imported at"],
            id="request-text",
        ),
        pytest.param(
            "UPDATE requests SET ref = 'PBC-009' WHERE ref = 'PBC-003'",
            "request PBC-003",
            ["is missing from the workbook"],
            id="ref",
        ),
        pytest.param(
            "UPDATE evidence SET source_system = 'Okta' WHERE name = 'log.txt'",
            "evidence log.txt",
            ["source system", "'Okta' in the workbook", "'' by activity entry #"],
            id="evidence-detail",
        ),
        pytest.param(
            "UPDATE evidence SET media_type = 'application/zip' WHERE name = 'log.txt'",
            "log.txt",
            ["is marked 'application/zip'"],
            id="media-type",
        ),
        pytest.param(
            "UPDATE evidence SET text_content = 'restore test FAILED' WHERE name = 'log.txt'",
            "log.txt",
            ["search text", "'restore test FAILED'"],
            id="search-text",
        ),
        pytest.param(
            "UPDATE links SET current = 0 WHERE evidence_id = (SELECT min(id) FROM evidence)",
            "request PBC-001",
            ["'log.txt' is an older version evidence of PBC-001 in the workbook"],
            id="link-current",
        ),
        pytest.param(
            "DELETE FROM links WHERE evidence_id = (SELECT id FROM evidence WHERE name = 'screen.png')",
            "request PBC-002",
            ["'screen.png' is evidence of PBC-002", "holds no such link"],
            id="link-deleted",
        ),
        pytest.param(
            "DELETE FROM comments",
            "request PBC-001",
            ["the comment 'export attached from the portal' by Dana Ops", "is missing"],
            id="comment",
        ),
        pytest.param(
            "UPDATE engagement SET auditor = 'Other LLP'",
            "engagement",
            ["auditor is 'Other LLP'", "'Northbridge Assurance LLP' by activity entry #1"],
            id="engagement",
        ),
        pytest.param(
            "UPDATE people SET name = 'Sam Leigh' WHERE name = 'Sam Lee'",
            "person Sam Leigh",
            ["the log never added them"],
            id="person",
        ),
        pytest.param(
            "UPDATE imports SET data = zeroblob(100)",
            "checklist list.xlsx",
            ["is not the file it recorded"],
            id="stored-checklist",
        ),
        pytest.param(
            "UPDATE imports SET mapping = json_set(mapping, '$.owner', 'Status')",
            "checklist list.xlsx",
            ["the import's mapping"],
            id="import-mapping",
        ),
        pytest.param(
            "UPDATE imports SET summary = json_set(summary, '$.at_import[1][2]', 'Accepted')",
            "checklist list.xlsx",
            ["at import", "'Accepted'", "'In Progress'"],
            id="answers-at-import",
        ),
    ],
)
def test_a_value_changed_behind_the_apps_back_is_named_with_both_values(
    book: Workbook, statement: str, where: str, words: list[str]
) -> None:
    report = _verify_after(book, statement)
    assert not report.ok
    assert _found(report, where, *words), report.problems


def test_a_value_that_cannot_be_read_is_reported_as_damage_never_intact(
    book: Workbook, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _verify_after(book, "UPDATE requests SET notes = CAST(x'ff00fe' AS TEXT) WHERE ref = 'PBC-001'")
    damage = [p for p in report.problems if p.kind == "damage"]
    assert [p.where for p in damage] == ["table requests, row 1"]
    assert "column notes" in damage[0].message and "not valid UTF-8" in damage[0].message
    code, out, _ = _cli(capsys, "verify", str(book.path))
    assert code == 1
    assert "DAMAGED table requests, row 1: column notes" in out
    assert out.splitlines()[-1] != "intact"


def _page_of(path: Path, name: str) -> int:
    with sqlite3.connect(path) as con:
        (page,) = con.execute("SELECT pageno FROM dbstat WHERE name = ?", (name,)).fetchone()
    return int(page)


def test_sqlites_integrity_check_names_an_index_that_no_longer_matches_its_table(book: Workbook) -> None:
    path = book.path
    book.close()
    data = bytearray(path.read_bytes())
    page = _page_of(path, "ix_requests_status")
    start = (page - 1) * 4096
    at = data.index(b"ready_for_auditor", start, start + 4096)
    data[at : at + 17] = b"ready_for_auditos"
    path.write_bytes(bytes(data))
    with Workbook.open(path, book.actor, read_only=True) as reopened:
        report = reopened.verify()
    damage = [p.message for p in report.problems if p.where == "database file"]
    assert damage and all(m.startswith("SQLite's integrity check: ") for m in damage)
    assert any("ix_requests_status" in m for m in damage)


def test_a_damaged_thumbnail_is_found_by_its_own_checksums(book: Workbook) -> None:
    with book.db.read() as session:
        (thumbnail,) = (
            session.connection()
            .exec_driver_sql("SELECT thumbnail FROM evidence WHERE name = 'screen.png'")
            .one()
        )
    broken = bytearray(thumbnail)
    broken[len(broken) // 2] ^= 0x40
    report = _verify_after(
        book, ("UPDATE evidence SET thumbnail = ? WHERE name = 'screen.png'", (bytes(broken),))
    )
    assert _found(report, "screen.png", "thumbnail", "damaged", "checksum")


def test_every_single_byte_change_in_a_png_is_found() -> None:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(out, format="PNG")
    data = out.getvalue()
    assert png_problem(data) == ""
    for at in range(len(data)):
        changed = bytearray(data)
        changed[at] ^= 0x5A
        assert png_problem(bytes(changed)), f"byte {at} changed unnoticed"
    assert png_problem(data + b"x") == "1 bytes follow its end"
    assert png_problem(data[:-3])


def test_a_re_import_is_replayed_and_what_it_wrote_is_compared(book: Workbook, tmp_path: Path) -> None:
    second = [
        ["PBC-001", "Access", "CC6.1", "Provide the list of users and roles with access to production.",
         "Ana Diaz", "Open", dt.date(2026, 7, 31)],
        ["PBC-002", "Access", "CC6.2", "Provide the quarterly access reviews.", "", "In Progress", None],
        ["PBC-004", "Ops", "CC7.2", "Provide the incident log.", "Sam Lee", "Open", None],
    ]  # fmt: skip
    summary = book.imports().import_checklist(_checklist(tmp_path / "list v2.xlsx", second), remember=False)
    assert (summary.added, summary.updated, summary.removed) == (1, 1, 1)
    book.requests.set("PBC-004", FieldChange(status=Status.READY_FOR_AUDITOR))
    untouched = book.verify()
    assert untouched.ok, untouched.problems
    report = _verify_after(
        book,
        "UPDATE requests SET archived = 0 WHERE ref = 'PBC-003'",
        "UPDATE requests SET request_text = 'Provide the list of users with access to production.'"
        " WHERE ref = 'PBC-001'",
    )
    assert _found(report, "request PBC-003", "archived is False", "True by activity entry #")
    assert _found(report, "request PBC-001", "request text", "and roles", "the checklist imported at")
    assert len(report.problems) == 2, report.problems


def test_renamed_and_merged_people_and_replaced_and_restored_versions_replay_to_the_state(
    book: Workbook, tmp_path: Path
) -> None:
    book.people.rename("Ana Diaz", "Ana Díaz-Ruiz")
    book.people.add("Bo Chen")
    book.requests.set("PBC-002", FieldChange(owner="Bo Chen"))
    book.people.merge("Bo Chen", "Ana Díaz-Ruiz")
    first = book.evidence.for_request("PBC-001")[0].evidence
    newer = tmp_path / "log v2.txt"
    newer.write_text("restore test passed on 15 May\n", "utf-8")
    replaced = book.evidence.replace("PBC-001", first.sha256, newer).evidence
    book.evidence.restore_version("PBC-001", first.sha256)
    extra = tmp_path / "scratch.txt"
    extra.write_text("not needed\n", "utf-8")
    scratch = book.evidence.attach("PBC-003", [extra])[0].evidence
    book.evidence.unlink("PBC-003", scratch.sha256)
    assert book.evidence.purge_unlinked()[0] == 1
    book.evidence.set_details(replaced.sha256, shows="the restore log", clear_effective_date=True)
    report = book.verify()
    assert report.ok, report.problems
    tampered = _verify_after(
        book,
        "UPDATE links SET replaced_by = NULL",
        "UPDATE requests SET owner_id = (SELECT id FROM people WHERE name = 'Sam Lee') WHERE ref = 'PBC-002'",
    )
    assert _found(tampered, "request PBC-001", "'log v2.txt' on PBC-001 is replaced by nothing", "'log.txt'")
    assert _found(tampered, "request PBC-002", "owner is 'Sam Lee'", "'Ana Díaz-Ruiz' by activity entry #")


def test_requests_the_log_never_made_are_listed_as_not_compared(tmp_path: Path, actor: Actor) -> None:
    with Workbook.create(tmp_path / "bare.auditwb", actor, client="Acme") as wb:
        now = dt.datetime.now(dt.UTC)
        with wb.db.write() as session:
            session.add(RequestRow(ref="R-1", title="t", created_at=now, updated_at=now))
        report = wb.verify()
    assert report.ok, report.problems
    assert any("the values of 1 request: not made by an import in the log" in g for g in report.not_covered)


def test_a_checklist_this_version_reads_otherwise_is_listed_never_called_altered(
    book: Workbook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state_check, "_READINGS", OrderedDict())
    monkeypatch.setattr(state_check, "_reading", lambda *args: None)
    report = book.verify()
    assert report.ok, report.problems
    assert any("could not be read again (this version cannot read it)" in g for g in report.not_covered)
    # What the log itself says after the import is still compared.
    tampered = _verify_after(book, "UPDATE requests SET status = 'open' WHERE ref = 'PBC-002'")
    assert _found(tampered, "request PBC-002", "status is 'open'")


def test_the_command_line_prints_damage_alterations_and_what_it_did_not_check(
    book: Workbook, capsys: pytest.CaptureFixture[str]
) -> None:
    path = book.path
    book.close()
    code, out, _ = _cli(capsys, "verify", str(path))
    assert code == 0
    assert out.splitlines()[-1] == "intact"
    assert "NOT CHECKED when rows were written" in out
    with sqlite3.connect(path) as con:
        con.execute("UPDATE requests SET status = 'accepted' WHERE ref = 'PBC-002'")
    code, out, _ = _cli(capsys, "verify", str(path))
    assert code == 1
    assert "ALTERED request PBC-002: request PBC-002's status is 'accepted'" in out


def test_schema_text_that_is_no_longer_text_is_refused_in_words_not_a_traceback(
    book: Workbook, capsys: pytest.CaptureFixture[str]
) -> None:
    path = book.path
    book.close()
    data = bytearray(path.read_bytes())
    at = data.index(b"CREATE TABLE comments")
    data[at + 14] = 0xFF
    path.write_bytes(bytes(data))
    code, _out, err = _cli(capsys, "verify", str(path))
    assert code == 2
    assert err.startswith("audit-workbook: ") and "damaged" in err
    assert "Traceback" not in err


def test_an_e_mail_address_set_through_the_log_is_compared(book: Workbook) -> None:
    book.people.set_email("Sam Lee", "sam.lee@example.com")
    report = book.verify()
    assert report.ok, report.problems
    assert not any("e-mail" in g for g in report.not_covered)
    tampered = _verify_after(book, "UPDATE people SET email = 'sam@evil.example' WHERE name = 'Sam Lee'")
    assert _found(
        tampered, "person Sam Lee", "'sam@evil.example'", "'sam.lee@example.com' by activity entry #"
    )


def test_with_the_summary_and_attach_details_logged_they_are_compared_too(
    tmp_path: Path, actor: Actor
) -> None:
    # No patching: the import logs its summary's SHA-256 and the attach its date and description.
    with Workbook.create(tmp_path / "logged.auditwb", actor, client="Acme") as wb:
        wb.imports().import_checklist(_checklist(tmp_path / "list.xlsx", FIRST), remember=False)
        log = tmp_path / "log.txt"
        log.write_text("restore test passed\n", "utf-8")
        wb.evidence.attach("PBC-001", [log], effective_date=dt.date(2026, 5, 14), description="DR test")
        report = wb.verify()
        assert report.ok, report.problems
        assert state_compare.SUMMARY_REST not in report.not_covered
        assert not any("attached" in g for g in report.not_covered), report.not_covered
        tampered = _verify_after(
            wb,
            "UPDATE evidence SET effective_date = '2026-05-15'",
            "UPDATE imports SET summary = json_set(summary, '$.candidates[0].score', 1.5)",
        )
    assert _found(
        tampered,
        "evidence log.txt",
        "effective date of evidence 'log.txt' is '2026-05-15'",
        "'2026-05-14' by",
    )
    assert _found(tampered, "checklist list.xlsx", "stored summary of the import is not the one")
