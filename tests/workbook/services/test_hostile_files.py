"""Hostile files: each is stored safely with its name kept as data, or refused with a clear UserError."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from workbook.errors import UserError
from workbook.services import ingest
from workbook.services.evidence import EvidenceService
from workbook.services.workbook import Workbook


def refused(workbook: Workbook, path: Path, match: str, **kwargs: bool) -> UserError:
    with pytest.raises(UserError, match=match) as caught:
        workbook.evidence.attach_one("PBC-001", path, **kwargs)
    assert workbook.evidence.list() == []
    assert workbook.evidence.chunk_rows() == 0
    return caught.value


def test_a_file_over_the_size_limit_is_refused(workbook: Workbook, tmp_path: Path) -> None:
    small = EvidenceService(workbook.db, workbook.actor, max_file_size=1000)
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * 1001)
    with pytest.raises(UserError, match="1,001 bytes, over the 1,000-byte limit") as caught:
        small.attach_one("PBC-001", path)
    assert caught.value.where == str(path)
    assert "raise the limit" in caught.value.hint


def test_a_zero_byte_file_is_refused(workbook: Workbook, tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    refused(workbook, path, "empty")


def test_a_vanished_file_is_refused(workbook: Workbook, tmp_path: Path) -> None:
    refused(workbook, tmp_path / "gone.txt", "does not exist")


def test_a_directory_passed_as_a_file_is_refused(workbook: Workbook, tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    error = refused(workbook, tmp_path / "folder", "is a folder")
    assert "--folder" in error.hint


def test_a_fifo_is_refused_without_blocking(workbook: Workbook, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    refused(workbook, fifo, "not a regular file")
    refused(workbook, fifo, "not a regular file", follow_symlinks=True)


def test_a_symlink_to_a_fifo_is_refused_without_blocking_even_when_links_are_followed(
    workbook: Workbook, tmp_path: Path
) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "innocent.txt").symlink_to(tmp_path / "pipe")
    refused(workbook, tmp_path / "innocent.txt", "not a regular file", follow_symlinks=True)


def test_dev_zero_is_refused(workbook: Workbook) -> None:
    refused(workbook, Path("/dev/zero"), "not a regular file")


def test_a_symlink_is_followed_only_on_request(workbook: Workbook, tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_bytes(b"real bytes")
    (tmp_path / "link.txt").symlink_to(tmp_path / "real.txt")
    refused(workbook, tmp_path / "link.txt", "symbolic link")
    attached = workbook.evidence.attach_one("PBC-001", tmp_path / "link.txt", follow_symlinks=True)
    assert attached.evidence.name == "link.txt"
    assert b"".join(workbook.evidence.open_chunks(attached.evidence.sha256)) == b"real bytes"


def test_a_name_with_a_nul_character_is_refused(workbook: Workbook, tmp_path: Path) -> None:
    refused(workbook, tmp_path / "bad\x00name.txt", "NUL")


def test_dot_dot_in_a_path_reads_the_file_and_stores_only_its_name(
    workbook: Workbook, tmp_path: Path
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "secret.txt").write_bytes(b"outside")
    attached = workbook.evidence.attach_one("PBC-001", tmp_path / "sub" / ".." / "secret.txt")
    assert attached.evidence.name == "secret.txt"


def test_names_given_as_data_lose_separators_controls_and_bidi_overrides(workbook: Workbook) -> None:
    cases = {
        "../../etc/passwd": "....etcpasswd",
        "..": "unnamed..",
        "a\x00b.txt": "ab.txt",
        "invoice\u202efdp.exe": "invoicefdp.exe",
        "CON": "CON",
        "aux.txt": "aux.txt",
        "line\nbreak.csv": "linebreak.csv",
    }
    for index, (given, stored) in enumerate(cases.items()):
        result = workbook.evidence.attach_bytes("PBC-001", f"payload {index}".encode(), given)
        assert result.evidence.name == stored, given
    adds = [e for e in workbook.activity.iter_all() if e.action == "evidence.add"]
    originals = [json.loads(e.detail).get("original_name") for e in adds]
    assert originals[0] == "../../etc/passwd"
    assert originals[3] == "invoice\\u202efdp.exe"
    assert originals[4] is None


def test_windows_reserved_names_are_stored_with_their_name_as_data(
    workbook: Workbook, tmp_path: Path
) -> None:
    for name in ("CON", "aux.txt", "nul.csv", "COM1.log"):
        (tmp_path / name).write_bytes(name.encode())
        assert workbook.evidence.attach_one("PBC-001", tmp_path / name).evidence.name == name


def test_a_rtl_override_file_name_on_disk_is_stored_without_the_override(
    workbook: Workbook, tmp_path: Path
) -> None:
    path = tmp_path / "report\u202egnp.exe"
    path.write_bytes(b"MZ")
    assert workbook.evidence.attach_one("PBC-001", path).evidence.name == "reportgnp.exe"


def test_a_300_character_name_is_shortened_keeping_its_extension(workbook: Workbook, tmp_path: Path) -> None:
    result = workbook.evidence.attach_bytes("PBC-001", b"long", "a" * 296 + ".pdf")
    assert len(result.evidence.name) == 240
    assert result.evidence.name.endswith("….pdf")
    deep = tmp_path / ("d" * 100) / ("e" * 100) / ("f" * 95 + ".txt")
    deep.parent.mkdir(parents=True)
    deep.write_bytes(b"deep")
    assert len(str(deep.relative_to(tmp_path))) == 301
    assert workbook.evidence.attach_one("PBC-001", deep).evidence.name == "f" * 95 + ".txt"


def test_undecodable_bytes_in_a_file_name_are_kept_readable(workbook: Workbook, tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/caf\xe9.txt"
    Path(os.fsdecode(raw)).write_bytes(b"latin-1 name")
    attached = workbook.evidence.attach_one("PBC-001", Path(os.fsdecode(raw)))
    assert attached.evidence.name == "caf.txt"
    json.dumps([e.detail for e in workbook.activity.iter_all()], ensure_ascii=False).encode("utf-8")


def test_a_file_growing_while_read_is_refused_and_nothing_is_kept(workbook: Workbook, tmp_path: Path) -> None:
    path = tmp_path / "growing.log"
    path.write_bytes(b"x" * (3 * 1024 * 1024))
    stop = threading.Event()

    def grow() -> None:
        with path.open("ab") as handle:
            while not stop.is_set():
                handle.write(b"y" * 65536)
                handle.flush()
                time.sleep(0.001)

    writer = threading.Thread(target=grow)
    writer.start()
    try:
        time.sleep(0.05)
        with pytest.raises(UserError, match=r"changed while it was read|grew"):
            # Big enough that the writer appends while we read.
            for _ in range(20):
                workbook.evidence.attach_one("PBC-001", path)
    finally:
        stop.set()
        writer.join()
    assert workbook.evidence.list() == [] or all(
        b"".join(workbook.evidence.open_chunks(ev.sha256)) for ev in workbook.evidence.list()
    )
    assert workbook.verify().ok


def test_a_file_rewritten_in_place_while_read_is_refused(
    workbook: Workbook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbook.storage import blobs

    path = tmp_path / "report.csv"
    path.write_bytes(b"a" * (2 * 1024 * 1024 + 5))
    original = blobs.write_chunks

    def write_then_touch(*args: object, **kwargs: object) -> str:
        sha = original(*args, **kwargs)  # type: ignore[arg-type]
        os.utime(path, ns=(1, 1))
        return sha

    monkeypatch.setattr(blobs, "write_chunks", write_then_touch)
    refused(workbook, path, "changed while it was read")


def test_a_folder_of_hostile_entries_is_planned_without_hanging(workbook: Workbook, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    os.mkfifo(folder / "PBC-001 pipe")
    (folder / "PBC-001 empty.txt").write_bytes(b"")
    (folder / "PBC-001 link").symlink_to("/dev/zero")
    (folder / "PBC-001 loop").symlink_to(folder)
    (folder / "PBC-001 ok.txt").write_bytes(b"fine")
    plan = ingest.plan_folder(workbook.db, folder)
    assert [f.shown for f in plan.matched] == ["PBC-001 ok.txt"]
    assert {f.shown: f.reason for f in plan.skipped} == {
        "PBC-001 empty.txt": "empty file (0 bytes)",
        "PBC-001 link": "symbolic link, not followed (allow following links to include it)",
        "PBC-001 loop": "symbolic link, not followed (allow following links to include it)",
        "PBC-001 pipe": "not a regular file (a device, pipe or socket)",
    }
    followed = ingest.plan_folder(workbook.db, folder, follow_symlinks=True)
    assert {f.shown: f.reason for f in followed.skipped}["PBC-001 link"] == (
        "not a regular file (a device, pipe or socket)"
    )
    result = ingest.apply_plan(workbook.evidence, followed)
    assert [f.shown for f in result.attached] == ["PBC-001 ok.txt"]
