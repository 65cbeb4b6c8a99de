"""Issue 13, outputs: a checklist's own formula-like cells come back as text; killed exports' staging goes.

Write-back of a CSV, TSV or xls checklist rebuilds it as an .xlsx; every cell of the auditor's (and every
answer of ours) that starts as a typed formula does must come back as a string cell holding exactly the same
text, with Excel's quote prefix so that editing the cell cannot turn it into a live formula. Exports stage
their outputs in hidden `.auditwb-export-*` folders; one left by a killed export is removed by the next
export, one in use never is.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

from workbook.atomic import STAGING_PREFIX, StagingFolder, sweep_stale_staging
from workbook.formats.package.inputs import AnswerColumn, SheetAnswers, WritebackAnswer, WritebackInput
from workbook.formats.package.writeback import write_back
from workbook.model import Actor, ExportOptions, FieldChange
from workbook.services.exporting import ExportService
from workbook.services.workbook import Workbook

PAYLOADS = (
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x","y")',
    "=1+1",
    "+SUM(1)",
    "-2+3",
    "@SUM(1)",
)
OURS = "=ours|' /C calc'!A0"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REPO = Path(__file__).resolve().parents[3]
DAY = 24 * 3600


# --- reading an .xlsx at the XML level: what Excel will see, not what openpyxl makes of it ---


def _cells(xlsx: Path | bytes, sheet: str = "xl/worksheets/sheet1.xml") -> dict[str, tuple[str, str, bool]]:
    """Each cell of the sheet: (t attribute, its text, whether its style carries quotePrefix="1")."""
    with zipfile.ZipFile(io.BytesIO(xlsx) if isinstance(xlsx, bytes) else xlsx) as zf:
        root = ElementTree.fromstring(zf.read(sheet))
        styles = ElementTree.fromstring(zf.read("xl/styles.xml"))
        shared = []
        if "xl/sharedStrings.xml" in zf.namelist():
            for si in ElementTree.fromstring(zf.read("xl/sharedStrings.xml")).iter(f"{_MAIN}si"):
                shared.append("".join(t.text or "" for t in si.iter(f"{_MAIN}t")))
    xfs = styles.find(f"{_MAIN}cellXfs")
    assert xfs is not None
    quoted = [xf.get("quotePrefix") in ("1", "true") for xf in xfs.iter(f"{_MAIN}xf")]
    out: dict[str, tuple[str, str, bool]] = {}
    for c in root.iter(f"{_MAIN}c"):
        assert c.find(f"{_MAIN}f") is None, f"{c.get('r')} holds a formula"
        kind = c.get("t", "n")
        if kind == "inlineStr":
            text = "".join(t.text or "" for t in c.iter(f"{_MAIN}t"))
        else:
            value = c.findtext(f"{_MAIN}v") or ""
            text = shared[int(value)] if kind == "s" else value
        out[str(c.get("r"))] = (kind, text, quoted[int(c.get("s", "0"))])
    return out


def _assert_text_cells(cells: dict[str, tuple[str, str, bool]], expected: dict[str, str]) -> None:
    for ref, text in expected.items():
        kind, got, quote_prefix = cells[ref]
        assert (ref, kind in ("inlineStr", "s"), got) == (ref, True, text)
        assert quote_prefix, f"{ref} ({text!r}) has no quote prefix: editing it in Excel makes it a formula"


def _checklist_csv(delimiter: str) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["Ref", "Request", "Status"])
    for number, payload in enumerate(PAYLOADS, start=1):
        writer.writerow([f"PBC-{number}", payload, "Open"])
    return buf.getvalue().encode("utf-8")


# --- finding 1: the auditor's own formula-like cells ---


@pytest.mark.parametrize(("name", "delimiter"), [("pbc.csv", ","), ("pbc.tsv", "\t")])
def test_a_text_checklists_own_formula_like_cells_come_back_as_quoted_text_cells(
    tmp_path: Path, name: str, delimiter: str
) -> None:
    data = WritebackInput(
        _checklist_csv(delimiter),
        name,
        name[-3:],
        (
            SheetAnswers(
                "pbc", 1, (AnswerColumn("status", 3, "Status"), AnswerColumn("owner", None, "Owner"))
            ),
        ),
        (WritebackAnswer("pbc", 2, "PBC-1", (("status", "Provided"), ("owner", OURS))),),
    )
    out = tmp_path / "answered.xlsx"

    write_back(data, out)

    cells = _cells(out)
    _assert_text_cells(cells, {f"B{row}": payload for row, payload in enumerate(PAYLOADS, start=2)})
    _assert_text_cells(cells, {"D2": OURS})
    assert cells["C2"][:2] == ("inlineStr", "Provided") and cells["A2"] == ("inlineStr", "PBC-1", False)


def test_an_xls_checklists_own_formula_like_cells_come_back_as_quoted_text_cells(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("Requests")
    for col, header in enumerate(["Ref", "Request", "Status"]):
        sheet.write(0, col, header)
    for row, payload in enumerate(PAYLOADS, start=1):
        sheet.write(row, 0, f"PBC-{row}")
        sheet.write(row, 1, payload)
        sheet.write(row, 2, "Open")
    source = tmp_path / "legacy.xls"
    book.save(str(source))
    data = WritebackInput(
        source.read_bytes(),
        "legacy.xls",
        "xls",
        (SheetAnswers("Requests", 1, (AnswerColumn("owner", None, "Owner"),)),),
        (WritebackAnswer("Requests", 3, "PBC-2", (("owner", OURS),)),),
    )
    out = tmp_path / "answered.xlsx"

    write_back(data, out)

    cells = _cells(out)
    _assert_text_cells(cells, {f"B{row}": payload for row, payload in enumerate(PAYLOADS, start=2)})
    _assert_text_cells(cells, {"D3": OURS})


@pytest.fixture
def csv_workbook(tmp_path: Path, actor: Actor) -> Iterator[Workbook]:
    """A workbook whose checklist is a CSV of formula-like request texts, PBC-1's owner a formula too."""
    from workbook.services.importing import ImportService

    source = tmp_path / "pbc list.csv"
    source.write_bytes(_checklist_csv(","))
    with Workbook.create(tmp_path / "w.auditwb", actor, client="Acme") as workbook:
        ImportService(workbook.db, actor, profiles_path=tmp_path / "profiles.json").import_checklist(source)
        workbook.requests.set("PBC-1", FieldChange(owner=OURS))
        yield workbook


