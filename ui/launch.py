"""The `audit-workbook` command: the command line, with the desktop app plugged in for `open`/`demo`."""

from __future__ import annotations

import sys


def run_gui(argv: list[str], actor_name: str | None) -> int:
    from ui.app import run  # Qt loads only when a window is wanted

    return run(argv, actor_name=actor_name)


def main() -> None:
    from workbook.cli import main as cli_main

    sys.exit(cli_main(gui=run_gui))


if __name__ == "__main__":
    main()
