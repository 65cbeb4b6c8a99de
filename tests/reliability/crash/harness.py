"""The crash-safety harness: run real `audit-workbook` commands on a copy of a workbook, SIGKILL them, check.

Each operation is a short sequence of CLI commands (`Step`s) run one after another as child processes, each
acknowledged (exit 0) before the next starts. A case copies the prepared workbook, runs the sequence under
one kill, then checks what is left (see `check_case`). Kills, from `random.Random(f"{seed}:{op}:{i}:{try}")`:

- `random`: SIGKILL from outside after a delay drawn within the sequence's measured duration;
- `stmt` / `commit` / `committed` (crashpoint.py, a wrapper around the CLI): the child kills itself as the
  Nth statement of a write transaction starts, as the Nth COMMIT starts, or right after the Nth COMMIT
  returned (on disk but not acknowledged);
- `io` (crashshim.c, LD_PRELOAD): the child dies at its Nth write, sync, truncate, rename or unlink on the
  workbook, its journal and lock, its automatic backups folder, or the export destination: inside SQLite's
  COMMIT (journal writes, journal sync, page writes, database sync, journal delete), the backup an import
  takes first, or an export's staging writes and renames.

N is drawn from the counts a reference run of the same sequence made (every step under the wrapper and the
shim in count mode), which also gives the state after each step (`Operation.state`) and the durations.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
CRASHPOINT = HERE / "crashpoint.py"
SHIM_SOURCE = HERE / "crashshim.c"
# A command still running after this long is a hang: it is killed and the case fails.
HANG_S = 600.0
STAGING = re.compile(r"^\.auditwb-export-[a-z0-9_]{8}$")
TXN_FLAVOURS = ("stmt", "commit", "committed")
# The in-transaction kills rotate through these; `io` (inside COMMIT's own I/O) gets half when it can run.
ROTATION_WITH_IO = ("io", "stmt", "io", "commit", "io", "committed")
ROTATION = ("stmt", "commit", "committed")
FOLLOW_STATUSES = ("in_progress", "follow_up", "ready_for_review")
WORKBOOK = "client.auditwb"

Facts = frozenset[tuple[object, ...]]

# Every harness run of this session, for the terminal summary (conftest.py).
REPORTS: list[Report] = []


# ---------------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Profile:
    """How big the inputs are: `FULL` for the full run, `LIGHT` for the fast case of the default test run."""

    name: str
    sets: int  # `set` commands in the sequence
    checklist_rows: int  # requests in the imported checklist
    mb: tuple[float, ...]  # single file; the pair; the folder's csv and bin (the PNG is `png_side` square)
    png_side: int
    whole_export: bool  # the export operation exports every request (else one request with evidence)


FULL = Profile("full", sets=4, checklist_rows=2000, mb=(8, 3, 4, 3, 2), png_side=1100, whole_export=True)
LIGHT = Profile("light", sets=2, checklist_rows=300, mb=(2, 1, 1, 0.5, 0.5), png_side=400, whole_export=False)


@dataclass(frozen=True)
class Inputs:
    """What every case starts from: the prepared workbook, the files the commands are given, the plans."""

    folder: Path
    base: Path
    checklist: Path
    checklist_rows: int
    files: Path
    set_plan: tuple[tuple[str, str, str], ...]  # (ref, status, note or "")
    attach_refs: tuple[str, ...]  # single file, two files, then the three refs the folder's names carry
    follow_ref: str  # the request the `set` after each kill changes (no operation touches it)
    export_refs: tuple[str, ...]  # the export operation's scope (empty: every request)
    sweep_ref: str  # the scope of the export run after each export kill (one request with evidence)
    shim: Path | None


def program() -> list[str]:
    """The installed `audit-workbook` entry point (what a person runs), else `python -m workbook`."""
    entry = Path(sys.executable).with_name("audit-workbook")
    return [str(entry)] if entry.exists() else [sys.executable, "-m", "workbook"]


def build_shim(folder: Path) -> Path | None:
    """Compile crashshim.c (Linux, a C compiler); None when it cannot run here (io kills are then skipped)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None or not sys.platform.startswith("linux"):
        return None
    out = folder / "crashshim.so"
    made = subprocess.run(
        [compiler, "-shared", "-fPIC", "-O2", "-o", str(out), str(SHIM_SOURCE), "-ldl"],
        capture_output=True,
        check=False,
    )
    return out if made.returncode == 0 and out.exists() else None


def build_inputs(folder: Path, seed: int, profile: Profile = FULL) -> Inputs:
    """The demo workbook (the bundled checklist imported, people, statuses, evidence) and the inputs."""
    from workbook.model import Actor
    from workbook.services.demo import build_demo

    folder.mkdir(parents=True, exist_ok=True)
    base = build_demo(folder / "base", Actor(name="Crash Harness", login="crash"))
    rng = random.Random(f"{seed}:inputs")
    with contextlib.closing(sqlite3.connect(f"{base.resolve().as_uri()}?mode=ro", uri=True)) as con:
        requests = [
            (str(ref), str(status))
            for ref, status in con.execute(
                "SELECT ref, status FROM requests WHERE archived = 0 ORDER BY position"
            )
        ]
        with_evidence = con.execute(
            "SELECT min(requests.ref) FROM requests JOIN links ON links.request_id = requests.id"
        ).fetchone()[0]
    requests = [(ref, status) for ref, status in requests if ref != with_evidence]
    chosen = rng.sample(requests, 11)
    set_plan = tuple(
        (
            ref,
            rng.choice([s for s in (*FOLLOW_STATUSES, "accepted", "not_applicable") if s != status]),
            f"crash harness note {n}" if n % 2 else "",
        )
        for n, (ref, status) in enumerate(chosen[: profile.sets])
    )
    attach_refs = tuple(ref for ref, _status in chosen[5:10])
    files = folder / "files"
    _write_attach_files(files, attach_refs, rng, profile)
    checklist = _write_checklist(folder / "checklist.xlsx", profile.checklist_rows)
    return Inputs(
        folder=folder,
        base=base,
        checklist=checklist,
        checklist_rows=profile.checklist_rows,
        files=files,
        set_plan=set_plan,
        attach_refs=attach_refs,
        follow_ref=chosen[10][0],
        export_refs=() if profile.whole_export else (with_evidence,),
        sweep_ref=with_evidence,
        shim=build_shim(folder),
    )


