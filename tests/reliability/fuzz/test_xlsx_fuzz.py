"""A short fuzz run of the xlsx reader: mutated workbooks (bytes of the zip, bytes of a sheet's XML) are read
whole or refused in words (a `WorkbookError`), never a traceback, and each within a bounded time.

The default run tries 60 cases of each kind (`reliability_fast`); `-m reliability` tries 600.
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbook.errors import WorkbookError
from workbook.formats.sheets.grid import open_source
from workbook.formats.sheets.preflight import preflight

# Far above what any case needs here (reading the seed takes well under 0.1 s): a hang would stop the run.
CASE_SECONDS = 5.0


def _seed() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "PBC"
    sheet.append(["Acme — request list"])
    sheet.append(["Ref", "Request", "Owner", "Due", "Status"])
    for n in range(1, 30):
        sheet.append(
            [f"PBC-{n:03d}", f"Provide evidence {n} — café", "Dana", f"2026-0{n % 9 + 1}-15", "Open"]
        )
    sheet.merge_cells("A1:E1")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SEED = _seed()
SHEET = "xl/worksheets/sheet1.xml"


def _read_all(path: Path) -> None:
    started = time.monotonic()
    try:
        with open_source(preflight(path)) as source:
            for entry in source.sheets():
                source.read(entry.name)
    except WorkbookError as error:
        assert error.message.strip(), "a refusal says why"
    assert time.monotonic() - started < CASE_SECONDS


def _with_sheet(xml: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(SEED)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, xml if info.filename == SHEET else src.read(info.filename))
    return out.getvalue()


flips = st.lists(
    st.tuples(st.integers(min_value=0, max_value=len(SEED) - 1), st.integers(min_value=1, max_value=255)),
    min_size=1,
    max_size=8,
)
SHEET_XML = zipfile.ZipFile(io.BytesIO(SEED)).read(SHEET)
xml_edits = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=len(SHEET_XML) - 1),
        st.sampled_from(
            [b"<", b">", b"&", b'"', b"\x00", b"\xff", b"<c r='ZZZZ99999999'>", b"</row>", b"9" * 40]
        ),
    ),
    min_size=1,
    max_size=6,
)


def _flip(data: bytes, changes: list[tuple[int, int]]) -> bytes:
    mutated = bytearray(data)
    for offset, xor in changes:
        mutated[offset] ^= xor
    return bytes(mutated)


def _splice(xml: bytes, edits: list[tuple[int, bytes]]) -> bytes:
    for offset, piece in sorted(edits, reverse=True):
        xml = xml[:offset] + piece + xml[offset:]
    return xml


def _fuzz(examples: int):  # type: ignore[no-untyped-def]
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def test_the_unmutated_seed_reads(tmp_path: Path) -> None:
    path = tmp_path / "seed.xlsx"
    path.write_bytes(SEED)
    with open_source(preflight(path)) as source:
        grid = source.read("PBC")
    assert grid.rows[2][0] == "PBC-001"


@pytest.mark.reliability_fast
@_fuzz(60)
@given(changes=flips)
def test_flipped_bytes_of_the_zip_are_read_or_refused_in_words(
    tmp_path: Path, changes: list[tuple[int, int]]
) -> None:
    path = tmp_path / "flipped.xlsx"
    path.write_bytes(_flip(SEED, changes))
    _read_all(path)


@pytest.mark.reliability_fast
@_fuzz(60)
@given(edits=xml_edits)
def test_a_sheet_whose_xml_is_mangled_is_read_or_refused_in_words(
    tmp_path: Path, edits: list[tuple[int, bytes]]
) -> None:
    path = tmp_path / "mangled.xlsx"
    path.write_bytes(_with_sheet(_splice(SHEET_XML, edits)))
    _read_all(path)


@pytest.mark.reliability
@_fuzz(600)
@given(changes=flips, edits=xml_edits)
def test_the_long_fuzz_run(
    tmp_path: Path, changes: list[tuple[int, int]], edits: list[tuple[int, bytes]]
) -> None:
    path = tmp_path / "fuzzed.xlsx"
    path.write_bytes(_flip(SEED, changes))
    _read_all(path)
    path.write_bytes(_with_sheet(_splice(SHEET_XML, edits)))
    _read_all(path)
