"""Open, lock, check and migrate a .auditwb file; hand out one session per unit of work."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from workbook.atomic import create_owner_only
from workbook.errors import ReadOnlyError, StorageError, UserError, WorkbookDamaged
from workbook.model import Actor
from workbook.storage import cipher, safety, schema_check, value_rules
from workbook.storage.fileformat import (
    APPLICATION_ID,
    REPAIR_HINT,
    SCHEMA_HEAD,
    InterruptedWrite,
    SchemaObject,
    check_revision,
    inspect_workbook_file,
)
from workbook.storage.locking import (
    FileLock,
    LockHolder,
    lock_path,
    lock_wait_seconds,
    say_waiting,
    take_lock,
)
from workbook.storage.safety import GuardedConnection, connect, reset_budget, stopped_by_budget
from workbook.storage.schema import Base

# Every row the ORM loads is checked against its columns' rules before any service sees it.
event.listen(Base, "load", value_rules.check_loaded, propagate=True, raw=True)

_PRAGMAS = (
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=FULL",
    "PRAGMA secure_delete=ON",
    "PRAGMA trusted_schema=OFF",
    "PRAGMA busy_timeout=10000",
    # A 64 MiB page cache (grown only as used) lets large evidence writes batch their page I/O.
    "PRAGMA cache_size=-65536",
)

# The drivers' errors (sqlite3's and sqlcipher3's) beside others, for `except`.
_CONSTRAINT_ERRORS: tuple[type[Exception], ...] = (exc.IntegrityError, *safety.IntegrityError)
_CREATE_ERRORS: tuple[type[Exception], ...] = (OSError, *safety.Error, exc.DBAPIError)
_OPEN_ERRORS: tuple[type[Exception], ...] = (*safety.DatabaseError, exc.DatabaseError)


def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite would defer it otherwise).
    dbapi_connection.isolation_level = None
    for pragma in _PRAGMAS:
        dbapi_connection.execute(pragma)


def _on_connect_writable(dbapi_connection: sqlite3.Connection, record: ConnectionPoolEntry) -> None:
    _on_connect(dbapi_connection, record)
    # The rollback journal, always: a file someone switched to WAL is switched back on the next write open.
    (mode,) = dbapi_connection.execute("PRAGMA journal_mode=DELETE").fetchone()
    if str(mode).lower() != "delete":
        raise StorageError(
            f"the workbook is in {mode} journal mode and could not be switched back to the rollback journal",
            hint="close every other program that has it open, then try again",
        )


def _on_begin(conn: Connection) -> None:
    reset_budget(conn.connection.driver_connection)
    if conn.get_execution_options().get("aw_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def _on_statement(_conn: Connection, cursor: Any, *_args: object) -> None:
    # Each SQLAlchemy statement gets the whole step budget (driver statements reset it in GuardedConnection).
    reset_budget(cursor.connection)


def driver(session: Session) -> sqlite3.Connection:
    """The sqlite3 connection under the session's transaction: statements on it join the unit of work."""
    raw = session.connection().connection.driver_connection
    assert isinstance(raw, safety.Connection)
    return raw


