"""Encrypted and plain copies of a workbook (docs/encryption.md): the original is never changed.

`encrypt` writes an encrypted copy of a plain workbook, `decrypt` a plain copy of an encrypted one (the person
gave its passphrase). Each copy is written under a temporary name, checked as a workbook with the key it
was given, and only then renamed into place; the activity log is copied as it is, so the copy verifies.
"""

from __future__ import annotations

import os
from pathlib import Path

from workbook.atomic import create_owner_only
from workbook.errors import UserError
from workbook.storage import cipher, safety
from workbook.storage.database import new_file_failed, remove_database_files
from workbook.storage.fileformat import SUFFIX, check_workbook_file

_COPY_ERRORS: tuple[type[Exception], ...] = (OSError, *safety.Error)


def _destination(dest: Path) -> Path:
    dest = Path(dest)
    if dest.suffix.lower() != SUFFIX:
        dest = dest.with_name(dest.name + SUFFIX)
    if dest.exists():
        raise UserError("a file already exists there", where=str(dest), hint="choose a new file name")
    if not dest.parent.is_dir():
        raise UserError("the folder does not exist", where=str(dest.parent))
    return dest


def _copy(source: Path, dest: Path, passphrase: str | None) -> Path:
    check_workbook_file(source)  # an intact workbook this version opens (keyed if encrypted)
    tmp = dest.with_name(dest.name + ".part")
    remove_database_files(tmp)
    try:
        os.close(create_owner_only(tmp))
        cipher.export_copy(source, tmp, passphrase)
        if passphrase is not None:
            cipher.remember(tmp, passphrase)
        check_workbook_file(tmp)
        os.replace(tmp, dest)
    except _COPY_ERRORS as error:
        raise new_file_failed(error, dest, "could not write the copy") from error
    finally:
        remove_database_files(tmp)
        cipher.forget(tmp)
    if passphrase is not None:
        cipher.remember(dest, passphrase)
    return dest


def encrypt(source: Path, dest: Path, passphrase: str) -> Path:
    """An encrypted copy of the plain workbook at `source`, at `dest` (a new file)."""
    cipher.dbapi()
    cipher.check_passphrase(passphrase)
    source, dest = Path(source), _destination(dest)
    if cipher.is_keyed(source):
        raise UserError("the workbook is encrypted already", where=str(source))
    return _copy(source, dest, passphrase)


def decrypt(source: Path, dest: Path) -> Path:
    """A plain copy of the encrypted workbook at `source` (its passphrase given first), at `dest`."""
    cipher.dbapi()
    source, dest = Path(source), _destination(dest)
    if not cipher.is_keyed(source):
        check_workbook_file(source)  # a missing passphrase is refused in words here
        raise UserError("the workbook is not encrypted", where=str(source), hint="copy it with backup")
    return _copy(source, dest, None)


PASSPHRASE_ENV = cipher.PASSPHRASE_ENV
HOW_TO_GIVE = cipher.HOW_TO_GIVE


def available() -> bool:
    """Encryption can be used here (the sqlcipher3 package is installed)."""
    return cipher.available()


def unlock(path: Path, passphrase: str) -> bool:
    """Use `passphrase` for the workbook at `path` in this process if it is encrypted; True if it is."""
    return cipher.unlock(Path(path), passphrase)
