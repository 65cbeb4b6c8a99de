"""The activity log in plain words: every entry as a sentence with the actor first, and the kind it is.

One rule for every place that shows the log (the request panel's History, the Activity log window and its
CSV): `entry_words` words one entry; `grouped` folds what one gesture logged as several entries (an attach
logs the file stored and its link) into one line; `ActivityKind` is the vocabulary the log is filtered by.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from workbook.model import ActivityEntry, Status

# Free text (notes, comments, titles) is shown on one line and cut at this many characters.
SHOWN_CHARS = 80


class ActivityKind(enum.Enum):
    """What an entry is about, in the words the log is filtered by."""

    FIELDS = "Status and fields"
    EVIDENCE = "Evidence"
    PEOPLE = "People"
    IMPORT_EXPORT = "Import and export"
    COMMENTS = "Comments"
    SAMPLES = "Samples"
    WORKBOOK = "Workbook"
    OTHER = "Other"

    @property
    def label(self) -> str:
        return self.value


_KIND_OF_ACTION = {
    "request.add": ActivityKind.IMPORT_EXPORT,
    "request.archive": ActivityKind.IMPORT_EXPORT,
    "request.restore": ActivityKind.IMPORT_EXPORT,
    "request.reimport": ActivityKind.IMPORT_EXPORT,
    # What starting the next period carried over from the previous workbook.
    "request.carry": ActivityKind.WORKBOOK,
    "evidence.carry": ActivityKind.WORKBOOK,
    "checklist.carry": ActivityKind.WORKBOOK,
}
_KIND_OF_SUBJECT = {
    "request": ActivityKind.FIELDS,
    "evidence": ActivityKind.EVIDENCE,
    "person": ActivityKind.PEOPLE,
    "checklist": ActivityKind.IMPORT_EXPORT,
    "package": ActivityKind.IMPORT_EXPORT,
    "comment": ActivityKind.COMMENTS,
    "workbook": ActivityKind.WORKBOOK,
    "engagement": ActivityKind.WORKBOOK,
    "prior": ActivityKind.WORKBOOK,
    "sample": ActivityKind.SAMPLES,
}
# Evidence entries whose target is the request (evidence.set names the file, evidence.purge nothing).
_EVIDENCE_ON_REQUEST = frozenset(
    {
        "evidence.add",
        "evidence.link",
        "evidence.unlink",
        "evidence.replace",
        "evidence.restore",
        "evidence.reuse",
        "evidence.carry",
    }
)


def kind_of(action: str) -> ActivityKind:
    """The kind of an action code (`request.set` → Status and fields); an unknown one is Other."""
    if action in _KIND_OF_ACTION:
        return _KIND_OF_ACTION[action]
    return _KIND_OF_SUBJECT.get(action.split(".", 1)[0], ActivityKind.OTHER)


def request_of(entry: ActivityEntry) -> str:
    """The ref of the request an entry is about ("" for a person, a file's details, the workbook…)."""
    subject = entry.action.split(".", 1)[0]
    if subject in ("request", "comment", "sample", "prior") or entry.action in _EVIDENCE_ON_REQUEST:
        return entry.target
    return ""


# --- values ------------------------------------------------------------------------------------------------

Show = Callable[[str], str]


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1].rstrip() + "…"


def _plain(text: str) -> str:
    return _one_line(text)


def _quoted(text: str) -> str:
    return f"“{_one_line(text)}”"


def _status(text: str) -> str:
    try:
        return Status(text).label
    except ValueError:
        return _one_line(text.replace("_", " "))


def _date(text: str) -> str:
    """A date as ISO (`2026-03-15`); a timestamp keeps its date; anything else as it was written."""
    try:
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return _one_line(text)


def _detail(entry: ActivityEntry) -> dict[str, Any]:
    try:
        value = json.loads(entry.detail) if entry.detail else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _change(label: str, subject: str, before: str, after: str, show: Show) -> str:
    """`set status of PBC-012 from In progress to Ready for auditor`, or `to …`, or `cleared … (was …)`."""
    of = f" of {subject}" if subject else ""
    if before and after:
        return f"set {label}{of} from {show(before)} to {show(after)}"
    if after:
        return f"set {label}{of} to {show(after)}"
    if before:
        return f"cleared {label}{of} (was {show(before)})"
    return f"changed {label}{of}"