def _write_attach_files(files: Path, refs: Sequence[str], rng: random.Random, profile: Profile) -> None:
    """Several MB each, incompressible: one file, a pair, and a folder whose names carry three refs."""
    from PIL import Image

    single, pair_bin, pair_csv, folder_csv, folder_bin = (int(mb * (1 << 20)) for mb in profile.mb)
    (files / "folder").mkdir(parents=True, exist_ok=True)
    (files / "single-evidence.bin").write_bytes(rng.randbytes(single))
    (files / "pair-extract.bin").write_bytes(rng.randbytes(pair_bin))
    (files / "pair-ledger.csv").write_text(_csv_text(rng, pair_csv), "utf-8")
    side = profile.png_side
    Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3)).save(
        files / "folder" / f"{refs[2]} scan.png", compress_level=1
    )
    (files / "folder" / f"{refs[3]} ledger.csv").write_text(_csv_text(rng, folder_csv), "utf-8")
    (files / "folder" / f"{refs[4]} extract.bin").write_bytes(rng.randbytes(folder_bin))


def _csv_text(rng: random.Random, size: int) -> str:
    lines = ["entry,account,amount,posted\n"]
    total = len(lines[0])
    n = 0
    while total < size:
        n += 1
        amount = rng.randrange(-(10**7), 10**7) / 100
        line = f"{n},{rng.randrange(1000, 9999)},{amount:.2f},2026-{1 + n % 12:02d}-15\n"
        lines.append(line)
        total += len(line)
    return "".join(lines)


CHECKLIST_HEADERS = [
    "Request ID",
    "TSC",
    "Section",
    "Title",
    "Request Description",
    "Owner",
    "Status",
    "Due Date",
]


def _write_checklist(path: Path, rows: int) -> Path:
    """An auditor's request list of `rows` requests (the layout tests/benchmarks/bench_import.py uses)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Requests")
    sheet.append(["Example Assurance LLP — request list"])
    sheet.append([])
    sheet.append(CHECKLIST_HEADERS)
    for i in range(1, rows + 1):
        sheet.append(
            [
                f"PBC-{i:05d}",
                f"CC{1 + i % 9}.{1 + i % 4}, CC{1 + i % 5}.1",
                f"CC{1 + i % 9}",
                f"Title {i}",
                f"Provide the population and samples for control {i} across the period.",
                "",
                "Open",
                f"2026-{1 + i % 12:02d}-15",
            ]
        )
    book.save(path)
    return path


# ------------------------------------------------------------------------------------------ operations


@dataclass(frozen=True)
class Step:
    """One command: its arguments ({wb}: the workbook, {out}: the export folder); `additive` when it commits
    in several transactions that each only add facts (attach of several files: one transaction per file)."""

    args: tuple[str, ...]
    additive: bool = False

    def argv(self, wb: Path, out: Path) -> list[str]:
        return [a.format(wb=wb, out=out) for a in self.args]


@dataclass(frozen=True)
class Operation:
    name: str
    steps: Callable[[Inputs], list[Step]]
    state: Callable[[sqlite3.Connection, Inputs], Facts]
    io_on_out: bool = False  # the io kills also count the export folder's writes


def _set_steps(inputs: Inputs) -> list[Step]:
    steps = []
    for ref, status, note in inputs.set_plan:
        args = ["set", "{wb}", ref, "--status", status]
        if note:
            args += ["--note", note]
        steps.append(Step(tuple(args)))
    return steps


def _set_state(con: sqlite3.Connection, inputs: Inputs) -> Facts:
    refs = [ref for ref, _status, _note in inputs.set_plan]
    marks = ",".join("?" * len(refs))
    query = f"SELECT ref, status, notes, owner_id, due FROM requests WHERE ref IN ({marks})"
    return frozenset(("request", *row) for row in con.execute(query, refs))


def _import_steps(inputs: Inputs) -> list[Step]:
    return [Step(("import", "{wb}", str(inputs.checklist)))]


def _import_state(con: sqlite3.Connection, _inputs: Inputs) -> Facts:
    rows = con.execute("SELECT ref, title, request_text, status, archived, position FROM requests")
    imports = con.execute("SELECT id, sha256 FROM imports")
    return frozenset([("request", *row) for row in rows] + [("import", *row) for row in imports])


def _attach_steps(inputs: Inputs) -> list[Step]:
    files, refs = inputs.files, inputs.attach_refs
    return [
        Step(("attach", "{wb}", refs[0], str(files / "single-evidence.bin"))),
        Step(
            ("attach", "{wb}", refs[1], str(files / "pair-extract.bin"), str(files / "pair-ledger.csv")),
            additive=True,
        ),
        # One batch (under 64 MB and 100 files): one transaction.
        Step(("attach", "{wb}", "--folder", str(files / "folder"))),
    ]


def _attach_state(con: sqlite3.Connection, _inputs: Inputs) -> Facts:
    links = con.execute(
        "SELECT requests.ref, evidence.sha256, evidence.size, links.current FROM links"
        " JOIN requests ON requests.id = links.request_id JOIN evidence ON evidence.id = links.evidence_id"
    )
    evidence = con.execute("SELECT sha256, size, name FROM evidence")
    return frozenset([("link", *row) for row in links] + [("evidence", *row) for row in evidence])


EXPORT_OUTPUTS = ("package.pdf", "package.zip", "checklist-answered.xlsx")


def _export_steps(inputs: Inputs) -> list[Step]:
    return [Step(tuple(export_args(inputs.export_refs)))]


def export_args(refs: Sequence[str]) -> list[str]:
    """`export` of the three outputs into {out} (of the requests `refs` only, when given)."""
    pdf, zip_, xlsx = EXPORT_OUTPUTS
    args = [
        "export",
        "{wb}",
        "--pdf",
        f"{{out}}/{pdf}",
        "--zip",
        f"{{out}}/{zip_}",
        "--xlsx",
        f"{{out}}/{xlsx}",
    ]
    for ref in refs:
        args += ["--ref", ref]
    return args


def _export_state(con: sqlite3.Connection, _inputs: Inputs) -> Facts:
    rows = con.execute("SELECT id, field FROM activity WHERE action = 'package.export'")
    return frozenset(("export", *row) for row in rows)


NEXT_PERIOD = "next.auditwb"


def next_period_args() -> list[str]:
    """`next-period` of the workbook into {out}/next.auditwb, for the year after the demo's period."""
    return ["next-period", "{wb}", f"{{out}}/{NEXT_PERIOD}", "--period", "2027-01-01..2027-12-31"]