def test_an_exported_csv_checklist_holds_no_formula_in_the_xlsx_or_in_the_zips_copy(
    csv_workbook: Workbook, tmp_path: Path
) -> None:
    xlsx, bag = tmp_path / "answered.xlsx", tmp_path / "package.zip"

    ExportService(csv_workbook).export(ExportOptions(xlsx=xlsx, zip=bag))

    with zipfile.ZipFile(bag) as zf:
        copy = zf.read(next(n for n in zf.namelist() if n.endswith("/answered.xlsx")))
    for cells in (_cells(xlsx), _cells(copy)):
        _assert_text_cells(cells, {f"B{row}": payload for row, payload in enumerate(PAYLOADS, start=2)})
        assert [text for kind, text, _ in cells.values() if text == OURS] == [OURS]
        _assert_text_cells(cells, {ref: OURS for ref, (_, text, _) in cells.items() if text == OURS})


def test_a_csv_written_back_as_csv_keeps_the_auditors_text_and_quotes_only_our_answer(tmp_path: Path) -> None:
    """CSV has no cell types: the auditor's cells come back exactly as sent, our answers with a leading '."""
    original = _checklist_csv(",")
    data = WritebackInput(
        original,
        "pbc.csv",
        "csv",
        (
            SheetAnswers(
                "pbc", 1, (AnswerColumn("status", 3, "Status"), AnswerColumn("owner", None, "Owner"))
            ),
        ),
        (WritebackAnswer("pbc", 3, "PBC-2", (("status", "Provided"), ("owner", OURS))),),
    )
    out = tmp_path / "answered.csv"

    write_back(data, out)

    before = list(csv.reader(io.StringIO(original.decode())))
    after = list(csv.reader(io.StringIO(out.read_bytes().decode())))
    assert after[0] == ["Ref", "Request", "Status", "Owner"]
    assert after[2] == ["PBC-2", PAYLOADS[1], "Provided", "'" + OURS]
    assert [row[:3] for i, row in enumerate(after[1:], start=1) if i != 2] == [
        row for i, row in enumerate(before[1:], start=1) if i != 2
    ]
    unanswered = original.split(b"\r\n")[3:]
    assert out.read_bytes().split(b"\r\n")[3:] == unanswered  # byte for byte


# --- finding 2: staging folders of killed exports ---


def _staging_folders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(STAGING_PREFIX))