def _field(fields: dict[str, tuple[str, Show]], field: str) -> tuple[str, Show]:
    return fields.get(field) or (field.replace("_", " ") or "a value", _plain)


_REQUEST_FIELDS: dict[str, tuple[str, Show]] = {
    "owner": ("owner", _plain),
    "status": ("status", _status),
    "due": ("due date", _date),
    "notes": ("notes", _quoted),
}
_CHECKLIST_FIELDS: dict[str, tuple[str, Show]] = {
    **_REQUEST_FIELDS,
    "title": ("title", _quoted),
    "request": ("request text", _quoted),
    "criteria": ("criteria", _plain),
    "section": ("section", _plain),
    "priority": ("priority", _plain),
    "auditor_comment": ("auditor's comment", _quoted),
    "comment": ("auditor's comment", _quoted),
    "extra": ("other columns", _quoted),
}
_EVIDENCE_FIELDS: dict[str, tuple[str, Show]] = {
    "effective_date": ("effective date", _date),
    "description": ("description", _quoted),
    "source_system": ("source system", _plain),
    "shows": ("what it shows", _quoted),
    "population": ("population", _quoted),
    "period_covered": ("period covered", _plain),
}
_ENGAGEMENT_FIELDS: dict[str, tuple[str, Show]] = {
    "client": ("client", _plain),
    "framework": ("framework", _plain),
    "period_start": ("start of the audit period", _date),
    "period_end": ("end of the audit period", _date),
    "auditor": ("auditor", _plain),
    "freshness_days": ("days evidence stays fresh", _plain),
}
_PERSON_FIELDS: dict[str, tuple[str, Show]] = {"email": ("email address", _plain)}
_SAMPLE_FIELDS: dict[str, tuple[str, Show]] = {
    "status": ("status", _status),
    "label": ("label", _quoted),
    "notes": ("notes", _quoted),
}
_OUTPUT_WORDS = {"pdf": "PDF", "zip": "zip bundle", "xlsx": "filled-in checklist"}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- one phrase per action: what the actor did -------------------------------------------------------------


def _request_set(e: ActivityEntry) -> str:
    label, show = _field(_REQUEST_FIELDS, e.field)
    return _change(label, e.target, e.before, e.after, show)


def _request_add(e: ActivityEntry) -> str:
    title = f": {_quoted(e.after)}" if e.after else ""
    return f"added {e.target} from the checklist{title}"


def _request_archive(e: ActivityEntry) -> str:
    return f"removed {e.target}: it is no longer in the checklist (its evidence is kept)"


def _request_restore(e: ActivityEntry) -> str:
    return f"brought back {e.target}: it is in the checklist again"


def _request_reimport(e: ActivityEntry) -> str:
    if e.field == "ref":
        return f"renumbered {e.before} as {e.after} by re-importing the checklist"
    label, show = _field(_CHECKLIST_FIELDS, e.field)
    return _change(label, e.target, e.before, e.after, show) + " by re-importing the checklist"


def _comment_add(e: ActivityEntry) -> str:
    return f"commented on {e.target}: {_quoted(e.after)}"


def _evidence_add(e: ActivityEntry) -> str:
    added = f"added {e.after} to the workbook"
    return f"{added} for {e.target}" if e.target else added


def _evidence_link(e: ActivityEntry) -> str:
    return f"attached {e.after} to {e.target}"


def _evidence_unlink(e: ActivityEntry) -> str:
    return f"removed {e.before} from {e.target} (the file stays in the workbook)"


def _evidence_replace(e: ActivityEntry) -> str:
    return f"replaced {e.before} with {e.after} on {e.target}"


def _evidence_restore(e: ActivityEntry) -> str:
    instead = f", in place of {e.before}" if e.before else ""
    return f"restored {e.after} as current evidence of {e.target}{instead}"


def _evidence_set(e: ActivityEntry) -> str:
    if e.field == "never_export":
        return _evidence_never_export(e)
    label, show = _field(_EVIDENCE_FIELDS, e.field)
    return _change(label, e.target, e.before, e.after, show)


def _evidence_never_export(e: ActivityEntry) -> str:
    if e.after == "exported":
        return f"marked {e.target} to be exported again"
    return f"marked {e.target} never to be exported (kept in the workbook, left out of every output)"