def _next_period_steps(_inputs: Inputs) -> list[Step]:
    return [Step(tuple(next_period_args()))]


def _next_period_state(con: sqlite3.Connection, _inputs: Inputs) -> Facts:
    """The old workbook must not change at all: its log head and every request as it was."""
    head = con.execute("SELECT value FROM meta WHERE key = 'activity_head'").fetchone()
    rows = con.execute("SELECT ref, status, notes, owner_id, due FROM requests")
    return frozenset([("head", head[0] if head else ""), *(("request", *row) for row in rows)])


OPERATIONS: tuple[Operation, ...] = (
    Operation("set", _set_steps, _set_state),
    Operation("import", _import_steps, _import_state),
    Operation("attach", _attach_steps, _attach_state),
    Operation("export", _export_steps, _export_state, io_on_out=True),
    Operation("next-period", _next_period_steps, _next_period_state, io_on_out=True),
)


# ------------------------------------------------------------------------------------------------ runs


@dataclass(frozen=True)
class Kill:
    mode: str  # random | stmt | commit | committed | io
    delay: float = 0.0  # random: seconds from the sequence's start
    step: int = 0  # the others: in which step, at which of its counted points
    at: int = 0

    def __str__(self) -> str:
        if self.mode == "random":
            return f"random SIGKILL after {self.delay:.3f} s"
        return f"{self.mode} kill at point {self.at} of step {self.step + 1}"


@dataclass
class Run:
    acknowledged: int = 0  # steps that exited 0, in order
    killed: int | None = None  # the step the kill landed in
    failed: list[str] = field(default_factory=list)  # steps that ended otherwise (not killed, not 0)
    durations: list[float] = field(default_factory=list)
    counts: list[dict[str, int]] = field(default_factory=list)  # count runs: per step, per kill mode
    states: list[Facts] = field(default_factory=list)  # count runs: the state after each step
    where: str = ""  # what the kill hit, as the child logged it


def child_env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRASH_") and k != "LD_PRELOAD"}
    env["AUDIT_WORKBOOK_PROFILES"] = str(folder / "profiles" / "mapping-profiles.json")
    env["AUDIT_WORKBOOK_USER"] = "Crash Harness"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _io_paths(op: Operation, wb: Path, out: Path) -> str:
    # The workbook also matches its -journal and .lock; its automatic backups folder is counted too.
    paths = [str(wb.resolve()), str(backups_folder(wb).resolve()) + "/"]
    if op.io_on_out:
        paths.append(str(out.resolve()) + "/")
    return ":".join(paths)


