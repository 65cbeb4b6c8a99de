"""A clean copy of an odd or damaged workbook: rows copied value by value, nothing of its schema run."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workbook.errors import UserError, WorkbookDamaged
from workbook.storage import safety, schema_check, value_rules
from workbook.storage.fileformat import (
    SCHEMA_HEAD,
    FileFacts,
    InterruptedWrite,
    SchemaObject,
    check_revision,
    inspect_workbook_file,
)
from workbook.storage.safety import connect, reset_budget
from workbook.storage.values import DATETIME_FORMAT, ColumnRule, Row, clean

# Pointers that may be empty: cleared when the row they point to is gone (any other such row is dropped).
_CLEARED_WHEN_DANGLING = {("requests", "owner_id"), ("links", "replaced_by")}


@dataclass(frozen=True)
class RepairReport:
    """The clean copy and what it took: one line per thing dropped or fixed, rows copied per table."""

    path: Path
    notes: tuple[str, ...]
    copied: tuple[tuple[str, int], ...]

    def rows(self, table: str) -> int:
        return dict(self.copied).get(table, 0)


@dataclass
class _Copy:
    notes: list[str] = field(default_factory=list)
    copied: dict[str, int] = field(default_factory=dict)
    log_intact: bool = True


def read_source(path: Path, roll_back: Callable[[Path], None]) -> FileFacts:
    """The source's facts; a cut-off write is rolled back first (by `roll_back`, as any next writer would)."""
    try:
        facts = inspect_workbook_file(path)
    except InterruptedWrite:
        roll_back(path)
        facts = inspect_workbook_file(path)
    if facts.revision is not None:
        check_revision(facts.revision, str(path))
    return facts


def copy_clean(source: Path, facts: FileFacts, target: sqlite3.Connection) -> _Copy:
    """Copy every row the source's tables hold into `target` (a fresh workbook, in its write transaction).

    Only sqlite_master and plain tables of the source are read, through a guarded read-only connection with
    text read as bytes; every value is judged by its column's rule, and an odd one is replaced with a line
    saying so. The activity log is copied as it is, so that verify can judge it.
    """
    out = _Copy()
    report = schema_check.compare(facts.objects, SCHEMA_HEAD)
    out.notes.extend(f"schema: {d} — the copy has this version's schema" for d in report.differences)
    found = {o.name.lower(): o for o in facts.objects}
    now = dt.datetime.now(dt.UTC)
    con = connect(f"{source.resolve().as_uri()}?mode=ro")
    try:
        con.text_factory = bytes
        con.execute("BEGIN")
        target.execute("PRAGMA defer_foreign_keys=ON")
        for table, rule_set in value_rules.rules().items():
            _copy_table(con, target, table, rule_set, found.get(table), now, out)
        con.execute("COMMIT")
    except safety.DatabaseError as error:
        raise UserError(
            f"the workbook could not be read ({error})",
            where=str(source),
            hint="restore a backup copy instead (see docs/recovery.md)",
        ) from error
    finally:
        con.close()
    _fix_dangling(target, out)
    _check_bookkeeping(target, source, out)
    _check_log_times(target, out)
    _rehash_evidence(target, out)
    return out


def _copy_table(
    con: sqlite3.Connection,
    target: sqlite3.Connection,
    table: str,
    rule_set: tuple[ColumnRule, ...],
    obj: SchemaObject | None,
    now: dt.datetime,
    out: _Copy,
) -> None:
    out.copied[table] = 0
    if obj is None or not obj.is_plain_table:
        what = "is missing" if obj is None else f"is a {obj.type}, not a table"
        out.notes.append(f"table {table} {what}: nothing was copied from it")
        return
    present = value_rules.present_columns(con, table)
    read = tuple(r for r in rule_set if r.column in present)
    missing = [r for r in rule_set if r.column not in present]
    for rule in missing:
        if rule.primary_key or (rule.default is None and not rule.nullable):
            out.notes.append(f"table {table} has no column {rule.column}: none of its rows could be copied")
            return
        out.notes.append(f"table {table} has no column {rule.column}: every row was given {rule.default!r}")
    columns = ", ".join(f'"{r.column}"' for r in rule_set)
    insert = f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(rule_set))})'  # noqa: S608
    stamp = now.strftime(DATETIME_FORMAT)
    label: object = "(none yet)"
    try:
        for values in con.execute(value_rules.stored_select(table, read, with_bytes=True)):
            reset_budget(con)  # a plain table's rows are finite: each row read gets the whole budget
            label = value_rules.row_label(table, read, values)
            row = _cleaned_row(table, label, read, values, now, out)
            if row is None:
                continue
            row.update({r.column: stamp if r.default == "now" else r.default for r in missing})
            try:
                target.execute(insert, [row[r.column] for r in rule_set])
            except safety.IntegrityError as error:
                out.notes.append(f"{table} row {label} was left out: it breaks this version's rule ({error})")
                continue
            out.copied[table] += 1
    except safety.DatabaseError as error:
        out.notes.append(
            f"table {table} could not be read after row {label} ({error}): the rows after it were not copied"
        )


