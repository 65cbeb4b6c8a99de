"""A sampled request in every output: the PDF's sample table and bookmarks, the zip's folders, write-back."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader
from pypdf.generic import Destination
from reportlab.pdfgen.canvas import Canvas

from workbook.formats.package.verify import verify_package
from workbook.model import Actor, ExportOptions, ExportResult
from workbook.services.exporting import ExportService
from workbook.services.importing import ImportService
from workbook.services.workbook import Workbook

ACTOR = Actor("Dana Ops", "dana")
REF = "PBC-7"
SECRET_NAME = "bgcheck-E1002-raj-medical.txt"
SECRET_TEXT = "RESTRICTED medical note for Raj Patel"


@dataclass(frozen=True)
class Exported:
    result: ExportResult
    pdf: Path
    zip: Path
    xlsx: Path
    hashes: dict[str, str]


def _one_page_pdf(path: Path, text: str) -> Path:
    canvas = Canvas(str(path))
    canvas.drawString(72, 720, text)
    canvas.showPage()
    canvas.save()
    return path


def _checklist(folder: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "PBC"
    sheet.append(["Request ID", "Request", "Owner", "Status", "Client Response", "Evidence Provided"])
    sheet.append(["PBC-1", "Access policy", None, "Open", None, None])
    sheet.append([REF, "New hires: offer letter and background check", None, "Open", None, None])
    path = folder / "list.xlsx"
    book.save(path)
    return path


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """PBC-7 samples four new hires: E1001 gave both items, E1002 both (its check is never export), E1003
    only its offer letter, E1004 nothing yet. PBC-1 has a policy and a salary file marked never export."""
    folder = tmp_path_factory.mktemp("sampled")
    files = folder / "files"
    files.mkdir()

    def text_file(name: str, body: str) -> Path:
        path = files / name
        path.write_text(body, encoding="utf-8")
        return path

    with Workbook.create(folder / "w.auditwb", ACTOR, client="Acme") as wb:
        ImportService(wb.db, ACTOR, profiles_path=folder / "p.json").import_checklist(_checklist(folder))
        wb.evidence.attach("PBC-1", [text_file("access-policy.txt", "Access policy v3")])
        salaries = text_file("salaries-2026.txt", "CONFIDENTIAL salary table")
        wb.evidence.attach("PBC-1", [salaries])
        wb.samples.set_required(REF, ["offer letter", "background check"])
        wb.samples.add(
            REF, [("E1001", "Jane Doe"), ("E1002", "Raj Patel"), ("E1003", "Li Wei"), ("E1004", "")]
        )
        given = {
            ("E1001", "offer letter"): text_file("offer-E1001.txt", "Offer letter for Jane Doe"),
            ("E1001", "background check"): _one_page_pdf(
                files / "bgcheck-E1001.pdf", "Check: Jane Doe clear"
            ),
            ("E1002", "offer letter"): text_file("offer-E1002.txt", "Offer letter for Raj Patel"),
            ("E1002", "background check"): text_file(SECRET_NAME, SECRET_TEXT),
            ("E1003", "offer letter"): text_file("offer-E1003.txt", "Offer letter for Li Wei"),
        }
        hashes = {}
        for (code, item), path in given.items():
            attached = wb.samples.attach(REF, code, [path], requirement=item)
            hashes[path.name] = attached[0].evidence.sha256
        wb.evidence.set_never_export(hashes[SECRET_NAME], True)
        salaries_sha = next(
            link.evidence.sha256
            for link in wb.evidence.for_request("PBC-1")
            if link.evidence.name == salaries.name
        )
        wb.evidence.set_never_export(salaries_sha, True)
        hashes[salaries.name] = salaries_sha
        out = folder / "out"
        out.mkdir()
        options = ExportOptions(pdf=out / "package.pdf", zip=out / "package.zip", xlsx=out / "answered.xlsx")
        result = ExportService(wb).export(options)
    return Exported(result, out / "package.pdf", out / "package.zip", out / "answered.xlsx", hashes)


def _outline(reader: PdfReader) -> list[Any]:
    """The bookmarks as (title, children) pairs, nested as pypdf reads them."""

    def walk(items: list[Any]) -> list[Any]:
        tree: list[Any] = []
        for item in items:
            if isinstance(item, list):
                tree[-1] = (tree[-1][0], walk(item))
            else:
                tree.append((str(item.title), []))
        return tree

    return walk(reader.outline)


def _find(tree: list[Any], start: str) -> tuple[str, list[Any]]:
    for title, children in tree:
        if title.startswith(start):
            return title, children
        if children:
            try:
                return _find(children, start)
            except LookupError:
                pass
    raise LookupError(start)


def test_the_pdf_bookmarks_nest_request_then_sample_then_file(exported: Exported) -> None:
    reader = PdfReader(exported.pdf)
    _, request = _find(_outline(reader), f"{REF} — ")
    titles = [title for title, _ in request]
    assert titles == [
        "Sample table — 2/4 samples provided",
        "Sample E1001 — Jane Doe",
        "Sample E1002 — Raj Patel",
        "Sample E1003 — Li Wei (missing: background check)",
        "Sample E1004 (missing: offer letter, background check)",
    ]
    files = {title: [t for t, _ in children] for title, children in request}
    assert files["Sample E1001 — Jane Doe"] == [
        "offer letter: offer-E1001.txt",
        "background check: bgcheck-E1001.pdf",
    ]
    assert files["Sample E1002 — Raj Patel"] == ["offer letter: offer-E1002.txt"]
    assert files["Sample E1003 — Li Wei (missing: background check)"] == ["offer letter: offer-E1003.txt"]
    assert files["Sample E1004 (missing: offer letter, background check)"] == []


def test_a_sample_bookmark_opens_its_first_file_and_one_without_files_the_table(exported: Exported) -> None:
    reader = PdfReader(exported.pdf)
    flat: dict[str, Destination] = {}

    def collect(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                collect(item)
            else:
                flat[str(item.title)] = item

    collect(reader.outline)
    page = {title: int(reader.get_destination_page_number(dest) or 0) for title, dest in flat.items()}
    table = page["Sample table — 2/4 samples provided"]
    assert page["Sample E1001 — Jane Doe"] == page["offer letter: offer-E1001.txt"] > table
    assert page["Sample E1004 (missing: offer letter, background check)"] == table
    table_text = reader.pages[table].extract_text()
    assert "MISSING" in table_text
    assert exported.hashes["offer-E1001.txt"][:12] in table_text
    assert "3 items missing" in table_text


def test_the_sample_table_lists_each_sample_with_its_items_in_order(exported: Exported) -> None:
    reader = PdfReader(exported.pdf)
    text = next(p.extract_text() for p in reader.pages if "Each sample needs" in p.extract_text())
    flat = " ".join(text.split())
    assert "Each sample needs: offer letter, background check." in flat
    assert flat.index("E1001") < flat.index("E1002") < flat.index("E1003") < flat.index("E1004")
    assert "1 file marked never export" in flat  # E1002's background check, counted, not named


def test_the_zip_puts_each_samples_files_in_its_own_folder_and_verifies(exported: Exported) -> None:
    with zipfile.ZipFile(exported.zip) as bag:
        names = bag.namelist()
        manifest = json.loads(bag.read(next(n for n in names if n.endswith("/data/manifest.json"))))
    top = names[0].split("/", 1)[0]
    for path in ("E1001/offer-E1001.txt", "E1001/bgcheck-E1001.pdf", "E1002/offer-E1002.txt"):
        assert f"{top}/data/evidence/{REF}/{path}" in names
    assert f"{top}/data/evidence/PBC-1/access-policy.txt" in names
    request = next(r for r in manifest["requests"] if r["ref"] == REF)
    assert request["samples"]["summary"] == "2/4 samples provided"
    items = {item["id"]: item for item in request["samples"]["items"]}
    assert items["E1003"]["missing"] == ["background check"]
    check = items["E1001"]["files"][1]
    assert (check["sample"], check["requirement"], check["name"]) == (
        "E1001",
        "background check",
        "bgcheck-E1001.pdf",
    )
    assert check["path"] == f"data/evidence/{REF}/E1001/bgcheck-E1001.pdf"
    assert check["sha256"] == exported.hashes["bgcheck-E1001.pdf"]
    assert verify_package(exported.zip).ok


def test_the_pdfs_manifest_lists_the_sample_files_and_verify_checks_each(exported: Exported) -> None:
    report = verify_package(exported.pdf)
    assert report.ok
    assert report.evidence_checked == 5  # the policy and four sample files; never-export ones left out
    attachments = {a.name for a in PdfReader(exported.pdf).attachment_list}
    assert f"{REF} - E1001 - offer-E1001.txt" in attachments


def test_the_written_back_checklist_says_how_many_samples_were_provided(exported: Exported) -> None:
    sheet = openpyxl.load_workbook(exported.xlsx)["PBC"]
    answer = str(sheet["F3"].value)
    lines = answer.split("\n")
    assert lines[0] == "2/4 samples provided"
    assert "E1001 (offer letter): offer-E1001.txt" in lines
    assert "E1003 (offer letter): offer-E1003.txt" in lines
    assert str(sheet["F2"].value) == "access-policy.txt"


def test_never_export_files_are_in_no_output_and_only_counted(exported: Exported) -> None:
    secret_names = (SECRET_NAME, "salaries-2026.txt")
    secret_hashes = (exported.hashes[SECRET_NAME], exported.hashes["salaries-2026.txt"])
    reader = PdfReader(exported.pdf)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert not any(name in text for name in secret_names)
    assert SECRET_TEXT not in text and "CONFIDENTIAL" not in text
    assert "2 files marked never export were left out" in " ".join(text.split())
    assert not any(any(n in a.name for n in secret_names) for a in reader.attachment_list)
    with zipfile.ZipFile(exported.zip) as bag:
        everything = b"".join(bag.read(n) for n in bag.namelist() if not n.endswith(".pdf"))
        names = "\n".join(bag.namelist())
        manifest = json.loads(bag.read(next(n for n in bag.namelist() if n.endswith("/data/manifest.json"))))
    assert not any(name in names for name in secret_names)
    assert not any(
        name.encode() in everything or sha.encode() in everything
        for name, sha in zip(secret_names, secret_hashes, strict=True)
    )
    assert manifest["never_export_left_out"] == 2
    sheet = openpyxl.load_workbook(exported.xlsx)["PBC"]
    cells = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    assert not any(name in cells for name in secret_names)
    assert exported.result.evidence == 5