def _evidence_reuse(e: ActivityEntry) -> str:
    return f"reused last period's {e.after} for {e.target}"


def _evidence_purge(e: ActivityEntry) -> str:
    return f"deleted {e.before or e.target} from the workbook for good (no request used it)"


# --- audit cycles: the next period and samples --------------------------------------------------------------


def _text(e: ActivityEntry, key: str) -> str:
    value = _detail(e).get(key)
    return value if isinstance(value, str) else ""


def _request_carry(e: ActivityEntry) -> str:
    owner = _text(e, "owner")
    return f"carried {e.target} from the previous period" + (f" (owner {owner})" if owner else "")


def _evidence_carry(e: ActivityEntry) -> str:
    return f"brought {e.after} over from the previous period's workbook"


def _checklist_carry(e: ActivityEntry) -> str:
    return f"carried the checklist {e.target} (and how its columns were read) from the previous period"


def _prior_carry(e: ActivityEntry) -> str:
    sample = _text(e, "sample")
    period = _text(e, "period")
    of = f" for sample {sample}" if sample else ""
    during = f" ({period})" if period and not period.startswith("the ") else ""
    return f"kept last period's {e.after}{during} beside {e.target}{of} as a prior-period file"


def _sample_of(e: ActivityEntry) -> str:
    return _text(e, "sample") or e.after or e.before


def _sample_add(e: ActivityEntry) -> str:
    label = _text(e, "label")
    named = f" ({_one_line(label)})" if label else ""
    return f"added sample {e.after}{named} to {e.target}"


def _sample_remove(e: ActivityEntry) -> str:
    return f"removed sample {e.before} from {e.target} (its files stay in the workbook)"


def _sample_set(e: ActivityEntry) -> str:
    label, show = _field(_SAMPLE_FIELDS, e.field)
    text = _change(label, f"sample {_sample_of(e)} of {e.target}", e.before, e.after, show)
    return text + (" (from its files)" if _text(e, "why") == "its files" else "")


def _sample_require(e: ActivityEntry) -> str:
    if e.after:
        return f"asked of every sample of {e.target}: {_one_line(e.after.replace('; ', ', '))}"
    return f"cleared what every sample of {e.target} must provide (one file of any kind each)"


def _for_sample(e: ActivityEntry) -> str:
    requirement = _text(e, "requirement")
    sample = _sample_of(e)
    return f"sample {sample}'s {requirement}" if requirement else f"sample {sample}"


def _sample_link(e: ActivityEntry) -> str:
    return f"gave {e.after} for {_for_sample(e)} on {e.target}"


def _sample_unlink(e: ActivityEntry) -> str:
    return f"took {e.before} off {_for_sample(e)} on {e.target} (the file stays in the workbook)"


def _person_add(e: ActivityEntry) -> str:
    return f"added {e.target} to the people"


def _person_remove(e: ActivityEntry) -> str:
    return f"removed {e.target} from the people"


def _person_set(e: ActivityEntry) -> str:
    label, show = _field(_PERSON_FIELDS, e.field)
    return _change(label, e.target, e.before, e.after, show)


def _person_rename(e: ActivityEntry) -> str:
    return f"renamed {e.before or e.target} to {e.after}"


def _person_merge(e: ActivityEntry) -> str:
    moved = _detail(e).get("requests_moved")
    count = f" ({_plural(moved, 'request')} moved)" if isinstance(moved, int) else ""
    return f"merged {e.before} into {e.after or e.target}{count}"


def _checklist_import(e: ActivityEntry) -> str:
    counts = f": {e.after}" if e.after else ""
    return f"imported the checklist {e.target}{counts}"


def _package_export(e: ActivityEntry) -> str:
    what = _OUTPUT_WORDS.get(e.field, e.field or "output")
    name = _detail(e).get("file")
    final = " (final)" if _detail(e).get("final") else ""
    if isinstance(name, str) and name:
        return f"exported {name}, the {what} of package {e.target}{final}"
    return f"exported the {what} of package {e.target}{final}"


def _package_intent(e: ActivityEntry) -> str:
    what = _OUTPUT_WORDS.get(e.field, e.field or "output")
    name = _detail(e).get("file")
    return f"started publishing {name or 'the ' + what}, the {what} of package {e.target}"


