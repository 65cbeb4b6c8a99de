"""Open, lock, check and migrate a .auditwb file; hand out one session per unit of work."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from workbook.errors import ReadOnlyError, StorageError, UserError
from workbook.model import Actor
from workbook.storage.fileformat import (
    APPLICATION_ID,
    SCHEMA_HEAD,
    InterruptedWrite,
    check_workbook_file,
)


@dataclass(frozen=True)
class LockHolder:
    name: str
    login: str
    host: str
    pid: int
    since: str

    def describe(self) -> str:
        return f"{self.name} ({self.login}@{self.host}, process {self.pid}, since {self.since})"


class _FileLock:
    """An OS lock on `<file>.lock`: released by the OS if the process dies, so it can never go stale."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[bytes] | None = None

    def acquire(self, actor: Actor) -> LockHolder | None:
        """Take the lock and return None, or return who holds it."""
        for _attempt in range(5):
            handle = self.path.open("a+b")
            try:
                _lock_byte(handle)
            except OSError:
                handle.seek(1)
                raw = handle.read(4096)
                handle.close()
                return _parse_holder(raw)
            # The locked file must still be the one at the path: a holder removes it as it closes, and a
            # sync client or a clean-up script may delete it; a lock on an orphan lets a second writer in.
            try:
                current = os.stat(self.path)
            except FileNotFoundError:
                current = None
            if current is not None and os.path.samestat(os.fstat(handle.fileno()), current):
                break
            handle.close()
        else:
            raise StorageError("could not take the workbook's lock", where=str(self.path), hint="try again")
        info = {
            "name": actor.name,
            "login": actor.login,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "since": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        }
        handle.seek(0)
        handle.truncate()
        handle.write(b"\n" + json.dumps(info).encode())
        handle.flush()
        self._handle = handle
        return None

    def still_held(self) -> bool:
        """Our locked file is still the one at the path (nobody deleted or replaced it)."""
        if self._handle is None:
            return False
        try:
            return os.path.samestat(os.fstat(self._handle.fileno()), os.stat(self.path))
        except OSError:
            return False

    def reacquire(self, actor: Actor) -> LockHolder | None:
        """Lock the file now at the path again, or say who holds it."""
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None
        return self.acquire(actor)

    def release(self) -> None:
        """Remove the lock file while holding it, then let go: a newcomer locks a fresh file, never ours."""
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None


def _lock_byte(handle: IO[bytes]) -> None:
    if os.name == "nt":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined,unused-ignore]
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _parse_holder(raw: bytes) -> LockHolder:
    try:
        info = json.loads(raw.decode("utf-8", "replace").strip() or "{}")
        return LockHolder(
            name=str(info.get("name", "someone")),
            login=str(info.get("login", "?")),
            host=str(info.get("host", "?")),
            pid=int(info.get("pid", 0)),
            since=str(info.get("since", "?")),
        )
    except (ValueError, TypeError):
        return LockHolder("someone", "?", "?", 0, "?")


def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite would defer it otherwise).
    dbapi_connection.isolation_level = None
    for pragma in (
        "PRAGMA foreign_keys=ON",
        "PRAGMA synchronous=FULL",
        "PRAGMA secure_delete=ON",
        "PRAGMA trusted_schema=OFF",
        "PRAGMA busy_timeout=10000",
        # A 64 MiB page cache (grown only as used) lets large evidence writes batch their page I/O.
        "PRAGMA cache_size=-65536",
    ):
        dbapi_connection.execute(pragma)


