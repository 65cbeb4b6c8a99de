"""The hash-chained activity log: written in the same transaction as each change, verified on demand."""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbook.model import ActivityEntry, Actor, Problem
from workbook.storage.database import Database, driver
from workbook.storage.schema import ActivityRow, MetaRow
from workbook.storage.values import Row

GENESIS = "0" * 64
_ACTIVITY_COLUMNS = (
    "id",
    "at",
    "actor",
    "login",
    "action",
    "target",
    "field",
    "before",
    "after",
    "detail",
    "prev_hash",
    "hash",
)
_READ_STATE = "SELECT key, value FROM meta WHERE key IN ('activity_head', 'activity_count')"
_INSERT_ENTRY = f"INSERT INTO activity ({', '.join(_ACTIVITY_COLUMNS)}) VALUES ({', '.join('?' * 12)})"  # noqa: S608 - constant column names
_WRITE_STATE = (
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


def _safe(text: str) -> str:
    """Text UTF-8 can hold: lone surrogates (undecodable bytes from argv or file names) become U+FFFD."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return _safe(str(value))


def _hash_of(values: Sequence[object]) -> str:
    """SHA-256 over an entry's fields in column order, with its id and the previous hash (not its own)."""
    return hashlib.sha256(json.dumps(list(values), ensure_ascii=False).encode()).hexdigest()


def entry_hash(row: ActivityRow) -> str:
    return _hash_of([getattr(row, column) for column in _ACTIVITY_COLUMNS[:-1]])


def _meta(session: Session, key: str) -> str:
    row = session.get(MetaRow, key)
    return row.value if row else ""


def record(
    session: Session,
    actor: Actor,
    action: str,
    target: str = "",
    field: str = "",
    before: object = None,
    after: object = None,
    detail: object = None,
) -> str:
    """Append one entry to the chain inside the caller's transaction; returns the new head hash.

    Runs on the transaction's own sqlite3 connection: it is called once per change, and statement building
    through SQLAlchemy cost more than the writes.
    """
    con = driver(session)
    state = dict(con.execute(_READ_STATE).fetchall())
    values = [
        int(state.get("activity_count") or 0) + 1,
        dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        _safe(actor.name),
        _safe(actor.login),
        action,
        _safe(target),
        field,
        _text(before),
        _text(after),
        _safe(json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)) if detail else "",
        state.get("activity_head") or GENESIS,
    ]
    head = _hash_of(values)
    con.execute(_INSERT_ENTRY, (*values, head))
    con.executemany(_WRITE_STATE, (("activity_head", head), ("activity_count", str(values[0]))))
    return head


def to_entry(row: ActivityRow) -> ActivityEntry:
    """The model's log entry; an odd value names its row (verify judges the entry by its hash)."""
    check = Row("activity", row.id)
    return ActivityEntry(
        id=row.id,
        at=check.timestamp("at", row.at),
        actor=check.text("actor", row.actor),
        login=check.text("login", row.login),
        action=check.text("action", row.action),
        target=check.text("target", row.target),
        field=check.text("field", row.field),
        before=check.text("before", row.before),
        after=check.text("after", row.after),
        detail=check.text("detail", row.detail),
        prev_hash=check.text("prev_hash", row.prev_hash),
        hash=check.text("hash", row.hash),
    )


def describe(row: ActivityRow) -> str:
    what = f"{row.action} {row.target}".strip()
    return f"activity entry #{row.id} ({row.at[:19].replace('T', ' ')} {row.actor}: {what})"


def check_chain(session: Session, expect_head: str | None = None) -> tuple[int, str, list[Problem]]:
    """Walk the chain; name every edited, deleted or reordered entry."""
    problems: list[Problem] = []
    prev = GENESIS
    expected_id = 1
    count = 0
    for row in session.scalars(select(ActivityRow).order_by(ActivityRow.id)):
        count += 1
        if row.id != expected_id:
            problems.append(
                Problem(
                    "activity",
                    f"entry #{expected_id}",
                    f"activity entries #{expected_id}..#{row.id - 1} are missing",
                )
            )
        if row.prev_hash != prev:
            problems.append(
                Problem(
                    "activity",
                    f"entry #{row.id}",
                    f"{describe(row)} does not follow the entry before it "
                    "(an entry before it was deleted or edited)",
                )
            )
        if entry_hash(row) != row.hash:
            problems.append(
                Problem("activity", f"entry #{row.id}", f"{describe(row)} was edited after it was written")
            )
        prev = row.hash
        expected_id = row.id + 1
    stored_head = _meta(session, "activity_head") or GENESIS
    stored_count = int(_meta(session, "activity_count") or 0)
    if stored_head != prev or stored_count != expected_id - 1:
        problems.append(
            Problem(
                "activity",
                "log head",
                f"the log ends at entry #{expected_id - 1} but the workbook recorded #{stored_count}: "
                "entries at the end were deleted or the log was rewritten",
            )
        )
    if expect_head and expect_head.lower() != prev:
        problems.append(
            Problem(
                "activity", "log head", f"the log head is {prev[:12]}…, not the expected {expect_head[:12]}…"
            )
        )
    return count, prev, problems


class ActivityService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def head(self) -> str:
        with self._db.read() as session:
            return _meta(session, "activity_head") or GENESIS

    def list(self, target: str | None = None, limit: int | None = None) -> builtins.list[ActivityEntry]:
        """Newest first."""
        with self._db.read() as session:
            query = select(ActivityRow).order_by(ActivityRow.id.desc())
            if target is not None:
                query = query.where(ActivityRow.target == target)
            if limit is not None:
                query = query.limit(limit)
            return [to_entry(row) for row in session.scalars(query)]

    def iter_all(self) -> Iterator[ActivityEntry]:
        """Oldest first."""
        with self._db.read() as session:
            for row in session.scalars(select(ActivityRow).order_by(ActivityRow.id)):
                yield to_entry(row)

    def of_actions(self, actions: Sequence[str]) -> builtins.list[ActivityEntry]:
        """The entries of these kinds only, oldest first (read by SQL: the rest of the log is not loaded)."""
        with self._db.read() as session:
            rows = session.scalars(
                select(ActivityRow).where(ActivityRow.action.in_(list(actions))).order_by(ActivityRow.id)
            )
            return [to_entry(row) for row in rows]

    def count(self) -> int:
        """How many entries the log holds, as the workbook recorded it (no rows read)."""
        with self._db.read() as session:
            return int(_meta(session, "activity_count") or 0)

    def page(self, before_id: int | None, limit: int) -> builtins.list[ActivityEntry]:
        """Up to `limit` entries older than entry #`before_id` (from the newest when None), newest first."""
        with self._db.read() as session:
            query = select(ActivityRow).order_by(ActivityRow.id.desc()).limit(limit)
            if before_id is not None:
                query = query.where(ActivityRow.id < before_id)
            return [to_entry(row) for row in session.scalars(query)]

    def since(self, after_id: int) -> Iterator[ActivityEntry]:
        """The entries after entry #`after_id`, oldest first (what a log already read is missing)."""
        with self._db.read() as session:
            query = select(ActivityRow).where(ActivityRow.id > after_id).order_by(ActivityRow.id)
            for row in session.scalars(query):
                yield to_entry(row)

    def verify(self, expect_head: str | None = None) -> tuple[int, str, builtins.list[Problem]]:
        with self._db.read() as session:
            return check_chain(session, expect_head)
