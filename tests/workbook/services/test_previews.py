"""Previews: thumbnails of images and PDFs, searchable text, and images that must not be decoded."""

from __future__ import annotations

import io
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from helpers.files import pdf_bytes, png_bytes
from PIL import Image

from workbook.formats import evidence_preview
from workbook.services import previews
from workbook.services.evidence import EvidenceService
from workbook.services.workbook import Workbook


def png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims an enormous image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def thumbnail_size(workbook: Workbook, sha: str) -> tuple[int, int]:
    data = workbook.evidence.thumbnail(sha)
    assert data is not None
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return image.size


def attach(workbook: Workbook, tmp_path: Path, name: str, data: bytes, ref: str = "PBC-001") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return workbook.evidence.attach_one(ref, path).evidence.sha256


def test_png_thumbnail_exists_and_keeps_the_aspect_ratio(workbook: Workbook, tmp_path: Path) -> None:
    sha = attach(workbook, tmp_path, "screen.png", png_bytes(800, 400))
    assert thumbnail_size(workbook, sha) == (256, 128)


def test_a_small_image_is_not_enlarged(workbook: Workbook, tmp_path: Path) -> None:
    sha = attach(workbook, tmp_path, "icon.png", png_bytes(40, 30))
    assert thumbnail_size(workbook, sha) == (40, 30)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_pdf_thumbnail_is_the_first_page_rendered(workbook: Workbook, tmp_path: Path) -> None:
    sha = attach(workbook, tmp_path, "policy.pdf", pdf_bytes([["Access Control Policy"]]))
    assert thumbnail_size(workbook, sha) == (198, 256)
    data = workbook.evidence.thumbnail(sha)
    assert data is not None
    with Image.open(io.BytesIO(data)) as image:
        colors = image.convert("L").getcolors(maxcolors=256 * 256)
    # A rendered page with text has more than the two grey levels of the placeholder.
    assert colors is not None
    assert len(colors) > 2


def test_pdf_thumbnail_is_a_placeholder_without_pdftoppm(
    workbook: Workbook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evidence_preview.shutil, "which", lambda _name: None)
    sha = attach(workbook, tmp_path, "policy.pdf", pdf_bytes([["Access Control Policy"]]))
    assert thumbnail_size(workbook, sha) == (198, 256)


def test_csv_txt_and_pdf_text_is_extracted_for_search(workbook: Workbook, tmp_path: Path) -> None:
    csv_sha = attach(workbook, tmp_path, "users.csv", b"user,role\nzelda@acme.test,admin\n")
    txt_sha = attach(workbook, tmp_path, "notes.txt", "Quarterly review — signed off".encode(), ref="PBC-002")
    pdf_sha = attach(
        workbook, tmp_path, "policy.pdf", pdf_bytes([["Encryption at rest uses AES-256"]]), ref="PBC-003"
    )
    assert "zelda@acme.test" in workbook.evidence.text_content(csv_sha)
    assert workbook.evidence.text_content(txt_sha) == "Quarterly review — signed off"
    assert "Encryption at rest uses AES-256" in workbook.evidence.text_content(pdf_sha)
    with workbook.db.read() as session:
        by_request = previews.evidence_text_by_request(session)
    ids = {r.ref: r.id for r in workbook.requests.list()}
    assert "zelda@acme.test" in by_request[ids["PBC-001"]]
    assert "AES-256" in by_request[ids["PBC-003"]]
    assert ids["PBC-004"] not in by_request


def test_a_decompression_bomb_keeps_the_evidence_without_a_preview(
    workbook: Workbook, tmp_path: Path
) -> None:
    sha = attach(workbook, tmp_path, "bomb.png", png_bomb(100_000, 100_000))
    assert workbook.evidence.thumbnail(sha) is None
    assert [link.evidence.sha256 for link in workbook.evidence.for_request("PBC-001")] == [sha]
    assert workbook.verify().ok


def test_a_truncated_image_keeps_the_evidence_without_a_preview(workbook: Workbook, tmp_path: Path) -> None:
    sha = attach(workbook, tmp_path, "cut.png", png_bytes(300, 300, "green")[:120])
    assert workbook.evidence.thumbnail(sha) is None
    assert workbook.evidence.get(sha).size == 120


def test_an_encrypted_pdf_gets_a_placeholder_and_no_text(workbook: Workbook, tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes([["secret words"]]))))
    writer.encrypt("owner-and-user-password")
    out = io.BytesIO()
    writer.write(out)
    sha = attach(workbook, tmp_path, "locked.pdf", out.getvalue())
    assert workbook.evidence.text_content(sha) == ""
    assert thumbnail_size(workbook, sha) == (198, 256)


def test_missing_previews_are_built_later_in_one_pass(workbook: Workbook, tmp_path: Path) -> None:
    later = EvidenceService(workbook.db, workbook.actor, build_previews=False)
    path = tmp_path / "screen.png"
    path.write_bytes(png_bytes(512, 1024))
    sha = later.attach_one("PBC-001", path).evidence.sha256
    assert workbook.evidence.thumbnail(sha) is None
    seen: list[tuple[int, int]] = []
    assert previews.build_missing_previews(workbook.db, progress=lambda d, t: seen.append((d, t))) == 1
    assert thumbnail_size(workbook, sha) == (128, 256)
    assert seen == [(1, 1)]
    assert previews.build_missing_previews(workbook.db) == 0
