"""`audit-workbook --self-test`: check that this installation can do its job, without touching user files."""

from __future__ import annotations

import datetime as dt
import importlib
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from workbook.model import Actor
from workbook.resources import resource

# A check returns what it found in a few words, or raises when the installation cannot do its job.
Check = Callable[[], str]


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def _check_libraries() -> str:
    for name in ("sqlalchemy", "alembic", "openpyxl", "defusedxml", "reportlab", "pypdf", "PIL", "xlrd"):
        importlib.import_module(name)
    return f"libraries import; SQLite {sqlite3.sqlite_version}"


def _check_resources() -> str:
    wanted = [resource("samples", "demo_plan.json"), resource("samples", "soc2-type2-request-list.xlsx")]
    fonts = sorted(resource("fonts").glob("*.ttf"))
    missing = [str(p) for p in wanted if not p.is_file()]
    if missing or not fonts:
        raise RuntimeError(f"missing resources: {', '.join(missing) or 'fonts/*.ttf'}")
    return f"resources at {resource()}"


def _check_round_trip() -> str:
    from workbook.services.demo import build_demo

    with tempfile.TemporaryDirectory(prefix="auditwb-selftest-") as folder:
        path = build_demo(Path(folder), Actor("Self test", "selftest"))
        from workbook.services.workbook import Workbook

        with Workbook.open(path, Actor("Self test", "selftest")) as workbook:
            report = workbook.verify()
            info = workbook.info(today=dt.date(2026, 11, 26))
        if not report.ok:
            raise RuntimeError("; ".join(p.message for p in report.problems))
        return (
            f"demo workbook built and verified ({info.request_count} requests, {info.evidence_count} files)"
        )


def run_checks(extra: Sequence[tuple[str, Check]] = ()) -> Iterator[CheckResult]:
    """Each check's result as soon as it is known; `extra` adds checks from outside workbook/ (the GUI's)."""
    checks: list[tuple[str, Check]] = [
        ("libraries", _check_libraries),
        ("resources", _check_resources),
        ("workbook round trip", _check_round_trip),
        *extra,
    ]
    for name, check in checks:
        try:
            yield CheckResult(name, True, check())
        except Exception as exc:  # a self-test reports every failure and goes on to the next check
            yield CheckResult(name, False, f"{type(exc).__name__}: {exc}")
