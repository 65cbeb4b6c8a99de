"""The activity log in plain words: every action the services log has a sentence, actor first, no codes.

The kinds are found two ways, not from a list kept here: by exercising every service on a workbook and
reading its log, and by reading the action codes the services pass to `record(` in their source.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import workbook.services
from workbook.activity_csv import HEADER, write_csv
from workbook.activity_words import (
    GESTURE_ENTRIES,
    WORDS,
    ActivityKind,
    LogFilter,
    LogLine,
    entry_words,
    grouped,
    kind_of,
    page_lines,
    people,
    request_of,
)
from workbook.csv_text import safe_cell
from workbook.model import ActivityEntry, Actor, ExportOptions, FieldChange, Status
from workbook.services.exporting import ExportService
from workbook.services.workbook import Workbook

DANA = Actor("Dana Ops", "dana")
SAM = Actor("Sam Reviewer", "sam")
CHECKLIST = "Ref,Title,Request,Owner\n{rows}"
# What a status or field looks like in the database (`in_progress`, `ready_for_auditor`).
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


def checklist(path: Path, *rows: str) -> Path:
    path.write_text(CHECKLIST.format(rows="\n".join(rows) + "\n"), encoding="utf-8")
    return path


def exercise_every_service(folder: Path) -> tuple[list[ActivityEntry], list[ActivityEntry]]:
    """A workbook taken through every change the app logs; (its log, the log of a repaired copy)."""
    path = folder / "acme.auditwb"
    sheet = folder / "pbc.csv"
    wb = Workbook.create(
        path,
        DANA,
        client="Acme Cloud, Inc.",
        framework="SOC 2",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 6, 30),
        auditor="Northbridge",
    )
    with wb:
        wb.update_engagement(auditor="Northbridge Assurance LLP")
        first = (
            "PBC-001,Access review,Provide the access review,Lee Chen",
            "PBC-002,Change tickets,Tickets,",
        )
        wb.imports().import_checklist(
            checklist(sheet, *first, "PBC-003,Backups,Backup logs,"), remember=False
        )
        changed = ("PBC-001,Quarterly access review,Provide the access review,Lee Chen", first[1])
        wb.imports().import_checklist(
            checklist(sheet, *changed, "PBC-004,Vendors,Vendor list,"), remember=False
        )
        back = (*changed, "PBC-003,Backups,Backup logs,", "PBC-004,Vendors,Vendor list,")
        wb.imports().import_checklist(checklist(sheet, *back), remember=False)
        wb.requests.set("PBC-001", FieldChange(status=Status.IN_PROGRESS))
        wb.requests.set(
            "PBC-001",
            FieldChange(
                status=Status.READY_FOR_AUDITOR, due=dt.date(2026, 3, 15), notes="asked IT", owner="Sam Lee"
            ),
        )
        wb.requests.set("PBC-001", FieldChange(clear_due=True))
        wb.requests.add_comment("PBC-002", "Please add Q2")
        review = folder / "access-review.csv"
        review.write_text("user,reviewed\nana,yes\n")
        first_version = wb.evidence.attach("PBC-001", [review])[0].evidence
        wb.evidence.attach("PBC-002", [review])
        newer = folder / "access-review-v2.csv"
        newer.write_text("user,reviewed\nana,yes\nbo,no\n")
        second = wb.evidence.replace("PBC-001", first_version.sha256, newer).evidence
        wb.evidence.restore_version("PBC-001", first_version.sha256)
        wb.evidence.set_details(
            first_version.sha256, description="Q1 review", effective_date=dt.date(2026, 3, 31)
        )
        wb.evidence.unlink("PBC-001", second.sha256)
        wb.evidence.purge_unlinked()
        wb.people.add("Kim Park")
        wb.people.rename("Kim Park", "Kim Park-Lee")
        wb.people.remove_if_unused("Kim Park-Lee")
        wb.people.merge("Sam Lee", "Lee Chen")
        set_email = getattr(wb.people, "set_email", None)  # person.set: present in this version's people
        if set_email is not None:
            set_email("Lee Chen", "lee@example.com")
        ExportService(wb).export(ExportOptions(xlsx=folder / "answered.xlsx"))
        log = list(wb.activity.iter_all())
    Workbook.repair(path, folder / "repaired.auditwb", SAM)
    with Workbook.open(folder / "repaired.auditwb", SAM, read_only=True) as repaired:
        return log, list(repaired.activity.iter_all())


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[ActivityEntry], list[ActivityEntry]]:
    return exercise_every_service(tmp_path_factory.mktemp("words"))


@pytest.fixture(scope="module")
def log(logged: tuple[list[ActivityEntry], list[ActivityEntry]]) -> list[ActivityEntry]:
    """Every entry of both logs, oldest first (the repaired copy's own entry last)."""
    original, repaired = logged
    return original + [e for e in repaired if e.action == "workbook.repair"]


def codes_in_source() -> set[str]:
    """The action codes the services pass to `record(` (the code is its third argument)."""
    folder = Path(workbook.services.__file__).parent
    call = re.compile(r"\brecord\(\s*[^,()]+,\s*[^,()]+,\s*\"([a-z]+\.[a-z_]+)\"", re.MULTILINE)
    return {
        code for source in folder.rglob("*.py") for code in call.findall(source.read_text(encoding="utf-8"))
    }


def entry(action: str, *, number: int = 1, **fields: str) -> ActivityEntry:
    """An entry as the log would hold it (fields not given are empty)."""
    values = {"target": "", "field": "", "before": "", "after": "", "detail": "", **fields}
    return ActivityEntry(
        id=number,
        at=dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC),
        actor="Dana Ops",
        login="dana",
        action=action,
        prev_hash="0" * 64,
        hash="f" * 64,
        **values,
    )


