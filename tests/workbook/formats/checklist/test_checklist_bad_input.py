"""Every bad checklist of issue 3 through the CLI: exit 2, one line naming the file, workbook untouched."""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.files import encrypted_xlsx, haunt_sheet, rewrite_member, write_docx_renamed, write_xlsx

from workbook.cli import main

SHEET = "xl/worksheets/sheet1.xml"
HEADER = ["Request ID", "Request", "Owner"]


def good_xlsx(path: Path, rows: list[list[str]] | None = None) -> Path:
    return write_xlsx(
        path, {"PBC": rows if rows is not None else [HEADER, ["PBC-1", "Access review", "Ann"]]}
    )


def build_empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def build_header_only(path: Path) -> Path:
    return good_xlsx(path, [HEADER])


def build_truncated(path: Path) -> Path:
    data = good_xlsx(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def build_encrypted(path: Path) -> Path:
    """A really encrypted xlsx (msoffcrypto-tool, test-only); without it, the OLE shell Excel writes."""
    path.write_bytes(encrypted_xlsx(good_xlsx(path.with_name("plain-" + path.name)).read_bytes()))
    return path


def build_entity_bomb(path: Path) -> Path:
    good_xlsx(path)
    entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "lol" * 10}">' for i in range(10))
    doctype = f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'

    def poison(xml: bytes) -> bytes:
        text = xml.decode("utf-8")
        body = text[text.index("<worksheet") :]
        return (doctype + body.replace(">Access review<", ">&lol9;<")).encode("utf-8")

    rewrite_member(path, SHEET, poison)
    return path


def build_zip_bomb(path: Path, expanded: int = 64 << 20) -> Path:
    """The sheet part is ~100 bytes of bzip2 (zip method 12, which zipfile reads) expanding to `expanded`."""
    good_xlsx(path)

    def pad(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", b" " * expanded + b"</sheetData>")

    if expanded <= 256 << 20:
        rewrite_member(path, SHEET, pad, zipfile.ZIP_BZIP2)
        return path
    # GB-sized: stream the padding through zipfile so it never sits in memory.
    copy = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename != SHEET:
                zout.writestr(info.filename, data)
                continue
            head, _, tail = data.partition(b"</sheetData>")
            target = zipfile.ZipInfo(SHEET, info.date_time)
            target.compress_type = zipfile.ZIP_BZIP2
            with zout.open(target, "w", force_zip64=True) as fh:
                fh.write(head)
                block = b" " * (1 << 20)
                for _ in range(expanded >> 20):
                    fh.write(block)
                fh.write(b"</sheetData>" + tail)
    copy.replace(path)
    return path


def build_ghost_sheet(path: Path, with_request: bool = False) -> Path:
    """A header, then rows up to 1,048,576, all empty but formatted, and no `<dimension>` tag to say so."""
    rows = [HEADER, ["PBC-1", "Access review", "Ann"]] if with_request else [HEADER]
    good_xlsx(path, rows)
    haunt_sheet(path, len(rows) + 1)
    return path


def build_binary_csv(path: Path) -> Path:
    path.write_bytes(random.Random(7).randbytes(20_000))
    return path


def build_too_wide(path: Path) -> Path:
    good_xlsx(path)

    def widen(xml: bytes) -> bytes:
        cell = b'<c r="XFE2" t="inlineStr"><is><t>y</t></is></c></row></sheetData>'
        return xml.replace(b"</row></sheetData>", cell)

    rewrite_member(path, SHEET, widen)
    return path


# name → (file name, builder, the message's start, where it points)
BAD_INPUTS: dict[str, tuple[str, Callable[[Path], Path], str, str]] = {
    "empty_file": ("empty.xlsx", build_empty, "The file is empty (0 bytes).", "empty.xlsx"),
    "header_only": (
        "header-only.xlsx",
        build_header_only,
        "No requests were found below the header row (row 1).",
        "header-only.xlsx, sheet 'PBC'",
    ),
    "docx_renamed_xlsx": (
        "memo.xlsx",
        write_docx_renamed,
        "This is a Word document, not a spreadsheet",
        "memo.xlsx",
    ),
    "truncated_xlsx": ("truncated.xlsx", build_truncated, "The file is damaged", "truncated.xlsx"),
    "encrypted_xlsx": (
        "locked.xlsx",
        build_encrypted,
        "The workbook is password-protected (encrypted)",
        "locked.xlsx",
    ),
    "xml_entity_bomb": (
        "laughs.xlsx",
        build_entity_bomb,
        "The workbook contains unsafe XML",
        "laughs.xlsx, sheet 'PBC'",
    ),
    "zip_bomb": (
        "bomb.xlsx",
        build_zip_bomb,
        f"The workbook part {SHEET} expands",
        "bomb.xlsx",
    ),
    "ghost_sheet_1048576_rows": (
        "ghost.xlsx",
        build_ghost_sheet,
        "No requests were found",
        "ghost.xlsx, sheet 'PBC'",
    ),
    "csv_of_binary_garbage": ("garbage.csv", build_binary_csv, "The file is not text", "garbage.csv"),
    "sheet_wider_than_16384_columns": (
        "wide.xlsx",
        build_too_wide,
        "The sheet is 16,385 columns wide",
        "wide.xlsx, sheet 'PBC', row 2",
    ),
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def workbook_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    target = tmp_path / "client.auditwb"
    assert main(["new", str(target), "--client", "Acme"]) == 0
    capsys.readouterr()
    return target


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_checklist_exits_2_with_one_line_naming_the_file_and_leaves_the_workbook_alone(
    name: str, tmp_path: Path, workbook_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file_name, build, message, where = BAD_INPUTS[name]
    bad = build(tmp_path / file_name)
    before = sha256(workbook_file)
    code = main(["import", str(workbook_file), str(bad)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith(f"audit-workbook: {where}: {message}")
    assert "Traceback" not in err
    assert sha256(workbook_file) == before


def test_ghost_sheet_with_one_request_imports_that_request(
    tmp_path: Path, workbook_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = build_ghost_sheet(tmp_path / "ghost.xlsx", with_request=True)
    assert main(["import", str(workbook_file), str(bad), "--json"]) == 0
    out, _err = capsys.readouterr()
    assert '"items": 1' in out


def test_zip_bomb_sheet_is_a_few_hundred_bytes_packed(tmp_path: Path) -> None:
    bomb = build_zip_bomb(tmp_path / "bomb.xlsx")
    with zipfile.ZipFile(bomb) as zf:
        info = zf.getinfo(SHEET)
    assert info.compress_size < 1024
    assert info.file_size > 64 << 20


def test_bad_input_in_a_real_process_prints_no_traceback(tmp_path: Path, workbook_file: Path) -> None:
    bad = build_entity_bomb(tmp_path / "laughs.xlsx")
    done = subprocess.run(
        [sys.executable, "-m", "workbook.cli", "import", str(workbook_file), str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(
        "audit-workbook: laughs.xlsx, sheet 'PBC': The workbook contains unsafe XML"
    )
    assert done.stderr.count("\n") == 1