def run_steps(
    op: Operation,
    inputs: Inputs,
    wb: Path,
    out: Path,
    folder: Path,
    kill: Kill | None,
    *,
    count: bool = False,
) -> Run:
    """Run the operation's steps in order; stop at the one the kill landed in (or one that failed)."""
    run = Run()
    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    base_env = child_env(folder)
    start = time.monotonic()
    for index, step in enumerate(op.steps(inputs)):
        env = dict(base_env)
        txn_log, io_log = logs / f"{index}.txn", logs / f"{index}.io"
        argv = program() + step.argv(wb, out)
        armed = kill is not None and kill.mode != "random" and kill.step == index
        if count or (armed and kill is not None and kill.mode in TXN_FLAVOURS):
            argv = [sys.executable, str(CRASHPOINT), *step.argv(wb, out)]
            env["CRASH_TXN_LOG"] = str(txn_log)
            env["CRASH_TXN_MODE"] = kill.mode if armed and kill is not None else "count"
            env["CRASH_TXN_AT"] = str(kill.at if armed and kill is not None else 0)
        if inputs.shim is not None and (count or (armed and kill is not None and kill.mode == "io")):
            env["LD_PRELOAD"] = str(inputs.shim)
            env["CRASH_IO_PATHS"] = _io_paths(op, wb, out)
            env["CRASH_IO_LOG"] = str(io_log)
            env["CRASH_IO_AT"] = str(kill.at if armed and kill is not None else 0)
        began = time.monotonic()
        with (logs / f"{index}.out").open("wb") as stdout, (logs / f"{index}.err").open("wb") as stderr:
            child = subprocess.Popen(
                argv, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, cwd=folder, env=env
            )
            code = _wait(child, start, kill)
        run.durations.append(time.monotonic() - began)
        if code == -signal.SIGKILL:
            run.killed = index
            run.where = _landed(kill, index, txn_log, io_log, run.durations)
            break
        if code != 0:
            err = (logs / f"{index}.err").read_text("utf-8", "replace").strip().splitlines()
            run.failed.append(f"step {index + 1} ({' '.join(step.args[:1])}) exited {code}: {err[-1:] or ''}")
            break
        run.acknowledged += 1
        if count:
            run.counts.append(_read_counts(txn_log, io_log))
            run.states.append(read_state(op, inputs, wb))
    return run


def _wait(child: subprocess.Popen[bytes], start: float, kill: Kill | None) -> int:
    if kill is not None and kill.mode == "random":
        remaining = kill.delay - (time.monotonic() - start)
        try:
            return child.wait(timeout=max(0.0, remaining))
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
    try:
        return child.wait(timeout=HANG_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        return -999


def _landed(kill: Kill | None, index: int, txn_log: Path, io_log: Path, durations: list[float]) -> str:
    if kill is None or kill.mode == "random":
        return f"step {index + 1} after {durations[-1]:.2f} s"
    log = txn_log if kill.mode in TXN_FLAVOURS else io_log
    lines = [line for line in _read(log).splitlines() if line.startswith("kill ")]
    return f"step {index + 1}: {lines[-1][5:]}" if lines else f"step {index + 1}"


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8", "replace")
    except OSError:
        return ""


def _read_counts(txn_log: Path, io_log: Path) -> dict[str, int]:
    counts = {"stmt": 0, "commit": 0, "committed": 0, "io": 0}
    for line in _read(txn_log).splitlines():
        parts = line.split()
        if parts[:1] == ["stmt"] and len(parts) == 4:
            counts["stmt"] += int(parts[1])
            counts["commit"] += int(parts[3])
            counts["committed"] += int(parts[3])
    for line in _read(io_log).splitlines():
        if line.startswith("count "):
            counts["io"] += int(line.split()[1])
    return counts


def read_state(op: Operation, inputs: Inputs, wb: Path) -> Facts:
    with contextlib.closing(sqlite3.connect(f"{wb.resolve().as_uri()}?mode=ro", uri=True)) as con:
        return op.state(con, inputs)


# ------------------------------------------------------------------------------------------- reference


@dataclass(frozen=True)
class Reference:
    """A run of the operation without a kill: states after each step (S0 = the base), counts, durations."""

    states: tuple[Facts, ...]
    counts: tuple[dict[str, int], ...]
    duration: float
    steps: tuple[Step, ...]


def reference(op: Operation, inputs: Inputs, folder: Path) -> Reference:
    wb, out = _fresh_case(inputs, folder)
    before = read_state(op, inputs, wb)
    run = run_steps(op, inputs, wb, out, folder, None, count=True)
    if run.failed or run.killed is not None:
        raise AssertionError(f"{op.name}: the reference run failed: {run.failed} (logs in {folder / 'logs'})")
    return Reference(
        states=(before, *run.states),
        counts=tuple(run.counts),
        duration=sum(run.durations),
        steps=tuple(op.steps(inputs)),
    )


def _fresh_case(inputs: Inputs, folder: Path) -> tuple[Path, Path]:
    (folder / "wb").mkdir(parents=True)
    (folder / "out").mkdir()
    wb = folder / "wb" / WORKBOOK
    shutil.copyfile(inputs.base, wb)
    return wb, folder / "out"


def plan_kill(ref: Reference, mode: str, rng: random.Random) -> Kill:
    if mode == "random":
        return Kill("random", delay=rng.uniform(0.0, ref.duration))
    total = sum(c[mode] for c in ref.counts)
    if total == 0:
        return Kill("random", delay=rng.uniform(0.0, ref.duration))
    point = rng.randint(1, total)
    for step, counts in enumerate(ref.counts):
        if point <= counts[mode]:
            return Kill(mode, step=step, at=point)
        point -= counts[mode]
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------- checks

FAILURE_KINDS = ("corrupted", "lost", "torn", "orphaned", "partial", "leftover", "stale_lock", "other")


@dataclass
class CaseResult:
    op: str
    case: str
    seed: str
    kill: Kill
    run: Run
    folder: Path
    problems: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in FAILURE_KINDS})
    journal_left: bool = (
        False  # a -journal beside the workbook right after the kill (rolled back by the next open)
    )
    staging_left: int = 0  # staging folders the kill left (the next export must sweep them)
    outputs_published: int = 0  # export: outputs of the killed export already renamed into place
    backups: int = 0  # whole automatic backups beside the workbook (import takes one first)
    committed_unacknowledged: bool = False  # the killed step's change was on disk although it never exited 0
    timings: dict[str, float] = field(default_factory=dict)  # seconds: run, verify, export, next write

    @property
    def landed(self) -> bool:
        return self.run.killed is not None

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())

    def add(self, kind: str, message: str) -> None:
        self.problems[kind].append(message)

    def describe(self) -> str:
        found = "; ".join(f"{k}: {' | '.join(v)}" for k, v in self.problems.items() if v)
        return (
            f"{self.case} (seed {self.seed!r}, {self.kill}, landed {self.run.where or 'nowhere'}): {found}"
            f" — files kept in {self.folder}"
        )


