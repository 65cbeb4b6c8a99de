"""The `audit-workbook` command: the command line, with the desktop app plugged in for `open`/`demo`."""

from __future__ import annotations

import os
import sys


def no_display_reason() -> str:
    """Why a window cannot open here (Linux without X11/Wayland and no Qt platform chosen), or ""."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return ""
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return ""
    return "no display is available (DISPLAY and WAYLAND_DISPLAY are unset)"


def run_gui(argv: list[str], actor_name: str | None) -> int:
    reason = no_display_reason()
    if reason:
        # Qt would abort the process with "could not connect to display"; say what to do instead.
        print(
            f"audit-workbook: cannot open the window: {reason} — run it on a desktop, or use the "
            "command line (e.g. `audit-workbook demo DIR --no-gui`, `audit-workbook items FILE`)",
            file=sys.stderr,
        )
        return 2
    from ui.app import run  # Qt loads only when a window is wanted

    return run(argv, actor_name=actor_name)


def main() -> None:
    from workbook.cli import main as cli_main

    sys.exit(cli_main(gui=run_gui))


if __name__ == "__main__":
    main()