# --- every kind has words ----------------------------------------------------------------------------------


def test_the_source_and_the_exercised_log_agree_on_what_is_logged(log: list[ActivityEntry]) -> None:
    found = codes_in_source()
    exercised = {e.action for e in log}
    assert len(found) >= 20, found  # the pattern still finds the calls
    assert exercised <= found
    # The workbook's own entries are logged by Workbook.create/repair: both are exercised above.
    assert {"workbook.create", "workbook.repair", "evidence.add", "evidence.link"} <= exercised


def test_every_action_the_services_record_has_its_own_words() -> None:
    missing = sorted(codes_in_source() - WORDS.keys())
    assert not missing, f"no plain words for {missing}: add them to workbook/activity_words.py"


def test_every_action_has_a_kind_other_than_other() -> None:
    assert {code: kind_of(code) for code in codes_in_source() if kind_of(code) is ActivityKind.OTHER} == {}


def test_every_exercised_entry_reads_as_a_sentence_with_the_actor_first(log: list[ActivityEntry]) -> None:
    codes = codes_in_source() | WORDS.keys()
    for item in log:
        words = entry_words(item)
        assert words.startswith(f"{item.actor} "), words
        assert not [code for code in codes if code in words], words
        assert not SNAKE.search(words), words
        assert "\n" not in words


def test_a_status_change_names_the_labels_not_the_codes(log: list[ActivityEntry]) -> None:
    words = [entry_words(e) for e in log if e.action == "request.set" and e.field == "status"]
    assert words == [
        "Dana Ops set status of PBC-001 from Open to In progress",
        "Dana Ops set status of PBC-001 from In progress to Ready for auditor",
    ]


def test_owner_due_and_notes_are_worded_with_iso_dates(log: list[ActivityEntry]) -> None:
    words = {entry_words(e) for e in log if e.action == "request.set"}
    assert "Dana Ops set owner of PBC-001 from Lee Chen to Sam Lee" in words
    assert "Dana Ops set due date of PBC-001 to 2026-03-15" in words
    assert "Dana Ops cleared due date of PBC-001 (was 2026-03-15)" in words
    assert "Dana Ops set notes of PBC-001 to “asked IT”" in words


