"""Next period: next year's workbook from this one. Requests and owners carried, answers reset, last period's
files shown as prior-period evidence but never exported until reused, the old file untouched, the new log
starting from where it came from, and the auditor's next checklist matched like a re-import."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from workbook.errors import UserError
from workbook.model import Actor, ExportOptions, FieldChange, NextPeriodResult, Status
from workbook.services.demo import build_demo
from workbook.services.exporting import ExportService
from workbook.services.workbook import Workbook

NEXT = {"period_start": dt.date(2027, 1, 1), "period_end": dt.date(2027, 12, 31)}
CHECKLIST = Path(__file__).resolve().parents[3] / "resources" / "samples" / "soc2-type2-request-list.xlsx"
FIRST_ROW = 8


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo"), Actor("Dana Ops", "dana"))


@pytest.fixture
def old(demo_path: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "FY2026.auditwb"
    copy.write_bytes(demo_path.read_bytes())
    with Workbook.open(copy, Actor("Dana Ops", "dana")) as wb:
        wb.requests.set(
            "PBC-002", FieldChange(notes="board minutes asked of the CEO", due=dt.date(2026, 12, 1))
        )
    return copy


@pytest.fixture
def carried(old: Path, tmp_path: Path, actor: Actor) -> Iterator[tuple[NextPeriodResult, Workbook]]:
    result = Workbook.next_period(old, tmp_path / "FY2027.auditwb", actor, auditor="Eastgate CPAs", **NEXT)
    with Workbook.open(result.path, actor) as wb:
        yield result, wb


def _with_files(wb: Workbook) -> list[str]:
    return [r.ref for r in wb.requests.list() if r.evidence_count]


def test_requests_owners_and_people_are_carried_and_the_answers_reset(old: Path, actor: Actor) -> None:
    with Workbook.open(old, actor, read_only=True) as before:
        owners = {r.ref: r.owner for r in before.requests.list()}
        people = {p.name: p.email for p in before.people.list()}
        engagement = before.engagement()
        assert any(r.status is not Status.OPEN for r in before.requests.list())
    result = Workbook.next_period(old, old.with_name("next.auditwb"), actor, **NEXT)
    with Workbook.open(result.path, actor) as new:
        requests = new.requests.list()
        assert {r.ref: r.owner for r in requests} == owners
        assert {p.name: p.email for p in new.people.list()} == people
        assert {r.status for r in requests} == {Status.OPEN}
        assert all(r.due is None and r.notes == "" for r in requests)
        now = new.engagement()
        assert (now.client, now.framework, now.auditor) == (
            engagement.client,
            engagement.framework,
            engagement.auditor,
        )
        assert (now.period_start, now.period_end) == (NEXT["period_start"], NEXT["period_end"])
        assert now.freshness_days == engagement.freshness_days
        # The checklist's mapping comes along, so the auditor's next list reads the same way.
        assert new.imports().last_import() is not None
    assert result.requests == len(owners)


def test_last_periods_files_are_prior_evidence_never_this_periods_until_reused(
    old: Path, carried: tuple[NextPeriodResult, Workbook], tmp_path: Path
) -> None:
    result, new = carried
    with Workbook.open(old, new.actor, read_only=True) as before:
        had_files = _with_files(before)
        files_of = {
            ref: {link.evidence.sha256 for link in before.evidence.for_request(ref)} for ref in had_files
        }
    assert had_files and _with_files(new) == []
    assert new.info().evidence_count == 0
    ref = had_files[0]
    prior = new.prior.for_request(ref)
    assert {p.evidence.sha256 for p in prior} == files_of[ref]
    assert all(p.period == "2026-01-01..2026-06-30" and p.prior_ref == ref and not p.reused for p in prior)
    assert new.evidence.read_at_most(prior[0].evidence.sha256, 1 << 20)  # openable
    # Request files and samples' files alike, once per request.
    assert result.prior_links == sum(new.prior.counts().values()) >= sum(len(s) for s in files_of.values())

    empty = ExportService(new).export(ExportOptions(zip=tmp_path / "before.zip"))
    with zipfile.ZipFile(empty.outputs[0].path) as bundle:
        assert not [n for n in bundle.namelist() if "/data/evidence/" in n]

    reused = new.prior.reuse(ref, prior[0].evidence.sha256[:12])
    assert not reused.already
    assert "outside_period" in reused.flags  # last year's date, judged against the new period
    assert next(p.reused for p in new.prior.for_request(ref))
    assert _with_files(new) == [ref]
    entry = new.activity.list(target=ref)[0]  # newest first
    assert (entry.action, entry.after) == ("evidence.reuse", prior[0].evidence.name)
    after = ExportService(new).export(ExportOptions(zip=tmp_path / "after.zip"))
    with zipfile.ZipFile(after.outputs[0].path) as bundle:
        shipped = [n.split("/", 1)[1] for n in bundle.namelist() if "/data/evidence/" in n]
    assert shipped == [f"data/evidence/{ref}/{prior[0].evidence.name}"]
    assert new.verify().ok


def test_the_old_workbook_is_untouched_and_the_new_log_starts_where_it_came_from(
    old: Path, tmp_path: Path, actor: Actor
) -> None:
    before = _sha(old)
    with Workbook.open(old, actor, read_only=True) as wb:
        head, count = wb.activity.head(), wb.activity.count()
    result = Workbook.next_period(old, tmp_path / "new.auditwb", actor, **NEXT)
    assert _sha(old) == before
    assert result.source_head == head
    with Workbook.open(result.path, actor) as new:
        first = new.activity.list(limit=None)[-1]  # newest first
        origin = json.loads(first.detail)["from"]
        assert first.action == "workbook.create"
        assert (
            origin["file"] == old.name
            and origin["activity_head"] == head
            and origin["activity_count"] == count
        )
        report = new.verify()
        assert report.ok, report.problems
        assert not any("do not replay" in line for line in report.not_covered)


def test_each_evidence_byte_is_stored_once(carried: tuple[NextPeriodResult, Workbook]) -> None:
    result, _new = carried
    with sqlite3.connect(result.path) as con:
        (stored,) = con.execute("SELECT COALESCE(SUM(LENGTH(data)), 0) FROM evidence_chunks").fetchone()
        (files,) = con.execute("SELECT COUNT(*) FROM evidence").fetchone()
    assert stored == result.evidence_bytes and files == result.evidence_files
    assert result.path.stat().st_size < result.evidence_bytes + 4 * 1024 * 1024


def _v2_checklist(path: Path) -> Path:
    """The auditor's next list: one request reworded, one renumbered, one dropped and one new."""
    book = openpyxl.load_workbook(CHECKLIST)
    sheet = book["PBC Request List"]
    sheet.cell(FIRST_ROW, 4).value = str(sheet.cell(FIRST_ROW, 4).value).replace("current", "latest")
    sheet.cell(FIRST_ROW + 2, 1).value = "PBC-903"  # PBC-003 renumbered, same wording
    sheet.delete_rows(FIRST_ROW + 3)  # PBC-004 dropped
    last = sheet.max_row + 1
    sheet.cell(last, 1).value = "PBC-900"
    sheet.cell(
        last, 4
    ).value = "Provide the results of the new AI governance review performed during the period."
    book.save(path)
    return path


