"""The attach command: files to one request (or one of its samples), or a folder matched to requests by the
refs (and sample ids) in its names."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbook.cli import output
from workbook.cli.arguments import UsageError, parse_date, writable_workbook
from workbook.model import Actor


def cmd_attach(args: argparse.Namespace, actor: Actor) -> int:
    if args.folder:
        if args.sample is not None or args.requirement is not None:
            raise UsageError("--sample and --for attach named files; a folder is matched by the names in it")
        return _attach_folder(args, actor)
    if not args.ref or not args.paths:
        raise UsageError("attach needs a REF and at least one PATH (or --folder DIR)")
    if args.sample is not None:
        return _attach_to_sample(args, actor)
    if args.requirement is not None:
        raise UsageError("--for names a sample's required item: give the sample with --sample ID")
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


def _attach_to_sample(args: argparse.Namespace, actor: Actor) -> int:
    """`attach FILE REF PATH... --sample ID [--for ITEM]`: the files given for one sample of the request."""
    if args.effective or args.description:
        raise UsageError(
            "--effective and --description are set on a file attached to a request",
            hint="attach to the sample, then set the file's details in the app",
        )
    with writable_workbook(args, actor) as workbook:
        results = workbook.samples.attach(
            args.ref,
            args.sample,
            [Path(p) for p in args.paths],
            requirement=args.requirement or "",
            follow_symlinks=args.follow_symlinks,
        )
        grid = workbook.samples.grid(args.ref)
    output.print_attached(results, sample=args.sample, requirement=args.requirement or "")
    output.say(f"{grid.ref}: {grid.summary}")
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
        result = None if args.dry_run else apply_plan(workbook.evidence, plan, samples=workbook.samples)
        output.print_ingest(plan, result, as_json=args.json)
    return output.EXIT_OK
