"""Driver SQL of the evidence attach path, run on the unit of work's own sqlite3 connection."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator

from workbook.model import Evidence
from workbook.storage import blobs
from workbook.storage.values import Row

# Plain driver SQL on the attach path: ORM flushes and statement building cost more than the writes.
_EVIDENCE_FIELDS = (
    "id, sha256, size, name, media_type, effective_date, description, source_system, shows, population,"
    " period_covered, added_by, added_at, never_export"
)
_EVIDENCE_BY_SHA = f"SELECT {_EVIDENCE_FIELDS} FROM evidence WHERE sha256 = ?"  # noqa: S608 - constant columns
_INSERT_EVIDENCE = (
    "INSERT INTO evidence (sha256, size, name, media_type, effective_date, description, source_system, shows,"
    " population, period_covered, added_by, added_at, text_content, thumbnail)"
    " VALUES (?, ?, ?, ?, ?, ?, '', '', '', '', ?, ?, '', ?)"
)
_SET_EVIDENCE_HASH = "UPDATE evidence SET sha256 = ?, effective_date = ? WHERE id = ?"
_DELETE_EVIDENCE = "DELETE FROM evidence WHERE id = ?"
_NEEDS_PREVIEW = "SELECT thumbnail IS NULL FROM evidence WHERE id = ?"
_REQUEST_BY_REF = "SELECT id FROM requests WHERE ref = ?"
_LINK_STATE = "SELECT id, current FROM links WHERE request_id = ? AND evidence_id = ?"
_INSERT_LINK = (
    "INSERT INTO links (request_id, evidence_id, current, replaced_by, linked_by, linked_at)"
    " VALUES (?, ?, 1, NULL, ?, ?)"
)
_MAKE_LINK_CURRENT = "UPDATE links SET current = 1, replaced_by = NULL WHERE id = ?"
_TOUCH_REQUEST = "UPDATE requests SET updated_at = ? WHERE id = ?"
_CURRENT_REFS = (
    "SELECT requests.ref FROM requests JOIN links ON links.request_id = requests.id"
    " WHERE links.evidence_id = ? AND links.current = 1 ORDER BY requests.position"
)
# SQLAlchemy's SQLite DateTime text form (naive, microseconds), so ORM reads of these rows parse them alike.
_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def stored_datetime(value: dt.datetime) -> str:
    return value.strftime(_DATETIME_FORMAT)


@contextlib.contextmanager
def savepoint(con: sqlite3.Connection) -> Iterator[None]:
    """One file's statements, undone whole when it fails or is cancelled (no ORM state to expire here)."""
    con.execute("SAVEPOINT aw_file")
    try:
        yield
    except BaseException:
        # SQLite may have rolled the whole transaction back already (disk full): nothing left to undo.
        if con.in_transaction:
            con.execute("ROLLBACK TO aw_file")
            con.execute("RELEASE aw_file")
        raise
    con.execute("RELEASE aw_file")


def request_id(con: sqlite3.Connection, ref: str) -> int | None:
    """The id of the request with this ref (what `load_request_row` finds, without loading the row)."""
    found = con.execute(_REQUEST_BY_REF, (ref,)).fetchone()
    return None if found is None else int(found[0])


def evidence_by_sha(con: sqlite3.Connection, sha256: str) -> Evidence | None:
    found = con.execute(_EVIDENCE_BY_SHA, (sha256,)).fetchone()
    if found is None:
        return None
    check = Row("evidence", found[0])
    return Evidence(
        id=check.integer("id", found[0]),
        sha256=check.text("sha256", found[1]),
        size=check.integer("size", found[2]),
        name=check.text("name", found[3]),
        media_type=check.text("media_type", found[4]),
        effective_date=check.date("effective_date", found[5]),
        description=check.text("description", found[6]),
        source_system=check.text("source_system", found[7]),
        shows=check.text("shows", found[8]),
        population=check.text("population", found[9]),
        period_covered=check.text("period_covered", found[10]),
        added_by=check.text("added_by", found[11]),
        added_at=check.timestamp("added_at", found[12]),
        never_export=check.flag("never_export", found[13]),
    )


def insert_pending_evidence(
    con: sqlite3.Connection,
    *,
    placeholder_sha: str,
    size: int,
    name: str,
    media_type: str,
    effective_date: dt.date | None,
    description: str,
    added_by: str,
    added_at: dt.datetime,
    thumbnail: bytes | None,
) -> int:
    """A row for bytes about to be written, under a placeholder hash until `set_evidence_hash`; its id."""
    inserted = con.execute(
        _INSERT_EVIDENCE,
        (
            placeholder_sha,
            size,
            name,
            media_type,
            effective_date.isoformat() if effective_date else None,
            description,
            added_by,
            stored_datetime(added_at),
            thumbnail,
        ),
    )
    evidence_id = inserted.lastrowid
    assert evidence_id is not None
    return evidence_id


def set_evidence_hash(
    con: sqlite3.Connection, evidence_id: int, sha256: str, effective_date: dt.date | None
) -> None:
    stored = effective_date.isoformat() if effective_date else None
    con.execute(_SET_EVIDENCE_HASH, (sha256, stored, evidence_id))


def discard_evidence(con: sqlite3.Connection, evidence_id: int) -> None:
    """Delete a pending row and its chunks (the same bytes turned out to be stored already)."""
    blobs.delete_chunks(con, evidence_id)
    con.execute(_DELETE_EVIDENCE, (evidence_id,))


def needs_preview(con: sqlite3.Connection, evidence_id: int) -> bool:
    found = con.execute(_NEEDS_PREVIEW, (evidence_id,)).fetchone()
    return found is not None and bool(found[0])


def make_link_current(con: sqlite3.Connection, request_id: int, evidence_id: int, *, linked_by: str) -> bool:
    """Make the evidence current on the request (touching the request); True when it already was."""
    link = con.execute(_LINK_STATE, (request_id, evidence_id)).fetchone()
    if link is not None and link[1]:
        return True
    stamp = stored_datetime(dt.datetime.now(dt.UTC))
    if link is None:
        con.execute(_INSERT_LINK, (request_id, evidence_id, linked_by, stamp))
    else:
        con.execute(_MAKE_LINK_CURRENT, (link[0],))
    con.execute(_TOUCH_REQUEST, (stamp, request_id))
    return False


def current_refs(con: sqlite3.Connection, evidence_id: int) -> list[str]:
    """The refs of the requests this evidence is current evidence of, in checklist order."""
    return [ref for (ref,) in con.execute(_CURRENT_REFS, (evidence_id,))]
