"""Evidence marked never export stays in the workbook, out of the PDF, the zip and the filled-in checklist."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from workbook.formats.package.verify import verify_package
from workbook.model import Actor, ExportOptions
from workbook.services.exporting import ExportService
from workbook.services.importing import ImportService
from workbook.services.workbook import Workbook

ACTOR = Actor("Dana Ops", "dana")
SECRET = "payroll-export-2026.csv"


@pytest.fixture
def workbook(tmp_path: Path) -> Iterator[Workbook]:
    """PBC-1 holds a policy and a payroll export; PBC-2 samples one hire whose only file is that export."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "PBC"
    sheet.append(["Request ID", "Request", "Owner", "Status", "Client Response", "Evidence Provided"])
    sheet.append(["PBC-1", "Access policy", None, "Open", None, None])
    sheet.append(["PBC-2", "New hires", None, "Open", None, None])
    book.save(tmp_path / "list.xlsx")
    files = tmp_path / "files"
    files.mkdir()
    (files / "policy.txt").write_text("Access policy v3", encoding="utf-8")
    (files / SECRET).write_text("name,salary\nJane,123456\n", encoding="utf-8")
    with Workbook.create(tmp_path / "w.auditwb", ACTOR, client="Acme") as wb:
        ImportService(wb.db, ACTOR, profiles_path=tmp_path / "p.json").import_checklist(
            tmp_path / "list.xlsx"
        )
        wb.evidence.attach("PBC-1", [files / "policy.txt", files / SECRET])
        wb.samples.add("PBC-2", [("E1", "Jane")])
        wb.samples.attach("PBC-2", "E1", [files / SECRET])
        yield wb


def _secret_sha(wb: Workbook) -> str:
    return next(
        link.evidence.sha256 for link in wb.evidence.for_request("PBC-1") if link.evidence.name == SECRET
    )


def _export(wb: Workbook, out: Path) -> ExportOptions:
    out.mkdir()
    options = ExportOptions(pdf=out / "p.pdf", zip=out / "p.zip", xlsx=out / "answered.xlsx")
    ExportService(wb).export(options)
    return options


def _everything_exported(options: ExportOptions) -> tuple[str, str, str, str]:
    """The PDF's page text and attachment names, the zip's names and manifest, and the checklist's cells."""
    assert options.pdf and options.zip and options.xlsx
    reader = PdfReader(options.pdf)
    pdf = "\n".join(p.extract_text() for p in reader.pages) + "\n".join(
        a.name for a in reader.attachment_list
    )
    with zipfile.ZipFile(options.zip) as bag:
        names = "\n".join(bag.namelist())
        manifest = bag.read(next(n for n in bag.namelist() if n.endswith("/data/manifest.json"))).decode()
    sheet = openpyxl.load_workbook(options.xlsx)["PBC"]
    cells = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    return pdf, names, manifest, cells


def test_a_file_marked_never_export_is_in_no_output_and_only_counted(
    workbook: Workbook, tmp_path: Path
) -> None:
    sha = _secret_sha(workbook)
    workbook.evidence.set_never_export(sha, True)

    options = _export(workbook, tmp_path / "out")

    pdf, names, manifest, cells = _everything_exported(options)
    for output in (pdf, names, manifest, cells):
        assert SECRET not in output and "123456" not in output
    assert sha not in manifest and sha[:12] not in pdf
    assert "policy.txt" in names and "policy.txt" in cells
    assert json.loads(manifest)["never_export_left_out"] == 1  # one file, given to a request and a sample
    assert "1 file marked never export was left out" in " ".join(pdf.split())
    assert options.pdf and options.zip
    assert verify_package(options.pdf).ok and verify_package(options.zip).ok


def test_a_sample_whose_file_is_kept_back_still_counts_as_provided(
    workbook: Workbook, tmp_path: Path
) -> None:
    workbook.evidence.set_never_export(_secret_sha(workbook), True)

    options = _export(workbook, tmp_path / "out")

    _, _, manifest, cells = _everything_exported(options)
    request = next(r for r in json.loads(manifest)["requests"] if r["ref"] == "PBC-2")
    assert request["samples"]["summary"] == "1/1 samples provided"
    assert request["samples"]["items"][0]["files"] == []
    assert "1/1 samples provided" in cells


def test_clearing_the_mark_puts_the_file_back_in_every_output(workbook: Workbook, tmp_path: Path) -> None:
    sha = _secret_sha(workbook)
    workbook.evidence.set_never_export(sha, True)
    workbook.evidence.set_never_export(sha, False)

    options = _export(workbook, tmp_path / "out")

    pdf, names, manifest, cells = _everything_exported(options)
    for output in (pdf, names, manifest, cells):
        assert SECRET in output
    assert "E1/payroll-export-2026.csv" in names
    assert json.loads(manifest)["never_export_left_out"] == 0
    assert "never export" not in pdf