def test_the_auditors_next_checklist_is_matched_and_owners_and_prior_files_follow(
    carried: tuple[NextPeriodResult, Workbook], tmp_path: Path
) -> None:
    _result, new = carried
    owners = {r.ref: r.owner for r in new.requests.list()}
    prior = {ref: {p.evidence.sha256 for p in new.prior.for_request(ref)} for ref in ("PBC-001", "PBC-003")}
    summary = new.imports().import_checklist(_v2_checklist(tmp_path / "v2.xlsx"), remember=False)
    assert summary.added == 1 and summary.removed == 1
    changed = {d.ref: d for d in summary.diff}
    assert changed["PBC-903"].previous_ref == "PBC-003"
    now = {r.ref: r for r in new.requests.list()}
    assert now["PBC-001"].owner == owners["PBC-001"]
    assert now["PBC-903"].owner == owners["PBC-003"]
    assert {p.evidence.sha256 for p in new.prior.for_request("PBC-001")} == prior["PBC-001"]
    assert {p.evidence.sha256 for p in new.prior.for_request("PBC-903")} == prior["PBC-003"]
    assert now["PBC-900"].owner == ""
    assert new.verify().ok


def test_what_next_period_refuses(old: Path, tmp_path: Path, actor: Actor) -> None:
    taken = tmp_path / "taken.auditwb"
    taken.write_bytes(b"")
    with pytest.raises(UserError, match="already exists"):
        Workbook.next_period(old, taken, actor, **NEXT)
    with pytest.raises(UserError, match="inside the old one"):
        Workbook.next_period(
            old,
            tmp_path / "x.auditwb",
            actor,
            period_start=dt.date(2026, 6, 1),
            period_end=dt.date(2027, 5, 31),
        )
    with pytest.raises(UserError, match="ends before it starts"):
        Workbook.next_period(
            old,
            tmp_path / "y.auditwb",
            actor,
            period_start=dt.date(2027, 6, 1),
            period_end=dt.date(2027, 5, 31),
        )
    assert not (tmp_path / "x.auditwb").exists() and not (tmp_path / "y.auditwb").exists()


def test_a_cancelled_next_period_leaves_no_file(old: Path, tmp_path: Path, actor: Actor) -> None:
    from workbook.jobs import Cancelled, CancelToken

    token = CancelToken()

    def cancel_soon(done: int, total: int) -> None:
        token.cancel()

    with pytest.raises(Cancelled):
        Workbook.next_period(old, tmp_path / "z.auditwb", actor, progress=cancel_soon, cancel=token, **NEXT)
    assert (
        sorted(p.name for p in tmp_path.iterdir()) == ["FY2026.auditwb"]
        or not (tmp_path / "z.auditwb").exists()
    )
    assert not list(tmp_path.glob("z.auditwb*"))


def test_samples_required_items_carry_and_their_files_become_prior_evidence(
    old: Path, tmp_path: Path, actor: Actor
) -> None:
    with Workbook.open(old, actor) as wb:
        wb.samples.set_required("PBC-002", ["offer letter"])
        wb.samples.add("PBC-002", [("EMP-1", "Alex")])
        letter = tmp_path / "EMP-1 offer letter.txt"
        letter.write_text("offer\n", "utf-8")
        wb.samples.attach("PBC-002", "EMP-1", [letter], requirement="offer letter")
    result = Workbook.next_period(old, tmp_path / "FY2027.auditwb", actor, **NEXT)
    with Workbook.open(result.path, actor) as new:
        grid = new.samples.grid("PBC-002")
        assert grid.required == ("offer letter",) and grid.samples == ()
        prior = new.prior.for_request("PBC-002")
        assert [(p.evidence.name, p.sample) for p in prior if p.sample] == [
            ("EMP-1 offer letter.txt", "EMP-1")
        ]
        assert new.verify().ok
