"""Evidence: dedupe, versions, effective dates from metadata, period and freshness flags, details, purge."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter

from workbook.errors import UserError
from workbook.model import EvidenceFlag
from workbook.services.workbook import Workbook

TODAY = dt.date(2026, 5, 15)


def write(path: Path, data: bytes, *, mtime: dt.date | None = None) -> Path:
    path.write_bytes(data)
    if mtime is not None:
        stamp = dt.datetime(mtime.year, mtime.month, mtime.day, 12).timestamp()
        os.utime(path, (stamp, stamp))
    return path


def jpeg_with_exif_date(taken: str) -> bytes:
    image = Image.new("RGB", (64, 48), "blue")
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = taken
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def pdf_with_creation_date(stamp: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_metadata({"/CreationDate": stamp, "/Title": "Policy"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def log_actions(workbook: Workbook) -> list[str]:
    return [e.action for e in workbook.activity.iter_all()]


def test_same_bytes_under_another_name_are_stored_once(workbook: Workbook, tmp_path: Path) -> None:
    first = write(tmp_path / "users.csv", b"user,role\nalice,admin\n")
    second = write(tmp_path / "okta export (copy).csv", b"user,role\nalice,admin\n")
    a = workbook.evidence.attach_one("PBC-001", first)
    b = workbook.evidence.attach_one("PBC-002", second)
    assert a.stored_new_bytes is True
    assert b.stored_new_bytes is False
    assert b.evidence.sha256 == a.evidence.sha256
    assert b.evidence.refs == ("PBC-001", "PBC-002")
    assert len(workbook.evidence.list()) == 1
    assert workbook.evidence.chunk_rows() == 1


def test_linking_again_is_a_no_op(workbook: Workbook, tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", b"proof")
    workbook.evidence.attach_one("PBC-001", path)
    again = workbook.evidence.attach_one("PBC-001", path)
    assert again.already_linked is True
    assert log_actions(workbook).count("evidence.link") == 1


def test_one_file_attached_to_several_refs_in_one_call(workbook: Workbook, tmp_path: Path) -> None:
    path = write(tmp_path / "policy.txt", b"Access policy v3")
    results = workbook.evidence.attach_to_refs(["PBC-001", "PBC-003"], path)
    assert [(r.ref, r.stored_new_bytes) for r in results] == [("PBC-001", True), ("PBC-003", False)]
    assert results[-1].evidence.refs == ("PBC-001", "PBC-003")


def test_replace_keeps_the_old_version_in_history(workbook: Workbook, tmp_path: Path) -> None:
    old = workbook.evidence.attach_one("PBC-001", write(tmp_path / "users-jan.csv", b"jan"))
    new = workbook.evidence.replace("PBC-001", old.evidence.sha256, write(tmp_path / "users-feb.csv", b"feb"))
    current = workbook.evidence.for_request("PBC-001")
    assert [link.evidence.name for link in current] == ["users-feb.csv"]
    history = workbook.evidence.history("PBC-001")
    assert [(link.evidence.name, link.current) for link in history] == [
        ("users-jan.csv", False),
        ("users-feb.csv", True),
    ]
    assert history[0].replaced_by is not None
    assert new.evidence.name == "users-feb.csv"
    assert "evidence.replace" in log_actions(workbook)
    # The replaced bytes stay and are not offered for purge: history still uses them.
    assert workbook.evidence.unlinked() == []
    assert b"".join(workbook.evidence.open_chunks(old.evidence.sha256)) == b"jan"


def test_restore_version_makes_the_old_file_current_again(workbook: Workbook, tmp_path: Path) -> None:
    old = workbook.evidence.attach_one("PBC-001", write(tmp_path / "v1.txt", b"one"))
    new = workbook.evidence.replace("PBC-001", old.evidence.sha256, write(tmp_path / "v2.txt", b"two"))
    changes = workbook.evidence.restore_version("PBC-001", old.evidence.sha256)
    assert changes.refs == frozenset({"PBC-001"})
    history = {link.evidence.name: link for link in workbook.evidence.history("PBC-001")}
    assert history["v1.txt"].current is True
    assert history["v2.txt"].current is False
    assert history["v2.txt"].replaced_by is not None
    assert [link.evidence.sha256 for link in workbook.evidence.for_request("PBC-001")] == [
        old.evidence.sha256
    ]
    with pytest.raises(UserError, match="already current"):
        workbook.evidence.restore_version("PBC-001", old.evidence.sha256)
    workbook.evidence.restore_version("PBC-001", new.evidence.sha256)
    assert [link.evidence.name for link in workbook.evidence.for_request("PBC-001")] == ["v2.txt"]
    assert log_actions(workbook).count("evidence.restore") == 2


def test_replace_with_identical_bytes_is_refused(workbook: Workbook, tmp_path: Path) -> None:
    old = workbook.evidence.attach_one("PBC-001", write(tmp_path / "v1.txt", b"same"))
    with pytest.raises(UserError, match="same bytes"):
        workbook.evidence.replace("PBC-001", old.evidence.sha256, write(tmp_path / "v1 copy.txt", b"same"))
    assert [link.current for link in workbook.evidence.history("PBC-001")] == [True]


def test_replace_of_evidence_not_on_the_request_is_refused(workbook: Workbook, tmp_path: Path) -> None:
    other = workbook.evidence.attach_one("PBC-002", write(tmp_path / "x.txt", b"x"))
    with pytest.raises(UserError, match="not current evidence of PBC-001"):
        workbook.evidence.replace("PBC-001", other.evidence.sha256, write(tmp_path / "y.txt", b"y"))
    assert workbook.evidence.for_request("PBC-001") == []


def test_a_file_without_a_date_of_its_own_is_left_undated_not_given_its_mtime(
    workbook: Workbook, tmp_path: Path
) -> None:
    path = write(tmp_path / "log.txt", b"entries", mtime=dt.date(2026, 2, 3))
    attached = workbook.evidence.attach_one("PBC-001", path)
    assert attached.evidence.effective_date is None
    assert workbook.evidence.for_request("PBC-001")[0].flags == (EvidenceFlag.UNDATED,)


def test_effective_date_comes_from_exif_date_time_original(workbook: Workbook, tmp_path: Path) -> None:
    path = write(tmp_path / "shot.jpg", jpeg_with_exif_date("2026:03:14 09:26:53"), mtime=dt.date(2026, 5, 1))
    assert workbook.evidence.attach_one("PBC-001", path).evidence.effective_date == dt.date(2026, 3, 14)


def test_effective_date_comes_from_pdf_creation_date(workbook: Workbook, tmp_path: Path) -> None:
    path = write(
        tmp_path / "policy.pdf", pdf_with_creation_date("D:20260120103000Z"), mtime=dt.date(2026, 5, 1)
    )
    attached = workbook.evidence.attach_one("PBC-001", path)
    assert attached.evidence.media_type == "application/pdf"
    assert attached.evidence.effective_date == dt.date(2026, 1, 20)


def test_a_corrupt_pdf_is_left_undated(workbook: Workbook, tmp_path: Path) -> None:
    path = write(
        tmp_path / "broken.pdf", b"%PDF-1.7\n1 0 obj <</CreationDate (D:2020", mtime=dt.date(2026, 4, 9)
    )
    assert workbook.evidence.attach_one("PBC-001", path).evidence.effective_date is None


def test_an_explicit_effective_date_wins(workbook: Workbook, tmp_path: Path) -> None:
    path = write(tmp_path / "shot.jpg", jpeg_with_exif_date("2026:03:14 09:26:53"))
    attached = workbook.evidence.attach_one("PBC-001", path, effective_date=dt.date(2026, 6, 1))
    assert attached.evidence.effective_date == dt.date(2026, 6, 1)


def test_evidence_outside_the_period_or_stale_is_flagged(workbook: Workbook, tmp_path: Path) -> None:
    workbook.update_engagement(freshness_days=90)
    workbook.evidence.attach_one(
        "PBC-001", write(tmp_path / "in.txt", b"in"), effective_date=dt.date(2026, 4, 1)
    )
    workbook.evidence.attach_one(
        "PBC-001", write(tmp_path / "before.txt", b"before"), effective_date=dt.date(2025, 12, 31)
    )
    workbook.evidence.attach_one(
        "PBC-002", write(tmp_path / "old.txt", b"old"), effective_date=dt.date(2026, 1, 5)
    )
    workbook.evidence.attach_one(
        "PBC-003", write(tmp_path / "after.txt", b"late"), effective_date=dt.date(2026, 7, 1)
    )
    links = {link.evidence.name: link.flags for link in workbook.evidence.for_request("PBC-001", today=TODAY)}
    assert links == {"in.txt": (), "before.txt": (EvidenceFlag.OUTSIDE_PERIOD, EvidenceFlag.STALE)}
    flagged = workbook.evidence.flagged(today=TODAY)
    assert {ref: [(lk.evidence.name, lk.flags) for lk in links] for ref, links in flagged.items()} == {
        "PBC-001": [("before.txt", (EvidenceFlag.OUTSIDE_PERIOD, EvidenceFlag.STALE))],
        "PBC-002": [("old.txt", (EvidenceFlag.STALE,))],
        "PBC-003": [("after.txt", (EvidenceFlag.OUTSIDE_PERIOD,))],
    }


def test_screenshots_without_provenance_are_flagged_until_filled_in(
    workbook: Workbook, tmp_path: Path
) -> None:
    image = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(image, format="PNG")
    shot = workbook.evidence.attach_one(
        "PBC-001", write(tmp_path / "okta.png", image.getvalue()), effective_date=dt.date(2026, 5, 1)
    )
    assert workbook.evidence.for_request("PBC-001", today=TODAY)[0].flags == (
        EvidenceFlag.PROVENANCE_MISSING,
    )
    workbook.evidence.set_details(
        shot.evidence.sha256, source_system="Okta", shows="Users › Active, all groups"
    )
    assert workbook.evidence.for_request("PBC-001", today=TODAY)[0].flags == ()


def test_set_details_changes_provenance_and_logs_each_field(workbook: Workbook, tmp_path: Path) -> None:
    attached = workbook.evidence.attach_one("PBC-001", write(tmp_path / "users.csv", b"a,b"))
    sha = attached.evidence.sha256
    changes = workbook.evidence.set_details(
        sha,
        effective_date=dt.date(2026, 3, 31),
        description="Quarterly access review",
        source_system="Okta",
        shows="Directory › People, status = active",
        population="all 48 active users",
        period_covered="2026-01-01..2026-03-31",
    )
    assert changes.refs == frozenset({"PBC-001"})
    ev = workbook.evidence.get(sha)
    assert (ev.effective_date, ev.source_system, ev.population) == (
        dt.date(2026, 3, 31),
        "Okta",
        "all 48 active users",
    )
    entries = [e for e in workbook.activity.iter_all() if e.action == "evidence.set"]
    assert [e.field for e in entries] == [
        "effective_date",
        "description",
        "source_system",
        "shows",
        "population",
        "period_covered",
    ]
    assert entries[1].after == "Quarterly access review"
    assert json.loads(entries[0].detail) == {"sha256": sha}
    assert workbook.evidence.set_details(sha, source_system="Okta").evidence is False


def test_unlinked_evidence_is_listed_with_size_and_purged_on_purpose(
    workbook: Workbook, tmp_path: Path
) -> None:
    kept = workbook.evidence.attach_one("PBC-001", write(tmp_path / "kept.txt", b"kept"))
    gone = workbook.evidence.attach_one("PBC-002", write(tmp_path / "gone.txt", b"twelve bytes"))
    workbook.evidence.unlink("PBC-002", gone.evidence.sha256)
    assert [(e.name, e.size) for e in workbook.evidence.unlinked()] == [("gone.txt", 12)]
    assert workbook.evidence.chunk_rows() == 2
    assert workbook.evidence.purge_unlinked() == (1, 12)
    assert [e.sha256 for e in workbook.evidence.list()] == [kept.evidence.sha256]
    assert workbook.evidence.chunk_rows() == 1
    purge = [e for e in workbook.activity.iter_all() if e.action == "evidence.purge"]
    assert [(e.before, json.loads(e.detail)["size"]) for e in purge] == [("gone.txt", 12)]
    assert workbook.verify().ok


def test_a_multi_chunk_file_round_trips_exactly(workbook: Workbook, tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    attached = workbook.evidence.attach_one("PBC-001", write(tmp_path / "big.bin", data))
    assert workbook.evidence.chunk_rows() == 4
    out = workbook.evidence.export_original(attached.evidence.sha256, tmp_path / "out.bin")
    assert out.read_bytes() == data


def test_an_effective_date_can_be_cleared_again(workbook: Workbook, tmp_path: Path) -> None:
    path = tmp_path / "undated.bin"
    path.write_bytes(b"\x00\x01 proof")
    sha = workbook.evidence.attach("PBC-001", [path])[0].evidence.sha256
    workbook.evidence.set_details(sha, effective_date=dt.date(2026, 3, 1))
    workbook.evidence.set_details(sha, clear_effective_date=True)
    assert workbook.evidence.for_request("PBC-001")[0].evidence.effective_date is None
    assert workbook.activity.list(limit=1)[0].before == "2026-03-01"


def test_once_the_period_is_over_freshness_counts_back_from_its_end(
    workbook: Workbook, tmp_path: Path
) -> None:
    # The fixture's period is 2026-01-01..2026-06-30; the report is written months later.
    workbook.update_engagement(freshness_days=365)
    workbook.evidence.attach_one(
        "PBC-001", write(tmp_path / "policy.pdf", b"%PDF-1.4 policy"), effective_date=dt.date(2026, 1, 15)
    )
    workbook.evidence.attach_one(
        "PBC-002", write(tmp_path / "old-policy.pdf", b"%PDF-1.4 old"), effective_date=dt.date(2025, 3, 1)
    )
    later = dt.date(2026, 11, 26)
    assert workbook.evidence.for_request("PBC-001", today=later)[0].flags == ()
    assert workbook.evidence.for_request("PBC-002", today=later)[0].flags == (
        EvidenceFlag.OUTSIDE_PERIOD,
        EvidenceFlag.STALE,
    )


def test_read_at_most_gives_the_bytes_or_nothing_past_the_limit(workbook: Workbook, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"x" * 1000)
    sha = workbook.evidence.attach("PBC-001", [path])[0].evidence.sha256
    assert workbook.evidence.read_at_most(sha, 1000) == b"x" * 1000
    assert workbook.evidence.read_at_most(sha, 999) == b""
