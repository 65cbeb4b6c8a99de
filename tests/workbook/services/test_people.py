"""People who own requests: the list and its counts, add, rename, merge and unmerge, emails, refusals."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from workbook.errors import UserError
from workbook.model import Changes, FieldChange
from workbook.services.workbook import Workbook
from workbook.storage.schema import RequestRow


def names(workbook: Workbook) -> list[str]:
    return [p.name for p in workbook.people.list()]


def archive(workbook: Workbook, ref: str) -> None:
    """Archive a request as a re-import does when its item left the checklist (no service call for it)."""
    with workbook.db.write() as session:
        session.execute(update(RequestRow).where(RequestRow.ref == ref).values(archived=True))


def test_the_list_is_sorted_by_name_ignoring_case_and_counts_only_live_requests(workbook: Workbook) -> None:
    workbook.people.add("bo")
    workbook.people.add("Ann")
    workbook.people.add("carl")
    workbook.requests.bulk_set(["PBC-001", "PBC-002"], FieldChange(owner="ann"))
    workbook.requests.set("PBC-003", FieldChange(owner="Carl"))
    archive(workbook, "PBC-002")
    assert [(p.name, p.request_count) for p in workbook.people.list()] == [("Ann", 1), ("bo", 0), ("carl", 1)]


def test_add_tidies_the_name_and_email_and_logs_the_person(workbook: Workbook) -> None:
    person = workbook.people.add("  Priya \t Shah ", " priya@acme.test ")
    assert (person.name, person.email, person.request_count) == ("Priya Shah", "priya@acme.test", 0)
    assert workbook.people.list() == [person]
    added, email = sorted(workbook.activity.list(limit=2), key=lambda e: e.id)
    assert (added.action, added.target, added.actor) == ("person.add", "Priya Shah", "Dana Ops")
    # The address is logged as well, so that verify can vouch for it.
    assert (email.action, email.field, email.before, email.after) == (
        "person.set",
        "email",
        "",
        "priya@acme.test",
    )


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_a_person_without_a_name_is_refused(workbook: Workbook, blank: str) -> None:
    with pytest.raises(UserError, match="a person needs a name"):
        workbook.people.add(blank)
    assert workbook.people.list() == []


def test_adding_someone_already_there_in_another_spelling_is_refused(workbook: Workbook) -> None:
    workbook.people.add("Ann Smith")
    logged = len(workbook.activity.list())
    with pytest.raises(UserError) as caught:
        workbook.people.add(" ann   SMITH ")
    assert caught.value.message == "'ann SMITH' is already in this workbook"
    assert names(workbook) == ["Ann Smith"]
    assert len(workbook.activity.list()) == logged


def test_a_long_name_is_cut_to_200_characters_and_found_again_by_its_long_form(workbook: Workbook) -> None:
    assert workbook.people.add("x" * 250).name == "x" * 200
    with pytest.raises(UserError, match="already in this workbook"):
        workbook.people.add("X" * 300)


def test_rename_changes_the_owner_of_every_request_and_logs_before_and_after(workbook: Workbook) -> None:
    workbook.requests.bulk_set(["PBC-001", "PBC-004"], FieldChange(owner="Sam Lee"))
    changes = workbook.people.rename("sam lee", "  Samuel   Lee ")
    assert changes == Changes(people=True, all_requests=True)
    assert [workbook.requests.get(ref).owner for ref in ("PBC-001", "PBC-004")] == ["Samuel Lee"] * 2
    assert names(workbook) == ["Samuel Lee"]
    entry = workbook.activity.list(limit=1)[0]
    assert (entry.action, entry.target, entry.field, entry.before, entry.after) == (
        "person.rename",
        "Sam Lee",
        "name",
        "Sam Lee",
        "Samuel Lee",
    )


def test_renaming_to_another_spelling_of_the_same_name_is_allowed(workbook: Workbook) -> None:
    workbook.people.add("ann smith")
    workbook.people.rename("Ann Smith", "Ann SMITH")
    assert names(workbook) == ["Ann SMITH"]


def test_rename_refuses_an_unknown_person_an_empty_name_and_a_name_someone_else_has(
    workbook: Workbook,
) -> None:
    workbook.people.add("Ann")
    workbook.people.add("Bo")
    with pytest.raises(UserError) as unknown:
        workbook.people.rename("Nobody", "Ann B")
    assert unknown.value.message == "no person called 'Nobody'"
    with pytest.raises(UserError, match="a person needs a name"):
        workbook.people.rename("Ann", " ")
    with pytest.raises(UserError) as taken:
        workbook.people.rename("Ann", "BO")
    assert (taken.value.message, taken.value.hint) == ("'BO' already exists", "merge the two people instead")
    assert names(workbook) == ["Ann", "Bo"]


def test_merge_gives_every_request_to_the_kept_person_and_logs_which_moved(workbook: Workbook) -> None:
    workbook.requests.set("PBC-001", FieldChange(owner="Sam Lee"))
    workbook.requests.bulk_set(["PBC-003", "PBC-002"], FieldChange(owner="S. Lee"))
    changes = workbook.people.merge("s. lee", into="SAM LEE")
    assert changes == Changes(refs=frozenset({"PBC-002", "PBC-003"}), people=True, all_requests=True)
    assert {workbook.requests.get(ref).owner for ref in ("PBC-001", "PBC-002", "PBC-003")} == {"Sam Lee"}
    assert [(p.name, p.request_count) for p in workbook.people.list()] == [("Sam Lee", 3)]
    entry = workbook.activity.list(limit=1)[0]
    assert (entry.action, entry.target, entry.before, entry.after) == (
        "person.merge",
        "Sam Lee",
        "S. Lee",
        "Sam Lee",
    )
    assert json.loads(entry.detail) == {"requests_moved": 2, "refs": ["PBC-002", "PBC-003"]}


def test_unmerge_brings_the_person_back_with_only_the_requests_the_kept_one_still_owns(
    workbook: Workbook,
) -> None:
    workbook.requests.set("PBC-001", FieldChange(owner="Sam Lee"))
    workbook.requests.bulk_set(["PBC-002", "PBC-003"], FieldChange(owner="S. Lee"))
    workbook.people.merge("S. Lee", into="Sam Lee")
    workbook.requests.set("PBC-003", FieldChange(owner="Ann"))  # given to someone else since the merge
    changes = workbook.people.unmerge(
        "S. Lee", " s.lee@acme.test ", into="Sam Lee", refs=["PBC-002", "PBC-003"]
    )
    assert (changes.refs, changes.people, changes.created_people) == (
        frozenset({"PBC-002"}),
        True,
        frozenset({"S. Lee"}),
    )
    owners = [workbook.requests.get(ref).owner for ref in ("PBC-001", "PBC-002", "PBC-003")]
    assert owners == ["Sam Lee", "S. Lee", "Ann"]
    assert [(p.name, p.email) for p in workbook.people.list()] == [
        ("Ann", ""),
        ("S. Lee", "s.lee@acme.test"),
        ("Sam Lee", ""),
    ]
    moved = workbook.activity.list(target="PBC-002", limit=1)[0]
    assert (moved.action, moved.field, moved.before, moved.after) == (
        "request.set",
        "owner",
        "Sam Lee",
        "S. Lee",
    )


def test_an_email_is_set_logged_cleared_and_a_malformed_one_refused(workbook: Workbook) -> None:
    workbook.people.add("Ann")
    assert workbook.people.set_email("ann", " ann@acme.test ") == Changes(people=True)
    entry = workbook.activity.list(limit=1)[0]
    assert (entry.action, entry.target, entry.field, entry.after) == (
        "person.set",
        "Ann",
        "email",
        "ann@acme.test",
    )
    logged = len(workbook.activity.list())
    assert workbook.people.set_email("Ann", "ann@acme.test") == Changes()  # no change, nothing logged
    assert len(workbook.activity.list()) == logged
    for bad in ("ann at acme", "ann @acme.test", "a@" + "x" * 260):
        with pytest.raises(UserError, match="is not an email address"):
            workbook.people.set_email("Ann", bad)
    with pytest.raises(UserError, match="no person called 'Bo'"):
        workbook.people.set_email("Bo", "bo@acme.test")
    workbook.people.set_email("Ann", "")
    assert [(p.name, p.email) for p in workbook.people.list()] == [("Ann", "")]


@pytest.mark.parametrize(
    ("duplicate", "into", "message"),
    [
        ("Nobody", "Ann", "no person called 'Nobody'"),
        ("Ann", "Nobody", "no person called 'Nobody'"),
        ("Ann", " ann ", "cannot merge a person into themselves"),
    ],
)
def test_merge_refusals_change_nothing(workbook: Workbook, duplicate: str, into: str, message: str) -> None:
    workbook.requests.set("PBC-001", FieldChange(owner="Ann"))
    logged = len(workbook.activity.list())
    with pytest.raises(UserError) as caught:
        workbook.people.merge(duplicate, into=into)
    assert caught.value.message == message
    assert [(p.name, p.request_count) for p in workbook.people.list()] == [("Ann", 1)]
    assert len(workbook.activity.list()) == logged


def test_a_person_named_only_by_an_archived_request_is_not_removed(workbook: Workbook) -> None:
    workbook.requests.set("PBC-004", FieldChange(owner="Old Owner"))
    archive(workbook, "PBC-004")
    assert [(p.name, p.request_count) for p in workbook.people.list()] == [("Old Owner", 0)]
    assert not workbook.people.remove_if_unused("Old Owner")
    assert names(workbook) == ["Old Owner"]