_KILLED_EXPORT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import workbook.formats.package.assemble as assemble
    from workbook.model import Actor, ExportOptions
    from workbook.services.exporting import ExportService
    from workbook.services.workbook import Workbook

    def killed_half_way(pkg, out, **_kw):
        Path(out).write_bytes(b"%PDF-1.7 half of a package")
        os.kill(os.getpid(), signal.SIGKILL)

    assemble.write_pdf_package = killed_half_way
    with Workbook.open(Path(sys.argv[1]), Actor("Killed", "killed"), read_only=True) as workbook:
        ExportService(workbook).export(ExportOptions(pdf=Path(sys.argv[2])))
    """
)


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL")
def test_the_next_export_removes_the_staging_folder_a_killed_export_left(
    workbook: Workbook, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_EXPORT, str(workbook.path), str(out / "package.pdf")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    (left,) = _staging_folders(out)
    assert (left / "package.pdf").exists()

    ExportService(workbook).export(ExportOptions(pdf=out / "package.pdf"))

    assert _staging_folders(out) == []
    assert [p.name for p in out.iterdir()] == ["package.pdf"]


_LIVE_STAGING = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from workbook.atomic import StagingFolder

    folder = StagingFolder(Path(sys.argv[1]))
    (folder.path / "package.pdf").write_bytes(b"being written")
    print(folder.path, flush=True)
    sys.stdin.read()
    """
)


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL")
def test_a_staging_folder_in_use_is_kept_however_old_and_removed_once_its_maker_is_killed(
    tmp_path: Path,
) -> None:
    maker = subprocess.Popen(
        [sys.executable, "-c", _LIVE_STAGING, str(tmp_path)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert maker.stdout is not None
        live = Path(maker.stdout.readline().strip())
        old = time.time() - 3 * DAY
        os.utime(live, (old, old))

        assert sweep_stale_staging(tmp_path) == []
        assert (live / "package.pdf").read_bytes() == b"being written"
    finally:
        maker.kill()
        maker.wait()

    assert sweep_stale_staging(tmp_path) == [live]
    assert not live.exists()


def test_a_staging_folder_this_process_uses_is_never_taken_for_stale(tmp_path: Path) -> None:
    folder = StagingFolder(tmp_path)
    try:
        old = time.time() - 3 * DAY
        os.utime(folder.path, (old, old))
        assert sweep_stale_staging(tmp_path) == []
        assert folder.path.is_dir()
    finally:
        folder.remove()
    assert not folder.path.exists()


def _record(folder: Path, text: str, age: float) -> Path:
    folder.mkdir()
    if text:
        (folder / ".auditwb-owner").write_text(text)
    (folder / "package.zip").write_bytes(b"half")
    then = time.time() - age
    for path in (*folder.iterdir(), folder):
        os.utime(path, (then, then))
    return folder


def test_folders_no_maker_can_be_checked_for_go_after_a_day_and_look_alikes_stay(tmp_path: Path) -> None:
    other_host = '{"host": "another-machine.example", "pid": 1, "since": "2026-01-01T00:00:00+00:00"}'
    old_unrecorded = _record(tmp_path / ".auditwb-export-aaaaaaaa", "", 2 * DAY)
    young_unrecorded = _record(tmp_path / ".auditwb-export-bbbbbbbb", "", 3600)
    old_elsewhere = _record(tmp_path / ".auditwb-export-cccccccc", other_host, 2 * DAY)
    young_elsewhere = _record(tmp_path / ".auditwb-export-dddddddd", other_host, 3600)
    garbled_old = _record(tmp_path / ".auditwb-export-eeeeeeee", "not json", 2 * DAY)
    not_ours = [
        _record(tmp_path / ".auditwb-export-notes!!", "", 9 * DAY),
        _record(tmp_path / ".auditwb-export-toolongname", "", 9 * DAY),
        _record(tmp_path / "auditwb-export-ffffffff", "", 9 * DAY),
    ]
    a_file = tmp_path / ".auditwb-export-gggggggg"
    a_file.write_bytes(b"a file, not a folder")
    target = _record(tmp_path / "keep me", "", 9 * DAY)
    link = tmp_path / ".auditwb-export-hhhhhhhh"
    link.symlink_to(target, target_is_directory=True)
    os.utime(link, (time.time() - 9 * DAY,) * 2, follow_symlinks=False)

    removed = sweep_stale_staging(tmp_path)

    assert sorted(removed) == sorted([old_unrecorded, old_elsewhere, garbled_old])
    for kept in (young_unrecorded, young_elsewhere, *not_ours, target):
        assert (kept / "package.zip").exists()
    assert a_file.read_bytes() == b"a file, not a folder" and link.is_symlink()


def test_a_staging_folder_records_its_maker_and_is_owner_only(tmp_path: Path) -> None:
    import json
    import socket
    import stat

    folder = StagingFolder(tmp_path)
    try:
        record = json.loads((folder.path / ".auditwb-owner").read_text())
        assert (record["host"], record["pid"]) == (socket.gethostname(), os.getpid())
        if os.name != "nt":
            assert stat.S_IMODE(folder.path.stat().st_mode) == 0o700
            assert stat.S_IMODE((folder.path / ".auditwb-owner").stat().st_mode) == 0o600
    finally:
        folder.remove()
