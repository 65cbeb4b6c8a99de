"""Offline check of a package: the zip against its BagIt manifest, the PDF against its manifest.json."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import lzma
import os
import stat
import struct
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any

from pypdf import PdfReader

from workbook.errors import UserError
from workbook.formats.sheets.preflight import zip_directory
from workbook.model import Problem, VerifyReport

_CHUNK = 1 << 20
# Tag files (manifests, bag-info.txt) are read whole: a manifest line per evidence file is ~100 bytes.
MAX_TAG_FILE_BYTES = 64 * 1024 * 1024
# The zip's central directory, read whole by zipfile before anything else: ~150 bytes per file.
MAX_DIRECTORY_BYTES = 32 * 1024 * 1024
MAX_ENTRIES = 200_000
# A member this large that expands this many times is a zip bomb, not evidence (4 GiB of zeros: ~1000x).
BOMB_FLOOR = 64 * 1024 * 1024
BOMB_RATIO = 500
# What zipfile raises for members it cannot read: bad data, unsupported or encrypted compression.
_UNREADABLE = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    zlib.error,
    lzma.LZMAError,
)


def verify_package(path: Path) -> VerifyReport:
    """Re-hash every file a package claims; problems name the altered or missing file."""
    path = Path(path)
    with _open_regular(path) as fh:
        head = fh.read(1024)
        fh.seek(0)
        if head.startswith(b"PK"):
            return _verify_zip(fh, str(path))
        if b"%PDF-" in head:
            return _verify_pdf(fh, str(path))
    raise UserError(
        "this is neither a zip nor a PDF evidence package",
        hint="pass the .zip or .pdf export",
        where=str(path),
    )


@contextlib.contextmanager
def _open_regular(path: Path) -> Iterator[IO[bytes]]:
    """Open a regular file only: a FIFO named pkg.zip would block forever, a device would never end."""
    where = str(path)
    try:
        before = os.stat(path)
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UserError(f"cannot read the package ({reason})", where=where) from exc
    if not stat.S_ISREG(before.st_mode):
        kind = "a folder" if stat.S_ISDIR(before.st_mode) else "a device, pipe or socket"
        raise UserError(
            f"this is {kind}, not a package file", where=where, hint="pass the .zip or .pdf export"
        )
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise UserError(f"cannot read the package ({exc.strerror})", where=where) from exc
    opened = os.fstat(fd)
    if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino):
        os.close(fd)
        raise UserError("the file was replaced while being opened", where=where, hint="try again")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    with os.fdopen(fd, "rb") as fh:
        yield fh


def _verify_zip(fh: IO[bytes], where: str) -> VerifyReport:
    declared = zip_directory(fh)
    if declared is not None and (declared[0] > MAX_ENTRIES or declared[1] > MAX_DIRECTORY_BYTES):
        raise UserError(
            f"the zip declares {declared[0]:,} files in a {declared[1]:,}-byte directory, more than a "
            f"package holds (the limit is {MAX_ENTRIES:,}), so it was not checked",
            where=where,
        )
    try:
        zf = zipfile.ZipFile(fh)
    except (*_UNREADABLE, struct.error, UnicodeDecodeError) as exc:
        raise UserError(f"the zip cannot be opened ({exc})", where=where) from exc
    with zf:
        infos = [i for i in zf.infolist() if not i.filename.endswith("/")]
        names = [i.filename for i in infos]
        tops = {n.split("/", 1)[0] for n in names}
        manifests = [n for n in names if n.count("/") == 1 and n.endswith("/manifest-sha256.txt")]
        if len(tops) != 1 or len(manifests) != 1:
            raise UserError(
                "the zip is not an evidence package bag (no single folder with manifest-sha256.txt)",
                where=where,
            )
        for info in infos:
            _refuse_bomb(info, where)
        top = manifests[0].split("/", 1)[0]
        problems: list[Problem] = []
        problems.extend(
            Problem("unsafe", n, "this file's name leaves the bag (`..`, absolute or backslash path)")
            for n in sorted(set(names))
            if not _safe_relative(n)
        )
        seen: set[str] = set()
        for n in names:
            if n in seen:
                problems.append(Problem("duplicate", n, "the zip holds two files of this name"))
            seen.add(n)
        listed = _read_manifest(zf, manifests[0], problems, where, payload=True)
        checked = _check_entries(zf, top, listed, problems)
        tag_name = f"{top}/tagmanifest-sha256.txt"
        if tag_name in seen:
            _check_entries(zf, top, _read_manifest(zf, tag_name, problems, where, payload=False), problems)
        payload = {n[len(top) + 1 :] for n in names if n.startswith(f"{top}/data/")}
        for rel in sorted(payload - set(listed)):
            problems.append(
                Problem("unlisted", rel, "this file is in the bag but not in manifest-sha256.txt")
            )
        head = _bag_field(zf, f"{top}/bag-info.txt", "Activity-Head", where)
    return VerifyReport(evidence_checked=checked, activity_checked=0, head=head, problems=tuple(problems))


def _refuse_bomb(info: zipfile.ZipInfo, where: str) -> None:
    """Declared sizes are checked before any byte is read: zipfile never reads past them."""
    if info.file_size > BOMB_FLOOR and info.file_size > BOMB_RATIO * max(info.compress_size, 1):
        raise UserError(
            f"the zip member {info.filename} expands {info.file_size // max(info.compress_size, 1):,} times "
            f"(to {info.file_size:,} bytes); that is how zip bombs look, so the package was not checked",
            where=where,
        )


def _safe_relative(name: str) -> bool:
    """A path that stays inside the bag: relative, `/`-separated, no `..`, no drive letter, no NUL."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return False
    parts = PurePosixPath(name).parts
    return ".." not in parts and not (len(parts[0]) >= 2 and parts[0][1] == ":")