def test_an_attach_is_one_line_and_a_replace_is_one_line(log: list[ActivityEntry]) -> None:
    lines = [(line.words, [e.action for e in line.entries]) for line in grouped(log)]
    assert ("Dana Ops attached access-review.csv to PBC-001", ["evidence.add", "evidence.link"]) in lines
    # The same bytes attached again elsewhere: nothing new stored, one link.
    assert ("Dana Ops attached access-review.csv to PBC-002", ["evidence.link"]) in lines
    assert (
        "Dana Ops replaced access-review.csv with access-review-v2.csv on PBC-001",
        ["evidence.add", "evidence.link", "evidence.replace"],
    ) in lines
    assert not any(words.startswith("Dana Ops added access-review") for words, _ in lines)


def test_grouping_reads_newest_first_as_well_as_oldest_first(log: list[ActivityEntry]) -> None:
    oldest_first = [line.words for line in grouped(log)]
    newest_first = [line.words for line in grouped(reversed(log))]
    assert newest_first == oldest_first[::-1]
    assert sum(len(line.entries) for line in grouped(reversed(log))) == len(log)


def test_entries_of_two_gestures_are_never_folded_together() -> None:
    add = entry("evidence.add", number=1, target="PBC-001", after="a.csv")
    other_file = entry("evidence.link", number=2, target="PBC-001", after="b.csv")
    other_request = entry("evidence.link", number=2, target="PBC-002", after="a.csv")
    not_next = entry("evidence.link", number=3, target="PBC-001", after="a.csv")
    for link in (other_file, other_request, not_next):
        assert len(grouped([add, link])) == 2


def test_the_other_kinds_read_plainly(log: list[ActivityEntry]) -> None:
    words = {entry_words(e) for e in log}
    for expected in (
        "Dana Ops created the workbook for Acme Cloud, Inc. (SOC 2)",
        "Dana Ops set auditor of the engagement from Northbridge to Northbridge Assurance LLP",
        "Dana Ops imported the checklist pbc.csv: 3 added, 0 changed, 0 removed",
        "Dana Ops added PBC-004 from the checklist: “Vendors”",
        "Dana Ops removed PBC-003: it is no longer in the checklist (its evidence is kept)",
        "Dana Ops brought back PBC-003: it is in the checklist again",
        "Dana Ops set title of PBC-001 from “Access review” to “Quarterly access review” "
        "by re-importing the checklist",
        "Dana Ops commented on PBC-002: “Please add Q2”",
        "Dana Ops restored access-review.csv as current evidence of PBC-001, "
        "in place of access-review-v2.csv",
        "Dana Ops set description of access-review.csv to “Q1 review”",
        "Dana Ops set effective date of access-review.csv to 2026-03-31",
        "Dana Ops removed access-review-v2.csv from PBC-001 (the file stays in the workbook)",
        "Dana Ops deleted access-review-v2.csv from the workbook for good (no request used it)",
        "Dana Ops added Kim Park to the people",
        "Dana Ops renamed Kim Park to Kim Park-Lee",
        "Dana Ops removed Kim Park-Lee from the people",
        "Dana Ops merged Sam Lee into Lee Chen (1 request moved)",
        "Sam Reviewer made this workbook as a repaired copy of acme.auditwb, nothing needed changing",
    ):
        assert expected in words
    assert any(
        w.startswith("Dana Ops exported answered.xlsx, the filled-in checklist of package ") for w in words
    )


def test_an_unknown_action_falls_back_to_words_never_its_code() -> None:
    words = entry_words(entry("widget.frobnicate_all", target="PBC-001", field="size", before="1", after="2"))
    assert words == "Dana Ops made a change (frobnicate all widget) to PBC-001: set size from 1 to 2"
    assert "widget.frobnicate" not in words
    assert kind_of("widget.frobnicate_all") is ActivityKind.OTHER


def test_an_odd_value_is_shown_as_written_and_long_text_is_cut() -> None:
    assert entry_words(entry("request.set", target="PBC-1", field="status", after="someday_maybe")) == (
        "Dana Ops set status of PBC-1 to someday maybe"
    )
    long = entry_words(entry("comment.add", target="PBC-1", after="word " * 100))
    assert long.endswith("…”") and len(long) < 140
    assert (
        entry_words(entry("person.merge", before="A", after="B", detail="not json"))
        == "Dana Ops merged A into B"
    )


