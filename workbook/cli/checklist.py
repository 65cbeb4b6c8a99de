"""The import command: read the auditor's checklist into the workbook (or show what would change)."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbook.cli import output
from workbook.cli.arguments import UsageError, writable_workbook
from workbook.model import Actor


def cmd_import(args: argparse.Namespace, actor: Actor) -> int:
    from workbook.services.importing import ImportService

    mapping = {}
    for item in args.map:
        field, sep, column = item.partition("=")
        if not sep:
            raise UsageError(f"--map {item!r} should be FIELD=COLUMN")
        mapping[field.strip()] = column
    sheets = args.sheet or None
    with writable_workbook(args, actor) as workbook:
        summary = ImportService(workbook.db, workbook.actor).import_checklist(
            Path(args.checklist),
            sheet=sheets[0] if sheets and len(sheets) == 1 else sheets,
            header_row=args.header_row,
            mapping=mapping or None,
            include_rows=args.include_row,
            dry_run=args.dry_run,
        )
    output.print_import(summary, Path(args.checklist).name, as_json=args.json)
    return output.EXIT_OK
