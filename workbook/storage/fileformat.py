"""What makes a file a workbook this version can open, checked with the standard library alone."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

from workbook.errors import UserError

SQLITE_MAGIC = b"SQLite format 3\x00"
# PRAGMA application_id: marks a SQLite file as a workbook ("AWB1").
APPLICATION_ID = 0x41574231
# The Alembic head this code writes; tests check it matches the migrations folder.
SCHEMA_HEAD = "0001_initial"
KNOWN_REVISIONS = ("0001_initial",)
SUFFIX = ".auditwb"


def check_workbook_file(path: Path) -> str:
    """Refuse anything that is not an intact workbook this version can open; return its schema revision."""
    where = str(path)
    if not path.exists():
        raise UserError("no such file", where=where, hint="check the path")
    if not path.is_file():
        raise UserError("not a file", where=where, hint="give the path of a .auditwb file")
    size = path.stat().st_size
    if size == 0:
        raise UserError("the file is empty, not a workbook", where=where)
    with path.open("rb") as handle:
        header = handle.read(100)
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise UserError(
            "not an Audit Workbook file", where=where, hint="open a .auditwb file made by Audit Workbook"
        )
    (app_id,) = struct.unpack(">I", header[68:72])
    if app_id != APPLICATION_ID:
        raise UserError("an SQLite database, but not an Audit Workbook file", where=where)
    page_size = struct.unpack(">H", header[16:18])[0] or 65536
    page_size = 65536 if page_size == 1 else page_size
    (page_count,) = struct.unpack(">I", header[28:32])
    journal = path.with_name(path.name + "-journal")
    if size < page_size * page_count and not journal.exists():
        raise UserError(
            f"the file is truncated ({size:,} of {page_size * page_count:,} bytes)",
            where=where,
            hint="restore it from a backup copy",
        )
    if journal.exists():
        return "?"  # a hot journal: the writer that opens it next rolls it back before anything is read
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as error:
        raise UserError(
            f"the workbook is damaged ({error})", where=where, hint="restore a backup copy"
        ) from error
    revision = str(row[0]) if row else ""
    if revision not in KNOWN_REVISIONS:
        raise UserError(
            f"made by a newer version of Audit Workbook (schema {revision or 'unknown'})",
            where=where,
            hint="update Audit Workbook to open it",
        )
    return revision
