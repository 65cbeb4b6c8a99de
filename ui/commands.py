"""Undo commands: thin, holding refs and values, calling services; they never touch widgets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from workbook.errors import WorkbookError
from workbook.model import Changes, Request, Status

if TYPE_CHECKING:
    from workbook.services.requests import FieldChange
    from workbook.services.workbook import Workbook

ChangedCallback = Callable[[Changes], None]
ErrorCallback = Callable[[WorkbookError], None]

_FIELD_WORDS = {"owner": "owner", "status": "status", "due": "due date", "notes": "notes"}


def _fields(change: FieldChange) -> list[str]:
    fields = []
    if change.owner is not None:
        fields.append("owner")
    if change.status is not None:
        fields.append("status")
    if change.due is not None or change.clear_due:
        fields.append("due")
    if change.notes is not None:
        fields.append("notes")
    return fields


def describe_change(refs: Sequence[str], change: FieldChange) -> str:
    """The undo menu's words: `Set status of PBC-012 to Accepted`."""
    fields = _fields(change)
    target = refs[0] if len(refs) == 1 else f"{len(refs)} requests"
    if fields == ["status"] and change.status is not None:
        return f"Set status of {target} to {change.status.label}"
    if fields == ["owner"]:
        return f"Set owner of {target} to {change.owner or 'nobody'}"
    if fields == ["due"]:
        return f"Set due date of {target} to {change.due.isoformat() if change.due else 'none'}"
    return f"Edit {', '.join(_FIELD_WORDS[f] for f in fields)} of {target}"


class _ServiceCommand(QUndoCommand):
    def __init__(
        self, text: str, workbook: Workbook, on_changed: ChangedCallback, on_error: ErrorCallback
    ) -> None:
        super().__init__(text)
        self._workbook = workbook
        self._on_changed = on_changed
        self._on_error = on_error

    def _run(self, action: Callable[[], Changes]) -> None:
        try:
            self._on_changed(action())
        except WorkbookError as error:
            # The file changed under us (or is read-only): drop the step rather than leave a lie on the stack.
            self.setObsolete(True)
            self._on_error(error)


class SetFieldsCommand(_ServiceCommand):
    """Owner/status/due/notes on one or many requests; undo restores each request's own earlier values."""

    def __init__(
        self,
        workbook: Workbook,
        refs: Sequence[str],
        change: FieldChange,
        before: Sequence[Request],
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        super().__init__(describe_change(refs, change), workbook, on_changed, on_error)
        self.refs = tuple(refs)
        self.change = change
        self._before = {r.ref: (r.owner, r.status, r.due, r.notes) for r in before}

    def redo(self) -> None:
        self._run(lambda: self._workbook.requests.bulk_set(self.refs, self.change))

    def undo(self) -> None:
        self._run(self._restore)

    def _restore(self) -> Changes:
        from workbook.services.requests import FieldChange

        fields = _fields(self.change)
        groups: dict[tuple[str, Status, dt.date | None, str], list[str]] = defaultdict(list)
        for ref in self.refs:
            groups[self._before[ref]].append(ref)
        changed: set[str] = set()
        for (owner, status, due, notes), refs in groups.items():
            previous = FieldChange(
                owner=owner if "owner" in fields else None,
                status=status if "status" in fields else None,
                due=due if "due" in fields else None,
                clear_due="due" in fields and due is None,
                notes=notes if "notes" in fields else None,
            )
            changed |= self._workbook.requests.bulk_set(refs, previous).refs
        return Changes(refs=frozenset(changed), people="owner" in fields)


class LinkEvidenceCommand(_ServiceCommand):
    """Evidence newly linked by attach, paste or drop; the attach ran as a job, so first redo is a no-op."""

    def __init__(
        self,
        workbook: Workbook,
        ref: str,
        links: Sequence[tuple[str, str]],
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        names = ", ".join(name for _, name in links[:3]) + (" …" if len(links) > 3 else "")
        super().__init__(f"Attach {names} to {ref}", workbook, on_changed, on_error)
        self.ref = ref
        self.shas = tuple(sha for sha, _ in links)
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._run(self._link)

    def undo(self) -> None:
        self._run(self._unlink)

    def _link(self) -> Changes:
        for sha in self.shas:
            self._workbook.evidence.link(self.ref, sha)
        return Changes(refs=frozenset([self.ref]), evidence=True)

    def _unlink(self) -> Changes:
        for sha in self.shas:
            self._workbook.evidence.unlink(self.ref, sha)
        return Changes(refs=frozenset([self.ref]), evidence=True)


class UnlinkEvidenceCommand(_ServiceCommand):
    """Remove evidence links from a request (the bytes stay); undo links them again."""

    def __init__(
        self,
        workbook: Workbook,
        ref: str,
        links: Sequence[tuple[str, str]],
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        names = ", ".join(name for _, name in links[:3]) + (" …" if len(links) > 3 else "")
        super().__init__(f"Unlink {names} from {ref}", workbook, on_changed, on_error)
        self.ref = ref
        self.shas = tuple(sha for sha, _ in links)

    def redo(self) -> None:
        self._run(self._unlink)

    def undo(self) -> None:
        self._run(self._link)

    def _link(self) -> Changes:
        for sha in self.shas:
            self._workbook.evidence.link(self.ref, sha)
        return Changes(refs=frozenset([self.ref]), evidence=True)

    def _unlink(self) -> Changes:
        for sha in self.shas:
            self._workbook.evidence.unlink(self.ref, sha)
        return Changes(refs=frozenset([self.ref]), evidence=True)
