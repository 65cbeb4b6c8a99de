"""Who is acting: a display name (saved or given with --as) plus the OS login."""

from __future__ import annotations

import getpass
import os

from workbook.model import Actor


def os_login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USERNAME") or os.environ.get("USER") or "unknown"


def current_actor(display_name: str | None = None) -> Actor:
    """The actor for this process: an explicit name, else $AUDIT_WORKBOOK_USER, else the login."""
    login = os_login()
    name = (display_name or "").strip() or os.environ.get("AUDIT_WORKBOOK_USER", "").strip() or login
    return Actor(name=name[:200], login=login)
