"""One hostile input, the command it is given to, and what the run must show: a sentence, never a crash."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[3]
# The limits every case must keep (on an idle machine; see `slowdown`).
WALL_LIMIT_S = 5.0
CPU_LIMIT_S = 5.0
RSS_LIMIT = 1024**3
# A case still running after this long is a hang: it is killed and fails.
HANG_S = 60.0
REF = "PBC-001"

Build = Callable[[Path], Path]
Around = Callable[[Path], AbstractContextManager[None]]


@dataclass(frozen=True)
class Case:
    """A hostile input for one command.

    `build(folder)` writes the input into `folder` and returns its path. `command` is what it is given to:
    `import` (a checklist into a workbook), `attach` (evidence to PBC-001), `items`/`verify`/`log` (the
    input is the workbook or package itself). `exit` is 2 (refused: one line on stderr) or 1 (verify found
    something altered: named on stdout). `says` must appear in the message. `around(path)` runs during the
    command (a writer growing the file). `fast` cases also run in the default test run.
    """

    family: str
    name: str
    build: Build
    command: str
    exit: int = 2
    says: str = ""
    fast: bool = False
    around: Around | None = None
    names_file: bool = True

    @property
    def id(self) -> str:
        return f"{self.family}-{self.name}"


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    wall_s: float
    cpu_s: float
    peak_rss: int
    changed: list[str] = field(default_factory=list)


# Every outcome of this session, for the summary line (case id → outcome).
MEASURED: dict[str, Outcome] = {}


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "workbook", *args]


def sha256(path: Path) -> str | None:
    """The file's hash, or None when it is not a regular file (FIFOs and devices are never read)."""
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
    except OSError:
        return None
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def make_workbook(folder: Path, checklist: Path) -> Path:
    """A workbook holding the requests of `checklist` (PBC-001…), made with the real commands."""
    workbook = folder / "client.auditwb"
    subprocess.run(cli("new", str(workbook), "--client", "Acme"), check=True, capture_output=True, cwd=ROOT)
    subprocess.run(cli("import", str(workbook), str(checklist)), check=True, capture_output=True, cwd=ROOT)
    return workbook


def arguments(case: Case, target: Path, workbook: Path) -> list[str]:
    if case.command == "import":
        return ["import", str(workbook), str(target)]
    if case.command == "attach":
        return ["attach", str(workbook), REF, str(target)]
    return [case.command, str(target)]


def run_case(case: Case, folder: Path, base_workbook: Path) -> tuple[Outcome, Path]:
    """Build the input, run the command in a child process and measure it; the input is left in `folder`."""
    workbook = folder / "client.auditwb"
    shutil.copyfile(base_workbook, workbook)
    target = case.build(folder)
    before = sha256(workbook), _stamp(target)
    around = case.around(target) if case.around is not None else contextlib.nullcontext()
    with around:
        outcome = _measure(cli(*arguments(case, target, workbook)), folder)
    if sha256(workbook) != before[0]:
        outcome.changed.append(workbook.name)
    if case.around is None and target.is_relative_to(folder) and _stamp(target) != before[1]:
        outcome.changed.append(target.name)
    MEASURED[case.id] = outcome
    return outcome, target


def _stamp(path: Path) -> tuple[int, int, int, str | None] | None:
    """What tells that the input was touched: size, time, inode, and the hash of a small regular file."""
    try:
        info = path.lstat()
    except OSError:
        return None
    small = stat.S_ISREG(info.st_mode) and info.st_size <= 64 << 20
    return info.st_size, info.st_mtime_ns, info.st_ino, sha256(path) if small else None


def _measure(argv: list[str], folder: Path) -> Outcome:
    out_path, err_path = folder / ".stdout", folder / ".stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=ROOT)
        peak = 0
        while True:
            status = _reap(child.pid)
            wall = time.perf_counter() - start
            if status is not None:
                code, cpu = status
                break
            peak = max(peak, _high_water(child.pid))
            if wall > HANG_S or peak > 4 * RSS_LIMIT:
                child.kill()
            time.sleep(0.005)
        child.returncode = code
    return Outcome(
        code=code,
        stdout=out_path.read_text("utf-8", "replace"),
        stderr=err_path.read_text("utf-8", "replace"),
        wall_s=wall,
        cpu_s=cpu,
        peak_rss=peak,
    )


def _high_water(pid: int) -> int:
    """The child's peak resident memory so far.

    Not wait4's ru_maxrss: a child forked from this (large) test process starts with the parent's size
    in it. Linux's VmHWM belongs to the memory of the program now running, so it starts afresh at exec.
    """
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    with contextlib.suppress(psutil.Error):
        return int(psutil.Process(pid).memory_info().rss)
    return 0


def _reap(pid: int) -> tuple[int, float] | None:
    """(exit status, CPU seconds) once the child has ended, else None."""
    if hasattr(os, "wait4"):
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done == 0:
            return None
        return os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime
    done, status = os.waitpid(pid, os.WNOHANG)  # pragma: no cover - Windows
    return (os.waitstatus_to_exitcode(status), 0.0) if done else None


@contextlib.contextmanager
def in_background(work: Callable[[], None], stop: Callable[[], None]) -> Iterator[None]:
    """Run `work` on a thread for the duration of the block; `stop` tells it to end."""
    import threading

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop()
        thread.join(timeout=10)
