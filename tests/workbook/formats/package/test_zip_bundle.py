"""Tests for the BagIt zip bundle: layout, safe names, bagit and sha256sum validation."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import bagit
import pytest
from helpers.package import package_evidence, package_input, package_request

from workbook.atomic import safe_name
from workbook.errors import UserError
from workbook.formats.package.inputs import (
    PackageEvidence,
    PackageRequest,
    PackageSample,
    PackageSampleFile,
    PackageSamples,
)
from workbook.formats.package.verify import verify_package
from workbook.formats.package.zip_bundle import write_zip_bundle
from workbook.model import Status


def _evidence(name: str, data: bytes, media_type: str = "text/plain") -> PackageEvidence:
    """Read back seven bytes at a time, so the bundle's streaming is exercised."""
    return package_evidence(name, data, media_type, chunk=7, source_system="Okta", shows="all active users")


def _request(ref: str, *evidence: PackageEvidence) -> PackageRequest:
    return package_request(ref, *evidence, title=f"Title {ref}", request="Provide it", due=None)


def _extract(zip_path: Path, dest: Path) -> Path:
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(dest)
    (top,) = list(dest.iterdir())
    return top


def test_bag_has_the_rfc_8493_layout_and_validates_with_bagit(tmp_path: Path) -> None:
    pkg = package_input(
        _request("PBC-001", _evidence("users.csv", b"name,role\nann,admin\n")),
        _request("PBC-002", _evidence("policy.txt", b"be careful\n"), _evidence("policy.txt", b"v2\n")),
    )
    pdf = tmp_path / "package.pdf"
    pdf.write_bytes(b"%PDF-1.7 pretend")
    out = tmp_path / "Acme evidence.zip"

    write_zip_bundle(pkg, out, pdf_path=pdf)

    top = _extract(out, tmp_path / "x")
    assert top.name == "Acme evidence"
    names = sorted(str(p.relative_to(top)) for p in top.rglob("*") if p.is_file())
    assert names == [
        "bag-info.txt",
        "bagit.txt",
        "data/evidence/PBC-001/users.csv",
        "data/evidence/PBC-002/policy (2).txt",
        "data/evidence/PBC-002/policy.txt",
        "data/manifest.json",
        "data/package.pdf",
        "manifest-sha256.txt",
        "tagmanifest-sha256.txt",
    ]
    bagit.Bag(str(top)).validate()
    assert (top / "data/evidence/PBC-002/policy (2).txt").read_bytes() == b"v2\n"


def test_manifest_sha256_is_accepted_by_sha256sum_from_the_bag_root(tmp_path: Path) -> None:
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum not installed")
    pkg = package_input(_request("PBC-001", _evidence("a b ü.txt", b"x" * 3_000_000)))
    out = tmp_path / "bag.zip"
    write_zip_bundle(pkg, out)
    top = _extract(out, tmp_path / "x")

    result = subprocess.run(
        ["sha256sum", "-c", "manifest-sha256.txt"], cwd=top, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "data/evidence/PBC-001/a b ü.txt: OK" in result.stdout


def test_manifest_json_maps_refs_to_files_with_hash_and_provenance(tmp_path: Path) -> None:
    data = b"hello"
    pkg = package_input(_request("PBC-001", _evidence("h.txt", data)))
    out = tmp_path / "bag.zip"
    write_zip_bundle(pkg, out)
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("bag/data/manifest.json"))

    (req,) = manifest["requests"]
    assert req["ref"] == "PBC-001"
    assert req["files"] == [
        {
            "name": "h.txt",
            "path": "data/evidence/PBC-001/h.txt",
            "size": 5,
            "sha256": hashlib.sha256(data).hexdigest(),
            "media_type": "text/plain",
            "effective_date": "2025-01-31",
            "added_by": "Dana",
            "added_at": "2025-03-04T12:30:00+00:00",
            "description": "",
            "provenance": {
                "source_system": "Okta",
                "shows": "all active users",
                "population": "",
                "period_covered": "",
            },
            "flags": [],
        }
    ]
    assert manifest["package_id"] == "pkg-0001"


