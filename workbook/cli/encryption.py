"""Passphrases on the command line (never in argv: a file, or the environment) and encrypt/decrypt."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from workbook.cli import output
from workbook.cli.arguments import UsageError
from workbook.model import Actor
from workbook.services import encryption

# The arguments that name an existing workbook, per command (the first positional of most commands).
_WORKBOOK_ARGUMENTS = ("file", "backup")


def given_passphrase(args: argparse.Namespace) -> str | None:
    """The passphrase from --passphrase-file FILE (its first line) or AUDIT_WORKBOOK_PASSPHRASE, if given."""
    name = getattr(args, "passphrase_file", None)
    if name:
        try:
            text = Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError("cannot read the passphrase file", where=name, hint=str(error)) from error
        lines = text.splitlines()
        if not lines or not lines[0]:
            raise UsageError("the passphrase file is empty", where=name)
        return lines[0]
    return os.environ.get(encryption.PASSPHRASE_ENV) or None


def unlock_named_workbooks(args: argparse.Namespace) -> None:
    """Give the passphrase to every encrypted workbook the command names (plain ones are left as they are)."""
    passphrase = given_passphrase(args)
    if passphrase is None:
        return
    names = [getattr(args, name, None) for name in _WORKBOOK_ARGUMENTS]
    if getattr(args, "command", None) == "verify" and str(args.file).lower().endswith((".zip", ".pdf")):
        return
    for name in names:
        if isinstance(name, str) and Path(name).is_file():
            encryption.unlock(Path(name), passphrase)


def needed_passphrase(args: argparse.Namespace, doing: str) -> str:
    passphrase = given_passphrase(args)
    if passphrase is None:
        raise UsageError(f"{doing} needs a passphrase", hint=encryption.HOW_TO_GIVE.replace("its ", "the "))
    return passphrase


def cmd_encrypt(args: argparse.Namespace, _actor: Actor) -> int:
    passphrase = needed_passphrase(args, "encrypting a workbook")
    path = encryption.encrypt(Path(args.file), Path(args.out), passphrase)
    output.say(f"wrote the encrypted copy {path} ({args.file} is unchanged)")
    return output.EXIT_OK


def cmd_decrypt(args: argparse.Namespace, _actor: Actor) -> int:
    path = encryption.decrypt(Path(args.file), Path(args.out))
    output.say(f"wrote the plain copy {path} ({args.file} is unchanged)")
    return output.EXIT_OK