class Database:
    """An open workbook file: a writer lock (or read-only), and sessions per unit of work."""

    def __init__(
        self,
        path: Path,
        engine: Engine,
        read_only: bool,
        reason: str,
        lock: FileLock | None,
        actor: Actor | None = None,
        *,
        schema_version: int | None = None,
        schema_differences: tuple[str, ...] = (),
    ) -> None:
        self.path = path
        self.real_path = Path(path).resolve()
        self._actor = actor
        self.read_only = read_only
        self.read_only_reason = reason
        self._engine = engine
        self._lock = lock
        self._schema_version = schema_version
        # How the file's schema differs from this version's (found at open): verify names each.
        self.schema_differences = schema_differences
        # The upgraded copy read in place of an older version's file opened read-only (removed at close).
        self._view: Path | None = None
        self._reader = sessionmaker(bind=engine, expire_on_commit=False)
        self._writer = sessionmaker(bind=engine.execution_options(aw_write=True), expire_on_commit=False)

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work: BEGIN IMMEDIATE, commit whole or roll back whole."""
        self._check_lock()
        if self.read_only:
            raise ReadOnlyError("this workbook is open read-only", hint=self.read_only_reason)
        with self._explained("write"), self._writer.begin() as session:
            self._check_schema(session)
            yield session

    def _check_lock(self) -> None:
        """Before each write: if our lock file was deleted or replaced, take it again or become read-only."""
        if self._lock is None or self._lock.still_held() or self._actor is None:
            return
        holder = self._lock.reacquire(self._actor)
        if holder is not None:
            self._lock = None
            self.read_only = True
            self.read_only_reason = f"in use by {holder.describe()} (its lock file was replaced)"

    def _check_schema(self, session: Session) -> None:
        """In the write transaction, before anything is written: the schema is still the one checked at open.

        Nothing can change the schema during our transaction, and a change since the last write (another
        program added a trigger) is found by SQLite's schema counter before any statement could fire it.
        """
        con = driver(session)
        (version,) = con.execute("PRAGMA schema_version").fetchone()
        if version == self._schema_version:
            return
        objects = [
            SchemaObject(*row) for row in con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
        ]
        report = schema_check.compare(objects)
        if not report.ok:
            self.read_only = True
            self.read_only_reason = schema_check.read_only_reason(report)
            raise ReadOnlyError("this workbook is open read-only", hint=self.read_only_reason)
        self._schema_version = version

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        with self._explained("read"), self._reader.begin() as session:
            yield session

    @contextlib.contextmanager
    def _explained(self, doing: str) -> Iterator[None]:
        """A unit of work's failure in words: the disk's by SQLite's code, an odd value by its place."""
        try:
            yield
        except WorkbookDamaged as error:
            error.where = error.where or str(self.path)
            raise
        except _CONSTRAINT_ERRORS:
            raise  # a broken constraint is a bug, not the disk's fault
        except exc.DBAPIError as error:
            raise self._explain(error.orig, doing) from error
        except safety.DatabaseError as error:
            raise self._explain(error, doing) from error
        except (ValueError, TypeError, AttributeError, KeyError) as error:
            # A value the ORM could not convert (a date that is no date, JSON that is not JSON): name it.
            damaged = self.find_odd_value()
            if damaged is None:
                raise
            raise damaged from error

    def _explain(self, original: BaseException | None, doing: str) -> StorageError:
        if stopped_by_budget(original):
            return WorkbookDamaged(
                "a query on the workbook ran past its step budget and was stopped",
                where=str(self.path),
                hint=f"the file may hold a query that never ends: {REPAIR_HINT}",
            )
        if getattr(original, "sqlite_errorcode", None) is None:
            # Not SQLite's refusal but the driver's (text that is not UTF-8): find the value.
            damaged = self.find_odd_value()
            if damaged is not None:
                return damaged
        return sqlite_error_words(original, self.path, doing)

    def find_odd_value(self) -> WorkbookDamaged | None:
        """The first stored value the model would refuse (read on a connection of its own), named."""
        try:
            con = connect(f"{self.real_path.as_uri()}?mode=ro")
        except safety.Error:
            return None
        try:
            tables = tuple(
                name
                for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                if name in value_rules.rules()
            )
            damaged = value_rules.find_odd_value(con, tables)
        except safety.Error:
            return None
        finally:
            con.close()
        if damaged is not None:
            damaged.where = str(self.path)
        return damaged

    def backup_to(self, dest: Path) -> None:
        """Copy the whole database into a new owner-only file at `dest` with SQLite's online backup API."""
        if not self.path.exists():
            raise StorageError(
                "the workbook file was moved or deleted while open",
                where=str(self.path),
                hint="put it back, or copy what you see with export before closing",
            )
        with self._engine.connect() as conn:
            source = conn.connection.driver_connection
            assert isinstance(source, safety.Connection)
            os.close(create_owner_only(dest))  # 0600 before SQLite writes a byte; its journal takes the mode
            target = _new_file_connection(self.real_path, dest)
            try:
                source.backup(target)
            finally:
                target.close()

    def copy_to(self, dest: Path, check: Callable[[Path], object] | None = None) -> Path:
        """This database copied to `dest` with the online backup API.

        Written to `dest`.part (what a killed copy left there removed first), checked by `check`, renamed into
        place; nothing of a failed copy stays.
        """
        tmp = dest.with_name(dest.name + ".part")
        remove_database_files(tmp)  # a stale journal would be rolled into the copy
        try:
            self.backup_to(tmp)
            if check is not None:
                check(tmp)
            tmp.replace(dest)
        finally:
            remove_database_files(tmp)  # the copy and SQLite's `.part-journal`, whatever failed
        return dest

    def close(self) -> None:
        self._engine.dispose()
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        if self._view is not None:
            shutil.rmtree(self._view.parent, ignore_errors=True)
            self._view = None


