"""The zip bundle: a BagIt bag (RFC 8493) of the PDF, evidence originals, the manifest and the checklist."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from workbook.atomic import UniqueNames, atomic_output, safe_name
from workbook.errors import UserError
from workbook.formats.package.inputs import (
    FileKey,
    PackageEvidence,
    PackageInput,
    PackageRequest,
    package_manifest,
)
from workbook.jobs import CancelToken, Progress, no_progress

_CHUNK = 1 << 20
# Already-compressed types are stored as they are; deflating them again only costs time.
_STORED_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".webp", ".heic", ".zip", ".gz", ".7z", ".docx", ".xlsx", ".xlsm"}
    | {".pptx", ".mp4", ".mov", ".pdf"}
)


def _chunks_of_file(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _BagWriter:
    """Writes payload and tag files into the zip, remembering their hashes for the manifests."""

    def __init__(self, zf: zipfile.ZipFile, top: str, cancel: CancelToken | None) -> None:
        self.zf = zf
        self.top = top
        self.cancel = cancel
        self.payload: list[tuple[str, str]] = []
        self.tags: list[tuple[str, str]] = []
        self.octets = 0

    def add(self, rel: str, chunks: Iterable[bytes], *, payload: bool) -> tuple[str, int]:
        stored = Path(rel).suffix.lower() in _STORED_SUFFIXES
        compress = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info = zipfile.ZipInfo(f"{self.top}/{rel}", date_time=_zip_time())
        info.compress_type = compress
        info.external_attr = 0o644 << 16
        digest = hashlib.sha256()
        size = 0
        with self.zf.open(info, "w", force_zip64=True) as out:
            for chunk in chunks:
                if self.cancel is not None:
                    self.cancel.raise_if_cancelled()
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        (self.payload if payload else self.tags).append((digest.hexdigest(), rel))
        if payload:
            self.octets += size
        return digest.hexdigest(), size


def _zip_time() -> tuple[int, int, int, int, int, int]:
    now = dt.datetime.now()
    return (max(now.year, 1980), now.month, now.day, now.hour, now.minute, now.second // 2 * 2)


def _manifest_text(lines: list[tuple[str, str]]) -> bytes:
    return "".join(f"{digest}  {rel}\n" for digest, rel in lines).encode("utf-8")


def _evidence_chunks(ev: PackageEvidence, ref: str) -> Iterator[bytes]:
    """Stream the evidence, failing loudly if its bytes are not the ones its SHA-256 names."""
    digest = hashlib.sha256()
    for chunk in ev.open():
        digest.update(chunk)
        yield chunk
    if digest.hexdigest() != ev.sha256.lower():
        raise UserError(
            f"the stored bytes of {ev.name!r} do not match its SHA-256",
            hint="run verify on the workbook and re-attach the file",
            where=f"{ref} · {ev.name}",
        )


def write_zip_bundle(
    pkg: PackageInput,
    out_path: Path,
    pdf_path: Path | None = None,
    checklist_xlsx_path: Path | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> str:
    """Write the bag to `out_path` (temp file + rename) and return the SHA-256 of the zip."""
    out_path = Path(out_path)
    total = sum(1 for _ in pkg.files()) + 3
    done = 0
    top = safe_name(out_path.stem, fallback="evidence-package")
    extra_tmp: Path | None = None
    try:
        with (
            atomic_output(out_path) as (fd, _tmp),
            os.fdopen(fd, "wb") as raw,
            zipfile.ZipFile(raw, "w", allowZip64=True) as zf,
        ):
            bag = _BagWriter(zf, top, cancel)
            payload_names = UniqueNames()
            for reserved in ("manifest.json", "evidence"):
                payload_names.claim(reserved)
            if pdf_path is not None:
                _add_data_file(bag, payload_names, Path(pdf_path))
            done += 1
            progress(done, total)
            if checklist_xlsx_path is None and pkg.checklist is not None:
                from workbook.formats.package.writeback import write_back

                stem = Path(pkg.checklist.file_name).stem or "checklist"
                suffix = ".xlsm" if pkg.checklist.kind == "xlsm" else ".xlsx"
                extra_tmp = Path(tempfile.mkdtemp(prefix=".auditwb-bag-", dir=out_path.parent))
                checklist_xlsx_path = extra_tmp / f"{stem} (answered){suffix}"
                write_back(pkg.checklist, checklist_xlsx_path)
            if checklist_xlsx_path is not None:
                _add_data_file(bag, payload_names, Path(checklist_xlsx_path))
            done += 1
            progress(done, total)
            folders = UniqueNames()
            locations: dict[FileKey, dict[str, str]] = {}
            for request in pkg.requests:
                folder = folders.claim(safe_name(request.ref, fallback="request"))
                for key, ev, rel in _evidence_paths(request, f"data/evidence/{folder}"):
                    bag.add(rel, _evidence_chunks(ev, request.ref), payload=True)
                    locations[key] = {"path": rel}
                    done += 1
                    progress(done, total)
            manifest = json.dumps(package_manifest(pkg, locations), indent=2, ensure_ascii=False)
            bag.add("data/manifest.json", [manifest.encode("utf-8")], payload=True)
            bag.add("bagit.txt", [b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"], payload=False)
            bag.add("bag-info.txt", [_bag_info(pkg, bag.octets, len(bag.payload))], payload=False)
            bag.add("manifest-sha256.txt", [_manifest_text(bag.payload)], payload=False)
            tag_lines = list(bag.tags)
            _write_plain(zf, f"{top}/tagmanifest-sha256.txt", _manifest_text(tag_lines))
            done += 1
        progress(total, total)
    finally:
        if extra_tmp is not None:
            for child in extra_tmp.iterdir():
                child.unlink()
            extra_tmp.rmdir()
    digest = hashlib.sha256()
    for chunk in _chunks_of_file(out_path):
        digest.update(chunk)
    return digest.hexdigest()


def _evidence_paths(request: PackageRequest, folder: str) -> Iterator[tuple[FileKey, PackageEvidence, str]]:
    """Where each of a request's files goes: its own in its folder, a sample's in `<folder>/<sample id>/`.

    Sample folders take their names after the request's own files, from the same set, so none is a file's.
    """
    names = UniqueNames()
    inner: dict[str, tuple[str, UniqueNames]] = {}
    for key, ev in request.files():
        code = key[1]
        if not code:
            yield key, ev, f"{folder}/{names.claim(safe_name(ev.name))}"
            continue
        if code not in inner:
            inner[code] = (names.claim(safe_name(code, fallback="sample")), UniqueNames())
        sub, files = inner[code]
        yield key, ev, f"{folder}/{sub}/{files.claim(safe_name(ev.name))}"


def _add_data_file(bag: _BagWriter, names: UniqueNames, path: Path) -> None:
    """A file from disk at the top of data/, under a safe name no other payload file there has."""
    bag.add(f"data/{names.claim(safe_name(path.name))}", _chunks_of_file(path), payload=True)


def _write_plain(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_zip_time())
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def _bag_info(pkg: PackageInput, octets: int, count: int) -> bytes:
    fields = [
        ("Source-Organization", pkg.client),
        ("Bagging-Date", pkg.generated_at.date().isoformat()),
        ("Payload-Oxum", f"{octets}.{count}"),
        ("External-Identifier", pkg.package_id),
        ("External-Description", f"{pkg.framework} evidence for {pkg.client}, period {pkg.period_text}"),
        ("Bag-Software-Agent", "Audit Workbook"),
        ("Audit-Framework", pkg.framework),
        ("Audit-Period", pkg.period_text),
        ("Auditor", pkg.auditor),
        ("Prepared-By", pkg.prepared_by),
        ("Generated-At", pkg.generated_at.astimezone(dt.UTC).isoformat()),
        ("Package-Status", "final" if pkg.final else "draft"),
        ("Activity-Head", pkg.activity_head),
    ]
    return "".join(f"{k}: {_one_line(v)}\n" for k, v in fields if _one_line(v)).encode("utf-8")
