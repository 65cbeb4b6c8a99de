"""Undo commands: thin, holding refs and values, calling services; they never touch widgets.

Each step's write runs on the one writer thread (`JobRunner.write`), after every write asked before it, so
an undo always runs after the redo it undoes; the view is refreshed when the write has been saved.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtGui import QUndoCommand

from workbook.errors import WorkbookError
from workbook.model import Changes, EvidenceDetails, Request, Status

if TYPE_CHECKING:
    from ui.jobs import Job, JobRunner
    from workbook.model import FieldChange
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


class ServiceCommand(QUndoCommand):
    def __init__(
        self,
        text: str,
        workbook: Workbook,
        writer: JobRunner,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        super().__init__(text)
        self._workbook = workbook
        self._writer = writer
        self._on_changed = on_changed
        self._on_error = on_error
        # The failure of the last run (a plain attribute: readable after the stack has deleted the step).
        self.error: WorkbookError | None = None
        # Set by a caller that words the failure of the first run itself (closing: "the workbook stays open").
        self.quiet_first_failure = False
        # The write of the last run: queued or running until it has ended.
        self.job: Job | None = None
        # Called after a failed run has been reported (the caller puts back what it showed in advance).
        self.after_failure: Callable[[], object] | None = None
        self._ran = False

    def _run(self, action: Callable[[], Changes]) -> None:
        first, self._ran = not self._ran, True
        quiet = first and self.quiet_first_failure
        self.job = self._writer.write(
            self.text(),
            action,
            on_finished=self._saved,
            on_failed=lambda error: self._failed(error, quiet),
        )

    def _saved(self, changes: Changes) -> None:
        self.error = None
        self._on_changed(changes)

    def _failed(self, error: BaseException, quiet: bool) -> None:
        if not isinstance(error, WorkbookError):
            raise error  # a bug: the excepthook shows it
        self.error = error
        # The file changed under us (or is read-only): drop the step rather than leave a lie on the stack.
        # (A step the stack has deleted meanwhile, the workbook being closed, is gone already.)
        if shiboken6.isValid(self):
            self.setObsolete(True)
        if not quiet:
            self._on_error(error)
        if self.after_failure is not None:
            self.after_failure()


class SetFieldsCommand(ServiceCommand):
    """Owner/status/due/notes on one or many requests; undo restores each request's own earlier values."""

    def __init__(
        self,
        workbook: Workbook,
        refs: Sequence[str],
        change: FieldChange,
        before: Sequence[Request],
        writer: JobRunner,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        super().__init__(describe_change(refs, change), workbook, writer, on_changed, on_error)
        self.refs = tuple(refs)
        self.change = change
        self._before = {r.ref: (r.owner, r.status, r.due, r.notes) for r in before}
        # The person this step added to the workbook (an owner typed that nobody had): undo removes them.
        self.created_person: str | None = None

    def redo(self) -> None:
        self._run(self._apply)

    def undo(self) -> None:
        self._run(self._restore)

    def _apply(self) -> Changes:
        changes = self._workbook.requests.bulk_set(self.refs, self.change)
        # The service adds an unknown owner as it sets them (again on redo, after an undo removed them).
        self.created_person = next(iter(changes.created_people), None)
        return changes

    def _restore(self) -> Changes:
        from workbook.model import FieldChange

        fields = _fields(self.change)
        groups: dict[tuple[str, Status, dt.date | None, str], list[str]] = defaultdict(list)
        for ref in self.refs:
            groups[self._before[ref]].append(ref)
        previous = [
            (
                refs,
                FieldChange(
                    owner=owner if "owner" in fields else None,
                    status=status if "status" in fields else None,
                    due=due if "due" in fields else None,
                    clear_due="due" in fields and due is None,
                    notes=notes if "notes" in fields else None,
                ),
            )
            for (owner, status, due, notes), refs in groups.items()
        ]
        # One unit of work: every request gets its own earlier values back, and a person this step created
        # goes again unless someone else has been given them since.
        created = [self.created_person] if self.created_person is not None else []
        changes = self._workbook.requests.apply_changes(previous, remove_if_unused=created)
        return Changes(refs=changes.refs, people="owner" in fields or changes.people)


class TwoWay(ServiceCommand):
    """A step with two directions: subclasses say how to make (`_link`) and undo (`_unlink`) the change."""

    def _link(self) -> Changes:
        raise NotImplementedError

    def _unlink(self) -> Changes:
        raise NotImplementedError


class MadeByJob(TwoWay):
    """A change a job already made (an attach): the first redo does nothing, later ones make it again."""

    _first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._run(self._link)

    def undo(self) -> None:
        self._run(self._unlink)


class Removal(TwoWay):
    """A change that takes links off: redo unlinks, undo links again."""

    def redo(self) -> None:
        self._run(self._unlink)

    def undo(self) -> None:
        self._run(self._link)


class _EvidenceLinksCommand(TwoWay):
    """Links between one request and some evidence files, made or removed together."""

    verb, preposition = "Attach", "to"

    def __init__(
        self,
        workbook: Workbook,
        ref: str,
        links: Sequence[tuple[str, str]],
        writer: JobRunner,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        names = ", ".join(name for _, name in links[:3]) + (" …" if len(links) > 3 else "")
        super().__init__(
            f"{self.verb} {names} {self.preposition} {ref}",
            workbook,
            writer,
            on_changed,
            on_error,
        )
        self.ref = ref
        self.shas = tuple(sha for sha, _ in links)

    def _link(self) -> Changes:
        return self._workbook.evidence.link_all(self.ref, self.shas)

    def _unlink(self) -> Changes:
        return self._workbook.evidence.unlink_all(self.ref, self.shas)


class LinkEvidenceCommand(MadeByJob, _EvidenceLinksCommand):
    """Evidence newly linked by attach, paste or drop; the attach ran as a job, so first redo is a no-op."""


class UnlinkEvidenceCommand(Removal, _EvidenceLinksCommand):
    """Remove evidence links from a request (the bytes stay); undo links them again."""

    verb, preposition = "Unlink", "from"


class SetEvidenceDetailsCommand(ServiceCommand):
    """Effective date, description and provenance of one evidence file; undo writes the earlier values."""

    def __init__(
        self,
        workbook: Workbook,
        sha256: str,
        name: str,
        before: EvidenceDetails,
        after: EvidenceDetails,
        writer: JobRunner,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        super().__init__(f"Edit details of {name}", workbook, writer, on_changed, on_error)
        self.sha256 = sha256
        self.before = before
        self.after = after

    def redo(self) -> None:
        self._run(lambda: self._apply(self.after))

    def undo(self) -> None:
        self._run(lambda: self._apply(self.before))

    def _apply(self, details: EvidenceDetails) -> Changes:
        values = asdict(details)
        # None means "no date" here, not "leave as is": undoing a date added to an undated file removes it.
        return self._workbook.evidence.set_details(
            self.sha256, clear_effective_date=details.effective_date is None, **values
        )


class ReplaceEvidenceCommand(ServiceCommand):
    """A newer version replaced by a job; undo makes the old version current again, redo the new one."""

    def __init__(
        self,
        workbook: Workbook,
        ref: str,
        old: tuple[str, str],
        new: tuple[str, str],
        writer: JobRunner,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        super().__init__(f"Replace {old[1]} with {new[1]} in {ref}", workbook, writer, on_changed, on_error)
        self.ref = ref
        self.old_sha = old[0]
        self.new_sha = new[0]
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._run(lambda: self._workbook.evidence.restore_version(self.ref, self.new_sha))

    def undo(self) -> None:
        self._run(lambda: self._workbook.evidence.restore_version(self.ref, self.old_sha))


class RestoreVersionCommand(ServiceCommand):
    """An earlier version made current; undo makes current again the version it pushed aside."""

    def __init__(
        self,
        workbook: Workbook,
        ref: str,
        sha256: str,
        name: str,
        writer: JobRunner,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        super().__init__(f"Restore {name} in {ref}", workbook, writer, on_changed, on_error)
        self.ref = ref
        self.sha256 = sha256
        # The version this step pushed aside, as the service reports it (set once the write is saved).
        self.demoted: str | None = None

    def redo(self) -> None:
        def restore() -> Changes:
            changes = self._workbook.evidence.restore_version(self.ref, self.sha256)
            self.demoted = next(iter(changes.demoted), None) if len(changes.demoted) == 1 else None
            return changes

        self._run(restore)

    def _saved(self, changes: Changes) -> None:
        super()._saved(changes)
        if self.demoted is None and shiboken6.isValid(self):
            # Nothing current was pushed aside (its successor was unlinked): nothing to go back to.
            self.setObsolete(True)

    def undo(self) -> None:
        def restore_demoted() -> Changes:
            # Read on the writer thread, after the redo before it: nothing pushed aside, nothing to put back.
            if self.demoted is None:
                return Changes()
            return self._workbook.evidence.restore_version(self.ref, self.demoted)

        self._run(restore_demoted)


class RenamePersonCommand(ServiceCommand):
    """A person's new name everywhere they own requests; undo gives the old name back."""

    def __init__(
        self,
        workbook: Workbook,
        old: str,
        new: str,
        writer: JobRunner,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        super().__init__(f"Rename {old} to {new}", workbook, writer, on_changed, on_error)
        self.old, self.new = old, " ".join(new.split())

    def redo(self) -> None:
        self._run(lambda: self._workbook.people.rename(self.old, self.new))

    def undo(self) -> None:
        self._run(lambda: self._workbook.people.rename(self.new, self.old))


class MergePeopleCommand(ServiceCommand):
    """Two entries for one person made one ("D. Ops" into "Dana Ops"); undo splits them again."""

    def __init__(
        self,
        workbook: Workbook,
        duplicate: str,
        email: str,
        into: str,
        writer: JobRunner,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        super().__init__(f"Merge {duplicate} into {into}", workbook, writer, on_changed, on_error)
        self.duplicate, self.email, self.into = duplicate, email, into
        # The requests the merge moved, as the service reports them (set once the write is saved).
        self.moved: frozenset[str] = frozenset()

    def redo(self) -> None:
        def merge() -> Changes:
            changes = self._workbook.people.merge(self.duplicate, self.into)
            self.moved = changes.refs
            return changes

        self._run(merge)

    def undo(self) -> None:
        # Read on the writer thread, after the merge before it.
        self._run(
            lambda: self._workbook.people.unmerge(self.duplicate, self.email, self.into, sorted(self.moved))
        )


class SetEmailCommand(ServiceCommand):
    """A person's email address (for prepared reminder emails); undo puts the earlier one back."""

    def __init__(
        self,
        workbook: Workbook,
        name: str,
        before: str,
        after: str,
        writer: JobRunner,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        super().__init__(f"Set email of {name}", workbook, writer, on_changed, on_error)
        self.name, self.before, self.after = name, before, after.strip()

    def redo(self) -> None:
        self._run(lambda: self._workbook.people.set_email(self.name, self.after))

    def undo(self) -> None:
        self._run(lambda: self._workbook.people.set_email(self.name, self.before))