def test_who_falls_back_to_the_login() -> None:
    nameless = ActivityEntry(
        1, dt.datetime.now(dt.UTC), "  ", "dana", "person.add", "Lee", "", "", "", "", "", ""
    )
    assert entry_words(nameless) == "dana added Lee to the people"


def test_the_request_an_entry_is_about(log: list[ActivityEntry]) -> None:
    by_action = {e.action: request_of(e) for e in log}
    assert by_action["request.set"] == "PBC-001"
    assert by_action["comment.add"] == "PBC-002"
    assert by_action["evidence.unlink"] == "PBC-001"
    assert by_action["evidence.set"] == ""  # about a file, not a request
    assert by_action["person.add"] == ""


# --- filtering ---------------------------------------------------------------------------------------------


@pytest.fixture
def lines(log: list[ActivityEntry]) -> list[LogLine]:
    return grouped(reversed(log))


def test_filters_by_person_request_kind_and_date(lines: list[LogLine], log: list[ActivityEntry]) -> None:
    assert people(lines) == ["Dana Ops", "Sam Reviewer"]
    assert [line.words for line in LogFilter(person="Sam Reviewer").matching(lines)] == [
        "Sam Reviewer made this workbook as a repaired copy of acme.auditwb, nothing needed changing"
    ]
    about_2 = LogFilter(request="pbc-002").matching(lines)
    assert [line.entry.action for line in about_2] == ["evidence.link", "comment.add"]
    evidence = LogFilter(kind=ActivityKind.EVIDENCE).matching(lines)
    assert evidence and all(line.entry.action.startswith("evidence.") for line in evidence)
    both = LogFilter(request="PBC-001", kind=ActivityKind.FIELDS).matching(lines)
    assert len(both) == 6
    today = log[-1].at.astimezone().date()
    assert LogFilter(since=today, until=today).matching(lines) == lines
    assert LogFilter(until=today - dt.timedelta(days=1)).matching(lines) == []
    assert not LogFilter().active and LogFilter(person="x").active


# --- CSV ---------------------------------------------------------------------------------------------------


def test_a_cell_a_spreadsheet_would_run_gets_an_apostrophe() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Dana = ops") == "Dana = ops"
    assert safe_cell("") == ""


def read_rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def test_the_csv_has_one_row_per_entry_with_its_words_and_hash(tmp_path: Path, lines: list[LogLine]) -> None:
    shown = LogFilter(request="PBC-001", kind=ActivityKind.EVIDENCE).matching(lines)
    out = tmp_path / "log.csv"
    rows_written = write_csv(shown, out)
    rows = list(read_rows(out))
    assert list(rows[0]) == list(HEADER)
    assert rows_written == len(rows) == sum(len(line.entries) for line in shown)
    attach = [row for row in rows if row["Action"] in ("evidence.add", "evidence.link")]
    assert [row["What"] for row in attach][-2:] == [
        "Dana Ops attached access-review.csv to PBC-001",
        "Dana Ops added access-review.csv to the workbook for PBC-001",
    ]
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{64}", row["Hash"])
        when = dt.datetime.fromisoformat(row["When (UTC)"])
        assert when.utcoffset() == dt.timedelta(0)
    ids = [int(row["Entry"]) for row in rows]
    assert ids == sorted(ids, reverse=True)


def test_the_csv_neutralises_formulas_in_every_cell(tmp_path: Path) -> None:
    hostile = ActivityEntry(
        7,
        dt.datetime(2026, 3, 4, 9, 30, tzinfo=dt.UTC),
        "=cmd|' /C calc'!A0",
        "@dana",
        "request.set",
        "PBC-001",
        "notes",
        "-2",
        '=HYPERLINK("http://x","y")',
        "",
        "0" * 64,
        "a" * 64,
    )
    out = tmp_path / "hostile.csv"
    write_csv(grouped([hostile]), out)
    (row,) = read_rows(out)
    assert row["Who"] == "'=cmd|' /C calc'!A0"
    assert row["Login"] == "'@dana"
    assert row["Before"] == "'-2"
    assert row["After"] == '\'=HYPERLINK("http://x","y")'
    assert row["What"].startswith("'=cmd|")
    assert row["When (UTC)"] == "2026-03-04T09:30:00.000000+00:00"


