"""The `audit-workbook` command: the command line, with the desktop app plugged in for `open`/`demo`."""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Callable


def no_display_reason() -> str:
    """Why a window cannot open here (Linux without X11/Wayland and no Qt platform chosen), or ""."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return ""
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return ""
    return "no display is available (DISPLAY and WAYLAND_DISPLAY are unset)"


# Qt 6's xcb platform plugin loads these; without them Qt aborts with "Could not load the Qt platform plugin".
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-image": "libxcb-image0",
    "xcb-randr": "libxcb-randr0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-shape": "libxcb-shape0",
    "xcb-xkb": "libxcb-xkb1",
}


def missing_xcb_packages(find: Callable[[str], str | None] = ctypes.util.find_library) -> list[str]:
    """Debian packages Qt's X11 plugin needs that this machine lacks ([] off X11 or when all are there)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux") or (platform and platform != "xcb"):
        return []
    if not platform and os.environ.get("WAYLAND_DISPLAY"):
        return []
    return [package for library, package in XCB_LIBRARIES.items() if not find(library)]


def run_gui(argv: list[str], actor_name: str | None) -> int:
    missing = missing_xcb_packages()
    # A PyInstaller bundle may carry these itself, where find_library cannot see them.
    if missing and not getattr(sys, "frozen", False):
        print(
            "audit-workbook: cannot open the window: Qt's X11 plugin needs system libraries that are "
            f"missing — install them with: sudo apt-get install {' '.join(missing)}",
            file=sys.stderr,
        )
        return 2
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


def check_qt() -> str:
    """The self-test's Qt check: the modules the window uses load (here, so that workbook/ never loads Qt)."""
    import PySide6.QtCore
    import PySide6.QtGui
    import PySide6.QtPdf
    import PySide6.QtPdfWidgets
    import PySide6.QtSvg
    import PySide6.QtWidgets

    return f"Qt {PySide6.QtCore.qVersion()} (PySide6 {PySide6.__version__}): GUI and PDF modules load"


def main() -> None:
    from workbook.cli import main as cli_main

    sys.exit(cli_main(gui=run_gui, self_checks=[("Qt", check_qt)]))


if __name__ == "__main__":
    main()