def check_case(
    op: Operation, inputs: Inputs, ref: Reference, result: CaseResult, wb: Path, out: Path
) -> None:
    """After the kill: verify, integrity, acknowledged changes, orphans, outputs, staging, the lock."""
    folder = result.folder
    run = result.run
    result.journal_left = wb.with_name(wb.name + "-journal").exists()
    result.staging_left = sum(1 for p in out.iterdir() if STAGING.match(p.name))
    for message in run.failed:
        result.add("other", message)
    env = child_env(folder)
    clock = time.monotonic()
    verify = _cli(["verify", str(wb)], folder, env)
    result.timings["verify"] = time.monotonic() - clock
    if verify.returncode != 0:
        tail = " / ".join((verify.stdout + verify.stderr).strip().splitlines()[-4:])
        result.add("corrupted", f"verify exited {verify.returncode}: {tail}")
    try:
        _check_database(op, inputs, ref, result, wb)
    except sqlite3.Error as error:
        result.add("corrupted", f"the workbook cannot be read after verify: {error}")
    clock = time.monotonic()
    if op.name == "export":
        _check_export(inputs, result, wb, out, env)
        result.timings["export"] = time.monotonic() - clock
    if op.name == "next-period":
        _check_next_period(result, wb, out, env)
        result.timings["next-period"] = time.monotonic() - clock
    clock = time.monotonic()
    _check_next_write(inputs, result, wb, env)
    result.timings["next write"] = time.monotonic() - clock
    _check_beside(result, wb)
    profiles = folder / "profiles"
    if profiles.is_dir():
        for entry in profiles.iterdir():
            if entry.suffix == ".json":
                try:
                    json.loads(entry.read_text("utf-8"))
                except ValueError:
                    result.add("partial", f"the mapping-profile store {entry.name} is not whole JSON")


def _cli(args: list[str], folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        program() + args, cwd=folder, env=env, capture_output=True, text=True, timeout=HANG_S, check=False
    )


def backups_folder(wb: Path) -> Path:
    """Where the app keeps a workbook's automatic backups (one is taken before every re-import)."""
    return wb.with_name(wb.stem + ".backups")


BACKUP_NAME = re.compile(r"^.+-\d{8}-\d{6}-(daily|before-import)\.auditwb$")


def _check_beside(result: CaseResult, wb: Path) -> None:
    """Beside the workbook after the next write: its lock at most, and its backups folder of whole backups."""
    backups = backups_folder(wb)
    for entry in wb.parent.iterdir():
        if entry.name not in (wb.name, wb.name + ".lock", backups.name):
            result.add("leftover", f"{entry.name} left beside the workbook after the next write")
    if not backups.is_dir():
        return
    for entry in backups.iterdir():
        if not BACKUP_NAME.match(entry.name):
            result.add("leftover", f"{backups.name}/{entry.name} left in the automatic backups folder")
            continue
        result.backups += 1
        try:
            with contextlib.closing(sqlite3.connect(f"{entry.resolve().as_uri()}?mode=ro", uri=True)) as con:
                integrity = [row[0] for row in con.execute("PRAGMA integrity_check")]
        except sqlite3.Error as error:
            integrity = [str(error)]
        if integrity != ["ok"]:
            result.add("partial", f"automatic backup {entry.name} is not whole: {integrity[:3]}")


