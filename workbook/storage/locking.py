"""One writer per workbook: an OS lock on a file beside the real workbook file, and who holds it."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from workbook.atomic import FILE_MODE
from workbook.errors import StorageError
from workbook.model import Actor

log = logging.getLogger(__name__)
# Seconds a second writer waits for the lock before it is refused; AUDIT_WORKBOOK_LOCK_WAIT sets it.
LOCK_WAIT_SECONDS = 3.0
LOCK_WAIT_VARIABLE = "AUDIT_WORKBOOK_LOCK_WAIT"
# How long an opener rereads a just-taken lock file that does not name its holder yet (seconds).
_HOLDER_NAME_WAIT = 1.0


@dataclass(frozen=True)
class LockHolder:
    """Who holds a workbook's lock, as its lock file says; None where it says nothing usable."""

    name: str | None = None
    login: str | None = None
    host: str | None = None
    pid: int | None = None
    since: str | None = None

    @property
    def known(self) -> bool:
        return bool(self.name or self.login)

    def describe(self) -> str:
        if not self.known:
            return "someone unknown (the lock file does not say who)"
        user = "@".join(p for p in (self.login, self.host) if p)
        facts = [user] if user else []
        if self.pid:
            facts.append(f"process {self.pid}")
        if self.since:
            facts.append(f"since {self.since}")
        who = self.name or self.login or ""
        return f"{who} ({', '.join(facts)})" if facts else who


class FileLock:
    """An OS lock on `<file>.lock`: released by the OS if the process dies, so it can never go stale."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[bytes] | None = None

    def acquire(self, actor: Actor) -> LockHolder | None:
        """Take the lock and return None, or return who holds it."""
        for _attempt in range(5):
            handle = _open_lock_file(self.path)
            try:
                _lock_byte(handle)
            except OSError:
                holder = _read_holder(handle)
                handle.close()
                return holder
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


def _open_lock_file(path: Path) -> IO[bytes]:
    """The lock file for appending and reading; made owner-only (0600) when new, never through a link."""
    flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    return os.fdopen(os.open(path, flags, FILE_MODE), "a+b")


def _lock_byte(handle: IO[bytes]) -> None:
    if os.name == "nt":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined,unused-ignore]
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _read_holder(handle: IO[bytes]) -> LockHolder:
    """The holder named in a lock file; a holder writes its name just after locking, so reread briefly."""
    deadline = time.monotonic() + _HOLDER_NAME_WAIT
    while True:
        handle.seek(1)
        holder = parse_holder(handle.read(4096))
        if holder.known or time.monotonic() >= deadline:
            return holder
        time.sleep(0.05)


def _text_field(info: dict[str, Any], key: str) -> str | None:
    value = info.get(key)
    return value.strip() or None if isinstance(value, str) else None


def parse_holder(raw: bytes) -> LockHolder:
    """What a lock file says of its holder; anything missing or garbled is left unknown, never invented."""
    try:
        info = json.loads(raw.decode("utf-8", "replace").strip() or "{}")
    except ValueError:
        return LockHolder()
    if not isinstance(info, dict):
        return LockHolder()
    pid = info.get("pid")
    return LockHolder(
        name=_text_field(info, "name"),
        login=_text_field(info, "login"),
        host=_text_field(info, "host"),
        pid=pid if isinstance(pid, int) and not isinstance(pid, bool) and pid > 0 else None,
        since=_text_field(info, "since"),
    )


def lock_path(real_path: Path) -> Path:
    """The lock file of a workbook: beside the real file, so every link to it shares one lock."""
    return real_path.with_name(real_path.name + ".lock")


def lock_wait_seconds() -> float:
    """How long to wait for another writer's lock: AUDIT_WORKBOOK_LOCK_WAIT if set to a number, else 3 s."""
    text = os.environ.get(LOCK_WAIT_VARIABLE, "").strip()
    try:
        return max(0.0, float(text)) if text else LOCK_WAIT_SECONDS
    except ValueError:
        return LOCK_WAIT_SECONDS


def say_waiting(holder: LockHolder, seconds: float) -> None:
    # With no logging set up (the command line) Python prints warnings on stderr; the app logs them.
    log.warning("the workbook is in use by %s: waiting up to %g s for it", holder.describe(), seconds)


def take_lock(
    lock: FileLock, actor: Actor, wait: float, on_wait: Callable[[LockHolder, float], None]
) -> LockHolder | None:
    """Take the lock, waiting up to `wait` seconds for its holder to let go; None, or who still holds it."""
    deadline = time.monotonic() + wait
    told = False
    while True:
        holder = lock.acquire(actor)
        left = deadline - time.monotonic()
        if holder is None or left <= 0:
            return holder
        if not told:
            on_wait(holder, wait)
            told = True
        time.sleep(min(0.1, left))
