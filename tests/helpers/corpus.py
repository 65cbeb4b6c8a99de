"""The real public checklists in ../shared/corpus (tests using them are skipped when it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")


def corpus_names() -> list[str]:
    """Every checklist file of the corpus by name, for parametrize; one placeholder when it is absent."""
    if not CORPUS.is_dir():
        return ["(corpus absent)"]
    return sorted(p.name for p in CORPUS.iterdir() if p.suffix.lower() in SUFFIXES)


def corpus_file(name: str) -> Path:
    """The corpus file called `name`; skips the test when it is absent."""
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file {name} is absent")
    return path
