"""Evidence bytes: streamed in ~1 MiB chunks into the workbook, stored once per SHA-256, read back lazily."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from workbook.storage.database import Database
from workbook.storage.schema import CHUNK_SIZE, EvidenceChunkRow, EvidenceRow


class SizeChanged(Exception):
    """The file's size differed from what was announced: it changed while being read."""


def hash_stream(stream: BinaryIO, expected_size: int, check: Callable[[], None]) -> str:
    digest = hashlib.sha256()
    read = 0
    while chunk := stream.read(CHUNK_SIZE):
        check()
        digest.update(chunk)
        read += len(chunk)
    if read != expected_size:
        raise SizeChanged(f"read {read:,} bytes, expected {expected_size:,}")
    return digest.hexdigest()


def find_by_sha(session: Session, sha256: str) -> EvidenceRow | None:
    return session.scalar(select(EvidenceRow).where(EvidenceRow.sha256 == sha256))


def size_is_known(session: Session, size: int) -> bool:
    return session.scalar(select(func.count()).where(EvidenceRow.size == size)) != 0


def write_chunks(
    session: Session, evidence_id: int, stream: BinaryIO, expected_size: int, check: Callable[[], None]
) -> str:
    """Copy the stream into chunk rows of `evidence_id`, returning the SHA-256 of exactly the bytes stored."""
    digest = hashlib.sha256()
    seq = 0
    read = 0
    table = EvidenceChunkRow.__table__
    while chunk := stream.read(CHUNK_SIZE):
        check()
        digest.update(chunk)
        session.execute(insert(table), {"evidence_id": evidence_id, "seq": seq, "data": chunk})
        seq += 1
        read += len(chunk)
    if read != expected_size:
        raise SizeChanged(f"read {read:,} bytes, expected {expected_size:,}")
    return digest.hexdigest()


def delete_chunks(session: Session, evidence_id: int) -> None:
    session.execute(delete(EvidenceChunkRow).where(EvidenceChunkRow.evidence_id == evidence_id))


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
        yield data
        seq += 1


def rehash(db: Database, evidence_id: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in iter_chunks(db, evidence_id):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size
