"""Commands on the requests of a workbook: items (list, filter) and set (owner, status, due date, note)."""

from __future__ import annotations

import argparse

from workbook.cli import output
from workbook.cli.arguments import open_workbook, parse_date, parse_status, writable_workbook
from workbook.model import Actor, RequestFilter


def cmd_items(args: argparse.Namespace, actor: Actor) -> int:
    wanted = RequestFilter(
        statuses=tuple(parse_status(s) for s in args.status),
        owners=tuple(args.owner),
        sections=tuple(args.section),
        text=args.search or "",
        overdue=args.overdue,
        missing_evidence=args.missing_evidence,
    )
    with open_workbook(args, actor, read_only=True) as workbook:
        requests = workbook.requests.list(wanted)
        grids = {grid.ref: grid for grid in workbook.samples.grids()} if args.json else {}
    output.print_requests(requests, as_json=args.json, grids=grids)
    return output.EXIT_OK


def cmd_set(args: argparse.Namespace, actor: Actor) -> int:
    from workbook.model import FieldChange

    change = FieldChange(
        owner=args.owner,
        status=parse_status(args.status) if args.status else None,
        due=parse_date(args.due) if args.due and args.due != "none" else None,
        clear_due=args.due == "none",
        notes=args.note,
    )
    with writable_workbook(args, actor) as workbook:
        changes = workbook.requests.set(args.ref, change)
    output.say(f"{args.ref}: {'changed' if changes.refs else 'already so, nothing changed'}")
    return output.EXIT_OK
