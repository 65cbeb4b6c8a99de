"""Requests and people: filters, field changes, bulk changes, comments, merging duplicates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from workbook.errors import UserError
from workbook.model import FieldChange, RequestFilter, Status
from workbook.services.workbook import Workbook

TODAY = dt.date(2026, 11, 26)


def refs(workbook: Workbook, wanted: RequestFilter) -> list[str]:
    return [r.ref for r in workbook.requests.list(wanted)]


def test_filters_by_status_owner_and_text(workbook: Workbook) -> None:
    workbook.requests.set("PBC-001", FieldChange(owner="Priya Shah", status=Status.IN_PROGRESS))
    workbook.requests.set("PBC-003", FieldChange(owner="priya  shah", notes="Okta export pending"))
    assert refs(workbook, RequestFilter(statuses=(Status.IN_PROGRESS,))) == ["PBC-001"]
    assert refs(workbook, RequestFilter(owners=("PRIYA SHAH",))) == ["PBC-001", "PBC-003"]
    assert refs(workbook, RequestFilter(text="okta pending")) == ["PBC-003"]
    assert refs(workbook, RequestFilter(text="cc7.1")) == ["PBC-002", "PBC-004"]
    assert [p.name for p in workbook.people.list()] == ["Priya Shah"]


def test_overdue_means_past_due_and_not_ready(workbook: Workbook) -> None:
    workbook.requests.bulk_set(["PBC-001", "PBC-002"], FieldChange(due=dt.date(2026, 11, 1)))
    workbook.requests.set("PBC-002", FieldChange(status=Status.ACCEPTED))
    workbook.requests.set("PBC-003", FieldChange(due=dt.date(2026, 12, 1)))
    assert refs(workbook, RequestFilter(overdue=True, today=TODAY)) == ["PBC-001"]
    assert workbook.info(today=TODAY).overdue_count == 1
    assert workbook.info(today=TODAY).ready_count == 1


def test_missing_evidence_lists_requests_without_current_evidence(
    workbook: Workbook, tmp_path: object
) -> None:
    from pathlib import Path

    proof = Path(str(tmp_path)) / "proof.txt"
    proof.write_text("users: 48")
    workbook.evidence.attach("PBC-002", [proof])
    workbook.requests.set("PBC-004", FieldChange(status=Status.NOT_APPLICABLE))
    assert refs(workbook, RequestFilter(missing_evidence=True)) == ["PBC-001", "PBC-003"]


def test_clearing_a_due_date(workbook: Workbook) -> None:
    workbook.requests.set("PBC-001", FieldChange(due=dt.date(2026, 3, 1)))
    workbook.requests.set("PBC-001", FieldChange(clear_due=True))
    assert workbook.requests.get("PBC-001").due is None


def test_an_empty_owner_unassigns(workbook: Workbook) -> None:
    workbook.requests.set("PBC-001", FieldChange(owner="Priya"))
    workbook.requests.set("PBC-001", FieldChange(owner=""))
    assert workbook.requests.get("PBC-001").owner == ""


def test_merging_people_moves_their_requests(workbook: Workbook) -> None:
    workbook.requests.set("PBC-001", FieldChange(owner="Sam Lee"))
    workbook.requests.set("PBC-002", FieldChange(owner="Samuel Lee"))
    workbook.people.merge("Samuel Lee", into="Sam Lee")
    assert {r.owner for r in workbook.requests.list(RequestFilter(refs=("PBC-001", "PBC-002")))} == {
        "Sam Lee"
    }
    assert [(p.name, p.request_count) for p in workbook.people.list()] == [("Sam Lee", 2)]
    assert workbook.activity.list()[0].action == "person.merge"


def test_renaming_to_an_existing_name_is_refused(workbook: Workbook) -> None:
    workbook.people.add("Ann")
    workbook.people.add("Bo")
    with pytest.raises(UserError, match="already exists"):
        workbook.people.rename("Ann", "bo")


def test_comments_form_a_thread_in_order(workbook: Workbook) -> None:
    workbook.requests.add_comment("PBC-001", "Population should cover all 48 users.")
    workbook.requests.add_comment("PBC-001", "Added the full export.")
    thread = workbook.requests.comments("PBC-001")
    assert [c.body for c in thread] == ["Population should cover all 48 users.", "Added the full export."]
    assert thread[0].author == "Dana Ops"


def test_status_parse_accepts_labels_and_loose_spellings() -> None:
    assert Status.parse("Ready for review") is Status.READY_FOR_REVIEW
    assert Status.parse("in-progress") is Status.IN_PROGRESS
    assert Status.parse("accepted") is Status.ACCEPTED
    with pytest.raises(ValueError, match="unknown status"):
        Status.parse("done-ish")


def test_search_finds_a_request_by_what_its_evidence_says(workbook: Workbook, tmp_path: Path) -> None:
    export = tmp_path / "terminations.csv"
    export.write_text("name,terminated\nZebulon Quartz,2026-02-03\n")
    workbook.evidence.attach("PBC-003", [export])
    assert refs(workbook, RequestFilter(text="zebulon")) == ["PBC-003"]


def test_a_person_no_request_names_can_be_removed_again(workbook: Workbook) -> None:
    workbook.requests.set("PBC-001", FieldChange(owner="New Person"))
    assert not workbook.people.remove_if_unused("New Person")
    workbook.requests.set("PBC-001", FieldChange(owner=""))
    assert workbook.people.remove_if_unused("new person")
    assert workbook.people.list() == []
    assert workbook.activity.list(limit=1)[0].action == "person.remove"
    assert not workbook.people.remove_if_unused("Nobody")


def test_several_changes_and_a_person_removal_apply_as_one_unit(workbook: Workbook) -> None:
    workbook.requests.set("PBC-001", FieldChange(owner="Temp Person", status=Status.IN_PROGRESS))
    back = [(["PBC-001"], FieldChange(owner="", status=Status.OPEN)), (["PBC-404"], FieldChange(notes="x"))]
    with pytest.raises(UserError, match="PBC-404"):
        workbook.requests.apply_changes(back, remove_if_unused=["Temp Person"])
    assert workbook.requests.get("PBC-001").owner == "Temp Person"
    assert [p.name for p in workbook.people.list()] == ["Temp Person"]
    changes = workbook.requests.apply_changes(back[:1], remove_if_unused=["Temp Person"])
    assert changes.refs == frozenset({"PBC-001"}) and changes.people
    assert (workbook.requests.get("PBC-001").owner, workbook.people.list()) == ("", [])