def _on_begin(conn: Connection) -> None:
    if conn.get_execution_options().get("aw_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def driver(session: Session) -> sqlite3.Connection:
    """The sqlite3 connection under the session's transaction: statements on it join the unit of work."""
    raw = session.connection().connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


class Database:
    """An open workbook file: a writer lock (or read-only), and sessions per unit of work."""

    def __init__(
        self,
        path: Path,
        engine: Engine,
        read_only: bool,
        reason: str,
        lock: _FileLock | None,
        actor: Actor | None = None,
    ) -> None:
        self.path = path
        self._actor = actor
        self.read_only = read_only
        self.read_only_reason = reason
        self._engine = engine
        self._lock = lock
        self._reader = sessionmaker(bind=engine, expire_on_commit=False)
        self._writer = sessionmaker(bind=engine.execution_options(aw_write=True), expire_on_commit=False)

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work: BEGIN IMMEDIATE, commit whole or roll back whole."""
        self._check_lock()
        if self.read_only:
            raise ReadOnlyError("this workbook is open read-only", hint=self.read_only_reason)
        try:
            with self._writer.begin() as session:
                yield session
        except exc.IntegrityError:
            raise  # a broken constraint is a bug, not the disk's fault
        except exc.DBAPIError as error:
            raise storage_error(error, self.path, "write") from error

    def _check_lock(self) -> None:
        """Before each write: if our lock file was deleted or replaced, take it again or become read-only."""
        if self._lock is None or self._lock.still_held() or self._actor is None:
            return
        holder = self._lock.reacquire(self._actor)
        if holder is not None:
            self._lock = None
            self.read_only = True
            self.read_only_reason = f"in use by {holder.describe()} (its lock file was replaced)"

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with self._reader.begin() as session:
                yield session
        except exc.IntegrityError:
            raise
        except exc.DBAPIError as error:
            raise storage_error(error, self.path, "read") from error

    def backup_to(self, dest: Path) -> None:
        """Copy the whole database into a new file at `dest` with SQLite's online backup API."""
        if not self.path.exists():
            raise StorageError(
                "the workbook file was moved or deleted while open",
                where=str(self.path),
                hint="put it back, or copy what you see with export before closing",
            )
        with self._engine.connect() as conn:
            source = conn.connection.driver_connection
            assert isinstance(source, sqlite3.Connection)
            target = sqlite3.connect(str(dest))
            try:
                source.backup(target)
            finally:
                target.close()

    def close(self) -> None:
        self._engine.dispose()
        if self._lock is not None:
            self._lock.release()
            self._lock = None


# SQLite's primary result codes (https://www.sqlite.org/rescode.html), by what they mean to the person.
_SQLITE_WORDS: dict[int, tuple[str, str]] = {
    3: ("permission to the workbook file was denied", "check the file's and the folder's permissions"),
    5: ("another program is writing to the workbook", "wait a moment and try again"),
    6: ("another program is writing to the workbook", "wait a moment and try again"),
    8: (
        "the workbook file cannot be written (the file or its folder is read-only)",
        "check the file's permissions, or save a copy somewhere you can write",
    ),
    10: ("the disk reported an error", "check the disk or the network share, then try again"),
    11: ("the workbook file is damaged", "restore it from a backup copy (audit-workbook restore)"),
    13: ("the disk is full", "free some space and try again; nothing was changed"),
    14: ("the workbook file cannot be opened", "check that it is still there and that you may read it"),
    26: ("the file is not an Audit Workbook file (or it is damaged)", "restore it from a backup copy"),
}


def storage_error(error: exc.DBAPIError, path: Path, doing: str) -> StorageError:
    """SQLite's error in words, by its result code, not its message: busy, full, read-only, damaged…"""
    original = error.orig
    code = getattr(original, "sqlite_errorcode", None)
    words = _SQLITE_WORDS.get(code & 0xFF) if isinstance(code, int) else None
    if words is None:
        return StorageError(f"could not {doing} the workbook: {original}", where=str(path))
    message, hint = words
    return StorageError(message, where=str(path), hint=hint)


def _make_engine(path: Path, read_only: bool) -> Engine:
    # mode=rw never creates a file: a workbook moved or deleted while open is an error, not a new empty file.
    url = f"{path.resolve().as_uri()}?mode={'ro' if read_only else 'rw'}&uri=true"
    engine = create_engine(
        f"sqlite:///{url}",
        connect_args={"check_same_thread": False, "timeout": 10},
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def create_database(path: Path, actor: Actor, populate: Callable[[Session], None]) -> Database:
    """Make a new workbook at the newest schema, filled by `populate`, and only then put it at `path`."""
    if path.exists():
        raise UserError("a file already exists there", where=str(path), hint="choose another name")
    if not path.parent.is_dir():
        raise UserError("the folder does not exist", where=str(path.parent))
    tmp = path.with_name(path.name + ".creating")
    try:
        tmp.unlink(missing_ok=True)
        con = sqlite3.connect(str(tmp))
        try:
            con.execute(f"PRAGMA application_id={APPLICATION_ID}")
            con.execute("PRAGMA journal_mode=DELETE")
            con.commit()
        finally:
            con.close()
        engine = _make_engine(tmp, read_only=False)
        try:
            from workbook.storage.migrate import upgrade

            upgrade(engine)
            with sessionmaker(bind=engine.execution_options(aw_write=True)).begin() as session:
                populate(session)
        finally:
            engine.dispose()
        os.replace(tmp, path)
    except (OSError, sqlite3.Error, exc.DBAPIError) as error:
        raise StorageError(f"could not create the workbook: {error}", where=str(path)) from error
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return open_database(path, actor)


def _roll_back_interrupted_write(path: Path, actor: Actor) -> None:
    """Let SQLite roll a cut-off write back (as the next writer would) so the last committed state reads."""
    where = str(path)
    if not os.access(path.parent, os.W_OK) or not os.access(path, os.W_OK):
        raise UserError(
            "a write to this workbook was interrupted and it must be recovered first",
            where=where,
            hint="open it once where its folder is writable",
        )
    lock = _FileLock(path.with_name(path.name + ".lock"))
    holder = lock.acquire(actor)
    if holder is not None:
        raise StorageError(
            f"the workbook is being written by {holder.describe()}", where=where, hint="try again"
        )
    try:
        con = sqlite3.connect(str(path))
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as error:
        raise UserError(
            f"the workbook is damaged ({error})", where=where, hint="restore a backup copy"
        ) from error
    finally:
        lock.release()


def open_database(path: Path, actor: Actor, *, read_only: bool = False) -> Database:
    """Open a workbook: check it, take the writer lock (or fall back to read-only), migrate if older."""
    path = Path(path)
    try:
        revision = check_workbook_file(path)
    except InterruptedWrite:
        _roll_back_interrupted_write(path, actor)
        revision = check_workbook_file(path)
    reason = "opened read-only on request" if read_only else ""
    lock: _FileLock | None = None
    if not read_only:
        if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
            read_only, reason = True, "the file or its folder is not writable"
        else:
            lock = _FileLock(path.with_name(path.name + ".lock"))
            holder = lock.acquire(actor)
            if holder is not None:
                read_only, reason, lock = True, f"in use by {holder.describe()}", None
    engine = _make_engine(path, read_only)
    db = Database(path, engine, read_only, reason, lock, actor)
    try:
        if not read_only and revision != SCHEMA_HEAD:
            from workbook.storage.migrate import migrate_with_backup

            migrate_with_backup(db, engine)
            check_workbook_file(path)
        with db.read() as session:
            session.connection().exec_driver_sql("SELECT count(*) FROM requests").scalar()
    except (sqlite3.DatabaseError, exc.DatabaseError) as error:
        db.close()
        raise UserError(f"the workbook is damaged ({error})", where=str(path)) from error
    except BaseException:
        db.close()
        raise
    return db
