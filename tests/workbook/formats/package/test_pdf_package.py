"""Tests for the PDF evidence package, read back with pypdf: outline, stamps, attachments, hostile input."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import stat
import subprocess
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.files import encrypted_xlsx, pdf_bytes, png_bytes
from helpers.package import NOW, package_evidence, package_input, package_request
from openpyxl import Workbook
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from workbook.formats.package.assemble import write_pdf_package
from workbook.formats.package.inputs import PackageComment, PackageEvidence, PackageInput, PackageRequest
from workbook.jobs import Cancelled, CancelToken
from workbook.model import Status

HEAD = "c0ffee" + "0" * 58
BLUE = "#1e78c8"  # the sample images' colour
HOSTILE = (
    '<b>bold</b> & <img src="/etc/passwd"/> <a href="javascript:alert(1)">click</a> \u202eRTL\u202c 中文 😀'
)


def _pdf(pages: int, text: str = "source page", size: tuple[float, float] = (612, 792)) -> bytes:
    return pdf_bytes(([f"{text} {i + 1}"] for i in range(pages)), size=size, top=400)


def _hostile_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(_pdf(2, "hostile")))
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): DictionaryObject({NameObject("/Names"): TextStringObject("x")})}
    )
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    )
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): DictionaryObject({NameObject("/S"): NameObject("/Launch")})}
    )
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(_pdf(1, "secret")))
    writer.encrypt("open-sesame")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _request(ref: str, section: str, *evidence: PackageEvidence, **kw: object) -> PackageRequest:
    return package_request(ref, *evidence, section=section, **kw)


def _package(*requests: PackageRequest, final: bool = False) -> PackageInput:
    return package_input(*requests, final=final, package_id="pkg-0042", activity_head=HEAD)


def _outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    found: list[tuple[int, str, int]] = []

    def walk(items: list[object], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item) + 1))  # type: ignore[attr-defined]

    walk(reader.outline, 0)  # type: ignore[arg-type]
    return found


@pytest.fixture
def sample(tmp_path: Path) -> tuple[PackageInput, Path, dict[str, bytes]]:
    files = {
        "shot.png": png_bytes(1920, 1080, BLUE),
        "report.pdf": _pdf(3),
        "users.csv": b"name,role\n" + b"ann,admin\n" * 400,
        "config.json": b'{"mfa": true}',
    }
    pkg = _package(
        _request(
            "PBC-001",
            "Access",
            package_evidence("shot.png", files["shot.png"], "image/png"),
            package_evidence("report.pdf", files["report.pdf"], "application/pdf"),
        ),
        _request(
            "PBC-002",
            "Change",
            package_evidence("users.csv", files["users.csv"], "text/csv"),
            package_evidence("config.json", files["config.json"], "application/json"),
        ),
        _request("PBC-003", "Access", status=Status.OPEN, overdue=True),
    )
    out = tmp_path / "package.pdf"
    write_pdf_package(pkg, out)
    return pkg, out, files


def test_outline_has_section_then_request_then_each_evidence_file(
    sample: tuple[PackageInput, Path, dict[str, bytes]],
) -> None:
    _, out, _ = sample
    outline = [(depth, title) for depth, title, _ in _outline(PdfReader(out))]
    assert outline == [
        (0, "Cover"),
        (0, "Readiness summary"),
        (0, "Contents"),
        (0, "Access"),
        (1, "PBC-001 — Title of PBC-001"),
        (2, "1. shot.png"),
        (2, "2. report.pdf"),
        (1, "PBC-003 — Title of PBC-003"),
        (0, "Change"),
        (1, "PBC-002 — Title of PBC-002"),
        (2, "1. users.csv"),
        (2, "2. config.json"),
        (0, "Appendix — manifest"),
    ]


def test_evidence_pdf_pages_are_appended_with_a_stamp_each(
    sample: tuple[PackageInput, Path, dict[str, bytes]],
) -> None:
    pkg, out, _ = sample
    reader = PdfReader(out)
    pages = {title: page for _, title, page in _outline(reader)}
    first = pages["2. report.pdf"]
    sha = pkg.requests[0].evidence[1].sha256
    for n in range(3):
        text = reader.pages[first - 1 + n].extract_text()
        assert f"source page {n + 1}" in text
        assert f"PBC-001 · evidence 2/2 · page {n + 1}/3 · sha256 {sha[:12]}…" in text


def test_every_page_carries_the_footer_and_the_draft_mark(
    sample: tuple[PackageInput, Path, dict[str, bytes]],
) -> None:
    _, out, _ = sample
    reader = PdfReader(out)
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, 1):
        text = page.extract_text()
        assert f"Package pkg-0042 · activity log head {HEAD}" in text, number
        assert f"Page {number} of {total}" in text, number
        assert "DRAFT" in text, number


def test_a_final_package_has_no_draft_mark(tmp_path: Path) -> None:
    out = tmp_path / "final.pdf"
    write_pdf_package(_package(_request("PBC-001", "Access"), final=True), out)
    text = "".join(p.extract_text() for p in PdfReader(out).pages)
    assert "DRAFT" not in text
    assert "FINAL" in text


def test_contents_lists_requests_with_their_page_numbers_and_links(
    sample: tuple[PackageInput, Path, dict[str, bytes]],
) -> None:
    _, out, _ = sample
    reader = PdfReader(out)
    pages = {title: page for _, title, page in _outline(reader)}
    contents = reader.pages[pages["Contents"] - 1]
    text = contents.extract_text()
    entries = (
        "Readiness summary",
        "Access",
        "PBC-001 — Title of PBC-001",
        "PBC-003 — Title of PBC-003",
        "Change",
        "PBC-002 — Title of PBC-002",
        "Appendix — manifest",
    )
    for title in entries:
        assert title in text
    numbers = [int(line.split()[-1]) for line in text.splitlines() if line.strip().startswith(".")]
    assert numbers == [pages[title] for title in entries]
    page_numbers = {p.indirect_reference.idnum: n for n, p in enumerate(reader.pages, 1)}  # type: ignore[union-attr]
    links = [a.get_object() for a in contents.get("/Annots", [])]
    targets = {page_numbers[a["/Dest"][0].idnum] for a in links if a.get("/Subtype") == "/Link"}
    assert targets == {pages[title] for title in entries}


def test_originals_and_manifest_are_embedded_as_attachments(
    sample: tuple[PackageInput, Path, dict[str, bytes]],
) -> None:
    pkg, out, files = sample
    attachments = PdfReader(out).attachments
    assert sorted(attachments) == [
        "PBC-001 - report.pdf",
        "PBC-001 - shot.png",
        "PBC-002 - config.json",
        "PBC-002 - users.csv",
        "manifest.json",
    ]
    assert attachments["PBC-001 - shot.png"] == [files["shot.png"]]
    assert attachments["PBC-002 - users.csv"] == [files["users.csv"]]
    manifest = json.loads(attachments["manifest.json"][0])
    assert manifest["package_id"] == "pkg-0042"
    assert manifest["activity_head"] == HEAD
    assert [
        (r["ref"], [(f["name"], f["attachment"], f["sha256"]) for f in r["files"]])
        for r in manifest["requests"]
    ] == [
        (
            "PBC-001",
            [
                ("shot.png", "PBC-001 - shot.png", hashlib.sha256(files["shot.png"]).hexdigest()),
                ("report.pdf", "PBC-001 - report.pdf", hashlib.sha256(files["report.pdf"]).hexdigest()),
            ],
        ),
        (
            "PBC-002",
            [
                ("users.csv", "PBC-002 - users.csv", hashlib.sha256(files["users.csv"]).hexdigest()),
                ("config.json", "PBC-002 - config.json", hashlib.sha256(files["config.json"]).hexdigest()),
            ],
        ),
        ("PBC-003", []),
    ]
    assert pkg.requests[2].evidence == ()


def test_png_data_goes_into_the_pdf_unchanged(sample: tuple[PackageInput, Path, dict[str, bytes]]) -> None:
    _, out, _ = sample
    reader = PdfReader(out)
    pages = {title: page for _, title, page in _outline(reader)}
    page = reader.pages[pages["1. shot.png"] - 1]
    form = page["/Resources"]["/XObject"]["/AWEvidence"].get_object()
    assert form["/Filter"] == "/FlateDecode"
    assert form["/DecodeParms"]["/Predictor"] == 15
    assert (form["/Width"], form["/Height"]) == (1920, 1080)
    decoded = zlib.decompress(form._data)
    assert len(decoded) == 1080 * (1 + 1920 * 3)
    assert "shot.png · 1920×1080 px" in page.extract_text()


def test_csv_evidence_is_a_table_with_a_truncation_note(
    sample: tuple[PackageInput, Path, dict[str, bytes]],
) -> None:
    _, out, _ = sample
    reader = PdfReader(out)
    pages = {title: page for _, title, page in _outline(reader)}
    first = reader.pages[pages["1. users.csv"] - 1].extract_text()
    assert "name" in first and "ann" in first and "admin" in first
    text = "".join(
        reader.pages[i].extract_text() for i in range(pages["1. users.csv"] - 1, pages["2. config.json"] - 1)
    )
    assert "Truncated: showing the first 300 rows (of 401 rows). The full file is attached." in text


def test_other_types_get_a_page_naming_the_attachment_and_hash(
    sample: tuple[PackageInput, Path, dict[str, bytes]],
) -> None:
    _, out, files = sample
    reader = PdfReader(out)
    pages = {title: page for _, title, page in _outline(reader)}
    text = reader.pages[pages["2. config.json"] - 1].extract_text()
    assert "PBC-002 - config.json" in text
    assert hashlib.sha256(files["config.json"]).hexdigest() in text


def test_appendix_lists_every_file_with_size_and_hash(
    sample: tuple[PackageInput, Path, dict[str, bytes]],
) -> None:
    _, out, files = sample
    reader = PdfReader(out)
    pages = {title: page for _, title, page in _outline(reader)}
    text = "".join(p.extract_text() for p in reader.pages[pages["Appendix — manifest"] - 1 :])
    assert "audit-workbook verify" in text
    for name, data in files.items():
        digest = hashlib.sha256(data).hexdigest()
        assert digest[:32] in text and digest[32:] in text, name
        assert f"{len(data):,}" in text


def test_hostile_text_renders_as_text_and_never_as_markup(tmp_path: Path) -> None:
    long_cell = "é" * 5000
    req = _request(
        "PBC-<9>",
        "Sec & <i>",
        title=HOSTILE,
        request=HOSTILE,
        notes=long_cell,
        owner="<font color=red>x</font>",
        extra=(("<Hidden>", HOSTILE),),
        comments=(PackageComment("<script>", NOW, HOSTILE),),
    )
    out = tmp_path / "hostile.pdf"
    write_pdf_package(_package(req), out)

    reader = PdfReader(out)
    text = "".join(p.extract_text() for p in reader.pages)
    assert '<b>bold</b> & <img src="/etc/passwd"/> <a href="javascript:alert(1)">click</a>' in text
    # CJK comes from the fallback font; emoji outside the BMP are spelled out rather than drawn as boxes.
    assert "\u202eRTL\u202c 中文 [U+1F600]" in " ".join(text.split())
    assert any(HOSTILE in title for _, title, _ in _outline(reader))
    assert "<font color=red>x</font>" in text and "PBC-<9>" in text and "<script>" in text
    assert text.count("é") >= 5000
    raw = out.read_bytes()
    assert b"javascript" not in raw.lower().replace(b"javascript:alert", b"")
    assert b"/URI" not in raw and b"/etc/passwd" not in raw.replace(b'src="/etc/passwd"', b"")


def test_corrupt_and_encrypted_pdfs_get_a_marked_page_and_the_export_succeeds(tmp_path: Path) -> None:
    broken = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n"
    req = _request(
        "PBC-001",
        "S",
        package_evidence("broken.pdf", broken, "application/pdf"),
        package_evidence("locked.pdf", _encrypted_pdf(), "application/pdf"),
        package_evidence("truncated.pdf", _pdf(2)[:300], "application/pdf"),
    )
    out = tmp_path / "p.pdf"
    result = write_pdf_package(_package(req), out)

    reader = PdfReader(out)
    pages = {title: page for _, title, page in _outline(reader)}
    locked = reader.pages[pages["2. locked.pdf"] - 1].extract_text()
    assert "This file could not be shown:" in locked and "encrypted" in locked
    assert "This file could not be shown:" in reader.pages[pages["1. broken.pdf"] - 1].extract_text()
    assert "This file could not be shown:" in reader.pages[pages["3. truncated.pdf"] - 1].extract_text()
    assert len(result.problems) == 3
    assert sorted(reader.attachments) == [
        "PBC-001 - broken.pdf",
        "PBC-001 - locked.pdf",
        "PBC-001 - truncated.pdf",
        "manifest.json",
    ]


def test_active_content_is_stripped_from_merged_evidence(tmp_path: Path) -> None:
    out = tmp_path / "p.pdf"
    result = write_pdf_package(
        _package(_request("PBC-001", "S", package_evidence("h.pdf", _hostile_pdf(), "application/pdf"))), out
    )

    reader = PdfReader(out)
    assert result.evidence_pages == 2
    assert len(reader.pages) == result.pages
    root = reader.trailer["/Root"]
    assert "/OpenAction" not in root and "/JavaScript" not in root["/Names"]
    evidence = [p for p in reader.pages if "/AWEvidence" in p["/Resources"].get("/XObject", {})]
    assert len(evidence) == 2
    for page in reader.pages:
        assert "/AA" not in page
    for page in evidence:
        assert "/AA" not in page["/Resources"]["/XObject"]["/AWEvidence"]
    # The original, active content and all, is only an attachment.
    assert (
        reader.attachments["PBC-001 - h.pdf"] == [_hostile_pdf()]
        or len(reader.attachments["PBC-001 - h.pdf"]) == 1
    )
    text = "".join(p.extract_text() for p in reader.pages)
    assert "hostile 1" in text and "hostile 2" in text


def test_rotated_and_landscape_evidence_pages_keep_their_shape(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=io.BytesIO(_pdf(1, "rotated")))
    writer.pages[0].rotate(90)
    buf = io.BytesIO()
    writer.write(buf)
    req = _request(
        "PBC-001",
        "S",
        package_evidence("r.pdf", buf.getvalue(), "application/pdf"),
        package_evidence("l.pdf", _pdf(1, "wide", (792, 612)), "application/pdf"),
    )
    out = tmp_path / "p.pdf"
    write_pdf_package(_package(req), out)
    reader = PdfReader(out)
    pages = {title: page for _, title, page in _outline(reader)}
    rotated = reader.pages[pages["1. r.pdf"] - 1]
    wide = reader.pages[pages["2. l.pdf"] - 1]
    assert (float(rotated.mediabox.width), float(rotated.mediabox.height)) == (792, 612 + 34)
    assert (float(wide.mediabox.width), float(wide.mediabox.height)) == (792, 612 + 34)
    assert "rotated 1" in rotated.extract_text() and "wide 1" in wide.extract_text()


def test_cancel_leaves_no_file_behind(tmp_path: Path) -> None:
    token = CancelToken()

    def progress(done: int, total: int) -> None:
        if done >= 2:
            token.cancel()

    req = _request(
        "PBC-001",
        "S",
        *(package_evidence(f"{i}.png", png_bytes(40 + i, 30, BLUE), "image/png") for i in range(4)),
    )
    with pytest.raises(Cancelled):
        write_pdf_package(_package(req), tmp_path / "p.pdf", progress=progress, cancel=token)
    assert list(tmp_path.iterdir()) == []


def test_a4_page_size_is_used_for_our_pages(tmp_path: Path) -> None:
    pkg = _package(_request("PBC-001", "S"))
    pkg = PackageInput(**{**pkg.__dict__, "page_size": "a4"})
    out = tmp_path / "a4.pdf"
    write_pdf_package(pkg, out)
    page = PdfReader(out).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


@pytest.mark.skipif(os.name == "nt", reason="Windows keeps its ACLs; no chmod there")
@pytest.mark.parametrize("umask", [0o002, 0o022, 0o077])
def test_the_package_is_owner_only_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    out = tmp_path / "package.pdf"
    out.write_bytes(b"a readable package from last week")
    out.chmod(0o644)
    old = os.umask(umask)
    try:
        write_pdf_package(_package(_request("PBC-001", "Access")), out)
    finally:
        os.umask(old)

    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_cjk_text_is_drawn_with_the_fallback_font_and_comes_back_out_with_pdftotext(tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    req = _request(
        "PBC-中01",
        "アクセス管理",
        package_evidence("ユーザー一覧.txt", "氏名,役割\n山田,管理者\n".encode(), "text/plain"),
        title="用户访问审查 (Q1)",
        request="请提供所有用户的访问权限清单。アクセス権の一覧。",
        owner="王小明",
    )
    out = tmp_path / "cjk.pdf"
    write_pdf_package(_package(req), out)

    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    for expected in (
        "用户访问审查(Q1)",
        "请提供所有用户的访问权限清单。アクセス権の一覧。",
        "王小明",
        "山田,管理者",
    ):
        assert expected in flat, expected
    assert "[U+" not in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in PdfReader(out).pages
        for font in page["/Resources"]["/Font"].values()  # type: ignore[index, union-attr]
    }
    assert "/AAAAAA+DroidSansFallback" in fonts


def test_a_package_built_in_many_parts_keeps_outline_links_and_page_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("workbook.formats.package.assemble._CHUNK_PAGES", 3)
    monkeypatch.setattr("workbook.formats.package.assemble._APPENDIX_ROWS", 2)
    requests = [
        _request(
            f"PBC-{i:03d}",
            f"Section {i % 2}",
            package_evidence(f"r{i}.pdf", _pdf(2, f"report {i} page"), "application/pdf"),
            package_evidence(f"s{i}.png", png_bytes(30 + i, 20, BLUE), "image/png"),
        )
        for i in range(5)
    ]
    out = tmp_path / "parts.pdf"
    result = write_pdf_package(_package(*requests), out)

    reader = PdfReader(out)
    total = len(reader.pages)
    assert result.pages == total and result.evidence_pages == 15
    outline = _outline(reader)
    assert [(depth, title) for depth, title, _ in outline if depth < 2] == [
        (0, "Cover"),
        (0, "Readiness summary"),
        (0, "Contents"),
        (0, "Section 0"),
        (1, "PBC-000 — Title of PBC-000"),
        (1, "PBC-002 — Title of PBC-002"),
        (1, "PBC-004 — Title of PBC-004"),
        (0, "Section 1"),
        (1, "PBC-001 — Title of PBC-001"),
        (1, "PBC-003 — Title of PBC-003"),
        (0, "Appendix — manifest"),
    ]
    pages = {title: page for _, title, page in outline}
    for i in range(5):
        first = reader.pages[pages[f"PBC-{i:03d} — Title of PBC-{i:03d}"]].extract_text()
        assert f"report {i} page 1" in first and f"PBC-{i:03d} · evidence 1/2 · page 1/2" in first
    for number, page in enumerate(reader.pages, 1):
        assert f"Page {number} of {total}" in page.extract_text(), number
    contents = reader.pages[pages["Contents"] - 1]
    numbers = [
        int(line.split()[-1]) for line in contents.extract_text().splitlines() if line.strip()[:1] == "."
    ]
    assert numbers == [
        pages[t] for _, t, _ in outline if t not in ("Cover", "Contents") and not t[0].isdigit()
    ]
    page_numbers = {
        p.indirect_reference.idnum: n for n, p in enumerate(reader.pages, 1) if p.indirect_reference
    }

    def link_targets(page: PageObject) -> list[int]:
        annots = page.get("/Annots")
        assert isinstance(annots, ArrayObject)
        return [page_numbers[a.get_object()["/Dest"][0].idnum] for a in annots]

    assert link_targets(contents) == numbers
    # The file names in a request's evidence table still open that request's evidence pages.
    request_page = reader.pages[pages["PBC-003 — Title of PBC-003"] - 1]
    assert link_targets(request_page) == [pages["1. r3.pdf"], pages["2. s3.png"]]
    appendix = "".join(p.extract_text() for p in reader.pages[pages["Appendix — manifest"] - 1 :])
    for req in requests:
        for ev in req.evidence:
            assert ev.sha256[:32] in appendix


XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(fill: Callable[[Workbook], None]) -> bytes:
    book = Workbook()
    fill(book)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _with_cached_value(data: bytes, formula: str, cached: str) -> bytes:
    """openpyxl writes formulas without a result; Excel stores the last result in `<v>` beside `<f>`."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(
                    f"<f>{formula}</f><v></v>".encode(), f"<f>{formula}</f><v>{cached}</v>".encode()
                )
                body = body.replace(
                    f"<f>{formula}</f><v />".encode(), f"<f>{formula}</f><v>{cached}</v>".encode()
                )
            dst.writestr(info, body)
    return out.getvalue()


