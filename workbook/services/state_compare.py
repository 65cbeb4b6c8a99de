"""Verify's comparison: the state the log gives (replay.py) against what the file holds, value by value.

Each difference is a problem naming where, the stored value, the value the log gives and the entry that gave
it; a value the log does not give is counted as not covered, with the reason, never passed over.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbook.model import Problem
from workbook.services.replay import NOT_IMPORTED, Entry, LinkState, Replay, Said
from workbook.storage.fileformat import KNOWN_REVISIONS
from workbook.storage.integrity import StoredRow

if TYPE_CHECKING:
    from workbook.formats.checklist.reader import ChecklistAnalysis


_ODD = object()
_LABELS = {
    "request_text": "request text",
    "auditor_comment": "auditor comment",
    "source_sheet": "sheet in the checklist",
    "source_row": "row in the checklist",
    "position": "place in the list",
    "recheck_evidence": "re-check-evidence flag",
    "due": "due date",
    "effective_date": "effective date",
    "source_system": "source system",
    "period_covered": "period covered",
    "added_by": "added-by name",
    "period_start": "period start",
    "period_end": "period end",
    "freshness_days": "freshness (days)",
    "shows": "what it shows",
}
ROW_TIMES = (
    "when rows were written (created, updated, added, linked, imported): only that each is a readable "
    "date and time"
)
SUMMARY_REST = (
    "each import's stored summary beyond what its log entry and its checklist give (counts, candidate "
    "sheets, warnings, left-out rows)"
)


@dataclass
class StateReport:
    problems: list[Problem] = field(default_factory=list)
    not_covered: list[str] = field(default_factory=list)


def shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 70 else text[:67] + "…"


def contrast(stored: object, said: object) -> tuple[str, str]:
    """The two values as a message shows them: long texts around their first difference."""
    if isinstance(stored, str) and isinstance(said, str) and max(len(stored), len(said)) > 60:
        at = next((i for i, (a, b) in enumerate(zip(stored, said, strict=False)) if a != b), None)
        at = min(len(stored), len(said)) if at is None else at
        start = max(0, at - 25)
        mark = "…" if start else ""
        return mark + shown(stored[start : start + 50]), mark + shown(said[start : start + 50])
    if isinstance(stored, list) and isinstance(said, list) and len(repr(stored)) > 70:
        at = next((i for i, (a, b) in enumerate(zip(stored, said, strict=False)) if a != b), None)
        if at is not None:
            return f"{shown(stored[at])} at item {at + 1}", f"{shown(said[at])}"
        return f"{len(stored)} items long", f"{len(said)}"
    return shown(stored), shown(said)


def _label(name: str) -> str:
    return _LABELS.get(name, name.replace("_", " "))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass
class Stored:
    tables: dict[str, list[StoredRow]] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)

    def get(self, table: str) -> list[StoredRow]:
        return self.tables.get(table, [])


class Comparison:
    def __init__(self, stored: Stored, replay: Replay, report: StateReport) -> None:
        self.stored = stored
        self.replay = replay
        self.report = report
        self.ref_of_request: dict[int, str] = {}
        self.sha_of_evidence: dict[int, str] = {}
        self.gaps: Counter[tuple[str, str]] = Counter()
        self.gap_fields: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.summaries_logged = 0

    def altered(self, where: str, message: str) -> None:
        self.report.problems.append(Problem("state", where, message))

    def differs(self, where: str, what: str, stored: object, said: Said) -> None:
        shown_stored, shown_said = contrast(stored, said.value)
        self.altered(where, f"{what} is {shown_stored} in the workbook, but {shown_said} by {said.by}")

    def gap(self, kind: str, unsaid: dict[str, str]) -> None:
        """One row's fields the log does not give, counted once per reason."""
        by_reason: dict[str, set[str]] = defaultdict(set)
        for name, why in unsaid.items():
            by_reason[why].add(name)
        for why, names in by_reason.items():
            self.gaps[(kind, why)] += 1
            self.gap_fields[(kind, why)].update(names)

    def run(self) -> None:
        self.engagement()
        self.meta()
        self.people()
        self.requests()
        self.comments()
        self.evidence()
        self.links()
        self.imports()
        from workbook.services.state_cycles import CycleComparison

        CycleComparison(self).run()
        self.not_covered()

    def engagement(self) -> None:
        if "engagement" in self.stored.unreadable or not self.replay.engagement:
            return
        rows = self.stored.get("engagement")
        if not rows:
            self.altered("engagement", "the engagement details are missing from the workbook")
            return
        row = rows[0]
        odd = {column for column, _ in row.odd}
        for name, said in self.replay.engagement.items():
            if name not in odd and row.values.get(name) != said.value:
                self.differs("engagement", f"the engagement's {_label(name)}", row.values.get(name), said)

    def meta(self) -> None:
        for row in self.stored.get("meta"):
            if row.values.get("key") == "created_with" and row.values.get("value") not in KNOWN_REVISIONS:
                self.altered(
                    "meta created_with",
                    f"the schema revision it was made with reads {shown(row.values.get('value'))}, "
                    f"which no version writes ({', '.join(KNOWN_REVISIONS)})",
                )

    def people(self) -> None:
        if "people" in self.stored.unreadable:
            return
        stored = {}
        emails = 0
        for row in self.stored.get("people"):
            name, email = row.text("name"), row.values.get("email")
            if name is None:
                continue
            stored[name.casefold()] = name
            said_email = self.replay.emails.get(name.casefold())
            if said_email is None:
                emails += bool(email)
            elif "email" not in row.odd_columns and email != said_email.value:
                self.differs(f"person {name}", f"{name}'s e-mail address", email, said_email)
        said = self.replay.people
        if said or stored:
            for folded, name in stored.items():
                if folded not in said:
                    self.altered(
                        f"person {name}", f"{name!r} is in the workbook, but the log never added them"
                    )
                elif said[folded] != name:
                    self.altered(f"person {name}", f"{name!r} is named {said[folded]!r} in the log")
            for folded, name in said.items():
                if folded not in stored:
                    self.altered(
                        f"person {name}", f"{name!r}, added in the log, is missing from the workbook"
                    )
        if emails:
            self.report.not_covered.append(
                f"the e-mail addresses of {emails} {'person' if emails == 1 else 'people'}: given when "
                "they were added, which the log does not record"
            )

    def _owner_names(self) -> dict[int, str]:
        names: dict[int, str] = {}
        for row in self.stored.get("people"):
            person_id = row.integer("id")
            if person_id is not None:
                names[person_id] = str(row.values.get("name"))
        return names

    def _request_value(self, row: StoredRow, name: str, people: dict[int, str]) -> object:
        if name == "owner":
            if "owner_id" in row.odd_columns:
                return _ODD
            owner = row.integer("owner_id")
            if owner is None:
                return ""
            return people.get(owner, f"person #{owner}, who is not in the workbook")
        return _ODD if name in row.odd_columns else row.values.get(name)

    def requests(self) -> None:
        if "requests" in self.stored.unreadable:
            return
        people = self._owner_names()
        seen: set[int] = set()
        unknown = 0
        for row in self.stored.get("requests"):
            ref, request_id = row.text("ref"), row.integer("id")
            if ref is None:
                continue
            if request_id is not None:
                self.ref_of_request[request_id] = ref
            key = self.replay.key_of(ref)
            if key is None:
                if self.replay.imports and not self.replay.unreadable_imports:
                    self.altered(
                        f"request {ref}",
                        f"request {ref} is in the workbook, but no import or change in the log made it",
                    )
                else:
                    unknown += 1
                continue
            seen.add(key)
            state = self.replay.requests[key]
            for name, said in state.said.items():
                value = self._request_value(row, name, people)
                if value is not _ODD and value != said.value:
                    self.differs(f"request {ref}", f"request {ref}'s {_label(name)}", value, said)
            self.gap("request", state.unsaid)
        for key, state in self.replay.requests.items():
            if key not in seen:
                self.altered(
                    f"request {state.ref}",
                    f"request {state.ref} ({state.origin}) is missing from the workbook",
                )
        if unknown:
            why = NOT_IMPORTED
            if self.replay.unreadable_imports:
                why = f"the import logged at {', '.join(self.replay.unreadable_imports)} cannot be read"
            self.report.not_covered.append(f"the values of {_plural(unknown, 'request')}: {why}")

    def comments(self) -> None:
        if "comments" in self.stored.unreadable or "requests" in self.stored.unreadable:
            return
        stored: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
        for row in self.stored.get("comments"):
            ref = self.ref_of_request.get(row.integer("request_id") or 0)
            author, body = row.text("author"), row.text("body")
            if ref is not None and author is not None and body is not None:
                stored[ref][(author, body)] += 1
        present = set(self.ref_of_request.values())
        for state in self.replay.requests.values():
            if state.ref not in present:
                continue
            said = Counter((author, body) for author, body, _by in state.comments)
            here = stored.pop(state.ref, Counter())
            for (author, body), _count in (said - here).items():
                by = next(b for a, t, b in state.comments if (a, t) == (author, body))
                self.altered(
                    f"request {state.ref}",
                    f"the comment {shown(body)} by {author} ({by}) is missing from request {state.ref}",
                )
            for (author, body), _count in (here - said).items():
                self.altered(
                    f"request {state.ref}",
                    f"request {state.ref} holds a comment {shown(body)} by {author} the log never added",
                )

    def evidence(self) -> None:
        if "evidence" in self.stored.unreadable:
            return
        for row in self.stored.get("evidence"):
            sha, evidence_id = row.text("sha256"), row.integer("id")
            if sha is None:
                continue
            if evidence_id is not None:
                self.sha_of_evidence[evidence_id] = sha
            state = self.replay.evidence.get(sha)
            if state is None:
                continue  # evidence the log never added is named by the evidence pass of verify
            name = row.text("name")
            where = f"evidence {name if name is not None else sha[:12]}"
            for column, said in state.said.items():
                if column not in row.odd_columns and row.values.get(column) != said.value:
                    self.differs(
                        where,
                        f"the {_label(column)} of evidence {shown(name)}",
                        row.values.get(column),
                        said,
                    )
            self.gap("evidence", state.unsaid)

    def _evidence_name(self, sha: str) -> str:
        state = self.replay.evidence.get(sha)
        said = state.said.get("name") if state else None
        return shown(said.value) if said else f"evidence {sha[:12]}…"

    def links(self) -> None:
        if {"links", "requests", "evidence"} & self.stored.unreadable:
            return
        stored: dict[tuple[int, str], StoredRow] = {}
        key_of_link: dict[int, tuple[int, str]] = {}
        for row in self.stored.get("links"):
            ref = self.ref_of_request.get(row.integer("request_id") or 0)
            sha = self.sha_of_evidence.get(row.integer("evidence_id") or 0)
            key = self.replay.key_of(ref) if ref is not None else None
            if key is None or sha is None or sha not in self.replay.evidence:
                continue  # its request or file is named elsewhere
            stored[(key, sha)] = row
            link_id = row.integer("id")
            if link_id is not None:
                key_of_link[link_id] = (key, sha)
        present_refs = set(self.ref_of_request.values())
        present_shas = set(self.sha_of_evidence.values())
        for (key, sha), link in self.replay.links.items():
            ref = self.replay.requests[key].ref
            if ref not in present_refs or sha not in present_shas:
                continue
            found = stored.pop((key, sha), None)
            if found is None:
                self.altered(
                    f"request {ref}",
                    f"{self._evidence_name(sha)} is evidence of {ref} by {link.by}, but the workbook "
                    "holds no such link",
                )
                continue
            self._compare_link(ref, sha, link, found, key_of_link)
        for (key, sha), _row in stored.items():
            ref = self.replay.requests[key].ref
            self.altered(
                f"request {ref}",
                f"{self._evidence_name(sha)} is linked to {ref} in the workbook, but not by the log",
            )

    def _compare_link(
        self, ref: str, sha: str, link: LinkState, row: StoredRow, key_of_link: dict[int, tuple[int, str]]
    ) -> None:
        odd = row.odd_columns
        name = self._evidence_name(sha)
        if "current" not in odd and row.values.get("current") != link.current:
            said, held = ("current", "an older version") if link.current else ("an older version", "current")
            self.altered(
                f"request {ref}",
                f"{name} is {held} evidence of {ref} in the workbook, but {said} by {link.by}",
            )
        if "replaced_by" not in odd:
            target = row.integer("replaced_by")
            found = key_of_link.get(target) if target is not None else None
            if (target is not None and found is None) or found != link.replaced_by:
                wanted = self._evidence_name(link.replaced_by[1]) if link.replaced_by else "nothing"
                now = self._evidence_name(found[1]) if found else "nothing"
                if target is not None and found is None:
                    now = f"link #{target}"
                self.altered(
                    f"request {ref}",
                    f"{name} on {ref} is replaced by {now} in the workbook, but by {wanted} per {link.by}",
                )
        if (
            link.linked_by is not None
            and "linked_by" not in odd
            and row.values.get("linked_by") != link.linked_by
        ):
            self.altered(
                f"request {ref}",
                f"{name} on {ref} was linked by {shown(row.values.get('linked_by'))} in the workbook, by "
                f"{link.linked_by!r} per {link.by}",
            )

    def imports(self) -> None:
        if "imports" in self.stored.unreadable:
            return
        stored, logged = self.stored.get("imports"), self.replay.imports
        if len(stored) != len(logged):
            self.altered(
                "imports",
                f"the log records {_plural(len(logged), 'checklist import')}, the workbook holds "
                f"{_plural(len(stored), 'imported checklist')}",
            )
        for row, state in zip(stored, logged, strict=False):
            entry, detail = state.entry, state.entry.detail or {}
            odd = {column for column, _ in row.odd}
            where = f"checklist {row.values.get('file_name')}"
            said = {
                "file_name": detail.get("file"),
                "sha256": detail.get("sha256"),
                "size": detail.get("size"),
                "sheet": detail.get("sheet"),
                "header_row": detail.get("header_row"),
                "mapping": detail.get("mapping"),
                # A checklist carried from the previous period keeps who imported it there.
                "imported_by": detail.get("imported_by")
                if entry.action == "checklist.carry"
                else entry.actor,
            }
            for column, value in said.items():
                if value is not None and column not in odd and row.values.get(column) != value:
                    self.differs(
                        where, f"the import's {_label(column)}", row.values.get(column), Said(value, entry.by)
                    )
            data = row.values.get("data")
            recorded = detail.get("sha256")
            if (
                isinstance(data, bytes)
                and isinstance(recorded, str)
                and hashlib.sha256(data).hexdigest() != recorded
            ):
                self.altered(
                    where,
                    f"the stored copy of the checklist imported at {entry.by} is not the file it recorded: "
                    "its bytes were altered",
                )
            self._summary(where, row, state.reading, entry)

    def _summary(self, where: str, row: StoredRow, reading: ChecklistAnalysis | None, entry: Entry) -> None:
        summary, detail = row.values.get("summary"), entry.detail or {}
        if not isinstance(summary, dict):
            return
        for key in ("diff", "skipped", "sheet", "header_row", "mapping"):
            if key in detail and summary.get(key) != detail[key]:
                self.differs(
                    where, f"the import summary's {key}", summary.get(key), Said(detail[key], entry.by)
                )
        if isinstance(detail.get("summary_sha256"), str):
            self.summaries_logged += 1
            if summary_digest(summary) != detail["summary_sha256"]:
                self.altered(where, f"the stored summary of the import is not the one {entry.by} recorded")
        if reading is None:
            return
        by = f"the checklist imported at {entry.by}, read again"
        found = {
            "status_vocabulary": {word: status.value for word, status in reading.status_vocabulary.items()},
            "header_signature": reading.header_signature,
        }
        for column, value in found.items():
            if column not in {c for c, _ in row.odd} and row.values.get(column) != value:
                self.differs(where, f"the import's {_label(column)}", row.values.get(column), Said(value, by))
        expected = _json(
            {
                "headers": [c.header for c in reading.columns],
                "kind": reading.kind,
                "layouts": [
                    {
                        "sheet": layout.sheet,
                        "header_row": layout.header_row,
                        "answer_columns": dict(layout.answer_columns),
                        "dropdowns": {k: list(v) for k, v in layout.dropdowns.items()},
                    }
                    for layout in reading.layouts
                ],
                "at_import": answers_at_import(reading),
            }
        )
        for key, value in expected.items():
            if key in summary and summary[key] != value:
                self.differs(
                    where, f"the import summary's {key.replace('_', ' ')}", summary[key], Said(value, by)
                )

    def not_covered(self) -> None:
        for (kind, why), count in sorted(self.gaps.items()):
            names = ", ".join(_label(n) for n in sorted(self.gap_fields[(kind, why)]))
            noun = "request" if kind == "request" else "evidence file"
            self.report.not_covered.append(f"the {names} of {_plural(count, noun)}: {why}")
        if self.replay.unknown:
            kinds = ", ".join(f"{action} ({count})" for action, count in sorted(self.replay.unknown.items()))
            self.report.not_covered.append(f"log entries of kinds this version does not replay: {kinds}")
        if any(self.stored.get(t) for t in ("requests", "evidence", "links", "people", "imports")):
            self.report.not_covered.append(ROW_TIMES)
        if len(self.stored.get("imports")) > self.summaries_logged:
            self.report.not_covered.append(SUMMARY_REST)


def summary_digest(summary: Any) -> str:
    """The SHA-256 an import's log entry may hold of the summary it stored (sorted keys, UTF-8 as is)."""
    text = json.dumps(summary, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def answers_at_import(reading: ChecklistAnalysis) -> list[list[Any]]:
    """The answer cells the import keeps: [sheet, row, status, owner, due, response, evidence].

    The list the importer stores for write-back (ImportService.original_checklist reads it back), and verify
    derives again from the stored checklist: one function for both, so they cannot drift apart.
    """
    names = {c.field: c.header.replace("\n", " ") or f"Column {c.letter}" for c in reading.columns if c.field}
    out: list[list[Any]] = []
    for row in reading.rows:
        extra = dict(row.extra)
        out.append(
            [
                row.sheet or reading.sheet,
                row.source_row,
                row.status_text,
                row.owner,
                row.due.isoformat() if row.due else row.due_text,
                extra.get(names.get("response", "\x00"), ""),
                extra.get(names.get("evidence", "\x00"), ""),
            ]
        )
    return out
