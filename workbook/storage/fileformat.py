"""What makes a file a workbook this version can open, checked with the standard library alone."""

from __future__ import annotations

import sqlite3
import stat
import struct
from pathlib import Path

from workbook.errors import UserError

# PRAGMA application_id: marks a SQLite file as a workbook ("AWB1").
APPLICATION_ID = 0x41574231
# The Alembic head this code writes; tests check it matches the migrations folder.
SCHEMA_HEAD = "0001_initial"
KNOWN_REVISIONS = ("0001_initial",)
SUFFIX = ".auditwb"


def _size_in_header(path: Path) -> int:
    """The database size its header records (0 if unreadable); read only after SQLite has refused the file."""
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError:
        return 0
    if len(header) < 32:
        return 0
    (page_size,) = struct.unpack(">H", header[16:18])
    (page_count,) = struct.unpack(">I", header[28:32])
    return int(65536 if page_size == 1 else page_size) * int(page_count)


class InterruptedWrite(UserError):
    """A write was cut off (a hot journal is beside the file): a writer must roll it back before reading."""


def check_workbook_file(path: Path) -> str:
    """Refuse anything that is not an intact workbook this version can open; return its schema revision.

    The file is only ever opened through SQLite: on POSIX, closing any other descriptor of a database file
    drops the locks SQLite holds on it in this process.
    """
    where = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UserError("no such file", where=where, hint="check the path") from None
    except OSError as error:
        raise UserError(f"cannot read the file ({error.strerror})", where=where) from error
    if not stat.S_ISREG(info.st_mode):
        raise UserError("not a file", where=where, hint="give the path of a .auditwb file")
    if info.st_size == 0:
        raise UserError("the file is empty, not a workbook", where=where)
    journal = path.with_name(path.name + "-journal")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            (app_id,) = con.execute("PRAGMA application_id").fetchone()
            if app_id != APPLICATION_ID:
                raise UserError("an SQLite database, but not an Audit Workbook file", where=where)
            (page_size,) = con.execute("PRAGMA page_size").fetchone()
            (page_count,) = con.execute("PRAGMA page_count").fetchone()
            if info.st_size < page_size * page_count:
                raise UserError(
                    f"the file is truncated ({info.st_size:,} of {page_size * page_count:,} bytes)",
                    where=where,
                    hint="restore it from a backup copy",
                )
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as error:
        text = str(error)
        if "not a database" in text or "file is encrypted" in text:
            raise UserError(
                "not an Audit Workbook file", where=where, hint="open a .auditwb file made by Audit Workbook"
            ) from error
        if journal.exists() and ("readonly" in text or "unable to open" in text):
            raise InterruptedWrite("a write to this workbook was interrupted", where=where) from error
        expected = _size_in_header(path)
        if expected > info.st_size:
            raise UserError(
                f"the file is truncated ({info.st_size:,} of {expected:,} bytes)",
                where=where,
                hint="restore it from a backup copy",
            ) from error
        raise UserError(
            f"the workbook is damaged ({text})", where=where, hint="restore a backup copy"
        ) from error
    revision = str(row[0]) if row else ""
    if revision not in KNOWN_REVISIONS:
        raise UserError(
            f"made by a newer version of Audit Workbook (schema {revision or 'unknown'})",
            where=where,
            hint="update Audit Workbook to open it",
        )
    return revision
