"""The two kinds of failure a person can act on; anything else is a bug and is not caught here."""

from __future__ import annotations


class WorkbookError(Exception):
    """Base for failures that are not bugs."""

    def __init__(self, message: str, *, hint: str = "", where: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.where = where

    def one_line(self) -> str:
        """The reason on one line, as the CLI prints it."""
        parts = [f"{self.where}: {self.message}" if self.where else self.message]
        if self.hint:
            parts.append(self.hint)
        return " — ".join(p.replace("\n", " ") for p in parts)

    def __str__(self) -> str:
        return self.one_line()


class UserError(WorkbookError):
    """Bad input: a file, a value or a request the user can fix. Nothing was changed."""


class StorageError(WorkbookError):
    """The disk or another process is in the way: locked, read-only, full."""


class ReadOnlyError(StorageError):
    """A write was asked of a workbook opened read-only."""


class WorkbookDamaged(StorageError):
    """The file holds something this version never writes: an odd value, or a schema it does not make."""

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        where: str = "",
        table: str = "",
        row: object = None,
        column: str = "",
    ) -> None:
        super().__init__(message, hint=hint, where=where)
        self.table = table
        self.row = row
        self.column = column
