"""The command line: a second face on the same services; with no subcommand it opens the app."""

from __future__ import annotations

from collections.abc import Sequence

from workbook.cli.app import GuiRunner, SelfCheck, cmd_self_test, run_gui
from workbook.cli.arguments import clean_text_options
from workbook.cli.encryption import unlock_named_workbooks
from workbook.cli.output import run_command
from workbook.cli.parser import build_parser
from workbook.identity import current_actor

__all__ = ["GuiRunner", "SelfCheck", "build_parser", "main"]


def main(
    argv: Sequence[str] | None = None, gui: GuiRunner | None = None, self_checks: Sequence[SelfCheck] = ()
) -> int:
    """Run one command; ui.launch passes `gui` (the window) and `self_checks` (Qt's): never imported here."""
    args = build_parser().parse_args(argv)
    clean_text_options(args)
    args.gui = gui
    args.self_checks = tuple(self_checks)
    actor = current_actor(getattr(args, "actor", None))

    def command() -> int:
        if args.self_test:
            return cmd_self_test(args, actor)
        if args.command is None:
            return run_gui(args, [], actor)
        unlock_named_workbooks(args)
        result: int = args.func(args, actor)
        return result

    return run_command(command)
