"""Encryption at rest: SQLCipher through the optional `sqlcipher3` binding (docs/encryption.md).

A workbook is encrypted as a whole file (every page: schema, log, evidence chunks, thumbnails, extracted
text). The passphrase of a file is kept in this process's keyring by its resolved path, set when the person
unlocks or creates it; every connection to a path in the keyring is a SQLCipher connection keyed first, every
other one stays the standard library's, exactly as without encryption. Two SQLite libraries never open the
same file.

SQLCipher 4's defaults are kept (PBKDF2-HMAC-SHA512, 256,000 iterations, AES-256 with an HMAC per page). The
key is derived once per file and process (from the salt, the file's first 16 bytes) and every further
connection is keyed with the raw key, so a pool of connections does not pay the KDF each time.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from workbook.errors import UserError
from workbook.storage.safety import STEP, StatementBudget

try:  # the optional extra `encryption`
    from sqlcipher3 import dbapi2 as _dbapi
except ImportError:  # pragma: no cover - depends on the installation
    _dbapi = None

# SQLCipher 4's defaults: what a file made here (or by the sqlcipher shell with its defaults) is keyed with.
KDF_ITERATIONS = 256_000
SALT_BYTES = 16
PLAIN_HEADER = b"SQLite format 3\x00"
_NOTADB = 26  # SQLite's result code for a file that is not a database
PAGE_SIZE = 4096  # SQLCipher 4's default page size: an encrypted file is a whole number of them
PASSPHRASE_ENV = "AUDIT_WORKBOOK_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret
HOW_TO_GIVE = f"give its passphrase with --passphrase-file FILE or the {PASSPHRASE_ENV} environment variable"
NEEDS_PACKAGE = "encryption needs the sqlcipher3 package"
INSTALL_HINT = "install it with `pip install 'audit-workbook[encryption]'` (or `pip install sqlcipher3`)"


@dataclass(frozen=True)
class _Key:
    passphrase: str
    raw: str | None = None  # x'<key hex><salt hex>' once derived for this file


_keys: dict[str, _Key] = {}
_lock = threading.Lock()


def available() -> bool:
    """The sqlcipher3 binding is installed."""
    return _dbapi is not None


def dbapi() -> Any:
    """The sqlcipher3 DB-API module, or a refusal in words when the extra is not installed."""
    if _dbapi is None:
        raise UserError(NEEDS_PACKAGE, hint=INSTALL_HINT)
    return _dbapi


def check_passphrase(passphrase: str) -> str:
    if not passphrase:
        raise UserError("the passphrase is empty", hint="give a passphrase of at least 8 characters")
    if "\x00" in passphrase:
        raise UserError("the passphrase holds a NUL character")
    if len(passphrase) < 8:
        raise UserError("the passphrase is too short", hint="give a passphrase of at least 8 characters")
    return passphrase


def _name(path: Path) -> str:
    return str(Path(path).resolve())


def remember(path: Path, passphrase: str) -> None:
    """Every later connection to `path` in this process is keyed with `passphrase`."""
    dbapi()
    check_passphrase(passphrase)
    with _lock:
        _keys[_name(path)] = _Key(passphrase)


def unlock(path: Path, passphrase: str) -> bool:
    """Key `path` with `passphrase` unless it is keyed already or is a plain SQLite file; True if keyed now.

    Whether it is plain is asked of SQLite (never by reading the file's bytes beside a connection): a plain
    workbook opens as it always did, whatever passphrase was given.
    """
    if is_keyed(path) or _is_plain(path):
        return False
    remember(path, passphrase)
    return True


def _is_plain(path: Path) -> bool:
    try:
        con = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return True  # not openable at all: the plain open says why
    try:
        con.execute("PRAGMA application_id").fetchone()
    except sqlite3.DatabaseError as error:
        return getattr(error, "sqlite_errorcode", None) != _NOTADB
    finally:
        con.close()
    return True


def forget(path: Path) -> None:
    with _lock:
        _keys.pop(_name(path), None)


def is_keyed(path: Path) -> bool:
    return _name(path) in _keys


def passphrase_for(path: Path) -> str | None:
    key = _keys.get(_name(path))
    return None if key is None else key.passphrase


def carry(source: Path, dest: Path) -> None:
    """`dest` (a copy of `source` made here: a backup, a view, a new period) is keyed as `source` is."""
    with _lock:
        key = _keys.get(_name(source))
        if key is not None:
            _keys[_name(dest)] = key


def looks_encrypted(path: Path) -> bool:
    """Whole SQLCipher pages without SQLite's plain header: an encrypted workbook (or, rarely, random bytes).

    Read only when SQLite has refused the file (and no connection of this process holds it).
    """
    try:
        with Path(path).open("rb") as handle:
            head = handle.read(len(PLAIN_HEADER))
        size = Path(path).stat().st_size
    except OSError:
        return False
    return size >= PAGE_SIZE and size % PAGE_SIZE == 0 and head != PLAIN_HEADER


def _quoted(passphrase: str) -> str:
    return "'" + passphrase.replace("'", "''") + "'"


def _raw_key(path: Path, passphrase: str) -> str | None:
    """SQLCipher's raw key for the file at `path` (salted by its first bytes); None for a new, empty file."""
    try:
        with path.open("rb") as handle:
            salt = handle.read(SALT_BYTES)
    except OSError:
        return None
    if len(salt) < SALT_BYTES or salt == PLAIN_HEADER:
        return None
    key = hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), salt, KDF_ITERATIONS, 32)
    return f"x'{key.hex()}{salt.hex()}'"


