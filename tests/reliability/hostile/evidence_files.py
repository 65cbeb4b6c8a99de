"""Hostile evidence given to `attach`: pipes, devices, links, growing or rewritten files, odd names."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from hostile.case import Case, in_background


def _at(name: str, make: Callable[[Path], None]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        make(path)
        return path

    return build


def _fixed(path: str) -> Callable[[Path], Path]:
    return lambda folder: Path(path)


def _sized(size: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with path.open("wb") as fh:
            fh.write(b"%PDF-1.7\n")
            fh.truncate(size)

    return make


def _socket(path: Path) -> None:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.close()


def _loop(path: Path) -> None:
    other = path.with_name("other-link")
    other.symlink_to(path)
    path.symlink_to(other)


@contextlib.contextmanager
def _writer(path: Path, step: Callable[[Path], None]) -> Iterator[None]:
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            step(path)
            stop.wait(0.005)

    with in_background(work, stop.set):
        yield


def _append(path: Path) -> None:
    with path.open("ab") as fh:
        fh.write(b"y" * 262_144)


def _rewrite(path: Path) -> None:
    with path.open("r+b") as fh:
        fh.write(b"z" * 4096)


def _shrink(path: Path) -> None:
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.truncate(max(0, size - 262_144))


def _during(step: Callable[[Path], None]) -> Callable[[Path], contextlib.AbstractContextManager[None]]:
    return lambda path: _writer(path, step)


def evidence(name: str, build: Callable[[Path], Path], says: str = "", **kw: object) -> Case:
    return Case("evidence", name, build, "attach", says=says, **kw)  # type: ignore[arg-type]


LINUX = sys.platform.startswith("linux")

CASES: list[Case] = [
    evidence("fifo", _at("pipe.pdf", lambda p: os.mkfifo(p)), "not a regular file", fast=True),
    evidence("symlink_to_dev_zero", _at("zero.pdf", lambda p: p.symlink_to("/dev/zero")), "symbolic link"),
    evidence("dev_zero_itself", _fixed("/dev/zero"), "not a regular file"),
    evidence("dev_null_itself", _fixed("/dev/null"), "not a regular file"),
    evidence("a_folder", _at("folder.pdf", lambda p: p.mkdir()), "folder"),
    evidence("empty_file", _at("empty.pdf", lambda p: p.write_bytes(b"")), "empty"),
    evidence("sparse_file_over_the_limit", _at("huge.pdf", _sized(3 * 1024**3)), "limit"),
    evidence(
        "growing_while_read",
        _at("growing.log", _sized(64 << 20)),
        "changed while it was read",
        fast=True,
        around=_during(_append),
    ),
    evidence(
        "rewritten_while_read",
        _at("rewritten.log", _sized(64 << 20)),
        "changed while it was read",
        around=_during(_rewrite),
    ),
    evidence(
        "shrinking_while_read",
        _at("shrinking.log", _sized(64 << 20)),
        "changed while it was read",
        around=_during(_shrink),
    ),
    evidence("vanished", lambda folder: folder / "gone.pdf", "does not exist"),
    evidence(
        "dangling_symlink",
        _at("dangling.pdf", lambda p: p.symlink_to(p.with_name("nowhere"))),
        "symbolic link",
    ),
    evidence("symlink_loop", _at("loop.pdf", _loop), "symbolic link"),
    evidence("unix_socket", _at("sock.pdf", _socket), "not a regular file"),
    evidence("name_of_300_characters", lambda folder: folder / ("n" * 300 + ".pdf"), "cannot read"),
    evidence(
        "path_of_5000_characters", lambda folder: folder.joinpath(*["d" * 200] * 25, "x.pdf"), "cannot read"
    ),
]

if LINUX:
    CASES.append(evidence("proc_file_of_zero_size", _fixed("/proc/self/status"), "empty"))