def test_hostile_names_never_escape_the_bag_folder(tmp_path: Path) -> None:
    pkg = package_input(
        _request(
            "../../etc",
            _evidence("../../passwd", b"1"),
            _evidence("/abs/path.txt", b"2"),
            _evidence("CON.txt", b"3"),
            _evidence("tab\tand\nnewline\x07.txt", b"4"),
            _evidence("..", b"5"),
            _evidence("Report.TXT", b"6"),
            _evidence("report.txt", b"7"),
            _evidence("100%.txt", b"8"),
        )
    )
    out = tmp_path / "bag.zip"
    write_zip_bundle(pkg, out)

    with zipfile.ZipFile(out) as zf:
        entries = zf.namelist()
    for entry in entries:
        parts = entry.split("/")
        assert ".." not in parts and not entry.startswith("/")
        assert not any(ord(c) < 32 for c in entry)
        assert "%" not in entry
    evidence = [e.split("/", 3)[-1] for e in entries if "/evidence/" in e]
    assert evidence == [
        "_.._etc/_.._passwd",
        "_.._etc/_abs_path.txt",
        "_.._etc/_CON.txt",
        "_.._etc/tab_and_newline_.txt",
        "_.._etc/file",
        "_.._etc/Report.TXT",
        "_.._etc/report (2).txt",
        "_.._etc/100_.txt",
    ]
    top = _extract(out, tmp_path / "x")
    bagit.Bag(str(top)).validate()


def test_safe_name_rules() -> None:
    assert safe_name("a/b\\c:d*e?.txt") == "a_b_c_d_e_.txt"
    assert safe_name("nul.tar.gz") == "_nul.tar.gz"
    assert safe_name("   ") == "file"
    assert safe_name("x" * 300 + ".pdf").endswith("x.pdf")
    assert len(safe_name("x" * 300 + ".pdf")) == 120


def test_evidence_whose_bytes_do_not_match_its_hash_fails_and_leaves_no_file(tmp_path: Path) -> None:
    bad = _evidence("x.txt", b"one")
    bad = PackageEvidence(**{**bad.__dict__, "sha256": "0" * 64})
    out = tmp_path / "bag.zip"

    with pytest.raises(UserError, match="do not match its SHA-256"):
        write_zip_bundle(package_input(_request("PBC-001", bad)), out)

    assert list(tmp_path.iterdir()) == []


def test_bag_info_carries_package_id_and_activity_head(tmp_path: Path) -> None:
    out = tmp_path / "bag.zip"
    write_zip_bundle(package_input(_request("PBC-001", _evidence("a.txt", b"a"))), out)
    with zipfile.ZipFile(out) as zf:
        info = zf.read("bag/bag-info.txt").decode()
    assert "External-Identifier: pkg-0001\n" in info
    assert f"Activity-Head: {'ab' * 32}\n" in info
    assert "Payload-Oxum: " in info


@pytest.mark.parametrize("umask", [0o002, 0o022, 0o077])
def test_the_bag_is_owner_only_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    out = tmp_path / "package.zip"
    old = os.umask(umask)
    try:
        write_zip_bundle(package_input(_request("PBC-001", _evidence("a.txt", b"alpha"))), out)
    finally:
        os.umask(old)

    # A workbook's evidence and answers are for the owner's eyes: 0600 whatever the umask (issue 13).
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_sample_files_go_in_a_folder_per_sample_that_never_takes_a_files_name(tmp_path: Path) -> None:
    def sample(code: str, *files: PackageSampleFile) -> PackageSample:
        return PackageSample(code, f"label {code}", Status.IN_PROGRESS, "", files)

    offer = PackageSampleFile("offer letter", _evidence("offer.txt", b"offer\n"))
    samples = PackageSamples(
        ("offer letter",),
        (
            sample("E1", offer),
            sample("HR:7", PackageSampleFile("offer letter", _evidence("offer.txt", b"other\n"))),
        ),
        "2/2 samples provided",
    )
    request = package_request("PBC-9", _evidence("E1", b"a file named like the sample\n"), samples=samples)
    out = tmp_path / "bag.zip"

    write_zip_bundle(package_input(request), out)

    top = _extract(out, tmp_path / "x")
    names = sorted(str(p.relative_to(top)) for p in (top / "data" / "evidence").rglob("*") if p.is_file())
    assert names == [
        "data/evidence/PBC-9/E1",
        "data/evidence/PBC-9/E1 (2)/offer.txt",
        "data/evidence/PBC-9/HR_7/offer.txt",
    ]
    manifest = json.loads((top / "data" / "manifest.json").read_text(encoding="utf-8"))
    items = manifest["requests"][0]["samples"]["items"]
    assert [(f["sample"], f["requirement"], f["path"]) for i in items for f in i["files"]] == [
        ("E1", "offer letter", "data/evidence/PBC-9/E1 (2)/offer.txt"),
        ("HR:7", "offer letter", "data/evidence/PBC-9/HR_7/offer.txt"),
    ]
    assert verify_package(out).ok
