"""Tests for package verify: an intact zip and PDF pass; one altered byte fails and names the file."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from helpers.package import package_evidence, package_input, package_request

from workbook.errors import UserError
from workbook.formats.package.assemble import write_pdf_package
from workbook.formats.package.inputs import PackageInput
from workbook.formats.package.verify import verify_package
from workbook.formats.package.zip_bundle import write_zip_bundle
from workbook.model import Problem, Status

FORGED = hashlib.sha256(b"forged notes\n").hexdigest()
PLAIN = hashlib.sha256(b"plain notes\n").hexdigest()
MARKER = b"UNIQUE-EVIDENCE-BYTES-0123456789" * 8


def _package() -> PackageInput:
    request = package_request(
        "PBC-001",
        package_evidence("blob.zip", MARKER, "application/zip", effective_date=None),
        package_evidence("notes.txt", b"plain notes\n", effective_date=None),
        title="Access",
        request="r",
        criteria=(),
        section="S",
        status=Status.ACCEPTED,
        due=None,
    )
    return package_input(
        request,
        client="Acme",
        framework="SOC 2",
        period_start=None,
        period_end=None,
        auditor="A",
        prepared_by="D",
        final=True,
        package_id="pkg-1",
        activity_head="f" * 64,
    )


def _flip(path: Path, needle: bytes) -> None:
    data = bytearray(path.read_bytes())
    at = data.index(needle)
    data[at + 3] ^= 0x01
    path.write_bytes(bytes(data))


def test_an_intact_zip_verifies(tmp_path: Path) -> None:
    out = tmp_path / "bag.zip"
    write_zip_bundle(_package(), out)
    report = verify_package(out)
    assert report.ok
    assert report.evidence_checked == 3  # two evidence files and manifest.json
    assert report.head == "f" * 64


def test_a_zip_with_one_altered_evidence_byte_fails_naming_the_file(tmp_path: Path) -> None:
    out = tmp_path / "bag.zip"
    write_zip_bundle(_package(), out)
    _flip(out, MARKER)  # blob.zip is stored uncompressed, so its bytes are in the file as they are

    report = verify_package(out)

    assert not report.ok
    assert [(p.kind, p.where) for p in report.problems] == [("altered", "data/evidence/PBC-001/blob.zip")]


def test_a_zip_whose_entry_was_replaced_consistently_still_fails_on_the_hash(tmp_path: Path) -> None:
    out = tmp_path / "bag.zip"
    write_zip_bundle(_package(), out)
    rebuilt = tmp_path / "rebuilt.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(rebuilt, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("notes.txt"):
                data = b"forged notes\n"
            if info.filename.endswith("blob.zip"):
                continue
            dst.writestr(info.filename, data)

    report = verify_package(rebuilt)

    assert sorted(report.problems, key=lambda p: p.where) == [
        Problem("missing", "data/evidence/PBC-001/blob.zip", "listed in the manifest but not in the zip"),
        Problem("altered", "data/evidence/PBC-001/notes.txt", f"SHA-256 is {FORGED}, manifest says {PLAIN}"),
    ]


def test_an_intact_pdf_verifies_against_its_embedded_manifest(tmp_path: Path) -> None:
    out = tmp_path / "p.pdf"
    write_pdf_package(_package(), out)
    report = verify_package(out)
    assert report.ok
    assert report.evidence_checked == 2
    assert report.head == "f" * 64


def test_a_pdf_with_an_altered_attachment_fails_naming_the_attachment(tmp_path: Path) -> None:
    out = tmp_path / "p.pdf"
    write_pdf_package(_package(), out)
    _flip(out, MARKER)

    report = verify_package(out)

    assert [(p.kind, p.where) for p in report.problems] == [("altered", "PBC-001 - blob.zip")]


def test_a_file_that_is_no_package_cannot_be_checked(tmp_path: Path) -> None:
    other = tmp_path / "x.txt"
    other.write_text("hello")
    with pytest.raises(UserError, match="neither a zip nor a PDF"):
        verify_package(other)
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("a.txt", "a")
    with pytest.raises(UserError, match="not an evidence package bag"):
        verify_package(plain)