def _check_database(op: Operation, inputs: Inputs, ref: Reference, result: CaseResult, wb: Path) -> None:
    uri = f"{wb.resolve().as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as con:
        integrity = [row[0] for row in con.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            result.add("corrupted", f"integrity_check: {integrity[:5]}")
        foreign = list(con.execute("PRAGMA foreign_key_check"))
        if foreign:
            result.add("corrupted", f"foreign_key_check: {foreign[:5]}")
        for message in orphan_problems(con):
            result.add("orphaned", message)
        now = op.state(con, inputs)
    check_state(ref, result, now)


def orphan_problems(con: sqlite3.Connection) -> list[str]:
    """Chunks of no evidence; evidence whose chunks are not 0..n-1 or do not hash to it, or of no request."""
    problems = []
    stray = con.execute(
        "SELECT evidence_id, count(*) FROM evidence_chunks"
        " WHERE evidence_id NOT IN (SELECT id FROM evidence) GROUP BY evidence_id"
    ).fetchall()
    problems.extend(f"{n} chunk(s) of evidence id {eid}, which has no evidence row" for eid, n in stray)
    for evidence_id, sha256, size, name in con.execute(
        "SELECT id, sha256, size, name FROM evidence ORDER BY id"
    ):
        digest, total, chunks = hashlib.sha256(), 0, []
        rows = con.execute(
            "SELECT seq, data FROM evidence_chunks WHERE evidence_id = ? ORDER BY seq", (evidence_id,)
        )
        for expected, (seq, data) in enumerate(rows):
            if seq != expected:
                problems.append(f"evidence {name!r}: chunk {expected} missing (next is {seq})")
                break
            digest.update(bytes(data))
            total += len(data)
            chunks.append(seq)
        else:
            if total != size or digest.hexdigest() != sha256:
                problems.append(
                    f"evidence {name!r}: its {len(chunks)} chunk(s) hold {total:,} bytes hashing to "
                    f"{digest.hexdigest()[:12]}…, not {size:,} bytes and {sha256[:12]}…"
                )
    unlinked = con.execute(
        "SELECT name FROM evidence WHERE id NOT IN (SELECT evidence_id FROM links)"
        " AND id NOT IN (SELECT evidence_id FROM sample_evidence)"
        " AND id NOT IN (SELECT evidence_id FROM prior_evidence) ORDER BY id"
    ).fetchall()
    problems.extend(f"evidence {name!r} is linked to no request" for (name,) in unlinked)
    return problems


def check_state(ref: Reference, result: CaseResult, now: Facts) -> None:
    """Every acknowledged change present; the step in flight whole or absent (or some of its files)."""
    run = result.run
    k = run.acknowledged
    states = ref.states
    before = states[k]
    if run.killed is None:
        if run.failed:
            return
        if now != states[-1]:
            result.add(
                "lost",
                f"the sequence completed but the state differs from the reference ({_diff(states[-1], now)})",
            )
        return
    after = states[k + 1]
    # Facts the acknowledged steps made, except those the step in flight itself replaces.
    acknowledged = (before - states[0]) - (before - after)
    undone = (states[0] - before) & now
    missing = acknowledged - now
    if missing or undone:
        result.add(
            "lost", f"acknowledged changes missing after step {k + 1} was killed: {_diff(before, now)}"
        )
        return
    if ref.steps[k].additive:
        whole = before <= now <= after if before <= after else now in (before, after)
    else:
        whole = now in (before, after)
    if not whole:
        result.add(
            "torn",
            f"step {k + 1} is neither whole nor absent: {_diff(before, now)} (vs after: {_diff(after, now)})",
        )
    result.committed_unacknowledged = now == after and after != before


def _diff(expected: Facts, now: Facts) -> str:
    gone, extra = sorted(map(str, expected - now)), sorted(map(str, now - expected))
    return f"{len(gone)} missing {gone[:3]}, {len(extra)} unexpected {extra[:3]}"


def output_problems(out: Path) -> list[str]:
    """Every file in the export folder is a complete output (staging folders are counted apart)."""
    problems = []
    qpdf = shutil.which("qpdf")
    for entry in sorted(out.iterdir()):
        name = entry.name
        if STAGING.match(name):
            continue
        if entry.is_dir() or name.startswith(".") or name.endswith(".part") or name not in EXPORT_OUTPUTS:
            problems.append(f"{name}: not an output the export publishes (a temporary or partial file)")
        elif name.endswith(".pdf"):
            problems.extend(_pdf_problems(entry, qpdf))
        elif name.endswith(".zip"):
            try:
                with zipfile.ZipFile(entry) as zf:
                    bad = zf.testzip()
                if bad is not None:
                    problems.append(f"{name}: member {bad} fails its CRC")
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                problems.append(f"{name}: not a whole zip ({error})")
        else:
            problems.extend(_xlsx_problems(entry))
    return problems


def _pdf_problems(path: Path, qpdf: str | None) -> list[str]:
    import pypdf

    try:
        with path.open("rb") as handle:
            reader = pypdf.PdfReader(handle, strict=True)
            if len(reader.pages) == 0:
                return [f"{path.name}: a PDF with no pages"]
    except Exception as error:
        return [f"{path.name}: pypdf cannot read it ({type(error).__name__}: {error})"]
    if qpdf is not None:
        checked = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True, check=False)
        if checked.returncode != 0:
            return [f"{path.name}: qpdf --check exited {checked.returncode}: {checked.stderr.strip()[:200]}"]
    return []


def _xlsx_problems(path: Path) -> list[str]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True)
        try:
            for sheet in book.worksheets:
                for _row in sheet.iter_rows(values_only=True):
                    pass
        finally:
            book.close()
    except Exception as error:
        return [f"{path.name}: openpyxl cannot read it ({type(error).__name__}: {error})"]
    return []


def _check_export(inputs: Inputs, result: CaseResult, wb: Path, out: Path, env: dict[str, str]) -> None:
    """Outputs the kill left are whole; an acknowledged export's are all there; the next export sweeps."""
    present = [name for name in EXPORT_OUTPUTS if (out / name).exists()]
    result.outputs_published = len(present) if result.run.killed is not None else 0
    for message in output_problems(out):
        result.add("partial", f"after the kill: {message}")
    if result.run.killed is None and not result.run.failed and len(present) != len(EXPORT_OUTPUTS):
        result.add("lost", f"the export exited 0 but only {present} are in its folder")
    again = _cli(Step(tuple(export_args([inputs.sweep_ref]))).argv(wb, out), result.folder, env)
    if again.returncode != 0:
        result.add("other", f"the next export exited {again.returncode}: {again.stderr.strip()[-300:]}")
    left = sorted(p.name for p in out.iterdir() if STAGING.match(p.name))
    if left:
        result.add("leftover", f"staging folder(s) {left} remain after the next export")
    for message in output_problems(out):
        result.add("partial", f"after the next export: {message}")
    if again.returncode == 0 and any(not (out / name).exists() for name in EXPORT_OUTPUTS):
        result.add("partial", "the next export exited 0 but its outputs are not all there")


