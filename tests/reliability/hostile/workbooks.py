"""Hostile workbook files given to `items`, `verify` and `log`: odd bytes, wrong databases, damaged pages."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from hostile.case import Case
from hostile.kit import noise

BASE = "client.auditwb"  # the real workbook run_case copies into the folder before building


def _from_base(name: str, change: Callable[[Path], None]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        shutil.copyfile(folder / BASE, path)
        change(path)
        return path

    return build


def _bytes(name: str, data: Callable[[Path], bytes]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data(folder))
        return path

    return build


def _special(name: str, make: Callable[[Path], None]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        make(path)
        return path

    return build


def _sql(statements: str) -> Callable[[Path], None]:
    def change(path: Path) -> None:
        connection = sqlite3.connect(path)
        try:
            connection.executescript(statements)
            connection.commit()
        finally:
            connection.close()

    return change


def _head(size: int | float) -> Callable[[Path], bytes]:
    def data(folder: Path) -> bytes:
        whole = (folder / BASE).read_bytes()
        return whole[: int(len(whole) * size) if isinstance(size, float) else size]

    return data


def _patched(offset: int, value: bytes) -> Callable[[Path], None]:
    def change(path: Path) -> None:
        data = bytearray(path.read_bytes())
        data[offset : offset + len(value)] = value
        path.write_bytes(bytes(data))

    return change


def _scrambled_pages(path: Path) -> None:
    """Every other page past the first two overwritten with noise: the b-trees no longer hold."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    junk = noise(page, alphabet=bytes(range(256)), rare=0.99)
    for number in range(2, len(data) // page, 2):
        data[number * page : (number + 1) * page] = junk
    path.write_bytes(bytes(data))


def _other_database(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("create table notes (body text)")
    connection.commit()
    connection.close()


def workbook(
    name: str, command: str, build: Callable[[Path], Path], says: str = "", exit: int = 2, **kw: bool
) -> Case:
    return Case("workbook", f"{command}_{name}", build, command, exit=exit, says=says, **kw)


CASES: list[Case] = [
    workbook("empty_file", "items", _bytes("empty.auditwb", lambda f: b""), "empty"),
    workbook(
        "random_bytes",
        "items",
        _bytes("noise.auditwb", lambda f: noise(65_536, alphabet=bytes(range(256)), rare=0.99)),
        "not an Audit Workbook",
        fast=True,
    ),
    workbook(
        "text_file",
        "items",
        _bytes("notes.auditwb", lambda f: b"just some notes\n" * 100),
        "not an Audit Workbook",
    ),
    workbook(
        "zip_renamed",
        "items",
        _bytes("archive.auditwb", lambda f: b"PK\x03\x04" + bytes(200)),
        "not an Audit Workbook",
    ),
    workbook("truncated_half", "items", _bytes("half.auditwb", _head(0.5)), "truncated", fast=True),
    workbook("truncated_to_100_bytes", "items", _bytes("stub.auditwb", _head(100)), "truncated"),
    workbook(
        "another_sqlite_database",
        "items",
        _special("other.auditwb", _other_database),
        "not an Audit Workbook",
    ),
    workbook("a_folder", "items", _special("folder.auditwb", lambda p: p.mkdir()), "not a file"),
    workbook("fifo", "items", _special("pipe.auditwb", lambda p: os.mkfifo(p)), "not a file", fast=True),
    workbook(
        "symlink_to_dev_zero",
        "items",
        _special("zero.auditwb", lambda p: p.symlink_to("/dev/zero")),
        "not a file",
    ),
    workbook("missing", "items", lambda folder: folder / "gone.auditwb", "no such file"),
    workbook(
        "page_size_garbage",
        "items",
        _from_base("pagesize.auditwb", _patched(16, b"\x00\x03")),
        "not an Audit Workbook",
    ),
    workbook("scrambled_pages", "items", _from_base("scrambled.auditwb", _scrambled_pages), "damaged"),
    workbook(
        "newer_schema",
        "items",
        _from_base("newer.auditwb", _sql("update alembic_version set version_num = '9999_future'")),
        "newer version",
    ),
    workbook(
        "text_where_json_belongs",
        "items",
        _from_base("json.auditwb", _sql("update requests set extra = '{not json'")),
        "odd value",
    ),
    workbook(
        "text_where_a_number_belongs",
        "items",
        _from_base("number.auditwb", _sql("update requests set position = 'abc'")),
        "odd value",
    ),
    workbook(
        "unknown_status",
        "items",
        _from_base("status.auditwb", _sql("update requests set status = 'bogus'")),
        "odd value",
    ),
    workbook(
        "bytes_where_text_belongs",
        "items",
        _from_base("blob.auditwb", _sql("update requests set ref = x'00ff00' where id = 1")),
        "odd value",
    ),
    workbook(
        "random_bytes",
        "log",
        _bytes("noise.auditwb", lambda f: noise(65_536, alphabet=bytes(range(256)), rare=0.99)),
        "not an Audit Workbook",
    ),
    workbook("truncated_half", "log", _bytes("half.auditwb", _head(0.5)), "truncated"),
    workbook(
        "random_bytes",
        "verify",
        _bytes("noise.auditwb", lambda f: noise(65_536, alphabet=bytes(range(256)), rare=0.99)),
        "not an Audit Workbook",
    ),
    workbook("truncated_half", "verify", _bytes("half.auditwb", _head(0.5)), "truncated"),
    workbook("fifo", "verify", _special("pipe.auditwb", lambda p: os.mkfifo(p)), "not a file"),
    workbook(
        "newer_schema",
        "verify",
        _from_base("newer.auditwb", _sql("update alembic_version set version_num = '9999_future'")),
        "newer version",
    ),
    workbook("scrambled_pages", "verify", _from_base("scrambled.auditwb", _scrambled_pages), "damaged"),
    workbook(
        "activity_entry_forged",
        "verify",
        _from_base("forged.auditwb", _sql("update activity set after = 'forged' where id = 2")),
        "",
        exit=1,
    ),
    workbook(
        "trigger_planted",
        "verify",
        _from_base(
            "trigger.auditwb",
            _sql("create trigger t after update on requests begin delete from activity; end;"),
        ),
        "",
        exit=1,
    ),
    workbook(
        "view_planted",
        "verify",
        _from_base("view.auditwb", _sql("create view v as select * from requests")),
        "",
        exit=1,
    ),
]
