"""Where the bundled resources (fonts, samples, icons) live: the source tree or a PyInstaller bundle."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    """The `resources/` folder; AUDIT_WORKBOOK_RESOURCES overrides it (packagers, tests)."""
    if override := os.environ.get("AUDIT_WORKBOOK_RESOURCES"):
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
