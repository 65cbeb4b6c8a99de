"""What makes a file a workbook this version can open, checked with the standard library alone."""

from __future__ import annotations

import os
import sqlite3
import stat
import struct
from dataclasses import dataclass
from pathlib import Path

from workbook.errors import StorageError, UserError, WorkbookDamaged
from workbook.storage import cipher, safety
from workbook.storage.safety import connect, stopped_by_budget

# PRAGMA application_id: marks a SQLite file as a workbook ("AWB1").
APPLICATION_ID = 0x41574231
# The Alembic head this code writes; tests check it matches the migrations folder.
SCHEMA_HEAD = "0002_cycles"
KNOWN_REVISIONS = ("0001_initial", "0002_cycles")
SUFFIX = ".auditwb"
VERSION_TABLE = "alembic_version"
REPAIR_HINT = "make a clean copy with `audit-workbook repair FILE OUT` (see docs/recovery.md)"
# SQLite's primary result codes this module words itself (https://www.sqlite.org/rescode.html).
_BUSY, _LOCKED, _CANTOPEN, _NOTADB = 5, 6, 14, 26


@dataclass(frozen=True)
class SchemaObject:
    """One row of the file's sqlite_master: what SQLite would build from it, never run here."""

    type: str
    name: str
    table: str
    sql: str | None

    @property
    def is_plain_table(self) -> bool:
        """A table SQLite stores itself: reading it runs nothing (views and virtual tables run code)."""
        return self.type == "table" and not (self.sql or "").lstrip().upper().startswith("CREATE VIRTUAL")


@dataclass(frozen=True)
class FileFacts:
    """What the file says about itself, read inside one read transaction (under SQLite's shared lock)."""

    revision: str | None
    objects: tuple[SchemaObject, ...]
    schema_version: int

    def foreign_objects(self) -> tuple[SchemaObject, ...]:
        """Triggers, views and virtual tables: this version never makes any, and they run code."""
        return tuple(o for o in self.objects if not (o.type == "index" or o.is_plain_table))


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


def not_readable(where: str) -> StorageError:
    return StorageError(
        "you may not read this file", where=where, hint="ask its owner for access, or check its permissions"
    )


def inspect_workbook_file(path: Path) -> FileFacts:
    """Refuse anything that is not an intact workbook file; return its revision and schema, running nothing.

    The file is only ever opened through SQLite: on POSIX, closing any other descriptor of a database file
    drops the locks SQLite holds on it in this process. Nothing but sqlite_master, the header pragmas and
    (when it is a plain table) alembic_version is read, so no view, trigger or virtual table can run here.
    """
    where = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UserError("no such file", where=where, hint="check the path") from None
    except PermissionError:
        raise not_readable(where) from None
    except OSError as error:
        raise UserError(f"cannot read the file ({error.strerror})", where=where) from error
    if not stat.S_ISREG(info.st_mode):
        raise UserError("not a file", where=where, hint="give the path of a .auditwb file")
    if not os.access(path, os.R_OK):
        raise not_readable(where)
    if info.st_size == 0:
        raise UserError("the file is empty, not a workbook", where=where)
    journal = path.with_name(path.name + "-journal")
    try:
        con = connect(f"{path.resolve().as_uri()}?mode=ro")
        try:
            return _read_facts(con, path)
        finally:
            con.close()
    except safety.DatabaseError as error:
        raise _refusal(error, path, journal) from error
    except UnicodeDecodeError as error:
        # SQLite's message quotes the damaged schema text, which the driver cannot decode (a flipped byte).
        raise UserError(
            "the workbook is damaged (its schema is not readable text)",
            where=where,
            hint="restore a backup copy",
        ) from error


def _read_facts(con: sqlite3.Connection, path: Path) -> FileFacts:
    where = str(path)
    (app_id,) = con.execute("PRAGMA application_id").fetchone()
    if app_id != APPLICATION_ID:
        raise UserError("an SQLite database, but not an Audit Workbook file", where=where)
    con.execute("BEGIN")
    try:
        # The first read takes SQLite's shared lock: no writer can change the file until the COMMIT below,
        # so the size compared with the page count is never one taken while another process writes.
        objects = tuple(
            SchemaObject(str(t), str(n), str(tbl), None if sql is None else str(sql))
            for t, n, tbl, sql in con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
        )
        (page_size,) = con.execute("PRAGMA page_size").fetchone()
        (page_count,) = con.execute("PRAGMA page_count").fetchone()
        (schema_version,) = con.execute("PRAGMA schema_version").fetchone()
        size = path.stat().st_size
        # SQLCipher answers `PRAGMA page_size` as text: both drivers' answers read as numbers.
        page_size, page_count = int(page_size), int(page_count)
        if size < page_size * page_count:
            raise UserError(
                f"the file is truncated ({size:,} of {page_size * page_count:,} bytes)",
                where=where,
                hint="restore it from a backup copy",
            )
        version = next((o for o in objects if o.name.lower() == VERSION_TABLE), None)
        revision: str | None = None
        if version is not None and version.is_plain_table:
            row = con.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()  # noqa: S608 - constant
            revision = str(row[0]) if row else ""
    finally:
        con.execute("COMMIT")
    return FileFacts(revision, objects, int(schema_version))


def _refusal(error: sqlite3.DatabaseError, path: Path, journal: Path) -> Exception:
    """SQLite refused the file (or its first pages): say why in words."""
    where = str(path)
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(error)
    if stopped_by_budget(error):
        return WorkbookDamaged(
            "the workbook's schema could not be read within the step budget", where=where, hint=REPAIR_HINT
        )
    if primary in (_BUSY, _LOCKED):
        return StorageError("another program is writing to the workbook", where=where, hint="try again")
    if (primary == _NOTADB or "file is encrypted" in text) and cipher.is_keyed(path):
        return cipher.wrong_passphrase(path)
    if (primary == _NOTADB or "file is encrypted" in text) and cipher.looks_encrypted(path):
        return cipher.passphrase_needed(path)
    if primary == _NOTADB or "file is encrypted" in text:
        return UserError(
            "not an Audit Workbook file", where=where, hint="open a .auditwb file made by Audit Workbook"
        )
    if journal.exists() and ("readonly" in text or "unable to open" in text):
        return InterruptedWrite("a write to this workbook was interrupted", where=where)
    if primary == _CANTOPEN and not os.access(path, os.R_OK):
        return not_readable(where)
    expected = _size_in_header(path)
    try:
        size = path.stat().st_size
    except OSError:
        size = expected
    if expected > size:
        return UserError(
            f"the file is truncated ({size:,} of {expected:,} bytes)",
            where=where,
            hint="restore it from a backup copy",
        )
    return UserError(f"the workbook is damaged ({text})", where=where, hint="restore a backup copy")


def check_revision(revision: str | None, where: str) -> str:
    """The file's schema revision if this version knows it; a newer file is refused."""
    if revision is None:
        raise WorkbookDamaged(f"its {VERSION_TABLE} is not a plain table", where=where, hint=REPAIR_HINT)
    if revision not in KNOWN_REVISIONS:
        raise UserError(
            f"made by a newer version of Audit Workbook (schema {revision or 'unknown'})",
            where=where,
            hint="update Audit Workbook to open it",
        )
    return revision


def check_workbook_file(path: Path) -> str:
    """Refuse anything that is not an intact workbook this version can open; return its schema revision."""
    facts = inspect_workbook_file(path)
    return check_revision(facts.revision, str(path))