def _cleaned_row(
    table: str,
    label: object,
    read: tuple[ColumnRule, ...],
    values: tuple[object, ...],
    now: dt.datetime,
    out: _Copy,
) -> dict[str, object] | None:
    """One source row's values, each fit for its column (a line for each odd one); None to leave it out."""
    row: dict[str, object] = {}
    keep = True
    for rule, (storage, raw) in zip(read, value_rules.pairs(values), strict=True):
        cleaned = clean(rule, storage, raw, now)
        if cleaned.problem:
            where = f"{table} row {label}, column {rule.column}"
            out.notes.append(f"{where}: {cleaned.problem} — {cleaned.fix}")
        keep = keep and not cleaned.drop_row
        row[rule.column] = cleaned.value
    return row if keep else None


def _fix_dangling(target: sqlite3.Connection, out: _Copy) -> None:
    """Rows pointing at rows that are not there: an optional pointer is cleared, else the row is dropped."""
    for _attempt in range(5):
        dangling = target.execute("PRAGMA foreign_key_check").fetchall()
        if not dangling:
            return
        for table, rowid, parent, fk_id in dangling:
            keys = {row[0]: row[3] for row in target.execute(f'PRAGMA foreign_key_list("{table}")')}
            column = keys.get(fk_id, "?")
            if (table, column) in _CLEARED_WHEN_DANGLING:
                target.execute(f'UPDATE "{table}" SET "{column}" = NULL WHERE rowid = ?', (rowid,))  # noqa: S608
                out.notes.append(
                    f"{table} row {rowid}, column {column}: points at a missing {parent} row — cleared"
                )
            else:
                target.execute(f'DELETE FROM "{table}" WHERE rowid = ?', (rowid,))  # noqa: S608
                out.copied[table] -= 1
                out.notes.append(f"{table} row {rowid} was left out: it points at a missing {parent} row")


def _check_bookkeeping(target: sqlite3.Connection, source: Path, out: _Copy) -> None:
    """The engagement row and the log's recorded end: rebuilt (and said so) when the source lost them."""
    if target.execute("SELECT 1 FROM engagement WHERE id = 1").fetchone() is None:
        target.execute(
            "INSERT INTO engagement (id, client, framework, period_start, period_end, auditor,"
            " freshness_days, created_at) VALUES (1, ?, '', NULL, NULL, '', 365, ?)",
            (source.stem, dt.datetime.now(dt.UTC).strftime(DATETIME_FORMAT)),
        )
        out.notes.append(f"the engagement details were missing: the client was set to {source.stem!r}")
    last = target.execute("SELECT id, hash FROM activity ORDER BY id DESC LIMIT 1").fetchone()
    state = dict(
        target.execute("SELECT key, value FROM meta WHERE key IN ('activity_head', 'activity_count')")
    )
    if last is None:
        return
    if not state:
        target.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            (("activity_head", last[1]), ("activity_count", str(last[0]))),
        )
        out.notes.append(
            f"the log's recorded end was missing: it was taken from its last entry (#{last[0]}), so a "
            "cut-off tail cannot be seen against it — check with `verify --expect-head` and a head you noted"
        )
    elif state.get("activity_head") != last[1] or state.get("activity_count") != str(last[0]):
        out.log_intact = False
        out.notes.append(
            "the log does not end where the workbook recorded: copied as it is (verify says where it differs)"
        )


def _check_log_times(target: sqlite3.Connection, out: _Copy) -> None:
    """Log entries are copied as they are; one whose time is no time is named (verify judges its hash)."""
    for entry_id, at in target.execute("SELECT id, at FROM activity ORDER BY id"):
        try:
            Row("activity", entry_id).timestamp("at", at)
        except WorkbookDamaged:
            out.notes.append(
                f"activity row {entry_id}, column at: {at!r} is not a date and time — copied as it is "
                "(the log is evidence: verify names the entry, and `log` refuses it)"
            )


def _rehash_evidence(target: sqlite3.Connection, out: _Copy) -> None:
    """Every evidence file's copied bytes against its SHA-256 and size: a mismatch is reported, not hidden."""
    files = target.execute("SELECT id, name, sha256, size FROM evidence ORDER BY id").fetchall()
    for evidence_id, name, sha256, size in files:
        digest, total, expected_seq, gap = hashlib.sha256(), 0, 0, False
        for seq, data in target.execute(
            "SELECT seq, data FROM evidence_chunks WHERE evidence_id = ? ORDER BY seq", (evidence_id,)
        ):
            gap = gap or seq != expected_seq
            expected_seq = seq + 1
            digest.update(data)
            total += len(data)
        if digest.hexdigest() != sha256 or total != size or gap:
            out.notes.append(
                f"evidence {name!r} (row {evidence_id}): its bytes do not match its SHA-256 {sha256[:12]}… "
                f"({total:,} of {size:,} bytes{', a chunk is missing' if gap else ''}) — copied as they are; "
                "verify names it"
            )