def _workbook_create(e: ActivityEntry) -> str:
    framework = _detail(e).get("framework")
    also = f" ({framework})" if isinstance(framework, str) and framework else ""
    text = f"created the workbook for {e.target}{also}" if e.target else f"created the workbook{also}"
    source = _detail(e).get("from")
    if isinstance(source, dict):
        name = source.get("file")
        head = source.get("activity_head")
        text += f", started from last period's workbook {name if isinstance(name, str) and name else ''}"
        text = text.rstrip()
        if isinstance(head, str) and head:
            text += f" (log head {head[:8]}…)"
    return text


def _workbook_repair(e: ActivityEntry) -> str:
    changes = _detail(e).get("changes")
    noted = ""
    if isinstance(changes, int):
        noted = ", nothing needed changing" if changes == 0 else f", with {_plural(changes, 'change')}"
    return f"made this workbook as a repaired copy of {e.target}{noted}"


def _workbook_migrate(e: ActivityEntry) -> str:
    versions = f" (from {e.before} to {e.after})" if e.before and e.after else ""
    return f"upgraded the workbook to a newer file format{versions}"


def _engagement_set(e: ActivityEntry) -> str:
    label, show = _field(_ENGAGEMENT_FIELDS, e.field)
    return _change(label, "the engagement", e.before, e.after, show)


def _other(e: ActivityEntry) -> str:
    """An action this version has no words for, its code as words: `widget.frobnicate` → frobnicate widget."""
    parts = [part.replace("_", " ").strip() for part in e.action.split(".")]
    what = " ".join(part for part in reversed(parts) if part) or "unnamed"
    text = f"made a change ({what})"
    if e.target:
        text += f" to {e.target}"
    if e.field or e.before or e.after:
        text += ": " + _change(e.field.replace("_", " ") or "value", "", e.before, e.after, _plain)
    return text


WORDS: dict[str, Callable[[ActivityEntry], str]] = {
    "request.set": _request_set,
    "request.add": _request_add,
    "request.archive": _request_archive,
    "request.restore": _request_restore,
    "request.reimport": _request_reimport,
    "comment.add": _comment_add,
    "evidence.add": _evidence_add,
    "evidence.link": _evidence_link,
    "evidence.unlink": _evidence_unlink,
    "evidence.replace": _evidence_replace,
    "evidence.restore": _evidence_restore,
    "evidence.set": _evidence_set,
    "evidence.purge": _evidence_purge,
    "evidence.reuse": _evidence_reuse,
    "evidence.carry": _evidence_carry,
    "request.carry": _request_carry,
    "checklist.carry": _checklist_carry,
    "prior.carry": _prior_carry,
    "sample.add": _sample_add,
    "sample.remove": _sample_remove,
    "sample.set": _sample_set,
    "sample.require": _sample_require,
    "sample.link": _sample_link,
    "sample.unlink": _sample_unlink,
    "person.add": _person_add,
    "person.remove": _person_remove,
    "person.set": _person_set,
    "person.rename": _person_rename,
    "person.merge": _person_merge,
    "checklist.import": _checklist_import,
    "package.export": _package_export,
    "package.intent": _package_intent,
    "workbook.create": _workbook_create,
    "workbook.repair": _workbook_repair,
    "workbook.migrate": _workbook_migrate,
    "engagement.set": _engagement_set,
}


def who(entry: ActivityEntry) -> str:
    return " ".join(entry.actor.split()) or entry.login or "Someone"


def entry_words(entry: ActivityEntry) -> str:
    """One entry as a sentence, actor first: `Dana Ops set status of PBC-012 from Open to In progress`."""
    return f"{who(entry)} {WORDS.get(entry.action, _other)(entry)}"


# --- lines: what one gesture logged, as one line -----------------------------------------------------------


@dataclass(frozen=True)
class LogLine:
    """One line of the log as shown: the entry it is named by, its words, and every entry it stands for."""

    entry: ActivityEntry
    words: str
    # Every entry of the line, oldest first (an attach: the file stored, then its link).
    entries: tuple[ActivityEntry, ...]
    kind: ActivityKind
    request: str
    # The local date of the entry (what a date filter compares with).
    day: dt.date


