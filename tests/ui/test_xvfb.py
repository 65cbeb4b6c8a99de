"""Under a real X server (Xvfb) the app shows a window titled with the workbook's name, and it stays up."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OBSERVE_SECONDS = 10

# Runs inside xvfb-run: start the app, wait for its window, look again every second for 10 s, stop it.
WATCHER = """
import subprocess, sys, time
OBSERVE = int(sys.argv.pop(1))
app = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
name = __import__("pathlib").Path(sys.argv[-1]).name

def titles():
    tree = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True).stdout
    return [line.strip() for line in tree.splitlines() if name in line]

waited = 0.0
while not titles() and app.poll() is None and waited < 60:
    time.sleep(0.2)
    waited += 0.2
seen = 0
for _ in range(OBSERVE):
    time.sleep(1)
    if app.poll() is None and titles():
        seen += 1
print("window:", (titles() or ["none"])[0])
print("seen:", seen, "alive:", app.poll() is None)
app.terminate()
app.wait(30)
print("stderr:", app.stderr.read().decode(errors="replace").strip()[-2000:])
"""


def test_the_window_titled_with_the_workbook_name_stays_up_under_xvfb(
    workbook_file: Path, tmp_path: Path
) -> None:
    if not (shutil.which("xvfb-run") and shutil.which("xwininfo")):
        pytest.skip("needs xvfb-run and xwininfo (apt install xvfb xauth x11-utils)")
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(
        HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "cfg"), XDG_DATA_HOME=str(tmp_path / "data")
    )
    app = [sys.executable, "-c", "from ui.launch import main; main()", "--as", "Dana Ops", "open"]
    result = subprocess.run(
        ["xvfb-run", "-a", sys.executable, "-c", WATCHER, str(OBSERVE_SECONDS), *app, str(workbook_file)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines() if ": " in line)
    assert "acme.auditwb — Acme Cloud, Inc. — Audit Workbook" in lines.get("window", ""), result
    assert lines.get("seen") == f"{OBSERVE_SECONDS} alive: True", result
