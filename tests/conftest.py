"""Set-up all test folders share: the builders in tests/helpers/ importable as `helpers.*`, and the actor."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from workbook.model import Actor


def _load_helpers() -> None:
    """Make tests/helpers/ the package `helpers` (test modules cannot import a conftest by name).

    Not by putting tests/ on sys.path: there tests/workbook and tests/ui would be found as namespace packages
    before the installed (editable) `workbook` and `ui`.
    """
    if "helpers" in sys.modules:
        return
    folder = Path(__file__).resolve().parent / "helpers"
    spec = importlib.util.spec_from_file_location(
        "helpers", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["helpers"] = module
    spec.loader.exec_module(module)


_load_helpers()


@pytest.fixture
def actor() -> Actor:
    return Actor(name="Dana Ops", login="dana")
