"""Exporting the demo workbook: every output read back, logged with its hash, verifiable offline."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from workbook.cli import main
from workbook.errors import UserError
from workbook.model import Actor, ExportOptions, Status
from workbook.services.demo import build_demo
from workbook.services.exporting import ExportService
from workbook.services.workbook import Workbook


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo"), Actor("Dana Ops", "dana"))


@pytest.fixture
def demo(demo_path: Path, tmp_path: Path) -> Iterator[Workbook]:
    copy = tmp_path / "demo.auditwb"
    copy.write_bytes(demo_path.read_bytes())
    with Workbook.open(copy, Actor("Dana Ops", "dana")) as workbook:
        yield workbook


def test_export_writes_pdf_zip_and_filled_checklist_and_logs_each_hash(
    demo: Workbook, tmp_path: Path
) -> None:
    options = ExportOptions(pdf=tmp_path / "p.pdf", zip=tmp_path / "p.zip", xlsx=tmp_path / "answered.xlsx")
    result = ExportService(demo).export(options)
    assert {o.kind for o in result.outputs} == {"pdf", "zip", "xlsx"}
    for out in result.outputs:
        assert hashlib.sha256(out.path.read_bytes()).hexdigest() == out.sha256
    logged = [e for e in demo.activity.list() if e.action == "package.export"]
    assert {(e.field, e.after) for e in logged} == {(o.kind, o.sha256) for o in result.outputs}
    assert result.requests == 112

    reader = PdfReader(tmp_path / "p.pdf")
    titles = [str(item.title) for item in _flatten(reader.outline)]
    assert any("PBC-001" in t for t in titles)
    assert result.activity_head[:16] in reader.pages[1].extract_text().replace("\n", "")

    with zipfile.ZipFile(tmp_path / "p.zip") as bag:
        names = bag.namelist()
    assert any(n.endswith("manifest-sha256.txt") for n in names)
    assert any("/data/evidence/PBC-043/" in n for n in names)


def _flatten(outline: list[object]) -> Iterator[object]:
    for item in outline:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


def test_the_filled_checklist_has_status_in_the_auditors_words(demo: Workbook, tmp_path: Path) -> None:
    demo.requests.set(
        "PBC-004",
        __import__("workbook.services.requests").services.requests.FieldChange(
            status=Status.READY_FOR_AUDITOR
        ),
    )
    ExportService(demo).export(ExportOptions(xlsx=tmp_path / "answered.xlsx"))
    sheet = openpyxl.load_workbook(tmp_path / "answered.xlsx")["PBC Request List"]
    headers = [c.value for c in sheet[7]]
    status_col = headers.index("Status") + 1
    row = next(r for r in range(8, 200) if sheet.cell(r, 1).value == "PBC-004")
    assert sheet.cell(row, status_col).value == "Submitted"
    assert sheet.cell(row, status_col).data_type == "s"


def test_a_scoped_export_holds_only_the_matching_requests(demo: Workbook, tmp_path: Path) -> None:
    result = ExportService(demo).export(
        ExportOptions(pdf=tmp_path / "open.pdf", statuses=(Status.FOLLOW_UP,))
    )
    assert result.requests == 2


def test_an_empty_scope_is_refused(demo: Workbook, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no request matches"):
        ExportService(demo).export(ExportOptions(pdf=tmp_path / "x.pdf", refs=("NOPE-1",)))
    assert not (tmp_path / "x.pdf").exists()


def test_cli_export_then_verify_the_zip_and_an_altered_copy(
    demo: Workbook, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.close()
    out = tmp_path / "package.zip"
    assert main(["export", str(demo.path), "--zip", str(out), "--final"]) == 0
    assert main(["verify", str(out)]) == 0
    altered = tmp_path / "altered.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(altered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if "/data/evidence/" in info.filename and info.filename.endswith(".csv"):
                data = data.replace(b"2026", b"2025", 1)
                victim = info.filename.rsplit("/", 1)[1]
            dst.writestr(info, data)
    capsys.readouterr()
    assert main(["verify", str(altered)]) == 1
    assert victim in capsys.readouterr().out
    manifest = json.loads(
        zipfile.ZipFile(out).read(
            next(n for n in zipfile.ZipFile(out).namelist() if n.endswith("data/manifest.json"))
        )
    )
    assert manifest


def test_write_back_keeps_a_response_the_checklist_already_had(demo: Workbook, tmp_path: Path) -> None:
    ExportService(demo).export(ExportOptions(xlsx=tmp_path / "answered.xlsx"))
    sheet = openpyxl.load_workbook(tmp_path / "answered.xlsx")["PBC Request List"]
    headers = [c.value for c in sheet[7]]
    row = next(r for r in range(8, 200) if sheet.cell(r, 1).value == "PBC-001")
    response = sheet.cell(row, headers.index("Client Response") + 1).value
    assert response == "Org chart as of 1 July 2026 uploaded to the portal (PBC-001)."
    assert headers.count("Client Response") == 1


def test_a_cancelled_export_leaves_no_output_and_logs_nothing(demo: Workbook, tmp_path: Path) -> None:
    from workbook.jobs import Cancelled, CancelToken

    token = CancelToken()

    def cancel_late(done: int, total: int) -> None:
        if done >= 60:
            token.cancel()

    before = len(demo.activity.list())
    options = ExportOptions(pdf=tmp_path / "p.pdf", zip=tmp_path / "p.zip", xlsx=tmp_path / "a.xlsx")
    with pytest.raises(Cancelled):
        ExportService(demo).export(options, progress=cancel_late, cancel=token)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.auditwb", "demo.auditwb.lock"]
    assert len(demo.activity.list()) == before


@pytest.mark.parametrize("argv_tail", [["--xlsx", "{dir}"], ["--pdf", "{dir}/p.pdf", "--zip", "{dir}/p.pdf"]])
def test_bad_destinations_are_refused_before_anything_is_written(
    demo: Workbook, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv_tail: list[str]
) -> None:
    demo.close()
    out = tmp_path / "out"
    out.mkdir()
    args = [a.format(dir=out) for a in argv_tail]
    assert main(["export", str(demo.path), "--pdf", str(out / "first.pdf"), *args]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert list(out.iterdir()) == []


def test_an_unknown_status_in_the_export_scope_is_a_one_line_refusal(
    demo: Workbook, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.close()
    assert main(["export", str(demo.path), "--pdf", str(tmp_path / "p.pdf"), "--status", "bogus"]) == 2
    assert "unknown status" in capsys.readouterr().err


def test_a_scoped_write_back_answers_only_the_requests_in_scope(demo: Workbook, tmp_path: Path) -> None:
    ExportService(demo).export(ExportOptions(xlsx=tmp_path / "a.xlsx", refs=("PBC-002",)))
    sheet = openpyxl.load_workbook(tmp_path / "a.xlsx")["PBC Request List"]
    headers = [c.value for c in sheet[7]]
    status = headers.index("Status") + 1
    rows = {sheet.cell(r, 1).value: r for r in range(8, 120)}
    assert sheet.cell(rows["PBC-002"], status).value == "In Progress"
    assert sheet.cell(rows["PBC-003"], status).value is None  # as the auditor sent it


def test_write_back_uses_the_auditors_own_response_and_evidence_columns(tmp_path: Path) -> None:
    from workbook.model import FieldChange
    from workbook.services.importing import ImportService

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "PBC"
    sheet.append(["Request ID", "Request", "Owner", "Status", "Client Response", "Evidence Provided"])
    sheet.append(["PBC-1", "Access policy", None, "Open", None, None])
    sheet.append(["PBC-2", "Backups", None, "Open", "Sent last year", None])
    book.save(tmp_path / "list.xlsx")
    actor = Actor("Dana Ops", "dana")
    with Workbook.create(tmp_path / "w.auditwb", actor, client="Acme") as workbook:
        ImportService(workbook.db, actor, profiles_path=tmp_path / "p.json").import_checklist(
            tmp_path / "list.xlsx"
        )
        workbook.requests.set("PBC-1", FieldChange(notes="Policy v3 approved 2026-02-01"))
        proof = tmp_path / "access-policy.pdf"
        proof.write_bytes(b"%PDF-1.4\n%%EOF\n")
        workbook.evidence.attach("PBC-1", [proof])
        ExportService(workbook).export(ExportOptions(xlsx=tmp_path / "out.xlsx"))
    out = openpyxl.load_workbook(tmp_path / "out.xlsx")["PBC"]
    assert [c.value for c in out[1]] == [
        "Request ID",
        "Request",
        "Owner",
        "Status",
        "Client Response",
        "Evidence Provided",
    ]
    assert out["E2"].value == "Policy v3 approved 2026-02-01"
    assert "access-policy.pdf" in str(out["F2"].value)
    assert out["E3"].value == "Sent last year"
