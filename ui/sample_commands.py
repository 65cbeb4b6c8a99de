"""Undo steps of a request's samples: add, remove, edit, required items, files given for a sample.

Thin as the other steps of `ui/commands.py`: they hold refs, sample ids and values, call `workbook.samples`
on the writer thread, and what a step must know of the file's state it reads there, after the steps before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import shiboken6

from ui.commands import ChangedCallback, ErrorCallback, MadeByJob, Removal, ServiceCommand, TwoWay
from workbook.model import Changes, Sample, Status

if TYPE_CHECKING:
    from ui.jobs import JobRunner
    from workbook.services.workbook import Workbook

# (sha256, name, requirement) of one file given for a sample.
FileLink = tuple[str, str, str]


def _merged(changes: Sequence[Changes]) -> Changes:
    refs = frozenset().union(*(c.refs for c in changes)) if changes else frozenset()
    return Changes(refs=refs, evidence=any(c.evidence for c in changes))


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


class AddSamplesCommand(ServiceCommand):
    """Samples pasted, typed or read from the selection spreadsheet; undo removes those this step added."""

    def __init__(
        self,
        workbook: Workbook,
        ref: str,
        items: Sequence[tuple[str, str]],
        writer: JobRunner,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        super().__init__(
            f"Add {_count(len(items), 'sample')} to {ref}", workbook, writer, on_changed, on_error
        )
        self.ref = ref
        self.items = tuple(items)
        # The ids this step added (those the request had already are left alone), known once it has run.
        self.added: tuple[str, ...] = ()

    def redo(self) -> None:
        def add() -> Changes:
            existing = {s.code.casefold() for s in self._workbook.samples.grid(self.ref).samples}
            self.added = tuple(code for code, _ in self.items if code.strip().casefold() not in existing)
            return self._workbook.samples.add(self.ref, self.items)

        self._run(add)

    def _saved(self, changes: Changes) -> None:
        super()._saved(changes)
        if not self.added and shiboken6.isValid(self):
            self.setObsolete(True)  # every id was there already: nothing to undo

    def undo(self) -> None:
        self._run(
            lambda: self._workbook.samples.remove(self.ref, list(self.added)) if self.added else Changes()
        )


class RemoveSamplesCommand(ServiceCommand):
    """Samples taken off a request; undo adds them again with their label, status, notes and files."""

    def __init__(
        self,
        workbook: Workbook,
        ref: str,
        samples: Sequence[Sample],
        writer: JobRunner,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        what = samples[0].code if len(samples) == 1 else _count(len(samples), "sample")
        super().__init__(f"Remove {what} from {ref}", workbook, writer, on_changed, on_error)
        self.ref = ref
        self.samples = tuple(samples)

    def redo(self) -> None:
        self._run(lambda: self._workbook.samples.remove(self.ref, [s.code for s in self.samples]))

    def undo(self) -> None:
        def restore() -> Changes:
            service = self._workbook.samples
            done = [service.add(self.ref, [(s.code, s.label) for s in self.samples])]
            for sample in self.samples:
                for file in sample.files:
                    done.append(service.link(self.ref, sample.code, file.sha256, file.requirement))
                # After the files: a status a person chose is put back over the one the files gave.
                done.append(service.set(self.ref, sample.code, status=sample.status, notes=sample.notes))
            return _merged(done)

        self._run(restore)


class SetSampleCommand(ServiceCommand):
    """One sample's label, status or notes; undo writes the earlier value."""

    def __init__(
        self,
        workbook: Workbook,
        ref: str,
        code: str,
        field: str,
        before: str | Status,
        after: str | Status,
        writer: JobRunner,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        if isinstance(after, Status):
            text = f"Set status of sample {code} to {after.label}"
        else:
            text = f"Edit {field} of sample {code}"
        super().__init__(text, workbook, writer, on_changed, on_error)
        self.ref, self.code, self.field = ref, code, field
        self.before, self.after = before, after

    def redo(self) -> None:
        self._run(lambda: self._apply(self.after))

    def undo(self) -> None:
        self._run(lambda: self._apply(self.before))

    def _apply(self, value: str | Status) -> Changes:
        service = self._workbook.samples
        if isinstance(value, Status):
            return service.set(self.ref, self.code, status=value)
        if self.field == "label":
            return service.set(self.ref, self.code, label=value)
        return service.set(self.ref, self.code, notes=value)


class SetRequiredCommand(ServiceCommand):
    """What each sample must provide; a renamed item keeps its files (they move to the new name)."""

    def __init__(
        self,
        workbook: Workbook,
        ref: str,
        before: Sequence[str],
        after: Sequence[str],
        renamed: Mapping[str, str],
        writer: JobRunner,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        if len(renamed) == 1:
            old, new = next(iter(renamed.items()))
            text = f"Rename required item {old} to {new} in {ref}"
        else:
            text = f"Set the items each sample of {ref} needs"
        super().__init__(text, workbook, writer, on_changed, on_error)
        self.ref = ref
        self.before, self.after = tuple(before), tuple(after)
        self.renamed = dict(renamed)

    def redo(self) -> None:
        self._run(lambda: self._apply(self.after, self.renamed))

    def undo(self) -> None:
        self._run(lambda: self._apply(self.before, {new: old for old, new in self.renamed.items()}))

    def _apply(self, items: Sequence[str], moves: Mapping[str, str]) -> Changes:
        service = self._workbook.samples
        done = [service.set_required(self.ref, items)]
        if moves:
            for sample in service.grid(self.ref).samples:
                for file in sample.files:
                    new = moves.get(file.requirement)
                    if new is not None:
                        done.append(service.link(self.ref, sample.code, file.sha256, new))
                        done.append(service.unlink(self.ref, sample.code, file.sha256, file.requirement))
        return _merged(done)


class _SampleLinksCommand(TwoWay):
    """Files given for one sample (each for a required item, or "" for none), linked or unlinked together."""

    verb, preposition = "Attach", "to"

    def __init__(
        self,
        workbook: Workbook,
        ref: str,
        code: str,
        links: Sequence[FileLink],
        writer: JobRunner,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        names = ", ".join(name for _, name, _ in links[:3]) + (" …" if len(links) > 3 else "")
        text = f"{self.verb} {names} {self.preposition} sample {code} of {ref}"
        super().__init__(text, workbook, writer, on_changed, on_error)
        self.ref, self.code = ref, code
        self.links = tuple(links)

    def _link(self) -> Changes:
        service = self._workbook.samples
        done = [service.link(self.ref, self.code, sha, requirement) for sha, _, requirement in self.links]
        return Changes(refs=_merged(done).refs | {self.ref}, evidence=True)

    def _unlink(self) -> Changes:
        service = self._workbook.samples
        done = [service.unlink(self.ref, self.code, sha, requirement) for sha, _, requirement in self.links]
        return Changes(refs=_merged(done).refs | {self.ref}, evidence=True)


class LinkSampleFilesCommand(MadeByJob, _SampleLinksCommand):
    """Files newly given for a sample by an attach job (or a drop): its first redo is the job itself."""


class UnlinkSampleFilesCommand(Removal, _SampleLinksCommand):
    """Files taken off a sample's cell (their bytes stay stored); undo gives them for it again."""

    verb, preposition = "Remove", "from"
