"""Opening an encrypted workbook in the window: its passphrase is asked for (again after a wrong one), a
cancel opens nothing and says nothing, and the right passphrase opens it as any workbook."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.workbooks import ACME
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from workbook.model import Actor
from workbook.services.workbook import Workbook
from workbook.storage import cipher

pytest.importorskip("sqlcipher3")

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def empty_keyring() -> Iterator[None]:
    cipher._keys.clear()
    yield
    cipher._keys.clear()


@pytest.fixture
def encrypted(tmp_path: Path, actor: Actor) -> Path:
    path = tmp_path / "secret.auditwb"
    Workbook.create(path, actor, passphrase=PASSPHRASE, **ACME).close()
    cipher._keys.clear()  # as a new process: the window does not know it
    return path


def _answers(window: MainWindow, answers: list[str | None]) -> list[bool]:
    """Answer the passphrase questions in turn; returns whether each question said the last one was wrong."""
    asked: list[bool] = []

    def ask(path: Path, wrong: bool) -> str | None:
        asked.append(wrong)
        return answers.pop(0)

    window.session.ask_passphrase = ask  # type: ignore[method-assign]
    return asked


def test_the_passphrase_is_asked_and_a_wrong_one_asked_again(
    qtbot: QtBot, window: MainWindow, encrypted: Path
) -> None:
    asked = _answers(window, ["not the passphrase", PASSPHRASE])
    failures: list[object] = []
    window.session.open_failed.connect(lambda path, error: failures.append(error))
    assert window.open_path(encrypted)
    qtbot.waitUntil(lambda: window.session.workbook is not None, timeout=10_000)
    assert asked == [False, True]
    assert failures == []
    assert window.session.workbook is not None
    assert window.session.workbook.engagement().client == ACME["client"]


def test_cancelling_the_question_opens_nothing_and_shows_no_error(
    qtbot: QtBot, window: MainWindow, encrypted: Path
) -> None:
    asked = _answers(window, [None])
    failures: list[object] = []
    window.session.open_failed.connect(lambda path, error: failures.append(error))
    assert not window.open_path(encrypted)
    assert asked == [False]
    assert failures == []
    assert window.session.workbook is None


def test_three_wrong_passphrases_end_in_the_refusal_in_words(
    qtbot: QtBot, window: MainWindow, encrypted: Path
) -> None:
    asked = _answers(window, ["wrong one 1", "wrong one 2", "wrong one 3"])
    failures: list[BaseException] = []
    window.session.open_failed.connect(lambda path, error: failures.append(error))
    assert not window.open_path(encrypted)
    assert asked == [False, True, True]
    assert len(failures) == 1
    assert "passphrase does not open this workbook" in str(failures[0])