def test_a_csv_that_cannot_be_written_says_so(tmp_path: Path, lines: list[LogLine]) -> None:
    from workbook.errors import StorageError

    with pytest.raises(StorageError, match="could not write the CSV"):
        write_csv(lines, tmp_path / "no-such-folder" / "log.csv")
    assert list(tmp_path.iterdir()) == []


def test_a_page_of_the_log_never_ends_in_the_middle_of_an_attach(log: list[ActivityEntry]) -> None:
    newest_first = log[::-1]
    whole = [line.words for line in grouped(newest_first)]
    for limit in range(3, 12):
        read: list[str] = []
        rest = newest_first
        while True:
            lines, complete = page_lines(rest[: limit + GESTURE_ENTRIES - 1], limit)
            read += [line.words for line in lines]
            if complete:
                break
            oldest = lines[-1].entries[0].id
            rest = [e for e in rest if e.id < oldest]
        assert read == whole, limit


# --- audit cycles: samples, the next period, files never exported -------------------------------------------


@pytest.fixture(scope="module")
def cycle_logs(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[ActivityEntry], list[ActivityEntry]]:
    """(this period's log with samples, the next period's log started from it)."""
    folder = tmp_path_factory.mktemp("cycles")
    path = folder / "acme-2026.auditwb"
    with Workbook.create(
        path, DANA, client="Acme", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30)
    ) as wb:
        wb.imports().import_checklist(
            checklist(
                folder / "pbc.csv",
                "PBC-001,Policy,The policy,Lee Chen",
                "PBC-006,New hires,Onboarding,Elena Petrova",
            ),
            remember=False,
        )
        wb.samples.set_required("PBC-006", ["offer letter", "background check"])
        wb.samples.add("PBC-006", [("EMP-0042", "Alex Kim"), ("EMP-0043", "")])
        offer = folder / "offer.pdf"
        offer.write_bytes(b"%PDF-1.4 offer")
        sha = wb.samples.attach("PBC-006", "EMP-0042", [offer], requirement="offer letter")[0].evidence.sha256
        wb.samples.set("PBC-006", "EMP-0043", notes="started late", label="Bea Lund")
        wb.samples.unlink("PBC-006", "EMP-0042", sha)
        wb.samples.link("PBC-006", "EMP-0042", sha)
        wb.samples.remove("PBC-006", ["EMP-0043"])
        wb.samples.set_required("PBC-006", [])
        policy = folder / "policy.pdf"
        policy.write_bytes(b"%PDF-1.4 policy")
        wb.evidence.attach("PBC-001", [policy])
        wb.evidence.set_never_export(sha, True)
        wb.evidence.set_never_export(sha, False)
        first = list(wb.activity.iter_all())
    new = Workbook.next_period(
        path,
        folder / "acme-2027.auditwb",
        SAM,
        period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2027, 6, 30),
    )
    with Workbook.open(new.path, SAM) as wb:
        (prior,) = wb.prior.for_request("PBC-001")
        wb.prior.reuse("PBC-001", prior.evidence.sha256)
        return first, list(wb.activity.iter_all())


