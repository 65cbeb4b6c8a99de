"""What ui.launch plugs in, never imported here: the desktop app (`open`, `demo`), more --self-test checks."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from workbook.cli import output
from workbook.cli.arguments import UsageError
from workbook.model import Actor

# Opens the desktop app: (argv, display name) -> exit status.
GuiRunner = Callable[[list[str], str | None], int]
# One more installation check for --self-test: (name, check returning what it found or raising).
SelfCheck = tuple[str, Callable[[], str]]


def run_gui(args: argparse.Namespace, argv: list[str], actor: Actor) -> int:
    runner: GuiRunner | None = getattr(args, "gui", None)
    if runner is None:
        raise UsageError(
            "the desktop app is not available from this entry point", hint="run `audit-workbook`"
        )
    return runner(argv, actor.name if actor.name != actor.login else None)


def cmd_open(args: argparse.Namespace, actor: Actor) -> int:
    argv = [args.file] if args.file else []
    if args.quit_after_paint:
        argv.append("--quit-after-paint")
    return run_gui(args, argv, actor)


def cmd_self_test(args: argparse.Namespace, actor: Actor) -> int:
    from workbook.services.selftest import run_checks

    extra: tuple[SelfCheck, ...] = getattr(args, "self_checks", ())
    failed = 0
    for result in run_checks(extra):
        output.print_check(result)
        failed += not result.ok
    output.print_self_test_verdict(failed)
    return output.EXIT_OK if not failed else output.EXIT_CHECK_FAILED
