"""The command line: a second face on the same services; with no subcommand it opens the app."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from workbook import __version__
from workbook.errors import WorkbookError
from workbook.identity import current_actor
from workbook.model import Actor, Request, RequestFilter, Status

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT = 0, 1, 2

# Opens the desktop app: (argv, display name) -> exit status; injected by ui.launch, never imported here.
GuiRunner = Callable[[list[str], str | None], int]


class UsageError(WorkbookError):
    """Bad arguments: exit 2 with the reason."""


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise UsageError(f"{text!r} is not a date", hint="write dates as YYYY-MM-DD") from exc


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    start, sep, end = text.partition("..")
    if not sep:
        raise UsageError(f"{text!r} is not a period", hint="write it as 2026-01-01..2026-06-30")
    return parse_date(start), parse_date(end)


def parse_status(text: str) -> Status:
    try:
        return Status.parse(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def request_json(request: Request) -> dict[str, Any]:
    return {
        "ref": request.ref,
        "title": request.title,
        "request": request.request,
        "criteria": list(request.criteria),
        "section": request.section,
        "owner": request.owner,
        "status": request.status.value,
        "due": request.due.isoformat() if request.due else None,
        "evidence_count": request.evidence_count,
        "extra": dict(request.extra),
    }


def _print_json(value: object) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def _open(args: argparse.Namespace, actor: Actor, *, read_only: bool = False) -> Any:
    from workbook.services.workbook import Workbook

    return Workbook.open(Path(args.file), actor, read_only=read_only)


def _writable(args: argparse.Namespace, actor: Actor) -> Any:
    workbook = _open(args, actor)
    if workbook.read_only:
        reason = workbook.db.read_only_reason
        workbook.close()
        raise UsageError(
            f"the workbook is read-only: {reason}", where=args.file, hint="close the other copy first"
        )
    return workbook


def cmd_new(args: argparse.Namespace, actor: Actor) -> int:
    from workbook.services.workbook import Workbook

    start, end = parse_period(args.period) if args.period else (None, None)
    with Workbook.create(
        Path(args.file),
        actor,
        client=args.client,
        framework=args.framework,
        period_start=start,
        period_end=end,
        auditor=args.auditor,
    ) as workbook:
        print(f"created {workbook.path}")
    return EXIT_OK


def cmd_items(args: argparse.Namespace, actor: Actor) -> int:
    wanted = RequestFilter(
        statuses=tuple(parse_status(s) for s in args.status),
        owners=tuple(args.owner),
        sections=tuple(args.section),
        text=args.search or "",
        overdue=args.overdue,
        missing_evidence=args.missing_evidence,
    )
    with _open(args, actor, read_only=True) as workbook:
        requests = workbook.requests.list(wanted)
    if args.json:
        _print_json([request_json(r) for r in requests])
        return EXIT_OK
    for r in requests:
        due = r.due.isoformat() if r.due else "-"
        owner = r.owner or "-"
        print(f"{r.ref:<14} {r.status.label:<18} {owner:<18} {due:<10} {r.evidence_count:>3}  {r.title}")
    print(f"{len(requests)} requests")
    return EXIT_OK


def cmd_set(args: argparse.Namespace, actor: Actor) -> int:
    from workbook.services.requests import FieldChange

    change = FieldChange(
        owner=args.owner,
        status=parse_status(args.status) if args.status else None,
        due=parse_date(args.due) if args.due and args.due != "none" else None,
        clear_due=args.due == "none",
        notes=args.note,
    )
    with _writable(args, actor) as workbook:
        changes = workbook.requests.set(args.ref, change)
    print(f"{args.ref}: {'changed' if changes.refs else 'already so, nothing changed'}")
    return EXIT_OK


def cmd_attach(args: argparse.Namespace, actor: Actor) -> int:
    if args.folder:
        from workbook.services.ingest import attach_folder_cli

        with _writable(args, actor) as workbook:
            return attach_folder_cli(
                workbook,
                Path(args.folder),
                dry_run=args.dry_run,
                as_json=args.json,
                follow_symlinks=args.follow_symlinks,
            )
    if not args.ref or not args.paths:
        raise UsageError("attach needs a REF and at least one PATH (or --folder DIR)")
    with _writable(args, actor) as workbook:
        results = workbook.evidence.attach(
            args.ref,
            [Path(p) for p in args.paths],
            effective_date=parse_date(args.effective) if args.effective else None,
            description=args.description or "",
            follow_symlinks=args.follow_symlinks,
        )
    for r in results:
        state = (
            "already linked"
            if r.already_linked
            else ("stored" if r.stored_new_bytes else "linked (same bytes)")
        )
        print(f"{r.ref}: {r.evidence.name} {r.evidence.size:,} bytes sha256 {r.evidence.sha256} — {state}")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace, actor: Actor) -> int:
    target = Path(args.file)
    if args.expect_head is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", args.expect_head):
        raise UsageError(f"--expect-head {args.expect_head!r} is not a log head", hint="give the 64-hex hash")
    if target.suffix.lower() in (".zip", ".pdf"):
        from workbook.formats.package.verify import verify_package

        report = verify_package(target)
    else:
        with _open(args, actor, read_only=True) as workbook:
            report = workbook.verify(expect_head=args.expect_head)
    for problem in report.problems:
        print(f"ALTERED {problem.where}: {problem.message}")
    print(
        f"checked {report.evidence_checked} evidence files and {report.activity_checked} activity entries; "
        f"log head {report.head}"
    )
    print("intact" if report.ok else f"{len(report.problems)} problem(s) found")
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED


def cmd_log(args: argparse.Namespace, actor: Actor) -> int:
    with _open(args, actor, read_only=True) as workbook:
        entries = list(workbook.activity.iter_all())
    if args.json:
        _print_json(
            [
                {
                    "id": e.id,
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "login": e.login,
                    "action": e.action,
                    "target": e.target,
                    "field": e.field,
                    "before": e.before,
                    "after": e.after,
                    "detail": json.loads(e.detail) if e.detail else None,
                    "hash": e.hash,
                }
                for e in entries
            ]
        )
        return EXIT_OK
    for e in entries:
        change = f"{e.field}: {e.before!r} → {e.after!r}" if e.field else (e.after or e.before)
        print(
            f"#{e.id:<5} {e.at:%Y-%m-%d %H:%M:%S} UTC  {e.actor} ({e.login})  {e.action} {e.target}  {change}"
        )
    return EXIT_OK


def cmd_backup(args: argparse.Namespace, actor: Actor) -> int:
    with _open(args, actor, read_only=True) as workbook:
        print(f"backed up to {workbook.backup(Path(args.dest))}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace, actor: Actor) -> int:
    from workbook.services.workbook import Workbook

    backup, dest = Path(args.backup), Path(args.file)
    if dest.exists():
        raise UsageError("the destination exists", where=str(dest), hint="restore to a new file name")
    with Workbook.open(backup, actor, read_only=True) as workbook:
        workbook.backup(dest)
    print(f"restored {backup} to {dest}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, actor: Actor) -> int:
    from workbook.services.demo import build_demo

    folder = Path(args.dir).expanduser()
    path = build_demo(folder, actor)
    print(f"demo workbook: {path}")
    if args.no_gui:
        return EXIT_OK
    return _run_gui(args, [str(path)], actor)


def cmd_import(args: argparse.Namespace, actor: Actor) -> int:
    from workbook.services.importing import ImportService

    mapping = {}
    for item in args.map:
        field, sep, column = item.partition("=")
        if not sep:
            raise UsageError(f"--map {item!r} should be FIELD=COLUMN")
        mapping[field.strip()] = column
    sheets = args.sheet or None
    with _writable(args, actor) as workbook:
        summary = ImportService(workbook.db, workbook.actor).import_checklist(
            Path(args.checklist),
            sheet=sheets[0] if sheets and len(sheets) == 1 else sheets,
            header_row=args.header_row,
            mapping=mapping or None,
            include_rows=args.include_row,
            dry_run=args.dry_run,
        )
    if args.json:
        print(json.dumps(summary.as_json(), ensure_ascii=False, indent=2))
        return 0
    _print_import(summary, Path(args.checklist).name)
    return 0


def _print_import(summary: Any, name: str) -> None:
    verb = "would import" if summary.dry_run else "imported"
    sheets = ", ".join(repr(s) for s in summary.sheets) if len(summary.sheets) > 1 else repr(summary.sheet)
    print(f"{verb} {name}: sheet {sheets}, header row {summary.header_row}")
    print("mapping: " + ", ".join(f"{k} ← {v!r}" for k, v in summary.mapping.items()))
    if summary.answer_columns:
        print("answers go to: " + ", ".join(f"{k} → {v!r}" for k, v in summary.answer_columns.items()))
    print(
        f"{summary.added} added, {summary.updated} changed, {summary.unchanged} unchanged, "
        f"{summary.removed} removed; {summary.items} requests"
    )
    print(
        f"rows below the header: {summary.non_empty_rows} with content = {summary.imported_rows} imported + "
        f"{len(summary.merged_rows)} merged + {len(summary.skipped_rows)} left out"
    )
    for warning in summary.warnings:
        print(f"warning: check this: {warning}", file=sys.stderr)
    for d in summary.diff:
        if d.kind == "changed":
            extra = " (re-check evidence: the request wording changed)" if d.recheck_evidence else ""
            print(f"  changed {d.ref}: {', '.join(f.field for f in d.fields)}{extra}")
        else:
            print(f"  {d.kind} {d.ref}")
    for row in summary.skipped_rows:
        print(f"  left out: {row.sheet}, row {row.row}: {row.reason} — {row.text}")
    for row in summary.merged_rows:
        print(f"  merged: {row.sheet}, row {row.row} into {row.into}: {row.reason}")
    for problem in summary.problems:
        print(f"  problem: {problem}")
    if summary.skipped_rows:
        print("  (bring a row back in with --include-row N)")


def cmd_export(args: argparse.Namespace, actor: Actor) -> int:
    from workbook.services.exporting import export_cli

    with _open(args, actor) as workbook:
        return export_cli(workbook, args)


def cmd_open(args: argparse.Namespace, actor: Actor) -> int:
    argv = [args.file] if args.file else []
    if args.quit_after_paint:
        argv.append("--quit-after-paint")
    return _run_gui(args, argv, actor)


def _run_gui(args: argparse.Namespace, argv: list[str], actor: Actor) -> int:
    runner: GuiRunner | None = getattr(args, "gui", None)
    if runner is None:
        raise UsageError(
            "the desktop app is not available from this entry point", hint="run `audit-workbook`"
        )
    return runner(argv, actor.name if actor.name != actor.login else None)


def cmd_self_test(args: argparse.Namespace, actor: Actor) -> int:
    from workbook.services.selftest import self_test

    return self_test()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="audit-workbook",
        description="Answer an auditor's checklist and "
        "bind the evidence package. With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"audit-workbook {__version__}")
    parser.add_argument("--as", dest="actor", metavar="NAME", help="who is acting (for the activity log)")
    parser.add_argument("--self-test", action="store_true", help="check the installation and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(
        name: str, func: Callable[[argparse.Namespace, Actor], int], help_text: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--as",
            dest="actor",
            metavar="NAME",
            default=argparse.SUPPRESS,
            help="who is acting (for the activity log)",
        )
        p.set_defaults(func=func)
        return p

    p = add("open", cmd_open, "open the app on a workbook")
    p.add_argument("file", nargs="?")
    p.add_argument("--quit-after-paint", action="store_true", help="exit right after the first paint")

    p = add("demo", cmd_demo, "build DIR/demo.auditwb from the bundled sample checklist and open it")
    p.add_argument("dir", nargs="?", default=str(Path.home() / "AuditWorkbookDemo"))
    p.add_argument("--no-gui", action="store_true")

    p = add("new", cmd_new, "create a new workbook")
    p.add_argument("file")
    p.add_argument("--client", required=True)
    p.add_argument("--framework", default="SOC 2 Type II")
    p.add_argument("--period", metavar="START..END")
    p.add_argument("--auditor", default="")

    p = add("import", cmd_import, "import (or re-import) the auditor's checklist")
    p.add_argument("file")
    p.add_argument("checklist")
    p.add_argument(
        "--sheet", action="append", default=[], help="the sheet to read (repeat to read several as one list)"
    )
    p.add_argument("--header-row", type=int)
    p.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN")
    p.add_argument(
        "--include-row",
        action="append",
        type=int,
        default=[],
        metavar="N",
        help="import row N as a request although it was left out (repeatable)",
    )
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--json", action="store_true")

    p = add("items", cmd_items, "list requests")
    p.add_argument("file")
    p.add_argument("--status", action="append", default=[])
    p.add_argument("--owner", action="append", default=[])
    p.add_argument("--section", action="append", default=[])
    p.add_argument("--search")
    p.add_argument("--overdue", action="store_true")
    p.add_argument("--missing-evidence", action="store_true")
    p.add_argument("--json", action="store_true")

    p = add("set", cmd_set, "change a request's owner, status, due date or note")
    p.add_argument("file")
    p.add_argument("ref")
    p.add_argument("--owner")
    p.add_argument("--status")
    p.add_argument("--due", help="YYYY-MM-DD, or 'none' to clear")
    p.add_argument("--note")

    p = add("attach", cmd_attach, "attach evidence files to a request, or a folder matched by ref")
    p.add_argument("file")
    p.add_argument("ref", nargs="?")
    p.add_argument("paths", nargs="*")
    p.add_argument("--folder")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--json", action="store_true")
    p.add_argument("--effective", metavar="DATE")
    p.add_argument("--description")
    p.add_argument("--follow-symlinks", action="store_true")

    p = add("export", cmd_export, "export the PDF package, zip bundle and filled-in checklist")
    p.add_argument("file")
    p.add_argument("--pdf")
    p.add_argument("--zip")
    p.add_argument("--xlsx")
    p.add_argument("--final", action="store_true")
    p.add_argument("--status", action="append", default=[])
    p.add_argument("--section", action="append", default=[])
    p.add_argument("--owner", action="append", default=[])
    p.add_argument("--ref", action="append", default=[])
    p.add_argument("--page-size", choices=("letter", "a4"), default="letter")

    p = add("verify", cmd_verify, "re-check evidence hashes and the activity log (or a package .zip/.pdf)")
    p.add_argument("file")
    p.add_argument("--expect-head", metavar="HASH")

    p = add("log", cmd_log, "print the activity log")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")

    p = add("backup", cmd_backup, "copy the workbook safely (SQLite online backup)")
    p.add_argument("file")
    p.add_argument("dest")

    p = add("restore", cmd_restore, "restore a backup to a new workbook file")
    p.add_argument("backup")
    p.add_argument("file")
    return parser


# Options holding free text (not paths): undecodable bytes in them become U+FFFD instead of a crash later.
_TEXT_OPTIONS = (
    "actor",
    "client",
    "framework",
    "auditor",
    "owner",
    "note",
    "status",
    "section",
    "search",
    "description",
    "ref",
)


def _clean_text(value: object) -> object:
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if isinstance(value, list):
        return [_clean_text(item) for item in value]
    return value


def main(argv: Sequence[str] | None = None, gui: GuiRunner | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for name in _TEXT_OPTIONS:
        if hasattr(args, name):
            setattr(args, name, _clean_text(getattr(args, name)))
    args.gui = gui
    actor = current_actor(getattr(args, "actor", None))
    try:
        if args.self_test:
            return cmd_self_test(args, actor)
        if args.command is None:
            return _run_gui(args, [], actor)
        result: int = args.func(args, actor)
        return result
    except WorkbookError as exc:
        print(f"audit-workbook: {exc.one_line()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader stopped reading (`… | head`): end quietly, as shell tools do, without a second error
        # when Python flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + 13
    except OSError as exc:
        # The disk or the operating system refused (a folder where a file was expected, no permission...).
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"audit-workbook: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("audit-workbook: interrupted, nothing half-written was kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
