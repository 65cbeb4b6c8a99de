"""Audit cycles on the command line: next-period, samples, prior-period files (prior, reuse), never-export."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbook.cli import output
from workbook.cli.arguments import UsageError, open_workbook, parse_period, parse_status, writable_workbook
from workbook.model import Actor


def cmd_next_period(args: argparse.Namespace, actor: Actor) -> int:
    """`next-period FILE NEW_FILE --period START..END`: the next period's workbook, FILE left untouched."""
    from workbook.services.workbook import Workbook

    start, end = parse_period(args.period)
    result = Workbook.next_period(
        Path(args.file), Path(args.new_file), actor, period_start=start, period_end=end, auditor=args.auditor
    )
    output.print_next_period(result, as_json=args.json)
    return output.EXIT_OK


# --- samples -----------------------------------------------------------------------------------------------


def _given_samples(given: list[str]) -> list[tuple[str, str]]:
    """`ID` or `ID=LABEL` from the command line, as (id, label)."""
    items = []
    for item in given:
        code, _sep, label = item.partition("=")
        if not code.strip():
            raise UsageError(f"{item!r} names no sample id", hint="write ID or ID=LABEL")
        items.append((code.strip(), label.strip()))
    return items


def _read_text(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read the list ({exc.strerror})", where=name) from exc


def cmd_samples_add(args: argparse.Namespace, actor: Actor) -> int:
    """`samples add FILE REF ID[=LABEL]... [--from-text FILE|-]`: one per line in the text, id then label."""
    from workbook.services.samples import parse_selection_text

    items = _given_samples(args.ids)
    skipped: tuple[str, ...] = ()
    if args.from_text:
        selection = parse_selection_text(_read_text(args.from_text))
        items += list(selection.items)
        skipped = selection.skipped
    if not items:
        raise UsageError("samples add needs sample ids (ID or ID=LABEL, or --from-text FILE)")
    with writable_workbook(args, actor) as workbook:
        before = len(workbook.samples.grid(args.ref).samples)
        workbook.samples.add(args.ref, items)
        grid = workbook.samples.grid(args.ref)
    output.print_samples_added(grid, len(grid.samples) - before, len(items), skipped)
    return output.EXIT_OK


def cmd_samples_import(args: argparse.Namespace, actor: Actor) -> int:
    """`samples import FILE REF SELECTION [--sheet S] [--column HEADER]`: the auditor's selection file."""
    with writable_workbook(args, actor) as workbook:
        before = len(workbook.samples.grid(args.ref).samples)
        _changes, selection = workbook.samples.import_selection(
            args.ref, Path(args.selection), sheet=args.sheet, column=args.column
        )
        grid = workbook.samples.grid(args.ref)
    if selection.column:
        output.say(f"read {selection.source}, sample ids from column {selection.column!r}")
    output.print_samples_added(grid, len(grid.samples) - before, len(selection.items), selection.skipped)
    return output.EXIT_OK


def cmd_samples_list(args: argparse.Namespace, actor: Actor) -> int:
    with open_workbook(args, actor, read_only=True) as workbook:
        grid = workbook.samples.grid(args.ref)
    output.print_sample_grid(grid, as_json=args.json)
    return output.EXIT_OK


def cmd_samples_require(args: argparse.Namespace, actor: Actor) -> int:
    """`samples require FILE REF ITEM...`: what each sample must provide (`--none` clears the list)."""
    if not args.items and not args.none:
        raise UsageError("name at least one required item (or --none to clear them)")
    if args.items and args.none:
        raise UsageError("give required items or --none, not both")
    with writable_workbook(args, actor) as workbook:
        changes = workbook.samples.set_required(args.ref, args.items)
        grid = workbook.samples.grid(args.ref)
    named = "; ".join(grid.required) or "nothing named (one file of any kind per sample)"
    verb = "now requires" if changes.refs else "already requires"
    output.say(f"{args.ref} {verb} of each sample: {named}")
    return output.EXIT_OK


def cmd_samples_set(args: argparse.Namespace, actor: Actor) -> int:
    if args.status is None and args.notes is None and args.label is None:
        raise UsageError("samples set needs --status, --notes or --label")
    with writable_workbook(args, actor) as workbook:
        changes = workbook.samples.set(
            args.ref,
            args.sample,
            label=args.label,
            status=parse_status(args.status) if args.status else None,
            notes=args.notes,
        )
    output.say(
        f"{args.ref} sample {args.sample}: {'changed' if changes.refs else 'already so, nothing changed'}"
    )
    return output.EXIT_OK


def cmd_samples_remove(args: argparse.Namespace, actor: Actor) -> int:
    with writable_workbook(args, actor) as workbook:
        workbook.samples.remove(args.ref, args.samples)
        grid = workbook.samples.grid(args.ref)
    output.say(
        f"{args.ref}: removed {', '.join(args.samples)} (their files stay in the workbook); "
        f"{len(grid.samples)} samples left"
    )
    return output.EXIT_OK


# --- prior-period files and never-export -------------------------------------------------------------------


def cmd_prior(args: argparse.Namespace, actor: Actor) -> int:
    with open_workbook(args, actor, read_only=True) as workbook:
        prior = workbook.prior.for_request(args.ref)
    output.print_prior(args.ref, prior, as_json=args.json)
    return output.EXIT_OK


def cmd_reuse(args: argparse.Namespace, actor: Actor) -> int:
    with writable_workbook(args, actor) as workbook:
        result = workbook.prior.reuse(args.ref, args.sha256)
    output.print_reuse(result)
    return output.EXIT_OK


def cmd_never_export(args: argparse.Namespace, actor: Actor) -> int:
    """`never-export FILE SHA256 [--off]`: keep a file in the workbook but out of every output."""
    never = not args.off
    with writable_workbook(args, actor) as workbook:
        changes = workbook.evidence.set_never_export(args.sha256, never)
        evidence = workbook.evidence.get(args.sha256)
    state = "never exported" if never else "exported again"
    if not changes.evidence:
        state = f"already {'never exported' if never else 'exported'}, nothing changed"
    output.say(f"{evidence.name} (sha256 {evidence.sha256[:12]}…): {state}")
    return output.EXIT_OK
