"""The attach command: files to one request, or a folder matched to requests by the refs in its names."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbook.cli import output
from workbook.cli.arguments import UsageError, parse_date, writable_workbook
from workbook.model import Actor


def cmd_attach(args: argparse.Namespace, actor: Actor) -> int:
    if args.folder:
        return _attach_folder(args, actor)
    if not args.ref or not args.paths:
        raise UsageError("attach needs a REF and at least one PATH (or --folder DIR)")
    with writable_workbook(args, actor) as workbook:
        results = workbook.evidence.attach(
            args.ref,
            [Path(p) for p in args.paths],
            effective_date=parse_date(args.effective) if args.effective else None,
            description=args.description or "",
            follow_symlinks=args.follow_symlinks,
        )
    output.print_attached(results)
    return output.EXIT_OK


def _attach_folder(args: argparse.Namespace, actor: Actor) -> int:
    """`attach FILE --folder DIR [--dry-run] [--json]`: print the plan, attach unless dry run."""
    from workbook.services.ingest import apply_plan, plan_folder

    with writable_workbook(args, actor) as workbook:
        plan = plan_folder(
            workbook.db,
            Path(args.folder),
            follow_symlinks=args.follow_symlinks,
            max_size=workbook.evidence.max_file_size,
        )
        result = None if args.dry_run else apply_plan(workbook.evidence, plan)
        output.print_ingest(plan, result, as_json=args.json)
    return output.EXIT_OK
