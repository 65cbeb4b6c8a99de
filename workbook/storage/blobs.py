"""Evidence bytes: streamed in ~1 MiB chunks into the workbook, stored once per SHA-256, read back lazily."""

from __future__ import annotations

import hashlib
import io
import sqlite3
from collections.abc import Callable, Iterator
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workbook.storage.database import Database
from workbook.storage.schema import CHUNK_SIZE, EvidenceChunkRow, EvidenceRow

# Plain SQL for the per-chunk and per-file statements of an attach: SQLAlchemy's per-statement work cost more.
_SIZE_KNOWN = "SELECT 1 FROM evidence WHERE size = ? LIMIT 1"
_INSERT_CHUNK = "INSERT INTO evidence_chunks (evidence_id, seq, data) VALUES (?, ?, ?)"
_DELETE_CHUNKS = "DELETE FROM evidence_chunks WHERE evidence_id = ?"


class SizeChanged(Exception):
    """The file's size differed from what was announced: it changed while being read."""


class Readable(Protocol):
    """The one method of a binary stream that storing needs."""

    def read(self, size: int = -1, /) -> bytes: ...


def _bounded_chunks(stream: Readable, expected_size: int, check: Callable[[], None]) -> Iterator[bytes]:
    """Yield the stream's bytes in chunks; refuse (never loop on) one longer or shorter than announced."""
    read = 0
    while True:
        check()
        # Ask for one byte past the announced size so a growing file is caught without reading it all.
        want = min(CHUNK_SIZE, expected_size - read + 1)
        chunk = stream.read(want)
        if not chunk:
            break
        read += len(chunk)
        if read > expected_size:
            raise SizeChanged(f"it grew past the {expected_size:,} bytes it had when opened")
        yield chunk
    if read != expected_size:
        raise SizeChanged(f"read {read:,} bytes, expected {expected_size:,}")


def hash_stream(stream: Readable, expected_size: int, check: Callable[[], None]) -> str:
    digest = hashlib.sha256()
    for chunk in _bounded_chunks(stream, expected_size, check):
        digest.update(chunk)
    return digest.hexdigest()


def find_by_sha(session: Session, sha256: str) -> EvidenceRow | None:
    return session.scalar(select(EvidenceRow).where(EvidenceRow.sha256 == sha256))


def size_is_known(con: sqlite3.Connection, size: int) -> bool:
    return con.execute(_SIZE_KNOWN, (size,)).fetchone() is not None


def write_chunks(
    con: sqlite3.Connection,
    evidence_id: int,
    stream: Readable,
    expected_size: int,
    check: Callable[[], None],
) -> str:
    """Copy the stream into chunk rows of `evidence_id`, returning the SHA-256 of exactly the bytes stored."""
    digest = hashlib.sha256()
    for seq, chunk in enumerate(_bounded_chunks(stream, expected_size, check)):
        digest.update(chunk)
        con.execute(_INSERT_CHUNK, (evidence_id, seq, chunk))
    return digest.hexdigest()


def delete_chunks(con: sqlite3.Connection, evidence_id: int) -> None:
    con.execute(_DELETE_CHUNKS, (evidence_id,))


def chunk_count(session: Session, evidence_id: int) -> int:
    return session.scalar(select(func.count()).where(EvidenceChunkRow.evidence_id == evidence_id)) or 0


def iter_chunks(db: Database, evidence_id: int) -> Iterator[bytes]:
    """Yield the stored bytes chunk by chunk, one short read transaction per chunk."""
    seq = 0
    while True:
        with db.read() as session:
            data = session.scalar(
                select(EvidenceChunkRow.data).where(
                    EvidenceChunkRow.evidence_id == evidence_id, EvidenceChunkRow.seq == seq
                )
            )
        if data is None:
            return
        # A chunk edited into TEXT by hand must read as altered bytes, not crash the check.
        yield data.encode("utf-8", "surrogateescape") if isinstance(data, str) else bytes(data)
        seq += 1


def rehash(db: Database, evidence_id: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in iter_chunks(db, evidence_id):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def rehash_in(session: Session, evidence_id: int) -> tuple[str, int]:
    """Hash the stored bytes inside the caller's read transaction (a consistent view, one chunk at a time)."""
    digest = hashlib.sha256()
    size = 0
    result = session.execute(
        select(EvidenceChunkRow.data)
        .where(EvidenceChunkRow.evidence_id == evidence_id)
        .order_by(EvidenceChunkRow.seq)
        .execution_options(yield_per=1)
    )
    for chunk in result.scalars():
        data = bytes(chunk) if not isinstance(chunk, bytes) else chunk
        digest.update(data)
        size += len(data)
    return digest.hexdigest(), size


class ChunkReader(io.RawIOBase):
    """A seekable read-only file over one evidence's stored chunks, inside the caller's session.

    Previews and metadata sniffing read the bytes that were stored (never the source file again), holding
    at most one chunk in memory.
    """

    def __init__(self, session: Session, evidence_id: int) -> None:
        super().__init__()
        self._session = session
        self._evidence_id = evidence_id
        lengths = session.execute(
            select(EvidenceChunkRow.seq, func.length(EvidenceChunkRow.data))
            .where(EvidenceChunkRow.evidence_id == evidence_id)
            .order_by(EvidenceChunkRow.seq)
        )
        self._starts: list[int] = []
        total = 0
        for _seq, length in lengths:
            self._starts.append(total)
            total += int(length or 0)
        self._size = total
        self._pos = 0
        self._cached_seq = -1
        self._cached = b""

    @property
    def size(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def _chunk(self, seq: int) -> bytes:
        if seq != self._cached_seq:
            data = self._session.scalar(
                select(EvidenceChunkRow.data).where(
                    EvidenceChunkRow.evidence_id == self._evidence_id, EvidenceChunkRow.seq == seq
                )
            )
            self._cached, self._cached_seq = bytes(data or b""), seq
        return self._cached

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if self._pos >= self._size or not self._starts:
            return 0
        seq = _chunk_index(self._starts, self._pos)
        chunk = self._chunk(seq)
        offset = self._pos - self._starts[seq]
        piece = chunk[offset : offset + len(buffer)]
        buffer[: len(piece)] = piece
        self._pos += len(piece)
        return len(piece)


def _chunk_index(starts: list[int], pos: int) -> int:
    """The chunk holding byte `pos` (binary search over chunk start offsets)."""
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= pos:
            lo = mid
        else:
            hi = mid - 1
    return lo
