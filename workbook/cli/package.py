"""The export command: the PDF package, the BagIt zip and the filled-in checklist for the auditor."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbook.cli import output
from workbook.cli.arguments import open_workbook, parse_status
from workbook.model import Actor


def cmd_export(args: argparse.Namespace, actor: Actor) -> int:
    from workbook.model import ExportOptions
    from workbook.services.exporting import ExportService

    with open_workbook(args, actor) as workbook:
        options = ExportOptions(
            pdf=Path(args.pdf) if args.pdf else None,
            zip=Path(args.zip) if args.zip else None,
            xlsx=Path(args.xlsx) if args.xlsx else None,
            final=args.final,
            statuses=tuple(parse_status(s) for s in args.status),
            sections=tuple(args.section),
            owners=tuple(args.owner),
            refs=tuple(args.ref),
            page_size=args.page_size,
        )
        result = ExportService(workbook).export(options)
        output.print_export(result)
    return output.EXIT_OK