def _read_tag_file(zf: zipfile.ZipFile, name: str, where: str) -> str:
    info = zf.getinfo(name)
    if info.file_size > MAX_TAG_FILE_BYTES:
        raise UserError(
            f"{name.split('/', 1)[-1]} is {info.file_size:,} bytes, more than a package's (the limit is "
            f"{MAX_TAG_FILE_BYTES:,}), so it was not read",
            where=where,
        )
    try:
        return zf.read(info).decode("utf-8", errors="replace")
    except _UNREADABLE as exc:
        raise UserError(f"{name.split('/', 1)[-1]} cannot be read ({exc})", where=where) from exc


def _read_manifest(
    zf: zipfile.ZipFile, name: str, problems: list[Problem], where: str, *, payload: bool
) -> dict[str, str]:
    listed: dict[str, str] = {}
    shown = name.split("/", 1)[-1]
    for n, line in enumerate(_read_tag_file(zf, name, where).splitlines(), 1):
        digest, _, rel = line.partition("  ")
        if len(digest) != 64 or not rel:
            if line.strip():
                problems.append(Problem("manifest", f"{shown} line {n}", "unreadable line"))
            continue
        if not _safe_relative(rel) or rel.startswith("data/") != payload:
            problems.append(
                Problem(
                    "unsafe", f"{shown} line {n}", f"the path {rel!r} is outside the bag's {_area(payload)}"
                )
            )
            continue
        if rel in listed:
            problems.append(Problem("manifest", f"{shown} line {n}", f"{rel!r} is listed twice"))
            continue
        listed[rel] = digest.lower()
    return listed


def _area(payload: bool) -> str:
    return "bag's data/ folder" if payload else "bag's tag files"


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
        except _UNREADABLE as exc:
            # A changed byte usually breaks the zip's own CRC check before our hash sees it.
            problems.append(Problem("altered", rel, f"cannot be read back ({exc})"))
            continue
        checked += 1
        if digest.hexdigest() != expected:
            problems.append(
                Problem("altered", rel, f"SHA-256 is {digest.hexdigest()}, manifest says {expected}")
            )
    return checked


