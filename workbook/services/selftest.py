"""`audit-workbook --self-test`: check that this installation can do its job, without touching user files."""

from __future__ import annotations

import datetime as dt
import importlib
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from workbook.model import Actor
from workbook.resources import resource


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


def _check_qt() -> str:
    """The Qt modules the window uses load (by name: workbook/ never imports Qt at module level)."""
    for name in (
        "PySide6.QtGui",
        "PySide6.QtWidgets",
        "PySide6.QtSvg",
        "PySide6.QtPdf",
        "PySide6.QtPdfWidgets",
    ):
        importlib.import_module(name)
    core = importlib.import_module("PySide6.QtCore")
    version = importlib.import_module("PySide6").__version__
    return f"Qt {core.qVersion()} (PySide6 {version}): GUI and PDF modules load"


def self_test() -> int:
    checks: list[tuple[str, Callable[[], str]]] = [
        ("libraries", _check_libraries),
        ("resources", _check_resources),
        ("workbook round trip", _check_round_trip),
        ("Qt", _check_qt),
    ]
    failed = 0
    for name, check in checks:
        try:
            print(f"ok    {name}: {check()}")
        except Exception as exc:
            failed += 1
            print(f"FAIL  {name}: {type(exc).__name__}: {exc}")
    print("self-test passed" if not failed else f"self-test failed: {failed} check(s)", file=sys.stderr)
    return 0 if not failed else 1
