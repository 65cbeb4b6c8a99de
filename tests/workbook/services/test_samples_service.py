"""Samples of a request: the selection (pasted or from the auditor's spreadsheet), what each sample needs, its
files, the grid of what is missing, the status they give the request, the log and verify."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from workbook.errors import UserError
from workbook.model import Actor, Status
from workbook.services.samples import parse_selection_text, read_selection
from workbook.services.workbook import Workbook

REF = "PBC-002"


def _checklist(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Request #", "Category", "Request Description", "Owner", "Status"])
    sheet.append(
        ["PBC-001", "Access", "Provide the list of users with production access.", "Ana Diaz", "Open"]
    )
    sheet.append(
        ["PBC-002", "HR", "For the sampled new hires: offer letter, background check.", "Bo Chen", ""]
    )
    sheet.append(["PBC-003", "Change", "Provide the change tickets for the period.", "", ""])
    book.save(path)
    return path


def _selection(path: Path, count: int = 25) -> Path:
    """The auditor's selection as auditors send it: a title block, a blank row, then a table of new hires."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Sample"
    sheet.append(["Northbridge Assurance LLP"])
    sheet.append(["Acme Cloud — SOC 2 Type II — new hire sample"])
    sheet.append(["Selected by: J. Auditor", None, "Population: 214 new hires"])
    sheet.append([])
    sheet.append(["#", "Employee ID", "Employee name", "Hire date", "Department"])
    for n in range(1, count + 1):
        sheet.append([n, f"EMP-{n + 40:04d}", f"Person {n}", dt.date(2026, 1 + n % 6, 1 + n), "Engineering"])
    book.save(path)
    return path


@pytest.fixture
def book(tmp_path: Path, actor: Actor) -> Iterator[Workbook]:
    wb = Workbook.create(
        tmp_path / "samples.auditwb",
        actor,
        client="Acme Cloud, Inc.",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
    )
    wb.imports().import_checklist(_checklist(tmp_path / "list.xlsx"), remember=False)
    yield wb
    wb.close()


def _file(folder: Path, name: str, text: str = "") -> Path:
    path = folder / name
    path.write_text(text or f"contents of {name}\n", "utf-8")
    return path


def test_pasted_text_gives_ids_and_labels_and_says_what_it_left_out() -> None:
    text = (
        "EMP-0042\tAlex Kim\n\nEMP-0043, Bo Chen\nEMP-0044;Cy Diaz\nEMP-0045  Dee Ek\n"
        "emp-0042\tagain\nA/B\nCHG-9\n"
    )
    selection = parse_selection_text(text)
    assert selection.items == (
        ("EMP-0042", "Alex Kim"),
        ("EMP-0043", "Bo Chen"),
        ("EMP-0044", "Cy Diaz"),
        ("EMP-0045", "Dee Ek"),
        ("CHG-9", ""),
    )
    assert selection.skipped == (
        "line 6: 'emp-0042' is listed twice (kept once)",
        "line 7: a sample id cannot hold a line break or a slash",
    )


def test_a_selection_sheet_with_a_title_block_gives_its_25_employee_ids(tmp_path: Path) -> None:
    selection = read_selection(_selection(tmp_path / "selection.xlsx"))
    assert [code for code, _label in selection.items] == [f"EMP-{n + 40:04d}" for n in range(1, 26)]
    assert selection.items[0][1] == "Person 1"
    assert selection.column == "Employee ID"


def test_a_chosen_column_wins_over_the_guess(tmp_path: Path) -> None:
    selection = read_selection(_selection(tmp_path / "selection.xlsx", 5), column="Employee name")
    assert [code for code, _label in selection.items] == [f"Person {n}" for n in range(1, 6)]


def test_importing_the_selection_adds_each_sample_once_in_order(book: Workbook, tmp_path: Path) -> None:
    path = _selection(tmp_path / "selection.xlsx")
    _changes, selection = book.samples.import_selection(REF, path)
    assert len(selection.items) == 25
    book.samples.import_selection(REF, path)  # again: nothing doubles
    grid = book.samples.grid(REF)
    assert [s.code for s in grid.samples] == [f"EMP-{n + 40:04d}" for n in range(1, 26)]
    assert [s.position for s in grid.samples] == list(range(25))
    assert grid.summary == "0/25 samples provided"


