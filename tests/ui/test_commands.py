"""Undo commands against a real workbook: redo applies, undo restores, a failing step leaves the stack.

Each step writes on the writer thread (`JobRunner.write`); `settle` waits until its reports have arrived.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers.workbooks import create_acme, insert_requests, sample_request
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ui.commands import (
    LinkEvidenceCommand,
    ReplaceEvidenceCommand,
    RestoreVersionCommand,
    ServiceCommand,
    SetEvidenceDetailsCommand,
    SetFieldsCommand,
    UnlinkEvidenceCommand,
    describe_change,
)
from ui.jobs import JobRunner
from workbook.errors import UserError, WorkbookError
from workbook.model import Actor, Changes, EvidenceDetails, FieldChange, Status
from workbook.services.workbook import Workbook

REFS = ["PBC-001", "PBC-002", "PBC-003", "PBC-004"]
MARCH = dt.date(2026, 3, 1)
APRIL = dt.date(2026, 4, 1)


class Calls:
    """What the commands are given: the writer, and the callbacks they report what changed and errors to."""

    def __init__(self, qtbot: QtBot, writer: JobRunner) -> None:
        self.qtbot = qtbot
        self.writer = writer
        self.changed: list[Changes] = []
        self.errors: list[WorkbookError] = []
        self.put_back: list[str] = []

    def settle(self, command: ServiceCommand, step: Callable[[], None]) -> None:
        """Run `step` (the command's redo or undo) and wait until its write's reports reached this thread."""
        previous = command.job
        step()
        job = command.job
        if job is not None and job is not previous:
            self.qtbot.waitUntil(lambda: not job.running, timeout=10_000)

    def redo(self, command: ServiceCommand) -> None:
        self.settle(command, command.redo)

    def undo(self, command: ServiceCommand) -> None:
        self.settle(command, command.undo)


@pytest.fixture
def workbook(tmp_path: Path, actor: Actor) -> Iterator[Workbook]:
    wb = create_acme(tmp_path / "acme.auditwb", actor)
    insert_requests(wb, (sample_request(ref, position) for position, ref in enumerate(REFS)))
    yield wb
    wb.close()


@pytest.fixture
def calls(qtbot: QtBot) -> Iterator[Calls]:
    writer = JobRunner()
    yield Calls(qtbot, writer)
    assert writer.wait(10_000)


def set_fields(workbook: Workbook, refs: list[str], change: FieldChange, calls: Calls) -> SetFieldsCommand:
    """The command as the window builds it: the requests' values read just before the change."""
    before = [workbook.requests.get(ref) for ref in refs]
    return SetFieldsCommand(
        workbook, refs, change, before, calls.writer, calls.changed.append, calls.errors.append
    )


def unknown_ref(workbook: Workbook, change: FieldChange, calls: Calls) -> SetFieldsCommand:
    """A step on a request the workbook does not have: its write fails."""
    return SetFieldsCommand(
        workbook, ["PBC-404"], change, [], calls.writer, calls.changed.append, calls.errors.append
    )


def fields(workbook: Workbook, ref: str) -> tuple[str, Status, dt.date | None, str]:
    request = workbook.requests.get(ref)
    return request.owner, request.status, request.due, request.notes


def people(workbook: Workbook) -> list[str]:
    return [p.name for p in workbook.people.list()]


def attach(workbook: Workbook, tmp_path: Path, ref: str, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return workbook.evidence.attach_one(ref, path).evidence.sha256


def current(workbook: Workbook, ref: str) -> list[str]:
    return [link.evidence.name for link in workbook.evidence.for_request(ref)]


@pytest.mark.parametrize(
    ("refs", "change", "words"),
    [
        (["PBC-012"], FieldChange(status=Status.ACCEPTED), "Set status of PBC-012 to Accepted"),
        (["PBC-001", "PBC-002", "PBC-003"], FieldChange(owner="Priya"), "Set owner of 3 requests to Priya"),
        (["PBC-001"], FieldChange(owner=""), "Set owner of PBC-001 to nobody"),
        (["PBC-001"], FieldChange(due=MARCH), "Set due date of PBC-001 to 2026-03-01"),
        (["PBC-001", "PBC-002"], FieldChange(clear_due=True), "Set due date of 2 requests to none"),
        (["PBC-001"], FieldChange(notes="sent"), "Edit notes of PBC-001"),
        (
            ["PBC-001", "PBC-002"],
            FieldChange(owner="Bo", status=Status.OPEN, due=MARCH),
            "Edit owner, status, due date of 2 requests",
        ),
    ],
)
def test_describe_change_words_the_undo_menu_entry(refs: list[str], change: FieldChange, words: str) -> None:
    assert describe_change(refs, change) == words


def test_undo_gives_each_request_its_own_earlier_values_back(workbook: Workbook, calls: Calls) -> None:
    workbook.requests.set("PBC-001", FieldChange(owner="Ann", status=Status.IN_PROGRESS, due=MARCH))
    workbook.requests.set("PBC-002", FieldChange(owner="Bo"))
    refs = ["PBC-001", "PBC-002", "PBC-003"]
    command = set_fields(workbook, refs, FieldChange(owner="Ann", status=Status.ACCEPTED), calls)
    assert command.text() == "Edit owner, status of 3 requests"

    calls.redo(command)
    assert [fields(workbook, ref)[:2] for ref in refs] == [("Ann", Status.ACCEPTED)] * 3
    assert calls.changed[-1].refs == frozenset(refs)

    calls.undo(command)
    assert [fields(workbook, ref)[:3] for ref in refs] == [
        ("Ann", Status.IN_PROGRESS, MARCH),
        ("Bo", Status.OPEN, None),
        ("", Status.OPEN, None),
    ]
    assert calls.changed[-1] == Changes(refs=frozenset(refs), people=True)

    calls.redo(command)
    assert [fields(workbook, ref)[:2] for ref in refs] == [("Ann", Status.ACCEPTED)] * 3
    assert (calls.errors, command.error, command.isObsolete()) == ([], None, False)


def test_undo_puts_back_only_the_fields_the_step_changed(workbook: Workbook, calls: Calls) -> None:
    workbook.requests.set("PBC-001", FieldChange(due=MARCH, notes="first"))
    command = set_fields(workbook, ["PBC-001", "PBC-002"], FieldChange(due=APRIL), calls)
    calls.redo(command)
    workbook.requests.set("PBC-001", FieldChange(notes="written after the step", status=Status.FOLLOW_UP))
    calls.undo(command)
    # PBC-002 had no due date: undo clears the one the step set, and the later notes and status stay.
    assert fields(workbook, "PBC-001") == ("", Status.FOLLOW_UP, MARCH, "written after the step")
    assert fields(workbook, "PBC-002") == ("", Status.OPEN, None, "")
    assert not calls.changed[-1].people


def test_an_owner_typed_anew_is_removed_on_undo_and_added_again_on_redo(
    workbook: Workbook, calls: Calls
) -> None:
    workbook.people.add("Ann")
    command = set_fields(workbook, ["PBC-001", "PBC-002"], FieldChange(owner="  New   Person "), calls)
    calls.redo(command)
    assert command.created_person == "New Person"
    assert people(workbook) == ["Ann", "New Person"]
    calls.undo(command)
    assert people(workbook) == ["Ann"]
    assert [fields(workbook, ref)[0] for ref in ("PBC-001", "PBC-002")] == ["", ""]
    assert workbook.activity.list(limit=1)[0].action == "person.remove"
    calls.redo(command)
    assert (command.created_person, people(workbook)) == ("New Person", ["Ann", "New Person"])


def test_a_known_owner_in_another_spelling_is_not_taken_for_a_new_person(
    workbook: Workbook, calls: Calls
) -> None:
    workbook.people.add("Ann Smith")
    command = set_fields(workbook, ["PBC-001"], FieldChange(owner="ann  smith"), calls)
    calls.redo(command)
    assert command.created_person is None
    calls.undo(command)
    assert people(workbook) == ["Ann Smith"]


def test_a_new_person_given_to_another_request_since_stays_on_undo(workbook: Workbook, calls: Calls) -> None:
    command = set_fields(workbook, ["PBC-001"], FieldChange(owner="Priya Shah"), calls)
    calls.redo(command)
    workbook.requests.set("PBC-004", FieldChange(owner="Priya Shah"))
    calls.undo(command)
    assert fields(workbook, "PBC-001")[0] == ""
    assert [(p.name, p.request_count) for p in workbook.people.list()] == [("Priya Shah", 1)]


def test_a_failing_step_is_marked_obsolete_reports_its_error_and_lets_the_caller_put_back(
    workbook: Workbook, calls: Calls
) -> None:
    command = unknown_ref(workbook, FieldChange(status=Status.ACCEPTED), calls)
    command.after_failure = lambda: calls.put_back.append(str(command.error))
    calls.redo(command)
    assert isinstance(command.error, UserError)
    assert "PBC-404" in command.error.message
    assert calls.errors == [command.error]
    assert calls.put_back == [str(command.error)]  # called after the error was reported
    assert command.isObsolete()
    assert calls.changed == []


def test_a_quiet_first_failure_is_kept_but_not_reported(workbook: Workbook, calls: Calls) -> None:
    command = unknown_ref(workbook, FieldChange(notes="x"), calls)
    command.quiet_first_failure = True
    calls.redo(command)
    assert isinstance(command.error, UserError) and command.isObsolete()
    assert calls.errors == []
    calls.redo(command)  # only the first run is quiet
    assert calls.errors == [command.error]


def test_a_read_only_workbook_fails_the_step_with_its_storage_error(
    workbook: Workbook, calls: Calls, actor: Actor
) -> None:
    workbook.close()
    with Workbook.open(workbook.path, actor, read_only=True) as reader:
        command = set_fields(reader, ["PBC-001"], FieldChange(owner="Ann"), calls)
        calls.redo(command)
        assert command.isObsolete()
        assert calls.errors == [command.error]
        assert fields(reader, "PBC-001")[0] == ""


def test_a_step_whose_write_failed_leaves_the_undo_stack_at_the_next_undo(
    qapp: QApplication, workbook: Workbook, calls: Calls
) -> None:
    stack = QUndoStack()
    good = set_fields(workbook, ["PBC-001"], FieldChange(status=Status.ACCEPTED), calls)
    calls.settle(good, lambda: stack.push(good))
    failing = unknown_ref(workbook, FieldChange(notes="x"), calls)
    calls.settle(failing, lambda: stack.push(failing))
    # Pushed before its write failed on the writer thread: obsolete now, so the next undo drops it unrun.
    assert failing.isObsolete() and stack.count() == 2
    stack.undo()
    assert (stack.count(), stack.undoText()) == (1, "Set status of PBC-001 to Accepted")
    assert len(calls.errors) == 1
    calls.settle(good, stack.undo)
    assert fields(workbook, "PBC-001")[1] is Status.OPEN


def test_link_evidence_skips_its_first_redo_then_unlinks_and_links_again(
    workbook: Workbook, calls: Calls, tmp_path: Path
) -> None:
    shas = [attach(workbook, tmp_path, "PBC-001", f"{n}.txt", f"file {n}\n") for n in "abcd"]
    links = list(zip(shas, ["a.txt", "b.txt", "c.txt", "d.txt"], strict=True))
    command = LinkEvidenceCommand(
        workbook, "PBC-001", links, calls.writer, calls.changed.append, calls.errors.append
    )
    assert command.text() == "Attach a.txt, b.txt, c.txt … to PBC-001"
    calls.redo(command)  # the attach job already linked them
    assert calls.changed == []
    calls.undo(command)
    assert current(workbook, "PBC-001") == []
    assert calls.changed[-1] == Changes(refs=frozenset({"PBC-001"}), evidence=True)
    calls.redo(command)
    assert current(workbook, "PBC-001") == ["a.txt", "b.txt", "c.txt", "d.txt"]


def test_unlink_evidence_unlinks_and_undo_links_again(
    workbook: Workbook, calls: Calls, tmp_path: Path
) -> None:
    sha = attach(workbook, tmp_path, "PBC-002", "users.csv", "name\nann\n")
    command = UnlinkEvidenceCommand(
        workbook, "PBC-002", [(sha, "users.csv")], calls.writer, calls.changed.append, calls.errors.append
    )
    assert command.text() == "Unlink users.csv from PBC-002"
    calls.redo(command)
    assert current(workbook, "PBC-002") == []
    assert workbook.evidence.get(sha).name == "users.csv"  # the bytes stay
    calls.undo(command)
    assert current(workbook, "PBC-002") == ["users.csv"]


def test_undo_of_an_unlink_whose_file_was_purged_since_fails_and_leaves_the_stack(
    qapp: QApplication, workbook: Workbook, calls: Calls, tmp_path: Path
) -> None:
    sha = attach(workbook, tmp_path, "PBC-002", "users.csv", "name\nann\n")
    stack = QUndoStack()
    command = UnlinkEvidenceCommand(
        workbook, "PBC-002", [(sha, "users.csv")], calls.writer, calls.changed.append, calls.errors.append
    )
    calls.settle(command, lambda: stack.push(command))
    workbook.evidence.purge_unlinked()
    calls.settle(command, stack.undo)
    assert len(calls.errors) == 1 and isinstance(calls.errors[0], UserError)
    assert command.isObsolete()
    changed = len(calls.changed)
    stack.redo()  # the obsolete step is dropped, not run
    assert stack.count() == 0
    assert (current(workbook, "PBC-002"), len(calls.changed)) == ([], changed)


def test_evidence_details_are_written_and_undo_removes_a_date_the_file_never_had(
    workbook: Workbook, calls: Calls, tmp_path: Path
) -> None:
    sha = attach(workbook, tmp_path, "PBC-001", "okta.csv", "user,mfa\nann,yes\n")
    before = EvidenceDetails.of(workbook.evidence.get(sha))
    assert before.effective_date is None
    after = dataclasses.replace(before, effective_date=MARCH, source_system="Okta", shows="MFA for all users")
    command = SetEvidenceDetailsCommand(
        workbook, sha, "okta.csv", before, after, calls.writer, calls.changed.append, calls.errors.append
    )
    assert command.text() == "Edit details of okta.csv"
    calls.redo(command)
    assert EvidenceDetails.of(workbook.evidence.get(sha)) == after
    assert calls.changed[-1] == Changes(refs=frozenset({"PBC-001"}), evidence=True)
    calls.undo(command)
    assert EvidenceDetails.of(workbook.evidence.get(sha)) == before


def test_replace_skips_its_first_redo_and_undo_makes_the_old_version_current(
    workbook: Workbook, calls: Calls, tmp_path: Path
) -> None:
    old = attach(workbook, tmp_path, "PBC-003", "policy-v1.txt", "version 1\n")
    newer = tmp_path / "policy-v2.txt"
    newer.write_text("version 2\n")
    new = workbook.evidence.replace("PBC-003", old, newer).evidence.sha256
    command = ReplaceEvidenceCommand(
        workbook,
        "PBC-003",
        (old, "policy-v1.txt"),
        (new, "policy-v2.txt"),
        calls.writer,
        calls.changed.append,
        calls.errors.append,
    )
    assert command.text() == "Replace policy-v1.txt with policy-v2.txt in PBC-003"
    calls.redo(command)  # the replace job already made v2 current
    assert (calls.changed, current(workbook, "PBC-003")) == ([], ["policy-v2.txt"])
    calls.undo(command)
    assert current(workbook, "PBC-003") == ["policy-v1.txt"]
    calls.redo(command)
    assert current(workbook, "PBC-003") == ["policy-v2.txt"]


def test_restoring_a_version_remembers_the_one_pushed_aside_and_undo_brings_it_back(
    workbook: Workbook, calls: Calls, tmp_path: Path
) -> None:
    old = attach(workbook, tmp_path, "PBC-003", "policy-v1.txt", "version 1\n")
    newer = tmp_path / "policy-v2.txt"
    newer.write_text("version 2\n")
    new = workbook.evidence.replace("PBC-003", old, newer).evidence.sha256
    command = RestoreVersionCommand(
        workbook, "PBC-003", old, "policy-v1.txt", calls.writer, calls.changed.append, calls.errors.append
    )
    assert command.text() == "Restore policy-v1.txt in PBC-003"
    calls.redo(command)
    assert (command.demoted, current(workbook, "PBC-003")) == (new, ["policy-v1.txt"])
    calls.undo(command)
    assert current(workbook, "PBC-003") == ["policy-v2.txt"]
    assert not command.isObsolete()


def test_restoring_when_nothing_current_is_pushed_aside_leaves_nothing_to_undo(
    workbook: Workbook, calls: Calls, tmp_path: Path
) -> None:
    old = attach(workbook, tmp_path, "PBC-003", "policy-v1.txt", "version 1\n")
    newer = tmp_path / "policy-v2.txt"
    newer.write_text("version 2\n")
    new = workbook.evidence.replace("PBC-003", old, newer).evidence.sha256
    workbook.evidence.unlink("PBC-003", new)
    command = RestoreVersionCommand(
        workbook, "PBC-003", old, "policy-v1.txt", calls.writer, calls.changed.append, calls.errors.append
    )
    calls.redo(command)
    assert current(workbook, "PBC-003") == ["policy-v1.txt"]
    assert command.demoted is None and command.isObsolete()
    calls.undo(command)  # nothing to go back to: the restored version stays current
    assert current(workbook, "PBC-003") == ["policy-v1.txt"]
    assert calls.errors == []