def _upgraded_view(real: Path) -> Path:
    """A private, upgraded copy of an older version's file, for reading it read-only (removed at close)."""
    folder = Path(tempfile.mkdtemp(prefix="awb-view-"))
    view = folder / real.name
    try:
        source = connect(f"{real.as_uri()}?mode=ro")
        try:
            os.close(create_owner_only(view))
            target = _new_file_connection(real, view)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
        engine = _make_engine(view, read_only=False)
        try:
            from workbook.storage.migrate import upgrade

            upgrade(engine)
        finally:
            engine.dispose()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return view


def _new_file_connection(source: Path, dest: Path) -> sqlite3.Connection:
    """A connection writing the new file `dest` (a copy of `source`): keyed as `source` is, if it is."""
    if cipher.is_keyed(source):
        cipher.carry(source, dest)
        keyed: sqlite3.Connection = cipher.connect_new(dest)
        return keyed
    return sqlite3.connect(str(dest))


# SQLite's primary result codes (https://www.sqlite.org/rescode.html), by what they mean to the person.
_SQLITE_WORDS: dict[int, tuple[str, str]] = {
    3: ("permission to the workbook file was denied", "check the file's and the folder's permissions"),
    5: ("another program is writing to the workbook", "wait a moment and try again"),
    6: ("another program is writing to the workbook", "wait a moment and try again"),
    8: (
        "the workbook file cannot be written (the file or its folder is read-only)",
        "check the file's permissions, or save a copy somewhere you can write",
    ),
    9: ("a query on the workbook ran past its step budget and was stopped", REPAIR_HINT),
    10: ("the disk reported an error", "check the disk or the network share, then try again"),
    11: ("the workbook file is damaged", "restore a backup copy, or copy what can be read with repair"),
    13: ("the disk is full", "free some space and try again; nothing was changed"),
    14: ("the workbook file cannot be opened", "check that it is still there and that you may read it"),
    26: ("the file is not an Audit Workbook file (or it is damaged)", "restore it from a backup copy"),
}


def sqlite_error_words(original: BaseException | None, path: Path, doing: str) -> StorageError:
    """SQLite's error in words, by its result code, not its message: busy, full, read-only, damaged…"""
    code = getattr(original, "sqlite_errorcode", None)
    words = _SQLITE_WORDS.get(code & 0xFF) if isinstance(code, int) else None
    if words is None:
        return StorageError(f"could not {doing} the workbook: {original}", where=str(path))
    message, hint = words
    return StorageError(message, where=str(path), hint=hint)


def storage_error(error: exc.DBAPIError, path: Path, doing: str) -> StorageError:
    """SQLite's error in words, by its result code, not its message: busy, full, read-only, damaged…"""
    return sqlite_error_words(error.orig, path, doing)


def _make_engine(real_path: Path, read_only: bool) -> Engine:
    # mode=rw never creates a file: a workbook moved or deleted while open is an error, not a new empty file.
    url = f"{real_path.as_uri()}?mode={'ro' if read_only else 'rw'}&uri=true"
    if cipher.is_keyed(real_path):
        # SQLCipher's driver for an encrypted file: keyed first, its errors wrapped as SQLAlchemy's.
        uri = url.removesuffix("&uri=true")
        engine = create_engine(
            f"sqlite:///{url}",
            module=cipher.dbapi(),
            creator=lambda: connect(uri, check_same_thread=False),
        )
    else:
        engine = create_engine(
            f"sqlite:///{url}",
            connect_args={"check_same_thread": False, "timeout": 10, "factory": GuardedConnection},
        )
    event.listen(engine, "connect", _on_connect if read_only else _on_connect_writable)
    event.listen(engine, "begin", _on_begin)
    event.listen(engine, "before_cursor_execute", _on_statement)
    return engine