def _check_next_period(result: CaseResult, wb: Path, out: Path, env: dict[str, str]) -> None:
    """The new workbook the kill left is whole (verify 0) or absent; running next-period again to the same
    name succeeds (it clears what the killed one left) and leaves nothing but the new workbook."""
    new = out / NEXT_PERIOD
    if new.exists():
        check = _cli(["verify", str(new)], result.folder, env)
        if check.returncode != 0:
            tail = " / ".join((check.stdout + check.stderr).strip().splitlines()[-3:])
            result.add("partial", f"the new workbook the kill left does not verify: {tail}")
        if result.run.killed is not None:
            result.outputs_published = 1
        new.unlink()
        for extra in out.glob(f"{NEXT_PERIOD}.lock"):
            extra.unlink()
    elif result.run.killed is None and not result.run.failed:
        result.add("lost", "next-period exited 0 but the new workbook is not there")
    again = _cli(Step(tuple(next_period_args())).argv(wb, out), result.folder, env)
    if again.returncode != 0:
        result.add(
            "other", f"next-period after the kill exited {again.returncode}: {again.stderr.strip()[-300:]}"
        )
    left = sorted(p.name for p in out.iterdir() if p.name not in (NEXT_PERIOD, f"{NEXT_PERIOD}.lock"))
    if left:
        result.add("leftover", f"{left} remain beside the new workbook after next-period ran again")


def _check_next_write(inputs: Inputs, result: CaseResult, wb: Path, env: dict[str, str]) -> None:
    """The next write succeeds (no stale lock, no journal in the way) and lands."""
    uri = f"{wb.resolve().as_uri()}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as con:
            found = con.execute("SELECT status FROM requests WHERE ref = ?", (inputs.follow_ref,)).fetchone()
    except sqlite3.Error as error:
        result.add("stale_lock", f"cannot read the workbook before the next write: {error}")
        return
    current = found[0] if found else ""
    target = next(s for s in FOLLOW_STATUSES if s != current)
    began = time.monotonic()
    done = _cli(["set", str(wb), inputs.follow_ref, "--status", target], result.folder, env)
    waited = time.monotonic() - began
    if done.returncode != 0:
        result.add(
            "stale_lock", f"the next set exited {done.returncode} after {waited:.1f} s: {done.stderr.strip()}"
        )
        return
    if "waiting" in done.stderr.lower():
        result.add("stale_lock", f"the next set waited for a lock: {done.stderr.strip()}")
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as con:
        now = con.execute("SELECT status FROM requests WHERE ref = ?", (inputs.follow_ref,)).fetchone()
    if not now or now[0] != target:
        result.add("stale_lock", f"the next set exited 0 but {inputs.follow_ref} is {now}, not {target}")


# -------------------------------------------------------------------------------------------- the run


@dataclass
class OperationRow:
    op: str
    random: int = 0
    in_txn: dict[str, int] = field(default_factory=dict)
    attempts: int = 0
    failures: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FAILURE_KINDS, 0))
    journals: int = 0
    staging_swept: int = 0
    committed_unacknowledged: int = 0
    backups: int = 0
    outputs_split: int = 0
    mid_commit_pages: int = 0
    reference_s: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)  # summed over the row's cases

    @property
    def txn(self) -> int:
        return sum(self.in_txn.values())


def app_folder() -> str:
    """Where the app under test is imported from (PYTHONPATH may point at a snapshot of the tree)."""
    import workbook

    return str(Path(workbook.__file__).resolve().parent)


