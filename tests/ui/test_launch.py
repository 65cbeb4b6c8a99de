"""The launcher: a headless Linux machine gets a clear message instead of a Qt abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the display check is for Linux desktops")
def test_opening_the_window_without_a_display_says_what_to_do(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run(
        [sys.executable, "-m", "ui.launch", "open", str(tmp_path / "none.auditwb")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    assert "no display is available" in result.stderr
    assert "--no-gui" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_x11_libraries_are_named_with_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from ui import launch

    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    have = {"xcb-icccm", "xcb-keysyms", "xcb-image", "xcb-randr", "xcb-render-util", "xcb-shape", "xcb-xkb"}
    missing = launch.missing_xcb_packages(lambda name: f"lib{name}.so" if name in have else None)
    assert missing == ["libxcb-cursor0", "libxkbcommon-x11-0"]


def test_offscreen_and_wayland_need_no_x11_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    from ui import launch

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert launch.missing_xcb_packages(lambda name: None) == []
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert launch.missing_xcb_packages(lambda name: None) == []


def test_the_self_tests_qt_check_loads_the_gui_and_pdf_modules() -> None:
    from ui.launch import check_qt

    assert "GUI and PDF modules load" in check_qt()
