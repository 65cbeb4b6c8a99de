"""Writing files so that a crash never leaves half of one: temp file beside the target, then rename.

Everything the app writes for the user (workbooks, backups, lock files, exported packages) is created
owner-only: 0600 for files, 0700 for folders the app makes; on Windows an access list for the person running
the app (and SYSTEM), set with the system's icacls (`windows_owner_only`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f/\\:*?"<>|%]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$", re.IGNORECASE)
_MAX_NAME = 120
FILE_MODE = 0o600
FOLDER_MODE = 0o700


# Windows has no file modes: the same promise is kept with the file's access list (see `windows_owner_only`).
WINDOWS = os.name == "nt"
# SYSTEM keeps access on Windows: backup, antivirus and indexing services run as it.
_SYSTEM_SID = "*S-1-5-18"


def windows_owner_only(path: Path, *, folder: bool = False, run: Callable[..., Any] = subprocess.run) -> bool:
    """Windows: replace what `path` inherits with full control for the person running the app (and SYSTEM),
    through the system's own `icacls`. Best effort: a disk without access lists (FAT, exFAT, some network
    shares) keeps what it has, and the write it guards goes on. True when icacls took it."""
    user, domain = os.environ.get("USERNAME", ""), os.environ.get("USERDOMAIN", "")
    if not user:
        return False
    who = f"{domain}\\{user}" if domain else user
    rights = "(OI)(CI)(F)" if folder else "(F)"
    grants = [f"{who}:{rights}", f"{_SYSTEM_SID}:{rights}"]
    command = ["icacls", str(path), "/inheritance:r", "/grant:r", *grants]
    try:
        done = run(
            command,
            capture_output=True,
            check=False,
            timeout=20,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return getattr(done, "returncode", 1) == 0


def owner_only(target: Path | int) -> None:
    """Make a file (path or open descriptor) the app created readable and writable by its owner only.

    On Windows a path gets an access list for its owner (`windows_owner_only`); a descriptor is left to the
    caller, who knows its path (`create_owner_only`).
    """
    if WINDOWS:
        if not isinstance(target, int):
            windows_owner_only(Path(target))
        return
    if isinstance(target, int):
        os.fchmod(target, FILE_MODE)
    else:
        Path(target).chmod(FILE_MODE)


def owner_only_folder(path: Path) -> None:
    """A folder the app made: 0700, or on Windows its owner's access list, which the files in it inherit."""
    if WINDOWS:
        windows_owner_only(path, folder=True)
    else:
        path.chmod(FOLDER_MODE)


def create_owner_only(path: Path) -> int:
    """Create `path` as a new, empty 0600 file (never through a link, never over a file) and open it."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, FILE_MODE)
    try:
        owner_only(fd)  # exactly 0600, whatever the umask
        if WINDOWS:
            windows_owner_only(path)
    except BaseException:
        os.close(fd)
        raise
    return fd


def publish(tmp: Path, out_path: Path) -> None:
    """Rename a finished temp file into place, owner-only (a file replaced is a new file: 0600 too)."""
    owner_only(tmp)
    tmp.replace(out_path)


@contextlib.contextmanager
def atomic_output(out_path: Path) -> Iterator[tuple[int, Path]]:
    """A temp file beside `out_path` (open descriptor, path): published if the block ends, removed if not."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".part", dir=out_path.parent)
    tmp = Path(tmp_name)
    try:
        yield fd, tmp
        publish(tmp, out_path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


STAGING_PREFIX = ".auditwb-export-"
# mkdtemp's names: the prefix and 8 of [a-z0-9_]. Nothing else in a folder is ever taken for one of ours.
_STAGING_NAME = re.compile(r"^\.auditwb-export-[a-z0-9_]{8}$")
_OWNER_FILE = ".auditwb-owner"  # beside the staged outputs, which keep the names the user chose
# A staging folder whose lock is free but whose maker cannot be checked (another host, or no record) is
# removed only once it is this old: an export never runs a day, and a folder that young may still be in use.
STALE_STAGING_SECONDS = 24 * 3600


class StagingFolder:
    """A hidden 0700 folder beside the outputs where an export writes before renaming them into place.

    Its `.auditwb-owner` file records who made it (host, process id, when) and holds an OS lock while the
    folder is in use; the OS drops the lock when the process dies, so a later export can tell a live staging
    folder from one a killed export left behind (see `sweep_stale_staging`).
    """

    def __init__(self, parent: Path) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=parent))
        self._handle: IO[bytes] | None = None
        try:
            owner_only_folder(self.path)
            self._handle = os.fdopen(create_owner_only(self.path / _OWNER_FILE), "r+b")
            _lock(self._handle, wait=True)  # best effort: a disk without locks still has the record
            record = {
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            }
            self._handle.seek(0)
            self._handle.write(json.dumps(record).encode())
            self._handle.flush()
        except BaseException:
            self.remove()
            raise

    def remove(self) -> None:
        """Let go of the lock and delete the folder with whatever is still in it."""
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None
        shutil.rmtree(self.path, ignore_errors=True)


