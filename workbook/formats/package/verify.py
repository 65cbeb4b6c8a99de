"""Offline check of a package: the zip against its BagIt manifest, the PDF against its manifest.json."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from workbook.errors import UserError
from workbook.model import Problem, VerifyReport

_CHUNK = 1 << 20


def verify_package(path: Path) -> VerifyReport:
    """Re-hash every file a package claims; problems name the altered or missing file."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise UserError(f"cannot read the package ({exc.strerror})", where=str(path)) from exc
    if head.startswith(b"PK"):
        return _verify_zip(path)
    if b"%PDF-" in head:
        return _verify_pdf(path)
    raise UserError(
        "this is neither a zip nor a PDF evidence package",
        hint="pass the .zip or .pdf export",
        where=str(path),
    )


def _verify_zip(path: Path) -> VerifyReport:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UserError(f"the zip cannot be opened ({exc})", where=str(path)) from exc
    with zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        tops = {n.split("/", 1)[0] for n in names}
        manifests = [n for n in names if n.count("/") == 1 and n.endswith("/manifest-sha256.txt")]
        if len(tops) != 1 or len(manifests) != 1:
            raise UserError(
                "the zip is not an evidence package bag (no single folder with manifest-sha256.txt)",
                where=str(path),
            )
        top = manifests[0].split("/", 1)[0]
        problems: list[Problem] = []
        listed = _read_manifest(zf, manifests[0], problems)
        checked = _check_entries(zf, top, listed, problems)
        tag_name = f"{top}/tagmanifest-sha256.txt"
        if tag_name in names:
            _check_entries(zf, top, _read_manifest(zf, tag_name, problems), problems)
        payload = {n[len(top) + 1 :] for n in names if n.startswith(f"{top}/data/")}
        for rel in sorted(payload - set(listed)):
            problems.append(
                Problem("unlisted", rel, "this file is in the bag but not in manifest-sha256.txt")
            )
        head = _bag_field(zf, f"{top}/bag-info.txt", "Activity-Head")
    return VerifyReport(evidence_checked=checked, activity_checked=0, head=head, problems=tuple(problems))


def _read_manifest(zf: zipfile.ZipFile, name: str, problems: list[Problem]) -> dict[str, str]:
    listed: dict[str, str] = {}
    for n, line in enumerate(zf.read(name).decode("utf-8", errors="replace").splitlines(), 1):
        digest, _, rel = line.partition("  ")
        if len(digest) != 64 or not rel:
            if line.strip():
                problems.append(Problem("manifest", f"{name.split('/', 1)[-1]} line {n}", "unreadable line"))
            continue
        listed[rel] = digest.lower()
    return listed


def _check_entries(zf: zipfile.ZipFile, top: str, listed: dict[str, str], problems: list[Problem]) -> int:
    checked = 0
    for rel, expected in listed.items():
        try:
            info = zf.getinfo(f"{top}/{rel}")
        except KeyError:
            problems.append(Problem("missing", rel, "listed in the manifest but not in the zip"))
            continue
        digest = hashlib.sha256()
        try:
            with zf.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    digest.update(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            # A changed byte usually breaks the zip's own CRC check before our hash sees it.
            problems.append(Problem("altered", rel, f"cannot be read back ({exc})"))
            continue
        checked += 1
        if digest.hexdigest() != expected:
            problems.append(
                Problem("altered", rel, f"SHA-256 is {digest.hexdigest()}, manifest says {expected}")
            )
    return checked


def _bag_field(zf: zipfile.ZipFile, name: str, key: str) -> str:
    try:
        text = zf.read(name).decode("utf-8", errors="replace")
    except KeyError:
        return ""
    for line in text.splitlines():
        k, _, v = line.partition(":")
        if k.strip() == key:
            return v.strip()
    return ""


def _verify_pdf(path: Path) -> VerifyReport:
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            raise UserError("the PDF is encrypted, so its attachments cannot be checked", where=str(path))
        attachments: dict[str, list[bytes]] = {}
        for item in reader.attachment_list:
            try:
                attachments.setdefault(item.name, []).append(item.content)
            except Exception as exc:  # a damaged attachment is a finding, not a crash
                attachments.setdefault(item.name, []).append(b"")
                attachments[item.name + "\0error"] = [str(exc).encode()]
    except UserError:
        raise
    except Exception as exc:  # anything pypdf cannot parse means we cannot check it
        raise UserError(f"the PDF cannot be read ({type(exc).__name__}: {exc})", where=str(path)) from exc
    raw = attachments.get("manifest.json")
    if not raw:
        raise UserError(
            "the PDF has no embedded manifest.json, so it is not an evidence package we can check",
            hint="verify the zip bundle instead, or export the PDF again",
            where=str(path),
        )
    try:
        manifest: dict[str, Any] = json.loads(raw[0])
    except ValueError as exc:
        raise UserError("the embedded manifest.json is damaged", where=str(path)) from exc
    problems: list[Problem] = []
    expected: dict[str, str] = {}
    for request in manifest.get("requests", []):
        for entry in request.get("files", []):
            name = str(entry.get("attachment", ""))
            if name:
                expected.setdefault(name, str(entry.get("sha256", "")).lower())
    checked = 0
    for name, digest in expected.items():
        contents = attachments.get(name)
        if not contents:
            problems.append(Problem("missing", name, "listed in manifest.json but not attached"))
            continue
        if name + "\0error" in attachments:
            problems.append(Problem("altered", name, "the attachment cannot be read back"))
            continue
        checked += 1
        actual = hashlib.sha256(contents[0]).hexdigest()
        if actual != digest:
            problems.append(Problem("altered", name, f"SHA-256 is {actual}, manifest says {digest}"))
    for name in sorted(set(attachments) - set(expected) - {"manifest.json"}):
        if "\0" not in name:
            problems.append(Problem("unlisted", name, "attached but not listed in manifest.json"))
    return VerifyReport(
        evidence_checked=checked,
        activity_checked=0,
        head=str(manifest.get("activity_head", "")),
        problems=tuple(problems),
    )
