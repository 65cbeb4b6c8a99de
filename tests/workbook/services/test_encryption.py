"""Encryption at rest (docs/encryption.md): nothing readable in the file, a wrong passphrase refused, every
operation (import, attach, verify, export, backup, next period, repair) working on an encrypted workbook."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sqlite3
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from workbook.cli import main
from workbook.errors import UserError
from workbook.model import Actor, ExportOptions
from workbook.services import encryption
from workbook.services.exporting import ExportService
from workbook.services.importing import ImportService
from workbook.services.workbook import Workbook
from workbook.storage import cipher

pytest.importorskip("sqlcipher3")

PASSPHRASE = "correct horse battery staple"
REQUEST_TEXT = "Provide the QUOKKA-7731 access review for the payroll system"
EVIDENCE = b"EVIDENCE-PLATYPUS-5512 user,role\nalice,admin\n" * 40
PERIOD = {"period_start": dt.date(2026, 1, 1), "period_end": dt.date(2026, 6, 30)}


@pytest.fixture(autouse=True)
def empty_keyring() -> Iterator[None]:
    """Each test starts as a new process would: no passphrase known."""
    cipher._keys.clear()
    yield
    cipher._keys.clear()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def checklist(folder: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Ref", "Title", "Request", "Due date"])
    sheet.append(["PBC-001", "Access review", REQUEST_TEXT, "2026-07-15"])
    sheet.append(["PBC-002", "Change tickets", "Provide the change tickets sample", "2026-07-15"])
    sheet.append(["PBC-003", "Backups", "Provide the backup restore test", "2026-07-15"])
    path = folder / "requests.xlsx"
    book.save(path)
    return path


def build(folder: Path, actor: Actor, passphrase: str | None = PASSPHRASE) -> Path:
    """An encrypted workbook with a small imported checklist and one evidence file; closed."""
    path = folder / "acme.auditwb"
    with Workbook.create(path, actor, client="Acme", passphrase=passphrase, **PERIOD) as workbook:
        ImportService(workbook.db, actor).import_checklist(checklist(folder), remember=False)
        evidence = folder / "users.csv"
        evidence.write_bytes(EVIDENCE)
        workbook.evidence.attach_one("PBC-001", evidence)
    return path


def assert_nothing_readable(path: Path) -> None:
    data = path.read_bytes()
    assert not data.startswith(b"SQLite format 3")
    for secret in (b"QUOKKA-7731", b"EVIDENCE-PLATYPUS", b"CREATE TABLE", b"alembic_version", b"Acme"):
        assert secret not in data, secret
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        sqlite3.connect(path).execute("SELECT * FROM requests").fetchall()


def test_an_encrypted_workbook_works_and_nothing_in_its_file_is_readable(
    tmp_path: Path, actor: Actor
) -> None:
    path = build(tmp_path, actor)
    with Workbook.open(path, actor) as workbook:  # this process was given the passphrase at create
        report = workbook.verify()
        assert report.ok, report.problems
        result = ExportService(workbook).export(ExportOptions(zip=tmp_path / "p.zip"))
        assert [o.kind for o in result.outputs] == ["zip"]
        backup = workbook.backup(tmp_path / "backup.auditwb")
    with zipfile.ZipFile(tmp_path / "p.zip") as bag:  # the package is for the auditor: plain on purpose
        assert any(bag.read(name) == EVIDENCE for name in bag.namelist())
    assert_nothing_readable(path)
    assert_nothing_readable(backup)

    cipher._keys.clear()  # a new process
    before = sha(path)
    with pytest.raises(UserError, match="the passphrase does not open this workbook"):
        Workbook.open(path, actor, passphrase="not the passphrase at all")
    with pytest.raises(UserError, match="encrypted workbook that needs its passphrase") as refused:
        Workbook.open(path, actor)
    assert "AUDIT_WORKBOOK_PASSPHRASE" in (refused.value.hint or "")
    assert sha(path) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("acme")) == ["acme.auditwb"]
    for opened in (path, backup):
        with Workbook.open(opened, actor, passphrase=PASSPHRASE, read_only=True) as workbook:
            assert [r.ref for r in workbook.requests.list()] == ["PBC-001", "PBC-002", "PBC-003"]
            assert workbook.verify().ok


@pytest.mark.skipif(shutil.which("strings") is None, reason="needs binutils' strings")
def test_strings_sees_no_request_text_or_evidence(tmp_path: Path, actor: Actor) -> None:
    path = build(tmp_path, actor)
    found = subprocess.run(["strings", "-n", "6", str(path)], capture_output=True, check=True, text=True)
    assert "QUOKKA" not in found.stdout
    assert "PLATYPUS" not in found.stdout
    assert "SQLite" not in found.stdout
    (tmp_path / "plain").mkdir()
    plain = build(tmp_path / "plain", actor, None)
    shown = subprocess.run(["strings", "-n", "6", str(plain)], capture_output=True, check=True, text=True)
    assert "QUOKKA-7731" in shown.stdout  # the same workbook unencrypted: the check would see it


def test_next_period_and_repair_of_an_encrypted_workbook_are_encrypted(tmp_path: Path, actor: Actor) -> None:
    path = build(tmp_path, actor)
    Workbook.next_period(
        path,
        tmp_path / "next.auditwb",
        actor,
        period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 12, 31),
    )
    report = Workbook.repair(path, tmp_path / "clean.auditwb", actor)
    cipher._keys.clear()
    for made in (tmp_path / "next.auditwb", report.path):
        assert_nothing_readable(made)
        with Workbook.open(made, actor, passphrase=PASSPHRASE) as workbook:
            assert workbook.verify().ok
            assert "QUOKKA-7731" in workbook.requests.list()[0].request


def test_a_passphrase_with_quotes_is_taken_literally(tmp_path: Path, actor: Actor) -> None:
    odd = "it's \"quoted\"'; PRAGMA key='x"
    path = tmp_path / "odd.auditwb"
    Workbook.create(path, actor, client="Acme", passphrase=odd).close()
    cipher._keys.clear()
    with pytest.raises(UserError, match="passphrase does not open"):
        Workbook.open(path, actor, passphrase=odd[:-1])
    Workbook.open(path, actor, passphrase=odd).close()


def test_a_plain_workbook_opens_as_always_whatever_passphrase_is_given(tmp_path: Path, actor: Actor) -> None:
    path = tmp_path / "plain.auditwb"
    Workbook.create(path, actor, client="Acme").close()
    assert path.read_bytes().startswith(b"SQLite format 3\x00")
    with Workbook.open(path, actor, passphrase=PASSPHRASE) as workbook:
        assert workbook.verify().ok
    assert not cipher.is_keyed(path)


def test_without_sqlcipher3_plain_works_and_encryption_is_refused_in_words(
    tmp_path: Path, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cipher, "_dbapi", None)
    assert not encryption.available()
    with pytest.raises(UserError, match="encryption needs the sqlcipher3 package"):
        Workbook.create(tmp_path / "e.auditwb", actor, client="Acme", passphrase=PASSPHRASE)
    assert not (tmp_path / "e.auditwb").exists()
    with Workbook.create(tmp_path / "p.auditwb", actor, client="Acme") as workbook:
        assert workbook.verify().ok


def test_a_short_passphrase_is_refused(tmp_path: Path, actor: Actor) -> None:
    with pytest.raises(UserError, match="too short"):
        Workbook.create(tmp_path / "e.auditwb", actor, client="Acme", passphrase="short")
    assert list(tmp_path.iterdir()) == []


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_new_encrypt_wrong_passphrase_and_encrypt_decrypt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUDIT_WORKBOOK_PASSPHRASE", raising=False)
    good, bad = tmp_path / "pass.txt", tmp_path / "bad.txt"
    good.write_text(PASSPHRASE + "\n")
    bad.write_text("not the passphrase\n")
    target = str(tmp_path / "e.auditwb")
    code, _, err = run(capsys, "new", target, "--client", "Acme", "--encrypt")
    assert code == 2 and "--encrypt needs a passphrase" in err and err.count("\n") == 1
    assert run(capsys, "--passphrase-file", str(good), "new", target, "--client", "Acme", "--encrypt")[0] == 0
    cipher._keys.clear()

    code, out, err = run(capsys, "--passphrase-file", str(bad), "items", target)
    assert (code, out) == (2, "")
    refusal = "the passphrase does not open this workbook — check the passphrase; nothing was changed"
    assert err == f"audit-workbook: {target}: {refusal}\n"
    code, _, err = run(capsys, "items", target)
    assert code == 2 and "AUDIT_WORKBOOK_PASSPHRASE" in err
    monkeypatch.setenv("AUDIT_WORKBOOK_PASSPHRASE", PASSPHRASE)
    assert run(capsys, "verify", target)[0] == 0
    plain = tmp_path / "plain.auditwb"
    before = sha(Path(target))
    assert run(capsys, "decrypt", target, str(plain))[0] == 0
    assert sha(Path(target)) == before
    assert sqlite3.connect(plain).execute("SELECT client FROM engagement").fetchall() == [("Acme",)]
    again = tmp_path / "again.auditwb"
    assert run(capsys, "encrypt", str(plain), str(again))[0] == 0
    assert_nothing_readable(again)
    cipher._keys.clear()
    monkeypatch.delenv("AUDIT_WORKBOOK_PASSPHRASE")
    assert run(capsys, "verify", str(plain))[0] == 0  # the plain copy needs nothing
    assert run(capsys, "--passphrase-file", str(good), "verify", str(again))[0] == 0