# What one attach or replace logs, in the order it logs it; the last entry names the line.
_GESTURES = (
    ("evidence.add", "evidence.link", "evidence.replace"),
    ("evidence.add", "evidence.link"),
    ("evidence.link", "evidence.replace"),
    # A file attached to a sample: stored, then given for the sample.
    ("evidence.add", "sample.link"),
)
# Entries of one gesture are written in one transaction; this is far more than one ever takes.
_GESTURE_SECONDS = 60


def _one_gesture(entries: Sequence[ActivityEntry]) -> bool:
    first, last = entries[0], entries[-1]
    if tuple(e.action for e in entries) not in _GESTURES:
        return False
    if any(b.id != a.id + 1 for a, b in itertools.pairwise(entries)):
        return False
    if any((e.actor, e.login, e.target) != (first.actor, first.login, first.target) for e in entries):
        return False
    if abs((last.at - first.at).total_seconds()) > _GESTURE_SECONDS:
        return False
    # The file stored is the one linked, and the one linked is the one that replaced the old version.
    return all(b.after == a.after for a, b in itertools.pairwise(entries))


def log_line(entries: Sequence[ActivityEntry]) -> LogLine:
    """The line for one entry, or for the entries of one gesture (oldest first)."""
    last = entries[-1]
    return LogLine(
        entry=last,
        words=entry_words(last),
        entries=tuple(entries),
        kind=kind_of(last.action),
        request=request_of(last),
        day=last.at.astimezone().date(),
    )


def grouped(entries: Iterable[ActivityEntry]) -> list[LogLine]:
    """The entries as lines, in the order given (newest or oldest first): an attach is one line, not two.

    Entries are folded when neighbours in `entries` are the entries one attach or replace wrote: the file
    stored (when new), its link and (for a replace) the replacement, with consecutive ids, one actor, one
    request and one file name.
    """
    items = list(entries)
    lines: list[LogLine] = []
    i = 0
    while i < len(items):
        for size in (3, 2, 1):
            members = sorted(items[i : i + size], key=lambda e: e.id)
            if len(members) == size and (size == 1 or _one_gesture(members)):
                lines.append(log_line(members))
                i += size
                break
    return lines


# The most entries one gesture logs (a replace: the file stored, its link, the replacement).
GESTURE_ENTRIES = len(_GESTURES[0])


def page_lines(entries: Sequence[ActivityEntry], limit: int) -> tuple[list[LogLine], bool]:
    """One page of the log read newest first: its lines, and whether it reached the oldest entry.

    `entries` are up to `limit + GESTURE_ENTRIES - 1` entries, newest first: the page and a few beyond it,
    so that a gesture cut by the page's end is seen whole. Lines reaching beyond the page's `limit` entries
    are left for the next page (read from the oldest entry kept), never shown in two halves.
    """
    lines = grouped(entries)
    if len(entries) < limit + GESTURE_ENTRIES - 1:
        return lines, True
    boundary = entries[limit - 1].id
    kept = [item for item in lines if item.entries[0].id >= boundary]
    return kept or lines, False


# --- filtering ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogFilter:
    """What the Activity log window shows: every condition set must hold ("" and None: any)."""

    person: str = ""
    # Part of a request's ref, in any case (`pbc-01` finds PBC-010 … PBC-019).
    request: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    kind: ActivityKind | None = None

    @property
    def active(self) -> bool:
        return self != LogFilter()

    def matching(self, lines: Sequence[LogLine]) -> list[LogLine]:
        """The lines that pass, in their order: one pass per condition set, plain comparisons only."""
        out = list(lines)
        if self.person:
            out = [item for item in out if item.entry.actor == self.person]
        if self.request.strip():
            part = self.request.strip().casefold()
            out = [item for item in out if part in item.request.casefold()]
        if self.since is not None:
            since = self.since
            out = [item for item in out if item.day >= since]
        if self.until is not None:
            until = self.until
            out = [item for item in out if item.day <= until]
        if self.kind is not None:
            kind = self.kind
            out = [item for item in out if item.kind is kind]
        return out


def people(lines: Iterable[LogLine]) -> list[str]:
    """Everyone who appears in the log, in alphabetical order."""
    return sorted({item.entry.actor for item in lines if item.entry.actor}, key=str.casefold)
