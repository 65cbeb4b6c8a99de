"""The one filter rule: the services' queries and the window's instant search keep the same requests."""

from __future__ import annotations

import datetime as dt

from helpers.requests import make_request as request

from workbook.filtering import human_size, matching, request_facts, search_text
from workbook.model import RequestFilter, Status

TODAY = dt.date(2026, 3, 1)

ROWS = [
    request("PBC-1", due=dt.date(2026, 2, 1)),
    request("PBC-2", due=dt.date(2026, 2, 1), status=Status.ACCEPTED, evidence_count=1),
    request("PBC-3", owner="", status=Status.NOT_APPLICABLE),
    request("PBC-4", owner="  dana   OPS ", section="Change", recheck_evidence=True),
    request("PBC-5", archived=True),
]


def kept(wanted: RequestFilter) -> list[str]:
    facts = [request_facts(r, TODAY) for r in ROWS]
    return [ROWS[i].ref for i in matching(wanted, facts)]


def test_overdue_means_due_before_today_and_not_ready() -> None:
    assert kept(RequestFilter(overdue=True)) == ["PBC-1"]


def test_missing_evidence_leaves_out_requests_marked_not_applicable() -> None:
    assert kept(RequestFilter(missing_evidence=True)) == ["PBC-1", "PBC-4"]


def test_owners_match_whatever_their_spacing_and_case_and_empty_means_unassigned() -> None:
    assert kept(RequestFilter(owners=("Dana Ops",))) == ["PBC-1", "PBC-2", "PBC-4"]
    assert kept(RequestFilter(owners=("",))) == ["PBC-3"]


def test_archived_requests_are_left_out_unless_asked_for() -> None:
    assert "PBC-5" not in kept(RequestFilter())
    assert "PBC-5" in kept(RequestFilter(include_archived=True))


def test_every_word_of_a_search_must_appear_somewhere_in_the_request_or_its_evidence() -> None:
    facts = [request_facts(r, TODAY, "quarterly okta export" if r.ref == "PBC-2" else "") for r in ROWS]
    assert [ROWS[i].ref for i in matching(RequestFilter(text="OKTA quarterly"), facts)] == ["PBC-2"]
    assert search_text(ROWS[0]) == "pbc-1 title pbc-1 provide the list dana ops access cc6.1"


def test_flagged_and_section_filters() -> None:
    assert kept(RequestFilter(flagged=True)) == ["PBC-4"]
    assert kept(RequestFilter(sections=("change",))) == ["PBC-4"]


def test_sizes_read_as_people_read_them() -> None:
    assert [human_size(n) for n in (812, 1023, 4300, 1_400_000, 3 * 1024**3)] == [
        "812 bytes",
        "1,023 bytes",
        "4.2 KB",
        "1.3 MB",
        "3.0 GB",
    ]
