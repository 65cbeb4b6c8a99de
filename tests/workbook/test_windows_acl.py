"""Owner-only files on Windows: no file modes there, so the app gives each file and folder it makes an access
list for the person running it (and SYSTEM) with the system's icacls. This machine is not Windows: the
command the app would run is checked here with a stand-in for subprocess.run, and the Windows branch is
taken by setting atomic.WINDOWS."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from workbook import atomic


class _Runner:
    def __init__(self, returncode: int = 0, fail: BaseException | None = None) -> None:
        self.calls: list[list[str]] = []
        self.returncode = returncode
        self.fail = fail

    def __call__(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        self.calls.append(command)
        if self.fail is not None:
            raise self.fail
        return subprocess.CompletedProcess(command, self.returncode, b"", b"")


@pytest.fixture
def user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USERNAME", "dana")
    monkeypatch.setenv("USERDOMAIN", "ACME")


def test_a_file_gets_its_owner_and_system_and_nothing_inherited(user: None, tmp_path: Path) -> None:
    run = _Runner()
    assert atomic.windows_owner_only(tmp_path / "acme.auditwb", run=run)
    assert run.calls == [
        [
            "icacls",
            str(tmp_path / "acme.auditwb"),
            "/inheritance:r",
            "/grant:r",
            "ACME\\dana:(F)",
            "*S-1-5-18:(F)",
        ]
    ]


def test_a_folder_passes_its_access_list_on_to_what_is_made_in_it(user: None, tmp_path: Path) -> None:
    run = _Runner()
    atomic.windows_owner_only(tmp_path, folder=True, run=run)
    assert run.calls[0][-2:] == ["ACME\\dana:(OI)(CI)(F)", "*S-1-5-18:(OI)(CI)(F)"]


@pytest.mark.parametrize(
    "runner",
    [
        _Runner(returncode=5),
        _Runner(fail=FileNotFoundError("icacls")),
        _Runner(fail=subprocess.TimeoutExpired("icacls", 20)),
    ],
)
def test_a_disk_without_access_lists_or_no_icacls_never_stops_the_write(
    user: None, tmp_path: Path, runner: _Runner
) -> None:
    assert not atomic.windows_owner_only(tmp_path / "x", run=runner)


def test_without_a_user_name_nothing_is_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("USERNAME", raising=False)
    run = _Runner()
    assert not atomic.windows_owner_only(tmp_path / "x", run=run)
    assert run.calls == []


def test_on_windows_every_file_and_folder_the_app_makes_gets_the_access_list(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[tuple[Path, bool]] = []
    monkeypatch.setattr(atomic, "WINDOWS", True)
    monkeypatch.setattr(
        atomic,
        "windows_owner_only",
        lambda path, *, folder=False, **_: seen.append((Path(path), folder)) or True,
    )
    import os

    os.close(atomic.create_owner_only(tmp_path / "new.auditwb"))
    with atomic.atomic_output(tmp_path / "package.pdf") as (fd, _tmp):
        os.write(fd, b"%PDF")
        os.close(fd)
    staging = atomic.StagingFolder(tmp_path)
    staging.remove()
    made = [(p.name, folder) for p, folder in seen]
    assert ("new.auditwb", False) in made
    assert any(name.startswith(".package.pdf.") and not folder for name, folder in made)
    assert (staging.path.name, True) in made
    assert (atomic.STAGING_PREFIX in staging.path.name) and (".auditwb-owner", False) in made
