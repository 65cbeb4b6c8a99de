"""The argparse parser: every command, its options and the function that runs it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from workbook import __version__
from workbook.cli.app import cmd_open
from workbook.cli.checklist import cmd_import
from workbook.cli.cycles import (
    cmd_never_export,
    cmd_next_period,
    cmd_prior,
    cmd_reuse,
    cmd_samples_add,
    cmd_samples_import,
    cmd_samples_list,
    cmd_samples_remove,
    cmd_samples_require,
    cmd_samples_set,
)
from workbook.cli.encryption import cmd_decrypt, cmd_encrypt
from workbook.cli.evidence import cmd_attach
from workbook.cli.package import cmd_export
from workbook.cli.requests import cmd_items, cmd_set
from workbook.cli.workbook_commands import (
    cmd_backup,
    cmd_demo,
    cmd_log,
    cmd_new,
    cmd_repair,
    cmd_restore,
    cmd_verify,
)
from workbook.model import Actor
from workbook.services.encryption import PASSPHRASE_ENV

Command = Callable[[argparse.Namespace, Actor], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="audit-workbook",
        description="Answer an auditor's checklist and "
        "bind the evidence package. With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"audit-workbook {__version__}")
    parser.add_argument("--as", dest="actor", metavar="NAME", help="who is acting (for the activity log)")
    parser.add_argument("--self-test", action="store_true", help="check the installation and exit")
    passphrase_help = (
        f"read an encrypted workbook's passphrase from the first line of FILE (or set {PASSPHRASE_ENV})"
    )
    parser.add_argument("--passphrase-file", metavar="FILE", help=passphrase_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(
        name: str,
        func: Command,
        help_text: str,
        group: argparse._SubParsersAction[argparse.ArgumentParser] = sub,
    ) -> argparse.ArgumentParser:
        p = group.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--as",
            dest="actor",
            metavar="NAME",
            default=argparse.SUPPRESS,
            help="who is acting (for the activity log)",
        )
        p.add_argument("--passphrase-file", metavar="FILE", default=argparse.SUPPRESS, help=passphrase_help)
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
    p.add_argument(
        "--encrypt", action="store_true", help="encrypt it with the passphrase given (docs/encryption.md)"
    )

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
    p.add_argument("--sample", metavar="ID", help="give the files for this sample of the request")
    p.add_argument(
        "--for", dest="requirement", metavar="ITEM", help="the sample's required item the files stand for"
    )

    _add_cycles(sub, add)

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

    p = add(
        "repair",
        cmd_repair,
        "write a clean copy of an odd or damaged workbook (this version's schema, every value checked)",
    )
    p.add_argument("file")
    p.add_argument("out")

    p = add("encrypt", cmd_encrypt, "write an encrypted copy of a plain workbook (the original is unchanged)")
    p.add_argument("file")
    p.add_argument("out")
    p = add("decrypt", cmd_decrypt, "write a plain copy of an encrypted workbook (the original is unchanged)")
    p.add_argument("file")
    p.add_argument("out")
    return parser


def _add_cycles(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], add: Callable[..., argparse.ArgumentParser]
) -> None:
    """Audit cycles: the next period's workbook, samples, last period's files, files never exported."""
    p = add("next-period", cmd_next_period, "start the next audit period's workbook from this one")
    p.add_argument("file")
    p.add_argument("new_file")
    p.add_argument("--period", metavar="START..END", required=True)
    p.add_argument("--auditor", help="the new period's auditor (default: the same)")
    p.add_argument("--json", action="store_true")

    samples = add("samples", cmd_samples_list, "the auditor's samples of a request: add, import, list, …")
    group = samples.add_subparsers(dest="samples_command", metavar="ACTION", required=True)
    p = add("add", cmd_samples_add, "add samples: ID or ID=LABEL, or one per line of a text", group)
    p.add_argument("file")
    p.add_argument("ref")
    p.add_argument("ids", nargs="*", metavar="ID[=LABEL]")
    p.add_argument(
        "--from-text", metavar="FILE", help="a text with one sample per line, id then label (- reads stdin)"
    )
    p = add("import", cmd_samples_import, "add the samples of the auditor's selection spreadsheet", group)
    p.add_argument("file")
    p.add_argument("ref")
    p.add_argument("selection")
    p.add_argument("--sheet")
    p.add_argument("--column", metavar="HEADER", help="the column of sample ids (a header or a letter)")
    p = add("list", cmd_samples_list, "the samples of a request and what each still misses", group)
    p.add_argument("file")
    p.add_argument("ref")
    p.add_argument("--json", action="store_true")
    p = add("require", cmd_samples_require, "name what every sample of the request must provide", group)
    p.add_argument("file")
    p.add_argument("ref")
    p.add_argument("items", nargs="*", metavar="ITEM")
    p.add_argument("--none", action="store_true", help="clear the list: one file of any kind per sample")
    p = add("set", cmd_samples_set, "change a sample's status, notes or label", group)
    p.add_argument("file")
    p.add_argument("ref")
    p.add_argument("sample", metavar="ID")
    p.add_argument("--status")
    p.add_argument("--notes")
    p.add_argument("--label")
    p = add("remove", cmd_samples_remove, "remove samples (their files stay in the workbook)", group)
    p.add_argument("file")
    p.add_argument("ref")
    p.add_argument("samples", nargs="+", metavar="ID")

    p = add("prior", cmd_prior, "last period's files of a request (shown, not this period's evidence)")
    p.add_argument("file")
    p.add_argument("ref")
    p.add_argument("--json", action="store_true")
    p = add("reuse", cmd_reuse, "make one of last period's files this period's evidence of the request")
    p.add_argument("file")
    p.add_argument("ref")
    p.add_argument("sha256", metavar="SHA256")
    p = add("never-export", cmd_never_export, "keep a file in the workbook but out of every export")
    p.add_argument("file")
    p.add_argument("sha256", metavar="SHA256")
    p.add_argument("--off", action="store_true", help="export it again")