def _evidence_text(reader: PdfReader, first: str, following: str | None) -> str:
    pages = {title: page for _, title, page in _outline(reader)}
    end = pages[following] - 1 if following else pages["Appendix — manifest"] - 1
    text = "".join(reader.pages[i].extract_text() for i in range(pages[first] - 1, end))
    return " ".join(text.split())  # pypdf puts each table cell on a line of its own


def _access_review(book: Workbook) -> None:
    users = book.active
    assert users is not None
    users.title = "Users"
    users.append(["User", "Role", "Last login", "Amount", "Total"])
    for i in range(4_811):
        users.append(
            [f"user{i}@example.com", "admin" if i == 0 else "member", dt.datetime(2025, 1, 31), 1234.5]
        )
        users.cell(row=i + 2, column=4).number_format = "#,##0.00"
    users["E2"] = "=D2*2"
    notes = book.create_sheet("Reviewer notes")
    notes["A1"] = HOSTILE
    notes["B2"] = "y" * 1_000
    book.create_sheet("Lookup").sheet_state = "hidden"
    book["Lookup"]["A1"] = "hidden value"


def test_xlsx_evidence_is_drawn_sheet_by_sheet_with_values_as_excel_shows_them(tmp_path: Path) -> None:
    data = _with_cached_value(_xlsx(_access_review), "D2*2", "2469")
    req = _request(
        "PBC-010",
        "Access",
        package_evidence("access review.xlsx", data, XLSX_MEDIA),
        package_evidence("notes.txt", b"after", "text/plain"),
    )
    out = tmp_path / "p.pdf"
    result = write_pdf_package(_package(req), out)

    text = _evidence_text(PdfReader(out), "1. access review.xlsx", "2. notes.txt")
    assert "Sheet 1 of 2: Users" in text and "Sheet 2 of 2: Reviewer notes" in text
    assert "user0@example.com admin 2025-01-31 1,234.50 2469" in text
    assert "Truncated: showing 200 of 4,812 rows; the full file is attached." in text
    assert "hidden and chart sheets are not shown ('Lookup')" in text
    assert "hidden value" not in text
    assert '<b>bold</b> & <img src="/etc/passwd"/> <a href="javascript:alert(1)">click</a>' in text
    assert max(len(run) for run in re.findall("y+", text.replace(" ", ""))) == 200 and "yy […]" in text
    assert result.problems == ()
    assert "PBC-010 - access review.xlsx" in PdfReader(out).attachments


