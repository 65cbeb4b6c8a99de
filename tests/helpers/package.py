"""Package inputs as the export service hands them to the PDF, zip and verify writers, built in code."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import Any

from workbook.formats.package.inputs import PackageEvidence, PackageInput, PackageRequest
from workbook.model import Status

NOW = dt.datetime(2025, 3, 4, 12, 30, tzinfo=dt.UTC)


def package_evidence(
    name: str,
    data: bytes,
    media_type: str = "text/plain",
    *,
    chunk: int = 65536,
    effective_date: dt.date | None = dt.date(2025, 1, 31),
    **fields: Any,
) -> PackageEvidence:
    """One evidence file whose bytes are read back in `chunk`-sized pieces; `fields` sets provenance."""

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(data), chunk):
            yield data[start : start + chunk]

    return PackageEvidence(
        name=name,
        media_type=media_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        effective_date=effective_date,
        added_by="Dana",
        added_at=NOW,
        open=chunks,
        **fields,
    )


def package_request(ref: str, *evidence: PackageEvidence, **fields: Any) -> PackageRequest:
    """A request owned by Dana, ready for the auditor; `fields` replaces any of its values."""
    values: dict[str, Any] = {
        "ref": ref,
        "title": f"Title of {ref}",
        "request": "Provide the list",
        "criteria": ("CC6.1",),
        "section": "Access",
        "owner": "Dana",
        "status": Status.READY_FOR_AUDITOR,
        "due": dt.date(2025, 2, 1),
        "evidence": evidence,
    }
    values.update(fields)
    return PackageRequest(**values)


def package_input(*requests: PackageRequest, **fields: Any) -> PackageInput:
    """A draft package for Acme Ltd's SOC 2 Type II period; `fields` replaces any of its values."""
    values: dict[str, Any] = {
        "client": "Acme Ltd",
        "framework": "SOC 2 Type II",
        "period_start": dt.date(2024, 7, 1),
        "period_end": dt.date(2025, 6, 30),
        "auditor": "Example & Co",
        "prepared_by": "Dana",
        "generated_at": NOW,
        "final": False,
        "package_id": "pkg-0001",
        "activity_head": "ab" * 32,
        "requests": requests,
    }
    values.update(fields)
    return PackageInput(**values)
