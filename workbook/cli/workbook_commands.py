"""Commands on a workbook file as a whole: new, demo, verify, log, backup, restore, repair."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from workbook.cli import output
from workbook.cli.app import run_gui
from workbook.cli.arguments import UsageError, open_workbook, parse_period
from workbook.cli.encryption import needed_passphrase
from workbook.model import Actor


def cmd_new(args: argparse.Namespace, actor: Actor) -> int:
    from workbook.services.workbook import Workbook

    start, end = parse_period(args.period) if args.period else (None, None)
    passphrase = needed_passphrase(args, "--encrypt") if args.encrypt else None
    with Workbook.create(
        Path(args.file),
        actor,
        client=args.client,
        framework=args.framework,
        period_start=start,
        period_end=end,
        auditor=args.auditor,
        passphrase=passphrase,
    ) as workbook:
        output.say(f"created {workbook.path}{' (encrypted)' if passphrase else ''}")
    return output.EXIT_OK


def cmd_demo(args: argparse.Namespace, actor: Actor) -> int:
    from workbook.services.demo import build_demo

    folder = Path(args.dir).expanduser()
    path = build_demo(folder, actor)
    output.say(f"demo workbook: {path}")
    if args.no_gui:
        return output.EXIT_OK
    return run_gui(args, [str(path)], actor)


def cmd_verify(args: argparse.Namespace, actor: Actor) -> int:
    """A workbook, or a package (.zip/.pdf) the auditor received: exit 1 when anything was altered."""
    target = Path(args.file)
    if args.expect_head is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", args.expect_head):
        raise UsageError(f"--expect-head {args.expect_head!r} is not a log head", hint="give the 64-hex hash")
    if target.suffix.lower() in (".zip", ".pdf"):
        from workbook.formats.package.verify import verify_package

        report = verify_package(target)
    else:
        with open_workbook(args, actor, read_only=True) as workbook:
            report = workbook.verify(expect_head=args.expect_head)
    output.print_verify(report)
    return output.EXIT_OK if report.ok else output.EXIT_CHECK_FAILED


def cmd_log(args: argparse.Namespace, actor: Actor) -> int:
    with open_workbook(args, actor, read_only=True) as workbook:
        entries = list(workbook.activity.iter_all())
    output.print_activity(entries, as_json=args.json)
    return output.EXIT_OK


def cmd_backup(args: argparse.Namespace, actor: Actor) -> int:
    with open_workbook(args, actor, read_only=True) as workbook:
        output.say(f"backed up to {workbook.backup(Path(args.dest))}")
    return output.EXIT_OK


def cmd_restore(args: argparse.Namespace, actor: Actor) -> int:
    from workbook.services.workbook import Workbook

    backup, dest = Path(args.backup), Path(args.file)
    if dest.exists():
        raise UsageError("the destination exists", where=str(dest), hint="restore to a new file name")
    with Workbook.open(backup, actor, read_only=True) as workbook:
        workbook.backup(dest)
    output.say(f"restored {backup} to {dest}")
    return output.EXIT_OK


def cmd_repair(args: argparse.Namespace, actor: Actor) -> int:
    """A clean copy of an odd or damaged workbook; one line per thing dropped or fixed."""
    from workbook.services.workbook import Workbook

    report = Workbook.repair(Path(args.file), Path(args.out), actor)
    for note in report.notes:
        output.say(note)
    counts = ", ".join(f"{n} {table}" for table, n in report.copied if n)
    output.say(f"wrote {report.path}: {counts or 'no rows'}; {len(report.notes)} thing(s) dropped or fixed")
    output.say(f"check it with: audit-workbook verify {report.path}")
    return output.EXIT_OK