_CREATE_WORDS = {
    errno.ENOSPC: ("the disk is full", "free some space and try again"),
    errno.EDQUOT: ("your disk quota is used up", "free some space and try again"),
    errno.EROFS: ("the folder is on a read-only disk", "choose a folder you can write to"),
    errno.EACCES: ("you may not write in that folder", "choose a folder you can write to"),
    errno.EPERM: ("you may not write in that folder", "choose a folder you can write to"),
}


def remove_database_files(path: Path) -> None:
    """Delete a database file and the journal and WAL files SQLite may have left beside it."""
    for name in (path.name, path.name + "-journal", path.name + "-wal", path.name + "-shm"):
        with contextlib.suppress(OSError):
            path.with_name(name).unlink(missing_ok=True)


def new_file_failed(error: BaseException, path: Path, doing: str) -> StorageError:
    """Why a new file (a workbook, a backup) could not be written, in words, never the driver's text or link.

    `doing` starts the message: "could not create the workbook: the disk is full".
    """
    original = error.orig if isinstance(error, exc.DBAPIError) else error
    if isinstance(original, OSError) and original.errno in _CREATE_WORDS:
        message, hint = _CREATE_WORDS[original.errno]
    elif isinstance(original, OSError):
        message, hint = (original.strerror or "the disk refused"), "check the folder and try again"
    elif isinstance(getattr(original, "sqlite_errorcode", None), int):
        words = sqlite_error_words(original, path, "create")
        message, hint = words.message, words.hint
    else:
        message, hint = "the database library refused", "check the folder and try again"
    return StorageError(f"{doing}: {message}", where=str(path), hint=hint)


def create_database(
    path: Path,
    actor: Actor,
    populate: Callable[[Session], None],
    *,
    start_from: Callable[[Path], None] | None = None,
    passphrase: str | None = None,
) -> Database:
    """Make a new workbook at the newest schema, filled by `populate`, and only then put it at `path`.

    `start_from(tmp)`, when given, writes the file `populate` starts from (a consistent copy of another
    workbook at this version's schema) in place of an empty one. With `passphrase` the file is encrypted
    (SQLCipher, docs/encryption.md); `start_from` then writes a file encrypted with the same passphrase.
    """
    if path.exists():
        raise UserError("a file already exists there", where=str(path), hint="choose another name")
    if not path.parent.is_dir():
        raise UserError("the folder does not exist", where=str(path.parent))
    if not os.access(path.parent, os.W_OK):
        raise StorageError(
            "could not create the workbook: you may not write in that folder",
            where=str(path),
            hint="choose a folder you can write to",
        )
    tmp = path.with_name(path.name + ".creating")
    if passphrase is not None:
        cipher.remember(tmp, passphrase)
    created = False
    try:
        remove_database_files(tmp)
        os.close(create_owner_only(tmp))  # 0600 before SQLite writes a byte; its journal takes the mode
        if start_from is not None:
            start_from(tmp)
        con = cipher.connect_new(tmp) if passphrase is not None else sqlite3.connect(str(tmp))
        try:
            con.execute(f"PRAGMA application_id={APPLICATION_ID}")
            con.execute("PRAGMA journal_mode=DELETE")
            con.commit()
        finally:
            con.close()
        engine = _make_engine(tmp.resolve(), read_only=False)
        try:
            from workbook.storage.migrate import upgrade

            upgrade(engine)
            with sessionmaker(bind=engine.execution_options(aw_write=True)).begin() as session:
                populate(session)
        finally:
            engine.dispose()
        os.replace(tmp, path)
        cipher.carry(tmp, path)
        created = True
    except _CREATE_ERRORS as error:
        raise new_file_failed(error, path, "could not create the workbook") from error
    finally:
        remove_database_files(tmp)
        cipher.forget(tmp)
        if passphrase is not None and not created:
            cipher.forget(path)
    return open_database(path, actor)