def test_hidden_rows_and_columns_stay_hidden_and_row_numbers_and_letters_are_kept(tmp_path: Path) -> None:
    def fill(book: Workbook) -> None:
        sheet = book.active
        assert sheet is not None
        sheet["A1"], sheet["C1"], sheet["E1"] = "Control", "Secret", "Result"
        sheet["A3"], sheet["C3"], sheet["E3"] = "CC6.1", "hunter2", "Pass"
        sheet["A4"] = "removed row"
        sheet.row_dimensions[4].hidden = True
        sheet.column_dimensions["C"].hidden = True

    req = _request("PBC-011", "Access", package_evidence("controls.xlsx", _xlsx(fill), XLSX_MEDIA))
    out = tmp_path / "p.pdf"
    write_pdf_package(_package(req), out)

    text = _evidence_text(PdfReader(out), "1. controls.xlsx", None)
    assert "A E" in text and "1 Control Result" in text and "3 CC6.1 Pass" in text
    assert "hunter2" not in text and "removed row" not in text and "Truncated" not in text


def test_a_workbook_with_many_wide_sheets_is_capped_at_five_sheets_and_twelve_columns(tmp_path: Path) -> None:
    def fill(book: Workbook) -> None:
        for n in range(7):
            sheet = book.active if n == 0 else book.create_sheet()
            assert sheet is not None
            sheet.title = f"Month {n + 1}"
            for col in range(1, 21):
                sheet.cell(row=1, column=col, value=f"m{n + 1}c{col}")

    req = _request("PBC-012", "Ops", package_evidence("months.xlsx", _xlsx(fill), XLSX_MEDIA))
    out = tmp_path / "p.pdf"
    write_pdf_package(_package(req), out)

    text = _evidence_text(PdfReader(out), "1. months.xlsx", None)
    assert "the first 5 of 7 sheets are shown" in text
    assert "Sheet 5 of 7: Month 5" in text and "Month 6" not in text
    assert "m1c12" in text and "m1c13" not in text
    assert text.count("Truncated: showing 12 of 20 columns; the full file is attached.") == 5


