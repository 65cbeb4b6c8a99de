"""The dashboard's figures: each number is its refs' count, and the services give the same refs."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest
from helpers.requests import make_request as request

from workbook.model import Actor, RequestFilter, Status, date_flagged_refs
from workbook.readiness import UNASSIGNED, Readiness, Tally, readiness
from workbook.services.demo import build_demo
from workbook.services.workbook import Workbook

TODAY = dt.date.today()
NOT_READY = tuple(s for s in Status if not s.is_ready)
READY = tuple(s for s in Status if s.is_ready)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workbook]:
    path = build_demo(tmp_path_factory.mktemp("demo"), Actor("Dana Ops", "dana"))
    with Workbook.open(path, Actor("Dana Ops", "dana"), read_only=True) as workbook:
        yield workbook


@pytest.fixture(scope="module")
def figures(demo: Workbook) -> Readiness:
    """What the window computes: from the requests it lists and the refs whose evidence dates are flagged."""
    return readiness(
        demo.requests.list(RequestFilter()), TODAY, date_flagged_refs(demo.evidence.flagged(today=TODAY))
    )


def listed(workbook: Workbook, **wanted: object) -> tuple[str, ...]:
    """The refs the request service returns for the same question, in checklist order."""
    return tuple(r.ref for r in workbook.requests.list(RequestFilter(today=TODAY, **wanted)))  # type: ignore[arg-type]


def test_the_demo_has_something_in_every_figure(figures: Readiness) -> None:
    """Otherwise the comparisons below would compare empty sets."""
    assert figures.requests.count == 112
    assert 0 < figures.ready.count < figures.requests.count
    assert sum(1 for s in figures.by_status if s.requests.count) >= 5
    assert len(figures.by_owner) >= 5 and len(figures.by_section) >= 8
    assert figures.missing_evidence.count and figures.flagged.count
    assert any(o.overdue.count for o in figures.by_owner) == bool(figures.overdue.count)


def test_totals_and_statuses_equal_the_request_service(demo: Workbook, figures: Readiness) -> None:
    assert figures.requests.refs == listed(demo)
    assert figures.ready.refs == listed(demo, statuses=READY)
    for line in figures.by_status:
        assert line.requests.refs == listed(demo, statuses=(line.status,)), line.status
    assert [line.status for line in figures.by_status] == list(Status)


def test_who_is_behind_equals_the_request_service_per_person(demo: Workbook, figures: Readiness) -> None:
    for person in figures.by_owner:
        owners = (person.owner,)
        assert person.requests.refs == listed(demo, owners=owners), person.label
        assert person.open.refs == listed(demo, owners=owners, statuses=NOT_READY), person.label
        assert person.overdue.refs == listed(demo, owners=owners, overdue=True), person.label
        assert person.missing_evidence.refs == listed(demo, owners=owners, missing_evidence=True), (
            person.label
        )
    assert sum(p.requests.count for p in figures.by_owner) == figures.requests.count
    assert {p.label for p in figures.by_owner} >= {UNASSIGNED, "Sarah Lindqvist"}


def test_sections_equal_the_request_service(demo: Workbook, figures: Readiness) -> None:
    assert [s.section for s in figures.by_section] == list(
        dict.fromkeys(r.section for r in demo.requests.list())
    )
    for section in figures.by_section:
        sections = (section.section,)
        assert section.requests.refs == listed(demo, sections=sections)
        assert section.ready.refs == listed(demo, sections=sections, statuses=READY)
        assert section.not_ready.refs == listed(demo, sections=sections, statuses=NOT_READY)


def test_the_three_lists_equal_the_services(demo: Workbook, figures: Readiness) -> None:
    assert sorted(figures.overdue.refs) == sorted(listed(demo, overdue=True))
    assert figures.missing_evidence.refs == listed(demo, missing_evidence=True)
    # "Flagged" is the window's "Dates flagged": reworded by the auditor, or evidence flagged for its dates.
    dates = date_flagged_refs(demo.evidence.flagged(today=TODAY))
    reworded = set(listed(demo, flagged=True))
    assert set(figures.flagged.refs) == reworded | dates
    assert figures.date_flagged == dates
    assert figures.flagged.refs == tuple(r for r in listed(demo) if r in reworded | dates)


def test_every_number_is_the_count_of_the_refs_it_clicks_to() -> None:
    rows = [
        request("A-1", due=TODAY - dt.timedelta(days=2)),
        request("A-2", due=TODAY - dt.timedelta(days=9), owner="  dana   OPS "),
        request("A-3", status=Status.ACCEPTED, evidence_count=1, section="access"),
        request("A-4", owner="", status=Status.NOT_APPLICABLE, section=""),
        request("A-5", owner="Sam Lee", recheck_evidence=True, evidence_count=1),
        request("A-6", archived=True, due=TODAY - dt.timedelta(days=30)),
        request("A-7", owner="Sam Lee", status=Status.READY_FOR_AUDITOR, evidence_count=2),
    ]
    figures = readiness(rows, TODAY, date_flagged={"A-7", "A-6"})
    tallies = _tallies(figures)
    assert tallies and all(len(t) == t.count == len(t.refs) for t in tallies)
    assert figures.requests.refs == ("A-1", "A-2", "A-3", "A-4", "A-5", "A-7")  # archived left out
    assert figures.ready.refs == ("A-3", "A-4", "A-7")
    assert figures.overdue.refs == ("A-2", "A-1")  # the longest overdue first
    assert figures.missing_evidence.refs == ("A-1", "A-2")  # not applicable needs no evidence
    assert figures.flagged.refs == ("A-5", "A-7") and figures.date_flagged == {"A-7"}
    # The owner and section keys are the filter's: spacing and case do not split a person or a section.
    dana, sam, nobody = figures.by_owner
    assert (dana.owner, dana.requests.refs, dana.overdue.refs) == (
        "Dana Ops",
        ("A-1", "A-2", "A-3"),
        ("A-1", "A-2"),
    )
    assert (sam.owner, sam.open.refs, sam.overdue.count) == ("Sam Lee", ("A-5",), 0)
    assert (nobody.label, nobody.requests.refs) == (UNASSIGNED, ("A-4",))
    assert [s.label for s in figures.by_section] == ["Access", "(no section)"]
    assert figures.by_section[0].ready.refs == ("A-3", "A-7")
    assert figures.request("A-2").owner == "  dana   OPS "


def test_who_is_behind_puts_the_most_overdue_first_then_missing_evidence() -> None:
    rows = [
        request("B-1", owner="Ann"),
        request("B-2", owner="Bob", due=TODAY - dt.timedelta(days=1)),
        request("B-3", owner="Cy"),
        request("B-4", owner="Cy"),
        request("B-5", owner="Di", status=Status.ACCEPTED, evidence_count=1),
    ]
    assert [o.owner for o in readiness(rows, TODAY).by_owner] == ["Bob", "Cy", "Ann", "Di"]


def test_an_empty_workbook_has_zero_everywhere() -> None:
    figures = readiness([], TODAY)
    assert figures.requests.count == figures.ready.count == 0
    assert figures.by_owner == figures.by_section == ()
    assert all(s.requests.count == 0 for s in figures.by_status)


def _tallies(figures: Readiness) -> list[Tally]:
    found: list[Tally] = []

    def walk(value: object) -> None:
        if isinstance(value, Tally):
            found.append(value)
        elif isinstance(value, tuple):
            for item in value:
                walk(item)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for item in dataclasses.fields(value):
                walk(getattr(value, item.name))

    walk(figures)
    return found


def test_follow_ups_equal_the_services_follow_up_status(demo: Workbook, figures: Readiness) -> None:
    assert figures.follow_ups.refs == listed(demo, statuses=(Status.FOLLOW_UP,))
    assert figures.follow_ups.count == len(figures.follow_ups.refs) > 0


# --- samples missing per owner ---------------------------------------------------------------------------


def test_samples_missing_per_owner_add_up_and_leave_complete_requests_out() -> None:
    from workbook.model import SampleSummary
    from workbook.readiness import samples_missing_by_owner

    summaries = [
        SampleSummary("PBC-006", "Elena Petrova", total=10, provided=6, missing_cells=5),
        SampleSummary("PBC-009", "Tom Becker", total=5, provided=5, missing_cells=0),
        SampleSummary("PBC-020", " elena  petrova ", total=3, provided=0, missing_cells=3),
        SampleSummary("PBC-030", "", total=2, provided=1, missing_cells=1),
        SampleSummary("PBC-040", "Tom Becker", total=4, provided=3, missing_cells=1),
        SampleSummary("PBC-050", "Archived Owner", total=9, provided=0, missing_cells=9),
    ]
    refs = {"PBC-006", "PBC-009", "PBC-020", "PBC-030", "PBC-040"}
    found = samples_missing_by_owner(summaries, refs)
    assert [(o.label, o.missing, o.samples, o.requests.refs) for o in found] == [
        ("Elena Petrova", 7, 13, ("PBC-006", "PBC-020")),
        ("Tom Becker", 1, 4, ("PBC-040",)),
        (UNASSIGNED, 1, 2, ("PBC-030",)),
    ]
    assert found[0].words == "7 of 13 samples missing"
    assert found[0].requests.what == "Elena Petrova: samples missing"
    assert samples_missing_by_owner([]) == ()
    figures = readiness(
        [request(ref=r, owner="Elena Petrova") for r in ("PBC-006", "PBC-020")], TODAY, (), summaries
    )
    assert [(o.owner, o.missing) for o in figures.samples_missing] == [("Elena Petrova", 7)]
    assert readiness([], TODAY).samples_missing == ()


def test_the_demos_samples_missing_are_elenas_new_hires(demo: Workbook) -> None:
    figures = readiness(demo.requests.list(RequestFilter()), TODAY, (), demo.samples.summaries())
    (elena,) = figures.samples_missing
    assert (elena.owner, elena.missing, elena.samples, elena.requests.refs) == (
        "Elena Petrova",
        4,
        10,
        ("PBC-008",),
    )
    assert elena.requests.refs == tuple(
        r.ref
        for r in demo.requests.list(RequestFilter(owners=("Elena Petrova",)))
        if r.ref in elena.requests.refs
    )
