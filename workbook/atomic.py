"""Writing files so that a crash never leaves half of one: temp file beside the target, then rename."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f/\\:*?"<>|%]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$", re.IGNORECASE)
_MAX_NAME = 120


def _umask() -> int:
    """The process umask, read without changing it where the OS allows (os.umask alone races threads)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def publish(tmp: Path, out_path: Path) -> None:
    """Rename a finished temp file into place with a saved document's mode (mkstemp made it 0600)."""
    tmp.chmod(0o666 & ~_umask())
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