def test_the_grid_names_what_each_sample_still_misses(book: Workbook, tmp_path: Path) -> None:
    book.samples.set_required(REF, ["Offer letter", "Background check", " offer  letter "])
    book.samples.add(REF, [("EMP-0042", "Alex Kim"), ("EMP-0043", "Bo Chen"), ("EMP-0044", "Cy Diaz")])
    book.samples.attach(REF, "EMP-0042", [_file(tmp_path, "offer-42.txt")], requirement="offer letter")
    book.samples.attach(REF, "EMP-0042", [_file(tmp_path, "bg-42.txt")], requirement="Background check")
    book.samples.attach(REF, "EMP-0043", [_file(tmp_path, "offer-43.txt")], requirement="Offer letter")
    grid = book.samples.grid(REF)
    assert grid.required == ("Offer letter", "Background check")
    missing = {s.code: s.missing(grid.required) for s in grid.samples}
    assert missing == {
        "EMP-0042": (),
        "EMP-0043": ("Background check",),
        "EMP-0044": ("Offer letter", "Background check"),
    }
    assert grid.provided == 1 and grid.missing_cells == 3
    assert grid.summary == "1/3 samples provided"
    assert [f.name for f in grid.cell(grid.samples[0], "Background check")] == ["bg-42.txt"]
    with pytest.raises(UserError, match="does not require 'training'"):
        book.samples.attach(REF, "EMP-0044", [_file(tmp_path, "t.txt")], requirement="training")


def test_the_request_status_follows_its_samples_until_a_person_sets_one_for_a_reason(
    book: Workbook, tmp_path: Path
) -> None:
    book.samples.set_required(REF, ["offer letter"])
    book.samples.add(REF, [("EMP-1", ""), ("EMP-2", "")])
    assert book.requests.get(REF).status is Status.OPEN
    book.samples.attach(REF, "EMP-1", [_file(tmp_path, "o1.txt")], requirement="offer letter")
    assert book.requests.get(REF).status is Status.IN_PROGRESS
    book.samples.set(REF, "EMP-2", status=Status.NOT_APPLICABLE, notes="left before start date")
    assert book.requests.get(REF).status is Status.READY_FOR_REVIEW
    grid = book.samples.grid(REF)
    assert [s.status for s in grid.samples] == [Status.READY_FOR_REVIEW, Status.NOT_APPLICABLE]
    assert grid.summary == "2/2 samples provided"
    from workbook.model import FieldChange

    book.requests.set(REF, FieldChange(status=Status.READY_FOR_AUDITOR))
    book.samples.add(REF, [("EMP-3", "")])  # one more sample: the person's status stands
    assert book.requests.get(REF).status is Status.READY_FOR_AUDITOR


def test_one_file_serves_several_samples_and_is_stored_once(book: Workbook, tmp_path: Path) -> None:
    book.samples.add(REF, [("EMP-1", ""), ("EMP-2", "")])
    shared = _file(tmp_path, "training roster.txt")
    first = book.samples.attach(REF, "EMP-1", [shared])[0]
    second = book.samples.attach(REF, "EMP-2", [shared])[0]
    assert first.stored_new_bytes and not second.stored_new_bytes
    assert book.evidence.chunk_rows() == 1
    book.samples.unlink(REF, "EMP-1", first.evidence.sha256)
    assert book.samples.grid(REF).samples[0].files == ()
    # The file still serves EMP-2, and even unused it is deleted only by an explicit purge.
    assert book.evidence.unlinked() == []
    book.samples.unlink(REF, "EMP-2", first.evidence.sha256)
    assert [e.sha256 for e in book.evidence.unlinked()] == [first.evidence.sha256]