def _key_statement(path: Path) -> str:
    name = _name(path)
    with _lock:
        key = _keys[name]
        if key.raw is None:
            raw = _raw_key(Path(name), key.passphrase)
            if raw is not None:
                key = replace(key, raw=raw)
                _keys[name] = key
    if key.raw is not None:
        return f'PRAGMA key = "{key.raw}"'
    return f"PRAGMA key = {_quoted(key.passphrase)}"  # a new file: SQLCipher makes the salt and derives


def _connection_class() -> type[Any]:
    module = dbapi()

    class GuardedCipherConnection(module.Connection):  # type: ignore[misc,name-defined]
        """A SQLCipher connection with the same cell checks and step budget as safety.GuardedConnection."""

        budget: StatementBudget

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.budget = StatementBudget()
            self.set_progress_handler(self.budget, STEP)

        def execute(self, sql: str, parameters: Any = (), /) -> Any:
            self.budget.calls = 0
            return super().execute(sql, parameters)

        def executemany(self, sql: str, parameters: Any, /) -> Any:
            self.budget.calls = 0
            return super().executemany(sql, parameters)

    return GuardedCipherConnection


_connection_type: type[Any] | None = None


def connection_type() -> type[Any]:
    global _connection_type
    if _connection_type is None:
        _connection_type = _connection_class()
    return _connection_type


def connect(path: Path, uri: str, **kwargs: Any) -> Any:
    """A guarded SQLCipher connection to `uri` (the file at `path`), keyed before anything is read."""
    con = dbapi().connect(uri, uri=True, factory=connection_type(), **kwargs)
    try:
        con.execute("PRAGMA cipher_log_level = NONE")  # its refusals are ours to word, not stderr's
        con.execute(_key_statement(path))
        con.execute("PRAGMA cell_size_check=ON")
    except BaseException:
        con.close()
        raise
    return con


def connect_new(path: Path) -> Any:
    """A keyed connection that may create the file at `path` (a new workbook, a backup target)."""
    return connect(path, f"{Path(path).resolve().as_uri()}?mode=rwc")


def wrong_passphrase(path: Path) -> UserError:
    """A passphrase SQLCipher could not open the file with, refused; it is forgotten for the next try."""
    forget(path)
    return UserError(
        "the passphrase does not open this workbook",
        where=str(path),
        hint="check the passphrase; nothing was changed",
    )


def passphrase_needed(path: Path) -> UserError:
    return UserError(
        "not an Audit Workbook file, or an encrypted workbook that needs its passphrase",
        where=str(path),
        hint=HOW_TO_GIVE,
    )


def export_copy(source: Path, dest: Path, passphrase: str | None) -> None:
    """Write `source` (plain, or keyed in the keyring) into the new file `dest` with SQLCipher's export.

    `dest` (a new empty file the caller made owner-only, and renames into place) is encrypted with
    `passphrase`, or plain when it is None. The source is read in one read transaction, so a writer elsewhere
    cannot commit half into the copy; it is never written.
    """
    module = dbapi()
    source = Path(source).resolve()
    uri = f"{source.as_uri()}?mode=ro"
    con = connect(source, uri) if is_keyed(source) else module.connect(uri, uri=True)
    try:
        con.isolation_level = None
        key = "" if passphrase is None else check_passphrase(passphrase)
        con.execute("ATTACH DATABASE ? AS copy KEY ?", (str(dest), key))
        try:
            (app_id,) = con.execute("PRAGMA main.application_id").fetchone()
            (user_version,) = con.execute("PRAGMA main.user_version").fetchone()
            con.execute("BEGIN")
            try:
                con.execute("SELECT sqlcipher_export('copy')")
                # Not part of the export: the header fields that make the file a workbook.
                con.execute(f"PRAGMA copy.application_id = {int(app_id)}")
                con.execute(f"PRAGMA copy.user_version = {int(user_version)}")
                con.execute("PRAGMA copy.journal_mode = DELETE")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        finally:
            con.execute("DETACH DATABASE copy")
    finally:
        con.close()