def test_every_cycle_kind_reads_as_a_sentence(
    cycle_logs: tuple[list[ActivityEntry], list[ActivityEntry]],
) -> None:
    first, second = cycle_logs
    both = first + second
    new_kinds = {
        "request.carry",
        "evidence.carry",
        "checklist.carry",
        "prior.carry",
        "evidence.reuse",
        "sample.require",
        "sample.add",
        "sample.remove",
        "sample.set",
        "sample.link",
        "sample.unlink",
    }
    assert new_kinds <= {e.action for e in both}
    codes = codes_in_source() | WORDS.keys()
    for item in both:
        words = entry_words(item)
        assert words.startswith(f"{item.actor} ") and "made a change" not in words, words
        assert not [code for code in codes if code in words], words
        assert not SNAKE.search(words), words
    words = {entry_words(e) for e in both}
    for expected in (
        "Dana Ops asked of every sample of PBC-006: offer letter, background check",
        "Dana Ops added sample EMP-0042 (Alex Kim) to PBC-006",
        "Dana Ops added sample EMP-0043 to PBC-006",
        "Dana Ops gave offer.pdf for sample EMP-0042's offer letter on PBC-006",
        "Dana Ops set status of sample EMP-0042 of PBC-006 from Open to In progress (from its files)",
        "Dana Ops set notes of sample EMP-0043 of PBC-006 to “started late”",
        "Dana Ops set label of sample EMP-0043 of PBC-006 to “Bea Lund”",
        "Dana Ops took offer.pdf off sample EMP-0042's offer letter on PBC-006 "
        "(the file stays in the workbook)",
        "Dana Ops gave offer.pdf for sample EMP-0042 on PBC-006",
        "Dana Ops removed sample EMP-0043 from PBC-006 (its files stay in the workbook)",
        "Dana Ops cleared what every sample of PBC-006 must provide (one file of any kind each)",
        "Dana Ops marked offer.pdf never to be exported (kept in the workbook, left out of every output)",
        "Dana Ops marked offer.pdf to be exported again",
        "Sam Reviewer carried PBC-006 from the previous period (owner Elena Petrova)",
        "Sam Reviewer carried the checklist pbc.csv (and how its columns were read) from the previous period",
        "Sam Reviewer brought policy.pdf over from the previous period's workbook",
        "Sam Reviewer kept last period's policy.pdf (2026-01-01..2026-06-30) beside PBC-001 "
        "as a prior-period file",
        "Sam Reviewer kept last period's offer.pdf (2026-01-01..2026-06-30) beside PBC-006 "
        "for sample EMP-0042 as a prior-period file",
        "Sam Reviewer reused last period's policy.pdf for PBC-001",
    ):
        assert expected in words, expected
    create = entry_words(second[0])
    head = first[-1].hash
    assert create == (
        f"Sam Reviewer created the workbook for Acme (SOC 2 Type II), started from last period's workbook "
        f"acme-2026.auditwb (log head {head[:8]}…)"
    )


def test_cycle_entries_have_a_kind_and_a_request(
    cycle_logs: tuple[list[ActivityEntry], list[ActivityEntry]],
) -> None:
    first, second = cycle_logs
    for item in first + second:
        kind = kind_of(item.action)
        if item.action.startswith("sample."):
            assert kind is ActivityKind.SAMPLES
            assert request_of(item) == "PBC-006"
        if item.action in ("request.carry", "evidence.carry", "checklist.carry", "prior.carry"):
            assert kind is ActivityKind.WORKBOOK
        if item.action in ("prior.carry", "evidence.reuse", "request.carry"):
            assert request_of(item).startswith("PBC-")
    reuse = next(e for e in second if e.action == "evidence.reuse")
    assert (kind_of(reuse.action), request_of(reuse)) == (ActivityKind.EVIDENCE, "PBC-001")
    samples = LogFilter(kind=ActivityKind.SAMPLES, request="pbc-006").matching(grouped(first))
    assert samples and all(line.entry.action.startswith("sample.") for line in samples)
    assert ActivityKind.SAMPLES.label == "Samples"


def test_a_file_attached_to_a_sample_is_one_line(
    cycle_logs: tuple[list[ActivityEntry], list[ActivityEntry]],
) -> None:
    first, _second = cycle_logs
    lines = [(line.words, [e.action for e in line.entries]) for line in grouped(first)]
    assert (
        "Dana Ops gave offer.pdf for sample EMP-0042's offer letter on PBC-006",
        ["evidence.add", "sample.link"],
    ) in lines