def test_legacy_xls_evidence_is_drawn_as_a_table(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("Tickets")
    sheet.write(0, 0, "Ticket")
    sheet.write(0, 1, "Approved")
    sheet.write(1, 0, "CHG-1042")
    sheet.write(1, 1, dt.date(2025, 2, 3), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    buf = io.BytesIO()
    book.save(buf)
    req = _request(
        "PBC-013", "Change", package_evidence("tickets.xls", buf.getvalue(), "application/vnd.ms-excel")
    )
    out = tmp_path / "p.pdf"
    write_pdf_package(_package(req), out)

    text = _evidence_text(PdfReader(out), "1. tickets.xls", None)
    assert "Sheet 1 of 1: Tickets" in text and "2 CHG-1042 2025-02-03" in text


def test_encrypted_damaged_and_bomb_spreadsheets_get_a_marked_page_and_the_export_succeeds(
    tmp_path: Path,
) -> None:
    plain = _xlsx(lambda book: None)
    locked = encrypted_xlsx(plain)
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain)) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr("xl/media/padding.bin", b"\x00" * (64 * 1024 * 1024))
    req = _request(
        "PBC-014",
        "S",
        package_evidence("locked.xlsx", locked, XLSX_MEDIA),
        package_evidence("cut.xlsx", plain[: len(plain) // 2], XLSX_MEDIA),
        package_evidence("bomb.xlsx", bomb.getvalue(), XLSX_MEDIA),
        package_evidence("fake.xls", b"just some text", "application/vnd.ms-excel"),
    )
    out = tmp_path / "p.pdf"
    result = write_pdf_package(_package(req), out)

    reader = PdfReader(out)
    locked_text = _evidence_text(reader, "1. locked.xlsx", "2. cut.xlsx")
    assert "This file could not be shown: the workbook is password-protected (encrypted)" in locked_text
    assert "This file could not be shown: the file is damaged" in _evidence_text(
        reader, "2. cut.xlsx", "3. bomb.xlsx"
    )
    assert "zip bombs" in _evidence_text(reader, "3. bomb.xlsx", "4. fake.xls")
    assert "its contents are not an Excel workbook" in _evidence_text(reader, "4. fake.xls", None)
    assert len(result.problems) == 4
    assert len(reader.attachments) == 5


def test_a_sheet_whose_xml_is_hostile_becomes_a_note_and_the_other_sheets_are_still_shown(
    tmp_path: Path,
) -> None:
    def fill(book: Workbook) -> None:
        first = book.active
        assert first is not None
        first.title = "Broken"
        first["A1"] = 1
        book.create_sheet("Fine")["A1"] = "still here"

    data = _xlsx(fill)
    out_zip = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out_zip, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"<v>1</v>", b"<v>not a number</v>")
            dst.writestr(info, body)
    req = _request("PBC-015", "S", package_evidence("odd.xlsx", out_zip.getvalue(), XLSX_MEDIA))
    out = tmp_path / "p.pdf"
    result = write_pdf_package(_package(req), out)

    text = _evidence_text(PdfReader(out), "1. odd.xlsx", None)
    assert "sheet 'Broken' could not be shown: the workbook could not be read (ValueError" in text
    assert "Sheet 2 of 2: Fine" in text and "still here" in text
    assert len(result.problems) == 1


def test_spreadsheet_numbers_keep_their_format_and_booleans_and_errors_read_as_in_excel(
    tmp_path: Path,
) -> None:
    def fill(book: Workbook) -> None:
        sheet = book.active
        assert sheet is not None
        sheet.append(["Ref", "Share", "Count", "Flag", "Check", "Due"])
        sheet.append(["3.10", 0.125, 7, False, "#DIV/0!", dt.date(2025, 3, 1)])
        sheet["B2"].number_format = "0.0%"
        sheet["C2"].number_format = "000"

    req = _request("PBC-016", "S", package_evidence("formats.xlsx", _xlsx(fill), "application/octet-stream"))
    out = tmp_path / "p.pdf"
    write_pdf_package(_package(req), out)

    text = _evidence_text(PdfReader(out), "1. formats.xlsx", None)
    assert "2 3.10 12.5% 007 FALSE #DIV/0! 2025-03-01" in text


def _provenance(ev: PackageEvidence, source: str, shows: str) -> PackageEvidence:
    return dataclasses.replace(ev, source_system=source, shows=shows)


def test_provenance_typed_by_the_user_is_on_the_request_page_and_on_the_evidences_own_page(
    tmp_path: Path,
) -> None:
    shot = _provenance(
        package_evidence("okta-mfa.png", png_bytes(1280, 720, BLUE), "image/png"),
        "Okta admin console",
        "MFA enforced for all 212 active users",
    )
    report = _provenance(
        package_evidence("iam-report.pdf", _pdf(2), "application/pdf"),
        "AWS IAM credential report",
        "Keys rotated",
    )
    log = _provenance(
        package_evidence("backup.txt", b"restore ok\n", "text/plain"), "AWS Backup", "Restore test passed"
    )
    out = tmp_path / "provenance.pdf"
    write_pdf_package(_package(_request("PBC-050", "Access", shot, report, log)), out)
    reader = PdfReader(out)
    pages = {title: page for _, title, page in _outline(reader)}

    def text_of(page: int) -> str:
        return " ".join(reader.pages[page - 1].extract_text().split())

    request_page = text_of(pages["PBC-050 — Title of PBC-050"])
    for words in (
        "Source system: Okta admin console",
        "Shows: MFA enforced for all 212 active users",
        "Source system: AWS IAM credential report",
        "Shows: Restore test passed",
    ):
        assert words in request_page, words
    assert "Source system: Okta admin console · Shows: MFA enforced for all 212 active users" in text_of(
        pages["1. okta-mfa.png"]
    )
    first = pages["2. iam-report.pdf"]
    assert "Source system: AWS IAM credential report · Shows: Keys rotated" in text_of(first)
    assert "source page 1" in text_of(first)
    assert "Source system" not in text_of(first + 1)
    assert "Source system AWS Backup" in text_of(pages["3. backup.txt"])
    assert "Shows Restore test passed" in text_of(pages["3. backup.txt"])


def test_evidence_flags_print_as_words_not_as_stored_values(tmp_path: Path) -> None:
    ev = dataclasses.replace(
        package_evidence("old-policy.txt", b"policy\n", "text/plain"), flags=("outside_period", "stale")
    )
    out = tmp_path / "flags.pdf"
    write_pdf_package(_package(_request("PBC-001", "Access", ev)), out)
    text = " ".join("".join(p.extract_text() for p in PdfReader(out).pages).split())
    assert "Flags dated outside the audit period, older than the freshness window" in text
    assert "outside_period" not in text


def test_a_contents_title_never_runs_into_its_page_number(tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    words = (
        "Provide evidence that all production database changes were approved tested and deployed through "
        "the change pipeline with segregation of duties between authors and approvers during the period"
    )
    # Titles one character longer each, so that some wrapped line ends right where a page number goes.
    requests = [_request(f"PBC-{n:03d}", "Change", title=words[: 60 + n]) for n in range(100)]
    out = tmp_path / "contents.pdf"
    write_pdf_package(_package(*requests), out)
    pages = {title: n for _, title, n in _outline(PdfReader(out))}
    first, last = pages["Contents"], pages["Change"] - 1
    boxes = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(first), "-l", str(last), str(out), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines: dict[tuple[int, int], list[tuple[float, float, float, str]]] = {}
    for page, words_on_page in enumerate(boxes.split("<page ")[1:]):
        for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            words_on_page,
        ):
            box = (float(x0), float(x1), float(y1) - float(y0), word)
            lines.setdefault((page, round(float(y1))), []).append(box)
    numbers = []
    for line in lines.values():
        line.sort()
        number = line[-1]
        text = [w for w in line[:-1] if w[3].strip(".")]
        if not number[3].isdigit() or not text or any(w[3] in ("Package", "Page") for w in line):
            continue  # the footer, or a title's first line (its number is on its last)
        numbers.append(number)
        # A dot leader's worth of room between the title and its number.
        assert max(w[1] for w in text) + 4 < number[0], [w[3] for w in line]
    assert len(numbers) == 103  # summary, section, 100 requests, appendix
    # Every number at the right margin, none shrunk to squeeze in beside a long title.
    assert max(n[1] for n in numbers) - min(n[1] for n in numbers) < 0.5
    assert {round(n[2], 1) for n in numbers} <= {8.5, 9.5}  # the contents styles' own sizes


def test_a_share_that_is_not_none_never_reads_zero_percent(tmp_path: Path) -> None:
    from workbook.formats.package.pages import share_text

    assert [share_text(*n) for n in ((1, 112), (1, 250), (0, 250), (249, 250), (250, 250), (0, 0))] == [
        "1%",
        "<1%",
        "0%",
        ">99%",
        "100%",
        "—",
    ]
    requests = [_request(f"PBC-{n:03d}", "Access", status=Status.OPEN) for n in range(201)]
    requests[0] = _request("PBC-000", "Access", status=Status.FOLLOW_UP)
    out = tmp_path / "shares.pdf"
    write_pdf_package(_package(*requests), out)
    summary = PdfReader(out).pages[1].extract_text()
    assert "Follow-up 1 <1%" in " ".join(summary.split())
    assert "0 of 201 requests ready (0%)" in summary
