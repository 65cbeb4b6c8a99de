"""The random-flip experiment: one byte changed in a page the database uses, then `verify`, classified.

Where a flip lands: the pages in use are those SQLite's dbstat table lists — every b-tree page of every table
and index and their overflow pages, page 1 included. Free-list pages and anything past the last page are never
chosen: no reader looks at them, so a changed byte there is not changed data. Inside a chosen page every byte
may be chosen, including the page's unallocated gap and its freeblocks: whether such a flip changed anything
is judged afterwards from what can be read, never assumed from where it landed.

What a flip changed (the ground truth): the file's readable state — every row of every table (each value
with its type), every index entry (read through the index alone), the schema, application_id and user_version
— compared with the original's, and SQLite's own `PRAGMA integrity_check`. A flip that leaves all of these as
they were changed nothing a reader can see, and "intact" is then the right answer.

The classes:
  named    verify exits 1 with at least one ALTERED line naming what differs
  damage   verify exits 1 with DAMAGED lines only, or exits 2 refusing the file with one sentence
  quiet    verify says intact and nothing readable changed (a byte SQLite never reads)
  missed   verify says intact although something readable changed (the target is none)
  crash    anything else: a traceback, another exit status

Run it as a script (`python tests/reliability/flip/flips.py --flips 100 --seed 13`) or through
tests/reliability/flip/test_flips.py.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

CLASSES = ("named", "damage", "quiet", "missed", "crash")
SEED = 13


@dataclass(frozen=True)
class Flip:
    """One byte of the file XOR-ed with `xor` (1-255): where it is and what the page holds."""

    number: int
    offset: int
    xor: int
    page: int
    owner: str
    region: str


@dataclass
class Result:
    flip: Flip
    outcome: str
    changed: bool
    integrity_ok: bool
    code: int
    lines: list[str] = field(default_factory=list)
    seconds: float = 0.0


def build_demo_copy(folder: Path) -> Path:
    """The demo workbook, built afresh in `folder` (about 7 s)."""
    from workbook.model import Actor
    from workbook.services.demo import build_demo

    return build_demo(folder, Actor(name="Dana Ops", login="dana"))


def _read_only(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    con.text_factory = bytes
    return con


def pages_in_use(path: Path) -> dict[int, tuple[str, str]]:
    """Page number → (the table or index it belongs to, its kind) for every page dbstat lists."""
    con = _read_only(path)
    try:
        rows = con.execute("SELECT pageno, name, pagetype FROM dbstat").fetchall()
    finally:
        con.close()
    return {int(page): (name.decode(), (kind or b"").decode()) for page, name, kind in rows}


def page_size_of(data: bytes) -> int:
    size = int.from_bytes(data[16:18], "big")
    return 65536 if size == 1 else size


def region_of(data: bytes, page: int, at: int, kind: str) -> str:
    """What the byte `at` (offset inside the page) is: header, pointer array, unallocated, freeblock, cell."""
    size = page_size_of(data)
    body = data[(page - 1) * size : page * size]
    if page == 1 and at < 100:
        return "file header"
    if kind == "overflow":
        return "overflow pointer" if at < 4 else "overflow content"
    base = 100 if page == 1 else 0
    header = 12 if body[base] in (2, 5) else 8
    cells = int.from_bytes(body[base + 3 : base + 5], "big")
    content = int.from_bytes(body[base + 5 : base + 7], "big") or 65536
    if at < base + header:
        return "page header"
    if at < base + header + 2 * cells:
        return "cell pointers"
    if at < content:
        return "unallocated"
    block = int.from_bytes(body[base + 1 : base + 3], "big")
    seen = 0
    while block and seen < 1000:
        length = int.from_bytes(body[block + 2 : block + 4], "big")
        if block <= at < block + length:
            return "freeblock"
        block = int.from_bytes(body[block : block + 2], "big")
        seen += 1
    return "cell"


def plan_flips(path: Path, count: int, seed: int, leave_out: Sequence[str] = ()) -> list[Flip]:
    """`count` flips at random offsets inside pages in use (the same seed and file give the same flips).

    `leave_out`: tables or indexes whose pages are not flipped (to look closer at the others).
    """
    data = path.read_bytes()
    size = page_size_of(data)
    used = pages_in_use(path)
    pages = sorted(page for page, (owner, _kind) in used.items() if owner not in leave_out)
    chance = random.Random(seed)
    flips = []
    for number in range(count):
        page = chance.choice(pages)
        at = chance.randrange(size)
        owner, kind = used[page]
        flips.append(
            Flip(
                number,
                (page - 1) * size + at,
                chance.randrange(1, 256),
                page,
                owner,
                region_of(data, page, at, kind),
            )
        )
    return flips


def apply_flip(source: Path, target: Path, flip: Flip) -> None:
    data = bytearray(source.read_bytes())
    data[flip.offset] ^= flip.xor
    target.write_bytes(bytes(data))


def _state_parts(con: sqlite3.Connection) -> Iterator[object]:
    yield con.execute("PRAGMA application_id").fetchone()
    yield con.execute("PRAGMA user_version").fetchone()
    objects = con.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    ).fetchall()
    yield objects
    for kind, name, table, _sql in objects:
        if kind == b"table":
            columns = [row[1].decode() for row in con.execute(f'PRAGMA table_info("{name.decode()}")')]
            values = ", ".join(f'quote("{c}")' for c in columns)
            yield from con.execute(f'SELECT rowid, {values} FROM "{name.decode()}" ORDER BY rowid')
        elif kind == b"index":
            columns = [row[2] for row in con.execute(f'PRAGMA index_info("{name.decode()}")')]
            values = ", ".join(f'quote("{c.decode()}")' for c in columns if c is not None)
            yield name
            yield from con.execute(
                f'SELECT {values}, rowid FROM "{table.decode()}" INDEXED BY "{name.decode()}"'
            )


def readable_state(path: Path) -> str | None:
    """A digest of everything a reader can see in the file, or None when SQLite cannot read it all."""
    digest = hashlib.sha256()
    try:
        con = _read_only(path)
        try:
            for part in _state_parts(con):
                digest.update(repr(part).encode())
        finally:
            con.close()
    except (sqlite3.Error, UnicodeDecodeError):  # the driver cannot decode a message quoting damaged bytes
        return None
    return digest.hexdigest()


def integrity_ok(path: Path) -> bool:
    try:
        con = _read_only(path)
        try:
            return [row[0] for row in con.execute("PRAGMA integrity_check")] == [b"ok"]
        finally:
            con.close()
    except (sqlite3.Error, UnicodeDecodeError):
        return False


def run_verify(path: Path) -> tuple[int, str, str]:
    """`audit-workbook verify PATH` run here: exit status, stdout, stderr (a crash: -1 and the traceback)."""
    from workbook.cli import main

    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["verify", str(path)])
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else -1
    except Exception:  # a crash is what this experiment looks for
        code = -1
        err.write(traceback.format_exc())
    return code, out.getvalue(), err.getvalue()


def classify(code: int, out: str, err: str, changed: bool) -> str:
    lines = out.splitlines()
    if code == 0 and lines and lines[-1] == "intact":
        return "missed" if changed else "quiet"
    if code == 1 and any(line.startswith("ALTERED ") for line in lines):
        return "named"
    if code == 1 and any(line.startswith("DAMAGED ") for line in lines):
        return "damage"
    if code == 2 and err.startswith("audit-workbook: ") and "Traceback" not in err:
        return "damage"
    return "crash"


def run_flip(source: Path, flip: Flip, folder: Path, baseline: str) -> Result:
    target = folder / f"flip-{flip.number:03d}.auditwb"
    apply_flip(source, target, flip)
    started = time.perf_counter()
    code, out, err = run_verify(target)
    seconds = time.perf_counter() - started
    intact = integrity_ok(target)
    changed = not intact or readable_state(target) != baseline
    outcome = classify(code, out, err, changed)
    lines = [line for line in (out + err).splitlines() if line.strip()]
    target.unlink()
    return Result(flip, outcome, changed, intact, code, lines[:6], seconds)


def run_experiment(source: Path, flips: Sequence[Flip], folder: Path) -> list[Result]:
    baseline = readable_state(source)
    assert baseline is not None, "the original workbook must read whole"
    return [run_flip(source, flip, folder, baseline) for flip in flips]


def counts(results: Sequence[Result]) -> Counter[str]:
    return Counter(r.outcome for r in results)


def table(results: Sequence[Result]) -> str:
    """The figures: flips per class, then per table or index the flipped page belongs to."""
    total = counts(results)
    lines = [
        f"{len(results)} flips: " + ", ".join(f"{name} {total.get(name, 0)}" for name in CLASSES),
        "",
        f"{'page belongs to':<36}" + "".join(f"{name:>8}" for name in CLASSES),
    ]
    by_owner: dict[str, Counter[str]] = {}
    for result in results:
        by_owner.setdefault(result.flip.owner, Counter())[result.outcome] += 1
    for owner, found in sorted(by_owner.items(), key=lambda item: -sum(item[1].values())):
        lines.append(f"{owner:<36}" + "".join(f"{found.get(name, 0):>8}" for name in CLASSES))
    by_region: dict[str, Counter[str]] = {}
    for result in results:
        by_region.setdefault(result.flip.region, Counter())[result.outcome] += 1
    lines += ["", f"{'where in the page':<36}" + "".join(f"{name:>8}" for name in CLASSES)]
    for region, found in sorted(by_region.items(), key=lambda item: -sum(item[1].values())):
        lines.append(f"{region:<36}" + "".join(f"{found.get(name, 0):>8}" for name in CLASSES))
    unchanged = sum(1 for r in results if not r.changed)
    lines += [
        "",
        f"flips that changed nothing readable: {unchanged}; integrity_check flagged: "
        f"{sum(1 for r in results if not r.integrity_ok)}",
    ]
    for result in results:
        if result.outcome in ("missed", "crash"):
            flip = result.flip
            lines.append(
                f"{result.outcome.upper()} flip #{flip.number}: offset {flip.offset} ^0x{flip.xor:02x}, page "
                f"{flip.page} ({flip.owner}, {flip.region}): exit {result.code}; "
                f"{' | '.join(result.lines)[:300]}"
            )
    slowest = max((r.seconds for r in results), default=0.0)
    lines.append(
        f"verify took {sum(r.seconds for r in results) / max(1, len(results)):.2f} s a flip on average, "
        f"{slowest:.2f} s at most"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flips", type=int, default=100)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--workbook", type=Path, help="flip a copy of this workbook instead of a fresh demo")
    parser.add_argument("--details", action="store_true", help="one line per flip")
    parser.add_argument(
        "--leave-out", action="append", default=[], help="a table whose pages are not flipped"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="awb-flips-") as tmp:
        folder = Path(tmp)
        if args.workbook:
            source = folder / "source.auditwb"
            shutil.copyfile(args.workbook, source)
        else:
            source = build_demo_copy(folder / "demo")
        flips = plan_flips(source, args.flips, args.seed, args.leave_out)
        results = run_experiment(source, flips, folder)
    if args.details:
        for r in results:
            f = r.flip
            print(
                f"#{f.number:<3} page {f.page:<4} {f.owner:<34} {f.region:<17} {r.outcome:<7} "
                f"changed={'yes' if r.changed else 'no ':<3} exit {r.code}  {(r.lines or [''])[0][:110]}"
            )
        print()
    print(table(results))
    return 1 if counts(results).get("missed") or counts(results).get("crash") else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    sys.exit(main())