def roll_back_interrupted_write(real_path: Path, actor: Actor) -> None:
    """Let SQLite roll a cut-off write back (as the next writer would) so the last committed state reads."""
    where = str(real_path)
    if not os.access(real_path.parent, os.W_OK) or not os.access(real_path, os.W_OK):
        raise UserError(
            "a write to this workbook was interrupted and it must be recovered first",
            where=where,
            hint="open it once where its folder is writable",
        )
    lock = FileLock(lock_path(real_path))
    holder = lock.acquire(actor)
    if holder is not None:
        raise StorageError(
            f"the workbook is being written by {holder.describe()}", where=where, hint="try again"
        )
    try:
        con = connect(f"{real_path.as_uri()}?mode=rw")
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
    except safety.DatabaseError as error:
        raise UserError(
            f"the workbook is damaged ({error})", where=where, hint="restore a backup copy"
        ) from error
    finally:
        lock.release()


def open_database(
    path: Path,
    actor: Actor,
    *,
    read_only: bool = False,
    lock_wait: float | None = None,
    on_lock_wait: Callable[[LockHolder, float], None] = say_waiting,
) -> Database:
    """Open a workbook: check it, take the writer lock (or fall back to read-only), migrate if older.

    The schema is compared with the one this version makes before anything else is read: a file with a
    trigger, a view or anything else opens read-only (and is never written), and one whose own tables are
    missing or replaced by views is refused. A second writer waits up to `lock_wait` seconds for the lock.
    """
    path = Path(path)
    real = path.resolve()
    where = str(path)
    try:
        facts = inspect_workbook_file(path)
    except InterruptedWrite:
        roll_back_interrupted_write(real, actor)
        facts = inspect_workbook_file(path)
    if facts.revision is not None:
        check_revision(facts.revision, where)
    report = schema_check.compare(facts.objects, facts.revision or SCHEMA_HEAD)
    if report.blocking:
        raise WorkbookDamaged(
            f"this workbook cannot be opened safely: {report.describe(report.blocking)}",
            where=where,
            hint=REPAIR_HINT,
        )
    revision = check_revision(facts.revision, where)
    reason = "opened read-only on request" if read_only else ""
    if not report.ok:
        read_only, reason = True, schema_check.read_only_reason(report)
    lock: FileLock | None = None
    if not read_only:
        if not os.access(real, os.W_OK) or not os.access(real.parent, os.W_OK):
            read_only, reason = True, "the file or its folder is not writable"
        else:
            lock = FileLock(lock_path(real))
            wait = lock_wait_seconds() if lock_wait is None else lock_wait
            holder = take_lock(lock, actor, wait, on_lock_wait)
            if holder is not None:
                read_only, reason, lock = True, f"in use by {holder.describe()}", None
    view: Path | None = None
    if read_only and revision != SCHEMA_HEAD and report.ok:
        # An older version's file opened read-only is never changed: a private copy is upgraded and read.
        view = _upgraded_view(real)
        reason = f"{reason}; written by an older version, shown upgraded (the file is unchanged)"
    engine = _make_engine(view or real, read_only)
    db = Database(
        path,
        engine,
        read_only,
        reason,
        lock,
        actor,
        schema_version=facts.schema_version,
        schema_differences=report.differences,
    )
    if view is not None:
        db.real_path = view
        db._view = view
    try:
        if not read_only and revision != SCHEMA_HEAD:
            from workbook.storage.migrate import migrate_with_backup

            migrate_with_backup(db, engine)
            inspect_workbook_file(real)
            db._schema_version = None  # the migration changed it: the next write compares again
        with db.read() as session:
            session.connection().exec_driver_sql("SELECT count(*) FROM requests").scalar()
    except _OPEN_ERRORS as error:
        db.close()
        original = error.orig if isinstance(error, exc.DBAPIError) else error
        raise sqlite_error_words(original, path, "open") from error
    except BaseException:
        db.close()
        raise
    return db
