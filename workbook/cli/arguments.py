"""From option text to what commands work on: dates, periods, statuses and the workbook a command names."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from workbook.errors import WorkbookError
from workbook.model import Actor, Status

if TYPE_CHECKING:
    from workbook.services.workbook import Workbook


class UsageError(WorkbookError):
    """Bad arguments: exit 2 with the reason."""


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise UsageError(f"{text!r} is not a date", hint="write dates as YYYY-MM-DD") from exc


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    start, sep, end = text.partition("..")
    if not sep:
        raise UsageError(f"{text!r} is not a period", hint="write it as 2026-01-01..2026-06-30")
    return parse_date(start), parse_date(end)


def parse_status(text: str) -> Status:
    try:
        return Status.parse(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


# Options holding free text (not paths): undecodable bytes in them become U+FFFD instead of a crash later.
_TEXT_OPTIONS = (
    "actor",
    "client",
    "framework",
    "auditor",
    "owner",
    "note",
    "status",
    "section",
    "search",
    "description",
    "ref",
    "ids",
    "label",
    "notes",
    "items",
    "requirement",
    "sample",
    "samples",
)


def _clean_text(value: object) -> object:
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if isinstance(value, list):
        return [_clean_text(item) for item in value]
    return value


def clean_text_options(args: argparse.Namespace) -> None:
    for name in _TEXT_OPTIONS:
        if hasattr(args, name):
            setattr(args, name, _clean_text(getattr(args, name)))


def open_workbook(args: argparse.Namespace, actor: Actor, *, read_only: bool = False) -> Workbook:
    from workbook.services.workbook import Workbook

    return Workbook.open(Path(args.file), actor, read_only=read_only)


def writable_workbook(args: argparse.Namespace, actor: Actor) -> Workbook:
    """The workbook opened for writing, refused (with who holds it) when another copy has it."""
    workbook = open_workbook(args, actor)
    if workbook.read_only:
        reason = workbook.db.read_only_reason
        workbook.close()
        raise UsageError(
            f"the workbook is read-only: {reason}", where=args.file, hint="close the other copy first"
        )
    return workbook