@dataclass
class Report:
    label: str
    seed: int
    kills_per_op: int
    jobs: int
    rows: dict[str, OperationRow]
    failures: list[str]
    elapsed: float
    shim: bool
    cpu: float  # the children's CPU seconds (what an idle machine needs, over its cores)
    app: str = field(default_factory=app_folder)  # the `workbook` package the commands ran
    skipped: list[str] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        return {k: sum(r.failures[k] for r in self.rows.values()) for k in FAILURE_KINDS}

    def headline(self) -> str:
        t = self.totals()
        kills = sum(r.random + r.txn for r in self.rows.values())
        return (
            f"crash harness ({self.label}, seed {self.seed}, {self.kills_per_op} kills/op, {self.jobs} jobs"
            f"{'' if self.shim else ', no io kills: no C compiler'}): {kills} kills in {self.elapsed:.0f} s "
            f"({self.cpu:.0f} s CPU); "
            f"{t['corrupted']} corrupted / {t['lost']} lost / {t['torn']} torn / {t['orphaned']} orphaned / "
            f"{t['partial']} partial / {t['leftover']} leftover / {t['stale_lock']} stale locks / "
            f"{t['other']} other"
        )

    def table(self) -> list[str]:
        lines = [
            "| operation | kills: random / in-transaction (stmt, commit, committed, io) | corrupted | lost | "
            "torn | orphan chunks | partial outputs | leftovers | stale locks | other | notes |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for row in self.rows.values():
            f = row.failures
            split = ", ".join(f"{k} {row.in_txn.get(k, 0)}" for k in ("stmt", "commit", "committed", "io"))
            notes = [
                f"{row.journals} left a -journal (the next open rolled it back)",
                f"{row.committed_unacknowledged} committed but unacknowledged",
                f"{row.attempts - row.random - row.txn} kills that missed (rerun)",
            ]
            if row.backups:
                notes.append(f"{row.backups} automatic backups beside the workbook, all whole")
            if row.mid_commit_pages:
                notes.append(f"{row.mid_commit_pages} io kills mid page-write of COMMIT")
            if row.op == "export":
                notes.append(f"{row.staging_swept} staging folders left by kills, swept by the next export")
                notes.append(f"{row.outputs_split} kills between the renames (some outputs published)")
            lines.append(
                f"| {row.op} | {row.random} / {row.txn} ({split}) | {f['corrupted']} | {f['lost']} | "
                f"{f['torn']} | "
                f"{f['orphaned']} | {f['partial']} | {f['leftover']} | {f['stale_lock']} | {f['other']} | "
                f"{'; '.join(notes)} |"
            )
        return lines


def selected(case: str) -> bool:
    only = [c.strip() for c in os.environ.get("CRASH_ONLY", "").split(",") if c.strip()]
    return not only or case in only


def run_harness(
    inputs: Inputs,
    folder: Path,
    *,
    label: str,
    seed: int,
    kills: int,
    jobs: int,
    operations: Iterable[Operation] = OPERATIONS,
    attempts: int = 4,
) -> Report:
    """`kills` landed kills per operation (half random, half in-transaction), `jobs` cases at a time."""
    started = time.monotonic()
    cpu_before = _children_cpu()
    operations = list(operations)
    refs: dict[str, Reference] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        made = {
            op.name: pool.submit(reference, op, inputs, folder / f"reference-{op.name}") for op in operations
        }
        for name, future in made.items():
            refs[name] = future.result()
    rows = {op.name: OperationRow(op.name, reference_s=refs[op.name].duration) for op in operations}
    rotation = ROTATION_WITH_IO if inputs.shim is not None else ROTATION
    lock = threading.Lock()
    failures: list[str] = []

    def one(op: Operation, index: int, mode: str) -> None:
        case = f"{op.name}-{mode}-{index}"
        if not selected(case):
            return
        for attempt in range(attempts):
            seed_text = f"{seed}:{op.name}:{index}:{attempt}"
            rng = random.Random(seed_text)
            kill = plan_kill(refs[op.name], mode, rng)
            case_folder = folder / f"{case}-try{attempt}"
            began = time.monotonic()
            wb, out = _fresh_case(inputs, case_folder)
            run = run_steps(op, inputs, wb, out, case_folder, kill)
            result = CaseResult(op.name, case, seed_text, kill, run, case_folder)
            result.timings["run"] = time.monotonic() - began
            check_case(op, inputs, refs[op.name], result, wb, out)
            result.timings["case"] = time.monotonic() - began
            with lock:
                _tally(rows[op.name], result)
                if not result.ok:
                    failures.append(result.describe())
                    # Said at once (a long run is read while it runs), beside the case's files too.
                    with (folder / "failures.log").open("a", encoding="utf-8") as log:
                        log.write(result.describe() + "\n")
                    (case_folder / "FAILED.txt").write_text(result.describe() + "\n", "utf-8")
            if result.ok:
                shutil.rmtree(case_folder, ignore_errors=True)
            if result.landed:
                return
        with lock:
            failures.append(f"{case} (seed {seed}): no kill landed in {attempts} attempts")

    plan = []
    for op_index, op in enumerate(operations):
        for index in range(kills):
            mode = "random" if index % 2 == 0 else rotation[(index // 2 + op_index) % len(rotation)]
            plan.append((op, index, mode))
    # Interleave the operations so that every one advances while others run.
    plan.sort(key=lambda item: (item[1], item[0].name))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for future in [pool.submit(one, *item) for item in plan]:
            future.result()
    report = Report(
        label,
        seed,
        kills,
        jobs,
        rows,
        failures,
        time.monotonic() - started,
        inputs.shim is not None,
        _children_cpu() - cpu_before,
    )
    REPORTS.append(report)
    (folder / "crash-report.json").write_text(json.dumps(_report_json(report), indent=2), "utf-8")
    return report


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tally(row: OperationRow, result: CaseResult) -> None:
    row.attempts += 1
    for part, seconds in result.timings.items():
        row.seconds[part] = row.seconds.get(part, 0.0) + seconds
    for kind, messages in result.problems.items():
        row.failures[kind] += bool(messages)
    if not result.landed:
        return
    if result.kill.mode == "random":
        row.random += 1
    else:
        row.in_txn[result.kill.mode] = row.in_txn.get(result.kill.mode, 0) + 1
    row.journals += result.journal_left
    row.staging_swept += result.staging_left
    row.committed_unacknowledged += result.committed_unacknowledged
    row.backups += result.backups
    row.outputs_split += 0 < result.outputs_published < len(EXPORT_OUTPUTS)
    if result.kill.mode == "io" and re.search(r"pwrite\S* \S+\.auditwb$", result.run.where):
        row.mid_commit_pages += 1


def _report_json(report: Report) -> dict[str, object]:
    return {
        "label": report.label,
        "seed": report.seed,
        "kills_per_op": report.kills_per_op,
        "jobs": report.jobs,
        "elapsed_s": round(report.elapsed, 1),
        "cpu_s": round(report.cpu, 1),
        "app": report.app,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "rows": {name: row.__dict__ | {"txn": row.txn} for name, row in report.rows.items()},
        "failures": report.failures,
        "table": report.table(),
        "headline": report.headline(),
    }
