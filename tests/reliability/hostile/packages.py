"""Hostile packages given to `verify`: bags whose paths leave the bag, bombs, lying directories, odd PDFs."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from hostile.case import Case
from hostile.kit import noise, set_declared_size, set_directory, set_method

NOW = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)
TOP = "pkg-1"


@functools.cache
def _templates() -> tuple[bytes, bytes]:
    """A real evidence package as (zip bag, PDF), written once by the package writers."""
    from workbook.formats.package.assemble import write_pdf_package
    from workbook.formats.package.inputs import PackageEvidence, PackageInput, PackageRequest
    from workbook.formats.package.zip_bundle import write_zip_bundle
    from workbook.model import Status

    def evidence(name: str, data: bytes, media_type: str) -> PackageEvidence:
        def chunks() -> Iterator[bytes]:
            yield data

        digest = hashlib.sha256(data).hexdigest()
        return PackageEvidence(name, media_type, len(data), digest, None, "Dana", NOW, open=chunks)

    request = PackageRequest(
        ref="PBC-001",
        title="Access review",
        request="Provide the user access review.",
        criteria=("CC6.1",),
        section="Access",
        owner="Dana",
        status=Status.ACCEPTED,
        due=None,
        evidence=(
            evidence("review.csv", b"user,reviewed\nana,yes\n" * 20, "text/csv"),
            evidence("blob.bin", b"EVIDENCE-BYTES-" * 64, "application/octet-stream"),
        ),
    )
    package = PackageInput(
        client="Acme",
        framework="SOC 2",
        period_start=None,
        period_end=None,
        auditor="Northbridge",
        prepared_by="Dana",
        generated_at=NOW,
        final=True,
        package_id=TOP,
        activity_head="f" * 64,
        requests=(request,),
    )
    with tempfile.TemporaryDirectory() as tmp:
        bag, pdf = Path(tmp) / "bag.zip", Path(tmp) / "package.pdf"
        write_zip_bundle(package, bag)
        write_pdf_package(package, pdf)
        return bag.read_bytes(), pdf.read_bytes()


def _bag_members() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(_templates()[0])) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _top() -> str:
    return next(iter(_bag_members())).split("/", 1)[0]


def _write_bag(
    path: Path, members: dict[str, bytes] | list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED
) -> Path:
    items = members.items() if isinstance(members, dict) else members
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in items:
            zf.writestr(zipfile.ZipInfo(name, (2026, 1, 5, 0, 0, 0)), data, compress_type=method)
    return path


def _listed(extra_path: str, data: bytes = b"outside the bag\n") -> Callable[[Path], Path]:
    """A bag whose manifest also lists `extra_path` (with its true hash), the member present under it."""

    def build(path: Path) -> Path:
        members = _bag_members()
        top = _top()
        manifest = f"{top}/manifest-sha256.txt"
        line = f"{hashlib.sha256(data).hexdigest()}  {extra_path}\n".encode()
        members[manifest] += line
        members[f"{top}/{extra_path}"] = data
        return _write_bag(path, members)

    return build


def _changed(change: Callable[[dict[str, bytes], str], None]) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        members = _bag_members()
        change(members, _top())
        return _write_bag(path, members)

    return build


def _forge(members: dict[str, bytes], top: str) -> None:
    name = next(n for n in members if n.endswith("review.csv"))
    members[name] = b"user,reviewed\nana,no\n"


def _drop(members: dict[str, bytes], top: str) -> None:
    del members[next(n for n in members if n.endswith("blob.bin"))]


def _add(members: dict[str, bytes], top: str) -> None:
    members[f"{top}/data/evidence/PBC-001/planted.exe"] = b"MZ"


def _duplicate(path: Path) -> Path:
    members = list(_bag_members().items())
    evidence = next((n, d) for n, d in members if n.endswith("review.csv"))
    return _write_bag(path, [*members, (evidence[0], b"second copy\n")])


def _two_tops(members: dict[str, bytes], top: str) -> None:
    members["other/manifest-sha256.txt"] = b""


def _zero_bomb(size: int) -> Callable[[Path], Path]:
    """A member of `size` zero bytes, really deflated (about a thousandth of its size)."""

    def build(path: Path) -> Path:
        members = _bag_members()
        top = _top()
        _write_bag(path, members)
        with (
            zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf,
            zf.open(f"{top}/data/zeros.bin", "w", force_zip64=True) as fh,
        ):
            block = bytes(1 << 20)
            for _ in range(size >> 20):
                fh.write(block)
        return path

    return build


def _declared_zeros(path: Path) -> Path:
    """A 1 MB member whose headers claim 3.9 GB (never read: refused on the claim)."""
    members = _bag_members()
    top = _top()
    members[f"{top}/data/zeros.bin"] = bytes(1 << 20)
    _write_bag(path, members)
    return set_declared_size(path, f"{top}/data/zeros.bin", 0xF0000000)


def _declared_manifest(path: Path) -> Path:
    members = _bag_members()
    top = _top()
    name = f"{top}/manifest-sha256.txt"
    members[name] = noise(1 << 20, alphabet=bytes(range(256)), rare=0.99)
    _write_bag(path, members, zipfile.ZIP_STORED)
    return set_declared_size(path, name, 70 << 20)


def _method(member: str, method: int, flags: int | None = None) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        _write_bag(path, _bag_members(), zipfile.ZIP_STORED)
        name = next(n for n in _bag_members() if n.endswith(member))
        return set_method(path, name, method, flags)

    return build


def _bag(path: Path) -> Path:
    path.write_bytes(_templates()[0])
    return path


def _then(build: Callable[[Path], Path], change: Callable[[Path], Path]) -> Callable[[Path], Path]:
    return lambda path: change(build(path))


def _truncate(size: int | float) -> Callable[[Path], Path]:
    def change(path: Path) -> Path:
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * size) if isinstance(size, float) else size])
        return path

    return change


def _pdf(path: Path) -> Path:
    path.write_bytes(_templates()[1])
    return path


def _raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF of numbered objects (1 is the catalog) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, start)
    return bytes(out)


def _pdf_with(
    attachments: dict[str, bytes | Callable[[], bytes]], *, flate: frozenset[str] = frozenset()
) -> Callable[[Path], Path]:
    """A one-page PDF embedding `attachments` (the `flate` ones given already deflated)."""

    def build(path: Path) -> Path:
        objects = [
            b"",
            b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>",
        ]
        names = []
        for name, given in attachments.items():
            data = given() if callable(given) else given
            stream_number = len(objects) + 1
            extra = b"/Filter/FlateDecode" if name in flate else b""
            objects.append(
                b"<</Type/EmbeddedFile/Length %d%s>>stream\n" % (len(data), extra) + data + b"\nendstream"
            )
            objects.append(
                b"<</Type/Filespec/F(%s)/UF(%s)/EF<</F %d 0 R>>>>"
                % (name.encode(), name.encode(), stream_number)
            )
            names.append(b"(%s) %d 0 R" % (name.encode(), len(objects)))
        objects[0] = (
            b"<</Type/Catalog/Pages 2 0 R/Names<</EmbeddedFiles<</Names[" + b" ".join(names) + b"]>>>>>>"
        )
        path.write_bytes(_raw_pdf(objects))
        return path

    return build


def _pdf_encrypted(path: Path) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_attachment("manifest.json", MANIFEST_OK)
    writer.encrypt("secret")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def _flate_zeros(size: int) -> bytes:
    comp = zlib.compressobj(9)
    block = bytes(1 << 20)
    out = [comp.compress(block) for _ in range(size >> 20)]
    return b"".join(out) + comp.flush()


MANIFEST_OK = b'{"requests": [{"files": [{"attachment": "bomb.bin", "sha256": "' + b"0" * 64 + b'"}]}]}'


def _pdf_cycle(path: Path) -> Path:
    """A PDF whose embedded-files name tree points back at itself."""
    path.write_bytes(
        _raw_pdf(
            [
                b"<</Type/Catalog/Pages 2 0 R/Names<</EmbeddedFiles 4 0 R>>>>",
                b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
                b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>",
                b"<</Kids[4 0 R 5 0 R]>>",
                b"<</Kids[4 0 R]>>",
            ]
        )
    )
    return path


def _alter_pdf(path: Path) -> Path:
    path.write_bytes(path.read_bytes().replace(b"EVIDENCE-BYTES-", b"EVIDENCE-BYTEZ-", 1))
    return path


def _bytes(data: bytes) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return build


def _special(make: Callable[[Path], None]) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        make(path)
        return path

    return build


def package(
    name: str, file: str, build: Callable[[Path], Path], says: str = "", exit: int = 2, **kw: bool
) -> Case:
    return Case("package", name, lambda folder: build(folder / file), "verify", exit=exit, says=says, **kw)


CASES: list[Case] = [
    package("fifo_named_zip", "pkg.zip", _special(lambda p: os.mkfifo(p)), "pipe", fast=True),
    package("fifo_named_pdf", "pkg.pdf", _special(lambda p: os.mkfifo(p)), "pipe"),
    package("dev_zero_named_zip", "zero.zip", _special(lambda p: p.symlink_to("/dev/zero")), "device"),
    package("folder_named_zip", "folder.zip", _special(lambda p: p.mkdir()), "folder"),
    package("missing", "gone.zip", lambda p: p, "cannot read"),
    package("empty", "empty.zip", _bytes(b""), "neither a zip nor a PDF"),
    package(
        "pk_then_noise",
        "noise.zip",
        _bytes(b"PK" + noise(4096, alphabet=bytes(range(256)), rare=0.99)),
        "cannot be opened",
    ),
    package("truncated_bag", "cut.zip", _then(_bag, _truncate(0.5)), "cannot be opened"),
    package(
        "plain_zip_not_a_bag",
        "plain.zip",
        lambda p: _write_bag(p, {"a.txt": b"a"}),
        "not an evidence package",
    ),
    package("two_top_folders", "two.zip", _changed(_two_tops), "not an evidence package"),
    package(
        "manifest_path_with_dot_dot",
        "dotdot.zip",
        _listed("data/../../outside.txt"),
        "outside the bag",
        exit=1,
        fast=True,
    ),
    package("manifest_absolute_path", "absolute.zip", _listed("/etc/cron.d/x"), "outside the bag", exit=1),
    package(
        "manifest_backslash_path", "backslash.zip", _listed("data\\..\\..\\x.txt"), "outside the bag", exit=1
    ),
    package("manifest_drive_path", "drive.zip", _listed("C:/Windows/x.txt"), "outside the bag", exit=1),
    package(
        "manifest_lists_a_tag_file_as_payload", "tag.zip", _listed("bagit.txt"), "outside the bag", exit=1
    ),
    package(
        "member_named_out_of_the_bag",
        "member.zip",
        _changed(lambda m, top: m.__setitem__(f"{top}/data/../../../evil.sh", b"x")),
        "leaves the bag",
        exit=1,
    ),
    package("zeros_of_256_mb_deflated", "zeros.zip", _zero_bomb(256 << 20), "zip bombs", fast=True),
    package("zeros_of_4_gb_declared", "declared.zip", _declared_zeros, "zip bombs"),
    package("manifest_of_70_mb_declared", "manifest.zip", _declared_manifest, "more than a package"),
    package(
        "directory_claims_100_mb",
        "dir.zip",
        _then(_bag, lambda p: set_directory(p, size=100 << 20)),
        "directory",
    ),
    package("duplicate_member", "twice.zip", _duplicate, "two files of this name", exit=1),
    package("evidence_forged", "forged.zip", _changed(_forge), "SHA-256", exit=1),
    package("evidence_missing", "missing.zip", _changed(_drop), "not in the zip", exit=1),
    package("evidence_planted", "planted.zip", _changed(_add), "not in manifest", exit=1),
    package(
        "unknown_compression_method", "method.zip", _method("review.csv", 99), "cannot be read back", exit=1
    ),
    package(
        "member_flagged_encrypted",
        "encrypted.zip",
        _method("review.csv", 0, flags=1),
        "cannot be read back",
        exit=1,
    ),
    package("pdf_header_only", "stub.pdf", _bytes(b"%PDF-1.7\n"), "PDF"),
    package("pdf_truncated", "cut.pdf", _then(_pdf, _truncate(0.5)), ""),
    package(
        "pdf_noise_after_header",
        "noise.pdf",
        _bytes(b"%PDF-1.7\n" + noise(20_000, alphabet=bytes(range(256)), rare=0.99)),
        "PDF",
    ),
    package("pdf_without_manifest", "plain.pdf", _pdf_with({"notes.txt": b"hello"}), "no embedded manifest"),
    package("pdf_encrypted", "locked.pdf", _pdf_encrypted, "encrypted"),
    package("pdf_manifest_not_an_object", "list.pdf", _pdf_with({"manifest.json": b"[1, 2, 3]"}), "damaged"),
    package(
        "pdf_manifest_nested_100000_deep",
        "deep.pdf",
        _pdf_with({"manifest.json": b"[" * 100_000 + b"]" * 100_000}),
        "damaged",
    ),
    package("pdf_manifest_not_json", "notjson.pdf", _pdf_with({"manifest.json": b"{nope"}), "damaged"),
    package(
        "pdf_attachment_flate_bomb",
        "bomb.pdf",
        _pdf_with(
            {"manifest.json": MANIFEST_OK, "bomb.bin": lambda: _flate_zeros(200 << 20)},
            flate=frozenset({"bomb.bin"}),
        ),
        "cannot be read back",
        exit=1,
    ),
    package("pdf_name_tree_cycle", "cycle.pdf", _pdf_cycle, ""),
    package("pdf_attachment_altered", "altered.pdf", _then(_pdf, _alter_pdf), "SHA-256", exit=1),
]