def _lock(handle: IO[bytes], *, wait: bool) -> str:
    """Lock the file's first byte: "locked", "busy" (another holder has it) or "unsupported" by the disk."""
    try:
        if os.name == "nt":
            import msvcrt

            handle.seek(0)
            mode = msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK  # type: ignore[attr-defined,unused-ignore]
            msvcrt.locking(handle.fileno(), mode, 1)  # type: ignore[attr-defined,unused-ignore]
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except (BlockingIOError, PermissionError):
        return "busy"
    except OSError as error:
        if os.name == "nt" and error.errno in (errno.EACCES, getattr(errno, "EDEADLOCK", errno.EDEADLK)):
            return "busy"
        return "unsupported"
    return "locked"


def _process_gone(pid: int) -> bool:
    """The process no longer runs on this host (never guessed on Windows, where signal 0 would kill it)."""
    if os.name == "nt" or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it runs, as another user
    return False


def _staging_is_stale(folder: Path, info: os.stat_result) -> bool:
    """Nobody holds the folder's lock, and its maker is gone (same host, process ended) or it is a day old."""
    flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(folder / _OWNER_FILE, flags)
    except FileNotFoundError:
        # Made by a version that kept no record, or killed before it wrote one: judged by age alone.
        return time.time() - info.st_mtime > STALE_STAGING_SECONDS
    except OSError:
        return False  # cannot tell: leave it
    with os.fdopen(fd, "r+b") as handle:
        state = _lock(handle, wait=False)
        if state == "busy":
            return False
        handle.seek(0)
        try:
            record = json.loads(handle.read(4096).decode("utf-8", "replace") or "{}")
        except ValueError:
            record = {}
        made = max(info.st_mtime, os.fstat(handle.fileno()).st_mtime)
    if not isinstance(record, dict):
        record = {}
    pid = record.get("pid")
    if isinstance(pid, int) and not isinstance(pid, bool) and record.get("host") == socket.gethostname():
        if _process_gone(pid):
            return True
        if pid == os.getpid() and state == "locked":
            return True  # ours, and no export of this process holds it: a clean-up that failed
    return time.time() - made > STALE_STAGING_SECONDS


def sweep_stale_staging(parent: Path) -> list[Path]:
    """Remove the staging folders killed exports left in `parent`; the folders removed.

    Only folders named as ours and owned by this user are looked at, and one is removed only when no
    process holds its lock and its maker is gone (same host, process ended) or it is more than a day old.
    Anything that cannot be read or removed is left as it is.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        if not _STAGING_NAME.match(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
            continue
        folder = Path(entry.path)
        if _staging_is_stale(folder, info):
            shutil.rmtree(folder, ignore_errors=True)
            if not os.path.lexists(folder):
                removed.append(folder)
    return removed


def safe_name(name: str, fallback: str = "file") -> str:
    """A name safe on every OS and in a manifest line: no separators, `..`, `%` or control characters."""
    text = unicodedata.normalize("NFC", name)
    text = _UNSAFE.sub("_", text).strip().strip(".").strip()
    text = " ".join(text.split())
    if not text or set(text) <= {"_", "."}:
        text = fallback
    if _RESERVED.match(text):
        text = "_" + text
    if len(text) > _MAX_NAME:
        stem, dot, suffix = text.rpartition(".")
        if dot and 0 < len(suffix) <= 10:
            text = stem[: _MAX_NAME - len(suffix) - 1].rstrip(" .") + "." + suffix
        else:
            text = text[:_MAX_NAME].rstrip(" .")
    return text


class UniqueNames:
    """Hands out names that differ case-insensitively (Windows and macOS folders are case-blind)."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, name: str) -> str:
        candidate, n = name, 1
        while candidate.casefold() in self._taken:
            n += 1
            stem, dot, suffix = name.rpartition(".")
            candidate = f"{stem} ({n}).{suffix}" if dot and stem else f"{name} ({n})"
        self._taken.add(candidate.casefold())
        return candidate
