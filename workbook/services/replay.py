"""What a workbook should hold now, replayed from its activity log and the checklists its imports stored.

Every change the app makes is logged in the same transaction, with its before and after value: requests'
owner, status, due date and notes; evidence details; links and versions; people; comments; the engagement.
An import logs the SHA-256 of the checklist it read, and the workbook keeps that file: reading it again with
the sheet, header row and mapping the log names gives every value the import wrote. Replaying the log from its
first entry therefore says what each of these values must be now, and which entry said so. What no entry
says is kept apart with the reason (`unsaid`), so that verify can say what it did not compare.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbook.model import Status
from workbook.services import replay_cycles as cycles
from workbook.services.people import clean_name
from workbook.services.replay_cycles import CycleState
from workbook.services.replay_fields import ANSWER_FIELDS, EVIDENCE_FIELDS, IMPORT_FIELDS, REQUEST_FIELDS

if TYPE_CHECKING:
    from workbook.formats.checklist.reader import ChecklistAnalysis

_PLACE_FIELDS = ("source_sheet", "source_row", "position")
# request.reimport names a field as the import's diff does; the text ones map onto columns one to one.
_REIMPORTED_TEXT = {
    "title": "title",
    "request": "request_text",
    "section": "section",
    "priority": "priority",
    "auditor_comment": "auditor_comment",
}
# How evidence.set words the never-export mark (after) when it is put on.
NEVER_EXPORT_ON = "never exported"
NOT_IMPORTED = "not made by an import in the log (added outside the app, or by a version that did not log it)"
ATTACH_UNLOGGED = "given when the file was attached, which the log does not record"


@dataclass(frozen=True)
class Said:
    """A value the log vouches for, and the entry (or the imported checklist) that said it."""

    value: object
    by: str


@dataclass(frozen=True)
class Entry:
    """One activity entry as the replay reads it (detail: its JSON object, None when it has none)."""

    id: int
    actor: str
    action: str
    target: str
    field: str
    before: str
    after: str
    detail: Mapping[str, Any] | None

    @property
    def by(self) -> str:
        return f"activity entry #{self.id}"

    def text(self, key: str) -> str:
        value = (self.detail or {}).get(key)
        return value if isinstance(value, str) else ""


def entry_detail(text: str) -> Mapping[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


@dataclass
class RequestState:
    ref: str
    origin: str
    made_by_log: bool
    said: dict[str, Said] = field(default_factory=dict)
    unsaid: dict[str, str] = field(default_factory=dict)
    comments: list[tuple[str, str, str]] = field(default_factory=list)

    def say(self, name: str, value: object, by: str) -> None:
        self.said[name] = Said(value, by)
        self.unsaid.pop(name, None)

    def forget(self, name: str, why: str) -> None:
        self.said.pop(name, None)
        self.unsaid[name] = why

    @property
    def archived(self) -> bool:
        said = self.said.get("archived")
        return said is not None and said.value is True


@dataclass
class EvidenceState:
    sha256: str
    origin: str
    made_by_log: bool
    said: dict[str, Said] = field(default_factory=dict)
    unsaid: dict[str, str] = field(default_factory=dict)


@dataclass
class LinkState:
    current: bool
    replaced_by: tuple[int, str] | None
    linked_by: str | None
    by: str


@dataclass(frozen=True)
class ImportState:
    """One checklist.import entry and the reading of its stored checklist that fits it (None: none does)."""

    entry: Entry
    reading: ChecklistAnalysis | None
    why_not: str


# The k-th import's stored checklist read again: the readings to try in turn, or why there is none.
Readings = Callable[[int, Entry], tuple[Iterable["ChecklistAnalysis"], str]]


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _date_or_none(text: str) -> str | None:
    return text or None


class Replay:
    """Feed it the log oldest first; it keeps what each value must be now."""

    def __init__(self, readings: Readings, *, freshness_days: int) -> None:
        self._readings = readings
        self._freshness_days = freshness_days
        self.requests: dict[int, RequestState] = {}
        self.by_ref: dict[str, int] = {}
        self.evidence: dict[str, EvidenceState] = {}
        self.links: dict[tuple[int, str], LinkState] = {}
        self.people: dict[str, str] = {}
        # E-mail addresses the log sets (person.set); one given when a person is added is not logged.
        self.emails: dict[str, Said] = {}
        self.engagement: dict[str, Said] = {}
        self.imports: list[ImportState] = []
        # Import entries whose detail is not a JSON object (the chain check names the entry).
        self.unreadable_imports: list[str] = []
        # Prior-period files, required items, samples and their files (replay_cycles.py).
        self.cycles = CycleState()
        self.unknown: Counter[str] = Counter()
        self.entries = 0
        self._pending: list[Entry] = []
        self._next_key = 0

    def feed(self, entry: Entry) -> None:
        self.entries += 1
        handler = _HANDLERS.get(entry.action)
        if handler is None:
            self.unknown[entry.action] += 1
        else:
            handler(self, entry)

    # requests

    def request(self, ref: str, entry: Entry) -> RequestState:
        """The request the log calls `ref`; one it never made is noted as first named by `entry`."""
        key = self.by_ref.get(ref)
        if key is not None:
            return self.requests[key]
        state = RequestState(ref, f"first named at {entry.by}", made_by_log=False)
        for name in REQUEST_FIELDS:
            state.unsaid[name] = NOT_IMPORTED
        return self._add_request(state)

    def _add_request(self, state: RequestState) -> RequestState:
        self._next_key += 1
        self.requests[self._next_key] = state
        self.by_ref[state.ref] = self._next_key
        return state

    def key_of(self, ref: str) -> int | None:
        return self.by_ref.get(ref)

    def _request_set(self, entry: Entry) -> None:
        state = self.request(entry.target, entry)
        if entry.field == "due":
            state.say("due", _date_or_none(entry.after), entry.by)
        elif entry.field in ("owner", "status", "notes"):
            state.say(entry.field, entry.after, entry.by)

    def _comment(self, entry: Entry) -> None:
        self.request(entry.target, entry).comments.append((entry.actor, entry.after, entry.by))

    def _import_row(self, entry: Entry) -> None:
        """request.add / archive / restore / reimport: written by the import that logs itself right after."""
        self._pending.append(entry)

    def _owner(self, name: str) -> str:
        cleaned = clean_name(name)
        return self.people.get(cleaned.casefold(), cleaned) if cleaned else ""

    def _import(self, entry: Entry) -> None:
        if entry.detail is None:
            self.unreadable_imports.append(entry.by)
        detail = entry.detail or {}
        diff = detail.get("diff") if isinstance(detail.get("diff"), dict) else {}
        assert isinstance(diff, dict)
        added = set(_strings(diff.get("added")))
        removed = set(_strings(diff.get("removed")))
        restored = set(_strings(diff.get("restored")))
        changes = [
            c for c in diff.get("changed") or [] if isinstance(c, dict) and isinstance(c.get("ref"), str)
        ]
        changed = {str(c["ref"]) for c in changes}
        recheck = {str(c["ref"]): c.get("recheck_evidence") for c in changes}
        # Renumbered requests take their new refs first, as the import parks them (refs may swap).
        moves = [
            (str(c["ref"]), self.by_ref.pop(str(c["previous_ref"])))
            for c in changes
            if isinstance(c.get("previous_ref"), str) and c["previous_ref"] in self.by_ref
        ]
        for ref, key in moves:
            self.by_ref[ref] = key
            self.requests[key].ref = ref
        live = {ref for ref, key in self.by_ref.items() if not self.requests[key].archived}
        candidates, why = self._readings(len(self.imports), entry)
        reading = None
        for candidate in candidates:
            misfit = _misfit(candidate, detail, added, changed, restored, removed, live)
            if not misfit:
                reading = candidate
                break
            why = f"this version reads it differently ({misfit})"
        self.imports.append(ImportState(entry, reading, why))
        for ref in removed:
            self.request(ref, entry).say("archived", True, entry.by)
        if reading is not None:
            self._apply_reading(entry, reading, added, changed | restored, recheck)
        else:
            self._apply_unread(entry, why, added, changed | restored)
        self._pending.clear()

    def _apply_reading(
        self,
        entry: Entry,
        reading: ChecklistAnalysis,
        added: set[str],
        rewritten: set[str],
        recheck: Mapping[str, object],
    ) -> None:
        by = f"the checklist imported at {entry.by}"
        for position, row in enumerate(reading.rows):
            values: dict[str, object] = {
                "title": row.title,
                "request_text": row.request,
                "criteria": list(row.criteria),
                "section": row.section,
                "priority": row.priority,
                "auditor_comment": row.comment,
                "extra": dict(row.extra),
                "source_sheet": row.sheet or reading.sheet,
                "source_row": row.source_row,
                "position": position,
            }
            key = self.by_ref.get(row.ref)
            if key is None or row.ref in added:
                state = self._add_request(RequestState(row.ref, f"imported at {entry.by}", made_by_log=True))
                values.update(
                    owner=self._owner(row.owner),
                    status=(row.status or Status.OPEN).value,
                    due=row.due.isoformat() if row.due else None,
                    notes="",
                    archived=False,
                    recheck_evidence=False,
                )
            else:
                state = self.requests[key]
                state.made_by_log = True
                if row.ref in rewritten:
                    values["archived"] = False
                    flag, old = recheck.get(row.ref), state.said.get("recheck_evidence")
                    if flag is True:
                        values["recheck_evidence"] = True
                    elif old is None or (flag is not False and old.value is not True):
                        state.forget("recheck_evidence", f"set by {by} without logging it")
            for name, value in values.items():
                state.say(name, value, by)

    def _apply_unread(self, entry: Entry, why: str, added: set[str], rewritten: set[str]) -> None:
        gap = f"the checklist imported at {entry.by} could not be read again ({why})"
        for ref in added:
            state = self._add_request(RequestState(ref, f"imported at {entry.by}", made_by_log=True))
            for name in (*IMPORT_FIELDS, *ANSWER_FIELDS):
                state.unsaid[name] = gap
            for name, value in (("notes", ""), ("archived", False), ("recheck_evidence", False)):
                state.say(name, value, entry.by)
        for ref in rewritten:
            state = self.request(ref, entry)
            for name in IMPORT_FIELDS:
                state.forget(name, gap)
            state.forget("recheck_evidence", gap)
            state.say("archived", False, entry.by)
        for state in self.requests.values():
            if not state.archived:
                for name in _PLACE_FIELDS:
                    state.forget(name, gap)
        for row in self._pending:
            state = self.request(row.target, row)
            if row.action == "request.archive":
                state.say("archived", True, row.by)
            elif row.action == "request.restore":
                state.say("archived", False, row.by)
            elif row.action == "request.reimport" and row.field in _REIMPORTED_TEXT:
                state.say(_REIMPORTED_TEXT[row.field], row.after, row.by)

    # people

    def _person_add(self, entry: Entry) -> None:
        self.people[entry.target.casefold()] = entry.target
        self.emails.pop(entry.target.casefold(), None)

    def _person_set(self, entry: Entry) -> None:
        if entry.field == "email":
            self.emails[entry.target.casefold()] = Said(entry.after, entry.by)

    def _person_remove(self, entry: Entry) -> None:
        self.people.pop(entry.target.casefold(), None)
        self.emails.pop(entry.target.casefold(), None)

    def _person_rename(self, entry: Entry) -> None:
        self.people.pop(entry.before.casefold(), None)
        self.people[entry.after.casefold()] = entry.after
        email = self.emails.pop(entry.before.casefold(), None)
        if email is not None:
            self.emails[entry.after.casefold()] = email
        self._move_owners(entry.before, entry.after, entry.by)

    def _person_merge(self, entry: Entry) -> None:
        self.people.pop(entry.before.casefold(), None)
        self.emails.pop(entry.before.casefold(), None)
        self._move_owners(entry.before, entry.after, entry.by)

    def _move_owners(self, old: str, new: str, by: str) -> None:
        for state in self.requests.values():
            owner = state.said.get("owner")
            if owner is not None and str(owner.value).casefold() == old.casefold():
                state.say("owner", new, by)

    # evidence

    def evidence_of(self, sha256: str, entry: Entry) -> EvidenceState:
        state = self.evidence.get(sha256)
        if state is None:
            state = EvidenceState(sha256, f"first named at {entry.by}", made_by_log=False)
            for name in EVIDENCE_FIELDS:
                state.unsaid[name] = "its file was never added in the log"
            self.evidence[sha256] = state
        return state

    def _evidence_add(self, entry: Entry) -> None:
        sha = entry.text("sha256")
        state = EvidenceState(sha, f"added at {entry.by}", made_by_log=True)
        state.said["name"] = Said(entry.after, entry.by)
        state.said["added_by"] = Said(entry.actor, entry.by)
        for name in ("source_system", "shows", "population", "period_covered"):
            state.said[name] = Said("", entry.by)
        state.said["never_export"] = Said(False, entry.by)
        detail = entry.detail or {}
        # An entry that holds the date and description given at attach vouches for them; older ones do not.
        if "effective_date" in detail:
            state.said["effective_date"] = Said(detail["effective_date"] or None, entry.by)
        else:
            state.unsaid["effective_date"] = ATTACH_UNLOGGED
        if isinstance(detail.get("description"), str):
            state.said["description"] = Said(detail["description"], entry.by)
        else:
            state.unsaid["description"] = ATTACH_UNLOGGED
        self.evidence[sha] = state

    def _evidence_set(self, entry: Entry) -> None:
        state = self.evidence_of(entry.text("sha256"), entry)
        if entry.field == "effective_date":
            state.said["effective_date"] = Said(_date_or_none(entry.after), entry.by)
        elif entry.field == "never_export":
            state.said["never_export"] = Said(entry.after == NEVER_EXPORT_ON, entry.by)
        elif entry.field in EVIDENCE_FIELDS:
            state.said[entry.field] = Said(entry.after, entry.by)
        else:
            return
        state.unsaid.pop(entry.field, None)

    def _evidence_purge(self, entry: Entry) -> None:
        sha = entry.text("sha256")
        self.evidence.pop(sha, None)
        for key in [k for k in self.links if k[1] == sha]:
            del self.links[key]

    def _link_key(self, entry: Entry, sha256: str) -> tuple[int, str]:
        self.request(entry.target, entry)
        self.evidence_of(sha256, entry)
        key = self.by_ref[entry.target]
        return key, sha256

    def _link(self, entry: Entry) -> None:
        key = self._link_key(entry, entry.text("sha256"))
        link = self.links.get(key)
        if link is None:
            self.links[key] = LinkState(True, None, entry.actor, entry.by)
        else:
            link.current, link.replaced_by, link.by = True, None, entry.by

    def _replace(self, entry: Entry) -> None:
        old = self._link_key(entry, entry.text("old_sha256"))
        new = self._link_key(entry, entry.text("new_sha256"))
        link = self.links.setdefault(old, LinkState(True, None, None, entry.by))
        link.current, link.replaced_by, link.by = False, new, entry.by

    def _restore(self, entry: Entry) -> None:
        key = self._link_key(entry, entry.text("sha256"))
        link = self.links.setdefault(key, LinkState(False, None, None, entry.by))
        successor, seen, step = None, {key}, link.replaced_by
        while step is not None and step not in seen:
            seen.add(step)
            later = self.links.get(step)
            if later is None:
                break
            if later.current:
                successor = later
                break
            step = later.replaced_by
        link.current, link.replaced_by, link.by = True, None, entry.by
        if successor is not None:
            successor.current, successor.replaced_by, successor.by = False, key, entry.by

    def _unlink(self, entry: Entry) -> None:
        key = self._link_key(entry, entry.text("sha256"))
        self.links.pop(key, None)
        for link in self.links.values():
            if link.replaced_by == key:
                link.replaced_by, link.by = None, entry.by

    # the engagement

    def _create(self, entry: Entry) -> None:
        detail = entry.detail or {}
        said = {"client": entry.target.strip()}
        for name in ("framework", "auditor"):
            if isinstance(detail.get(name), str):
                said[name] = detail[name].strip()
        period = detail.get("period")
        if isinstance(period, str) and period.count("..") == 1:
            start, end = period.split("..")
            for name, text in (("period_start", start), ("period_end", end)):
                said[name] = "" if text == "None" else text
        for name, value in said.items():
            self.engagement[name] = Said(value or None if name.startswith("period_") else value, entry.by)
        self.engagement["freshness_days"] = Said(self._freshness_days, f"{entry.by} (the default)")

    def _engagement_set(self, entry: Entry) -> None:
        value: object = entry.after
        if entry.field.startswith("period_"):
            value = entry.after or None
        elif entry.field == "freshness_days":
            value = int(entry.after) if entry.after.lstrip("-").isdigit() else entry.after
        self.engagement[entry.field] = Said(value, entry.by)

    def _nothing(self, entry: Entry) -> None:
        """An entry that changes nothing the replay keeps (an export, a repair's note)."""


def _misfit(
    reading: ChecklistAnalysis,
    detail: Mapping[str, Any],
    added: set[str],
    changed: set[str],
    restored: set[str],
    removed: set[str],
    live: set[str],
) -> str:
    """Why this reading is not the one the import logged ("" when it is)."""
    refs = [row.ref for row in reading.rows]
    read = set(refs)
    if len(read) != len(refs):
        return "its refs repeat"
    named = added | changed | restored
    if not named <= read:
        return f"{len(named - read)} of the refs the import wrote are not in it"
    if removed & read:
        return f"{len(removed & read)} of the refs the import removed are in it"
    if read - named != live - removed - changed:
        return "its requests are not the ones the import kept"
    skipped = detail.get("skipped")
    if isinstance(skipped, int) and skipped != len(reading.skipped):
        return f"it leaves out {len(reading.skipped)} rows, the import left out {skipped}"
    return ""


_HANDLERS: dict[str, Callable[[Replay, Entry], None]] = {
    "workbook.create": Replay._create,
    "engagement.set": Replay._engagement_set,
    "checklist.import": Replay._import,
    "request.add": Replay._import_row,
    "request.archive": Replay._import_row,
    "request.restore": Replay._import_row,
    "request.reimport": Replay._import_row,
    "request.set": Replay._request_set,
    "comment.add": Replay._comment,
    "person.add": Replay._person_add,
    "person.set": Replay._person_set,
    "person.remove": Replay._person_remove,
    "person.rename": Replay._person_rename,
    "person.merge": Replay._person_merge,
    "evidence.add": Replay._evidence_add,
    "evidence.link": Replay._link,
    "evidence.replace": Replay._replace,
    "evidence.restore": Replay._restore,
    "evidence.unlink": Replay._unlink,
    "evidence.set": Replay._evidence_set,
    "evidence.purge": Replay._evidence_purge,
    "package.export": Replay._nothing,
    "package.intent": Replay._nothing,
    "workbook.repair": Replay._nothing,
    "request.carry": cycles.carry_request,
    "evidence.carry": cycles.carry_evidence,
    "checklist.carry": cycles.carry_checklist,
    "prior.carry": cycles.carry_prior,
    "evidence.reuse": cycles.reuse,
    "sample.require": cycles.require,
    "sample.add": cycles.sample_add,
    "sample.remove": cycles.sample_remove,
    "sample.set": cycles.sample_set,
    "sample.link": cycles.sample_link,
    "sample.unlink": cycles.sample_unlink,
}