def _bag_field(zf: zipfile.ZipFile, name: str, key: str, where: str) -> str:
    try:
        text = _read_tag_file(zf, name, where)
    except KeyError:
        return ""
    for line in text.splitlines():
        k, _, v = line.partition(":")
        if k.strip() == key:
            return v.strip()
    return ""


@contextlib.contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs and warns about damaged PDFs on stderr; the one-line verdict says it instead."""
    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        log.setLevel(level)


def _verify_pdf(fh: IO[bytes], where: str) -> VerifyReport:
    with _quiet_pypdf():
        return _check_pdf(fh, where)


def _check_pdf(fh: IO[bytes], where: str) -> VerifyReport:
    """Hash one attachment at a time (pypdf caps a decoded stream at 75 MB; a bigger one cannot be read)."""
    digests: dict[str, str] = {}
    unreadable: set[str] = set()
    manifest_raw = b""
    try:
        # A handle, not a path: given a path pypdf reads the whole file into memory first.
        reader = PdfReader(fh, strict=False)
        if reader.is_encrypted:
            raise UserError("the PDF is encrypted, so its attachments cannot be checked", where=where)
        for item in reader.attachment_list:
            name = item.name
            try:
                content = item.content
            except Exception:  # a damaged attachment is a finding, not a crash
                unreadable.add(name)
                continue
            if name == "manifest.json" and not manifest_raw:
                manifest_raw = content
            digests.setdefault(name, hashlib.sha256(content).hexdigest())
    except UserError:
        raise
    except Exception as exc:  # anything pypdf cannot parse means we cannot check it
        raise UserError(f"the PDF cannot be read ({type(exc).__name__}: {exc})"[:300], where=where) from exc
    if not manifest_raw:
        raise UserError(
            "the PDF has no embedded manifest.json, so it is not an evidence package we can check",
            hint="verify the zip bundle instead, or export the PDF again",
            where=where,
        )
    try:
        manifest: Any = json.loads(manifest_raw)
    except (ValueError, RecursionError) as exc:
        raise UserError("the embedded manifest.json is damaged", where=where) from exc
    if not isinstance(manifest, dict):
        raise UserError("the embedded manifest.json is damaged (not an object)", where=where)
    problems: list[Problem] = []
    expected: dict[str, str] = {}
    for entry in _listed_files(manifest):
        name = str(entry.get("attachment", ""))
        if name:
            expected.setdefault(name, str(entry.get("sha256", "")).lower())
    checked = 0
    for name, digest in expected.items():
        if name in unreadable:
            problems.append(Problem("altered", name, "the attachment cannot be read back"))
            continue
        actual = digests.get(name)
        if actual is None:
            problems.append(Problem("missing", name, "listed in manifest.json but not attached"))
            continue
        checked += 1
        if actual != digest:
            problems.append(Problem("altered", name, f"SHA-256 is {actual}, manifest says {digest}"))
    for name in sorted((set(digests) | unreadable) - set(expected) - {"manifest.json"}):
        problems.append(Problem("unlisted", name, "attached but not listed in manifest.json"))
    return VerifyReport(
        evidence_checked=checked,
        activity_checked=0,
        head=str(manifest.get("activity_head", "")),
        problems=tuple(problems),
    )


def _listed_files(manifest: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every file manifest.json lists: each request's own, then each of its samples'."""
    for request in _objects(manifest.get("requests")):
        yield from _objects(request.get("files"))
        samples = request.get("samples")
        for sample in _objects(samples.get("items") if isinstance(samples, dict) else None):
            yield from _objects(sample.get("files"))


def _objects(value: object) -> list[dict[str, Any]]:
    """The JSON objects in a list (a tampered manifest may hold anything where a list was)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
