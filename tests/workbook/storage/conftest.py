"""Hostile workbooks built in code: a real workbook, closed, then altered with the standard sqlite3 module."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from workbook.services.workbook import Workbook

REPO = Path(__file__).resolve().parents[3]
Alter = Callable[[str], None]


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def run_cli(*argv: str, env: dict[str, str] | None = None, timeout: float = 60) -> Result:
    """The command line in a process of its own, as a person or a script runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "workbook", *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def alter_file(path: Path, sql: str) -> None:
    """Change the file behind the app's back, as a hand edit or a hostile tool would."""
    con = sqlite3.connect(path)
    try:
        con.executescript(sql)
        con.commit()
    finally:
        con.close()


@pytest.fixture
def path(workbook: Workbook, tmp_path: Path) -> Path:
    """A closed workbook: four requests (ids 1-4), one owner, one evidence file on PBC-001."""
    proof = tmp_path / "okta users.csv"
    proof.write_bytes(b"name,mfa\n" + b"user,yes\n" * 5000)
    workbook.evidence.attach_one("PBC-001", proof)
    from workbook.model import FieldChange

    workbook.requests.set("PBC-002", FieldChange(owner="Priya"))
    workbook.close()
    return workbook.path


@pytest.fixture
def alter(path: Path) -> Alter:
    """alter(sql): run SQL on the closed workbook with the standard sqlite3 module."""
    return lambda sql: alter_file(path, sql)


@pytest.fixture
def cli() -> Callable[..., Result]:
    """cli(*argv, env=None, timeout=60): the command line in a process of its own."""
    return run_cli
