"""Confirmed column mappings, remembered per machine by header signature and offered on the next import."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbook.model import FIELDS

if TYPE_CHECKING:
    pass


def profile_store_path() -> Path:
    """The user-level store of confirmed mappings, shared by every workbook on this machine."""
    if override := os.environ.get("AUDIT_WORKBOOK_PROFILES"):
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home()))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config"))
    return base / "AuditWorkbook" / "mapping-profiles.json"


def load_profiles(path: Path | None = None) -> dict[str, Any]:
    path = path or profile_store_path()
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_profile(signature: str, profile: Mapping[str, Any], path: Path | None = None) -> None:
    """Remember a confirmed mapping by header signature (temporary file, then rename)."""
    path = path or profile_store_path()
    profiles = load_profiles(path)
    profiles[signature] = dict(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(profiles, indent=2, ensure_ascii=False), "utf-8")
    os.replace(tmp, path)


def confirmed_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    """A confirmed mapping names every request field: the ones it leaves out were left out on purpose."""
    return {field: str(mapping.get(field, "")) for field in FIELDS} | {
        k: str(v) for k, v in mapping.items() if k not in FIELDS
    }


def profile_words(profile: Mapping[str, Any] | None, last_import: Mapping[str, Any] | None) -> str:
    """Say whose mapping is being reused: "using the mapping you confirmed for <file> on <date>"."""
    if not profile:
        return ""
    file_name = str(profile.get("file_name") or "")
    at: object = None
    if isinstance(profile.get("confirmed_at"), str):
        with contextlib.suppress(ValueError):
            at = dt.datetime.fromisoformat(profile["confirmed_at"])
    if last_import and last_import.get("mapping") == profile.get("mapping"):
        file_name = file_name or str(last_import.get("file_name") or "")
        at = at or last_import.get("imported_at")
    when = ""
    if isinstance(at, dt.datetime):
        # Stored times are UTC; naive ones come from SQLite and are UTC too.
        at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
        when = f" on {at.astimezone():%d %b %Y}"
    target = f" for {file_name}" if file_name else " for a checklist with these headings"
    return f"Using the mapping you confirmed{target}{when}."