def test_every_sample_change_is_logged_and_verify_replays_it(book: Workbook, tmp_path: Path) -> None:
    book.samples.set_required(REF, ["offer letter", "background check"])
    book.samples.add(REF, [("EMP-1", "A"), ("EMP-2", "B"), ("EMP-3", "C")])
    book.samples.attach(REF, "EMP-2", [_file(tmp_path, "o2.txt")], requirement="offer letter")
    book.samples.set(REF, "EMP-3", label="C. Diaz", notes="on leave")
    book.samples.remove(REF, ["EMP-1"])
    actions = {e.action for e in book.activity.list(target=REF)}
    assert {
        "sample.require",
        "sample.add",
        "evidence.add",
        "sample.link",
        "sample.set",
        "sample.remove",
    } <= actions
    report = book.verify()
    assert report.ok, report.problems
    assert [s.position for s in book.samples.grid(REF).samples] == [0, 1]


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        pytest.param(
            "UPDATE samples SET status = 'accepted' WHERE code = 'EMP-1'", ["status of sample"], id="status"
        ),
        pytest.param(
            "UPDATE samples SET label = 'Someone else' WHERE code = 'EMP-2'", ["label of sample"], id="label"
        ),
        pytest.param("DELETE FROM samples WHERE code = 'EMP-2'", ["sample 'EMP-2'", "missing"], id="removed"),
        pytest.param(
            "INSERT INTO samples (request_id, code, label, status, notes, position, created_at)"
            " SELECT request_id, 'EMP-99', '', 'open', '', 9, created_at FROM samples LIMIT 1",
            ["sample 'EMP-99'", "never added"],
            id="added",
        ),
        pytest.param("DELETE FROM sample_evidence", ["given for sample", "no such link"], id="file-unlinked"),
        pytest.param(
            "UPDATE sample_plans SET required = '[\"offer letter\"]'", ["items each sample"], id="plan"
        ),
    ],
)
def test_a_sample_changed_behind_the_apps_back_is_named(
    book: Workbook, tmp_path: Path, statement: str, words: list[str]
) -> None:
    book.samples.set_required(REF, ["offer letter", "background check"])
    book.samples.add(REF, [("EMP-1", "A"), ("EMP-2", "B")])
    book.samples.attach(REF, "EMP-1", [_file(tmp_path, "o1.txt")], requirement="offer letter")
    path = book.path
    book.close()
    with sqlite3.connect(path) as con:
        con.execute(statement)
    with Workbook.open(path, book.actor, read_only=True) as reopened:
        report = reopened.verify()
    assert not report.ok
    assert any(p.where == f"request {REF}" and all(w in p.message for w in words) for p in report.problems), (
        report.problems
    )


def test_bad_sample_ids_and_unknown_samples_are_refused_with_words(book: Workbook) -> None:
    with pytest.raises(UserError, match="sample id is empty"):
        book.samples.add(REF, [("  ", "nobody")])
    with pytest.raises(UserError, match="has no sample 'EMP-404'"):
        book.samples.set(REF, "EMP-404", notes="x")
    with pytest.raises(UserError, match="no request"):
        book.samples.add("PBC-404", [("EMP-1", "")])


def test_a_sampled_request_misses_evidence_until_every_sample_is_provided(
    book: Workbook, tmp_path: Path
) -> None:
    from workbook.model import RequestFilter

    book.samples.add(REF, [("EMP-1", ""), ("EMP-2", "")])
    book.samples.attach(REF, "EMP-1", [_file(tmp_path, "a.txt")])
    request = book.requests.get(REF)
    assert (request.evidence_count, request.sample_count, request.samples_provided) == (0, 2, 1)
    assert request.missing_evidence and request.samples_summary == "1/2 samples"
    assert REF in [r.ref for r in book.requests.list(RequestFilter(missing_evidence=True))]
    book.samples.attach(REF, "EMP-2", [_file(tmp_path, "b.txt")])
    assert not book.requests.get(REF).missing_evidence
    assert REF not in [r.ref for r in book.requests.list(RequestFilter(missing_evidence=True))]
