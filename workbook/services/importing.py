"""Import and re-import the auditor's checklist: preview for the wizard, diff, apply in one transaction."""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
import json
import os
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from workbook.errors import UserError
from workbook.jobs import CancelToken, Progress, no_progress
from workbook.model import Actor, Status
from workbook.services.activity import record
from workbook.services.people import person_for
from workbook.storage.database import Database
from workbook.storage.schema import ImportRow, RequestRow

if TYPE_CHECKING:
    from workbook.formats.checklist.reader import ChecklistAnalysis, ChecklistInfo, ChecklistRow
    from workbook.services.workbook import Workbook

# Fields the checklist owns: a re-import updates them. Owner, status, notes and evidence belong to the user.
CHECKLIST_FIELDS = ("title", "request", "criteria", "section", "priority", "auditor_comment", "extra")
RENUMBER_SIMILARITY = 0.9
INSERT_BATCH = 2000


@dataclass(frozen=True)
class FieldDiff:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class RequestDiff:
    """One request's fate in an import: added, changed, removed, unchanged (or restored from the archive)."""

    ref: str
    kind: str
    fields: tuple[FieldDiff, ...] = ()
    previous_ref: str = ""
    recheck_evidence: bool = False


@dataclass(frozen=True)
class ImportSummary:
    file_name: str
    sha256: str
    sheet: str
    header_row: int
    mapping: dict[str, str]
    added: int
    updated: int
    unchanged: int
    removed: int
    skipped: int
    items: int
    generated_refs: bool
    dry_run: bool
    diff: tuple[RequestDiff, ...] = ()
    problems: tuple[str, ...] = ()
    status_vocabulary: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "header_row": self.header_row,
            "mapping": self.mapping,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "skipped": self.skipped,
            "items": self.items,
            "dry_run": self.dry_run,
            "generated_refs": self.generated_refs,
            "diff": {
                "added": [d.ref for d in self.diff if d.kind == "added"],
                "changed": [
                    {
                        "ref": d.ref,
                        "fields": [f.field for f in d.fields],
                        "previous_ref": d.previous_ref or None,
                        "recheck_evidence": d.recheck_evidence,
                    }
                    for d in self.diff
                    if d.kind == "changed"
                ],
                "removed": [d.ref for d in self.diff if d.kind == "removed"],
                "restored": [d.ref for d in self.diff if d.kind == "restored"],
            },
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class OriginalChecklist:
    """The auditor's file as imported last: its bytes, the sheet and header row, and every column's header."""

    file_name: str
    data: bytes = field(repr=False)
    sheet: str = ""
    header_row: int = 1
    mapping: dict[str, str] = field(default_factory=dict)
    vocabulary: dict[str, str] = field(default_factory=dict)
    headers: tuple[str, ...] = ()


def _row_values(row: ChecklistRow) -> dict[str, Any]:
    return {
        "title": row.title,
        "request": row.request,
        "criteria": list(row.criteria),
        "section": row.section,
        "priority": row.priority,
        "auditor_comment": row.comment,
        "extra": dict(row.extra),
    }


def _stored_values(row: RequestRow) -> dict[str, Any]:
    return {
        "title": row.title,
        "request": row.request_text,
        "criteria": list(row.criteria or []),
        "section": row.section,
        "priority": row.priority,
        "auditor_comment": row.auditor_comment,
        "extra": dict(row.extra or {}),
    }


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _similar(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _wording(text: str) -> str:
    return " ".join(text.split()).casefold()


def _pair(existing: Sequence[RequestRow], incoming: Sequence[ChecklistRow]) -> dict[int, RequestRow]:
    """Incoming row index → the request it continues.

    Identical wording wins over the ref (an auditor who inserts an item renumbers everything below it), then
    the same ref (a reworded request), then wording at least 90 % similar (renumbered and reworded).
    """
    free = {row.ref: row for row in existing}
    pairs: dict[int, RequestRow] = {}
    by_text: dict[str, list[RequestRow]] = defaultdict(list)
    for row in existing:
        if key := _wording(row.request_text):
            by_text[key].append(row)
    for index, new in enumerate(incoming):
        candidates = [row for row in by_text.get(_wording(new.request), ()) if row.ref in free]
        if candidates:
            chosen = next((row for row in candidates if row.ref == new.ref), candidates[0])
            pairs[index] = free.pop(chosen.ref)
    for index, new in enumerate(incoming):
        if index not in pairs and new.ref in free:
            pairs[index] = free.pop(new.ref)
    left = [index for index, new in enumerate(incoming) if index not in pairs and new.request]
    # Similarity is quadratic: past this many comparisons the unmatched rows are simply added and removed.
    if left and len(left) * len(free) <= 250_000:
        for index in left:
            wording = incoming[index].request
            scored = [(_similar(row.request_text, wording), row) for row in free.values() if not row.archived]
            best = max(scored, key=lambda pair: pair[0], default=None)
            if best is not None and best[0] >= RENUMBER_SIMILARITY:
                pairs[index] = free.pop(best[1].ref)
    return pairs


def diff_rows(existing: Sequence[RequestRow], incoming: Sequence[ChecklistRow]) -> list[RequestDiff]:
    """Pair each incoming row with the request it continues and list what changes, in checklist order."""
    pairs = _pair(existing, incoming)
    paired = {row.id for row in pairs.values()}
    diffs: list[RequestDiff] = []
    for index, new in enumerate(incoming):
        old = pairs.get(index)
        if old is None:
            diffs.append(RequestDiff(new.ref, "added"))
            continue
        previous_ref = old.ref if old.ref != new.ref else ""
        before, after = _stored_values(old), _row_values(new)
        fields = tuple(
            FieldDiff(name, _show(before[name]), _show(after[name]))
            for name in CHECKLIST_FIELDS
            if before[name] != after[name]
        )
        if previous_ref:
            fields = (FieldDiff("ref", previous_ref, new.ref), *fields)
        recheck = any(f.field == "request" for f in fields)
        if old.archived:
            diffs.append(RequestDiff(new.ref, "restored", fields, previous_ref, recheck))
        elif fields:
            diffs.append(RequestDiff(new.ref, "changed", fields, previous_ref, recheck))
        else:
            diffs.append(RequestDiff(new.ref, "unchanged"))
    diffs.extend(
        RequestDiff(row.ref, "removed") for row in existing if row.id not in paired and not row.archived
    )
    return diffs


def profile_store_path() -> Path:
    """The user-level store of confirmed mappings, shared by every workbook on this machine."""
    if override := os.environ.get("AUDIT_WORKBOOK_PROFILES"):
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home()))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config"))
    return base / "AuditWorkbook" / "mapping-profiles.json"


def load_profiles(path: Path | None = None) -> dict[str, Any]:
    path = path or profile_store_path()
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_profile(signature: str, profile: Mapping[str, Any], path: Path | None = None) -> None:
    """Remember a confirmed mapping by header signature (temporary file, then rename)."""
    path = path or profile_store_path()
    profiles = load_profiles(path)
    profiles[signature] = dict(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(profiles, indent=2, ensure_ascii=False), "utf-8")
    os.replace(tmp, path)


class ImportService:
    def __init__(self, db: Database, actor: Actor, profiles_path: Path | None = None) -> None:
        self._db = db
        self._actor = actor
        self._profiles_path = profiles_path

    def inspect(self, path: Path) -> ChecklistInfo:
        from workbook.formats.checklist.reader import inspect_checklist

        return inspect_checklist(Path(path))

    def analyse(
        self,
        path: Path,
        *,
        sheet: str | None = None,
        header_row: int | None = None,
        mapping: Mapping[str, str] | None = None,
        duplicates: Literal["merge", "suffix"] = "merge",
    ) -> ChecklistAnalysis:
        """The guess a wizard shows: sheet, header row, mapping (a saved profile wins), rows, problems."""
        from workbook.formats.checklist.reader import analyse_sheet

        analysis = analyse_sheet(
            Path(path), sheet=sheet, header_row=header_row, mapping=mapping, duplicates=duplicates
        )
        if mapping is None:
            profile = self.profile_for(analysis.header_signature)
            if profile and profile.get("mapping") and profile["mapping"] != analysis.mapping:
                # A saved profile that no longer fits this file is ignored: the fresh guess stands.
                with contextlib.suppress(UserError):
                    analysis = analyse_sheet(
                        Path(path),
                        sheet=analysis.sheet,
                        header_row=analysis.header_row,
                        mapping=profile["mapping"],
                        duplicates=duplicates,
                    )
        return analysis

    def preview_rows(self, path: Path, sheet: str, rows: int) -> list[tuple[str, ...]]:
        """The sheet's first rows as its cells show them (the reader's parsing, no analysis), for previews."""
        from workbook.formats.sheets.cells import clean_text, to_text
        from workbook.formats.sheets.grid import open_source
        from workbook.formats.sheets.preflight import preflight

        with open_source(preflight(Path(path))) as source:
            grid = source.read(sheet, max_rows=rows)
        return [
            tuple(clean_text(to_text(v)) if v is not None else "" for v in row) for row in grid.rows[:rows]
        ]

    def profile_for(self, signature: str) -> dict[str, Any] | None:
        """A confirmed mapping for checklists with these headers: this workbook's first, then the user's."""
        with self._db.read() as session:
            row = session.scalar(
                select(ImportRow).where(ImportRow.header_signature == signature).order_by(ImportRow.id.desc())
            )
            if row is not None:
                return {
                    "mapping": dict(row.mapping),
                    "source": "workbook",
                    "file_name": row.file_name,
                    "confirmed_at": row.imported_at.isoformat(timespec="seconds"),
                }
        profile = load_profiles(self._profiles_path).get(signature)
        return dict(profile, source="user") if isinstance(profile, dict) else None

    def plan(self, analysis: ChecklistAnalysis) -> list[RequestDiff]:
        """What importing `analysis` would change in this workbook (nothing is written)."""
        with self._db.read() as session:
            existing = list(session.scalars(select(RequestRow)))
            return diff_rows(existing, analysis.rows)

    def last_import(self) -> dict[str, Any] | None:
        with self._db.read() as session:
            row = session.scalar(select(ImportRow).order_by(ImportRow.id.desc()))
            if row is None:
                return None
            return {
                "file_name": row.file_name,
                "sheet": row.sheet,
                "header_row": row.header_row,
                "mapping": dict(row.mapping),
                "imported_at": row.imported_at,
                "sha256": row.sha256,
            }

    def original_checklist(self) -> OriginalChecklist | None:
        """The latest import's file and where its answers go."""
        with self._db.read() as session:
            row = session.scalar(select(ImportRow).order_by(ImportRow.id.desc()))
            if row is None:
                return None
            headers = row.summary.get("headers") if isinstance(row.summary, dict) else None
            return OriginalChecklist(
                file_name=row.file_name,
                data=row.data,
                sheet=row.sheet,
                header_row=row.header_row,
                mapping=dict(row.mapping),
                vocabulary=dict(row.status_vocabulary),
                headers=tuple(str(h) for h in headers) if isinstance(headers, list) else (),
            )

    def import_checklist(
        self,
        path: Path,
        *,
        sheet: str | None = None,
        header_row: int | None = None,
        mapping: Mapping[str, str] | None = None,
        duplicates: Literal["merge", "suffix"] = "merge",
        dry_run: bool = False,
        remember: bool = True,
        analysis: ChecklistAnalysis | None = None,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> ImportSummary:
        """Analyse (unless given) and apply in one transaction; a dry run computes the same summary only."""
        cancel = cancel or CancelToken()
        path = Path(path)
        if analysis is None:
            analysis = self.analyse(
                path, sheet=sheet, header_row=header_row, mapping=mapping, duplicates=duplicates
            )
        cancel.raise_if_cancelled()
        progress(1, 4)
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        vocabulary = {word: status.value for word, status in analysis.status_vocabulary.items()}
        if dry_run:
            diffs = self.plan(analysis)
            return self._summary(analysis, path.name, digest, diffs, vocabulary, dry_run=True)
        with self._db.write() as session:
            existing = list(session.scalars(select(RequestRow)))
            diffs = diff_rows(existing, analysis.rows)
            cancel.raise_if_cancelled()
            progress(2, 4)
            self._apply(session, existing, analysis, diffs, cancel)
            progress(3, 4)
            summary = self._summary(
                analysis, path.name, digest, diffs, vocabulary, dry_run=False, items=self._live_count(session)
            )
            session.add(
                ImportRow(
                    file_name=path.name,
                    sha256=digest,
                    size=len(data),
                    data=data,
                    sheet=analysis.sheet,
                    header_row=analysis.header_row,
                    mapping=dict(analysis.mapping),
                    status_vocabulary=vocabulary,
                    header_signature=analysis.header_signature,
                    summary={**summary.as_json(), "headers": [c.header for c in analysis.columns]},
                    imported_by=self._actor.name,
                    imported_at=dt.datetime.now(dt.UTC),
                )
            )
            record(
                session,
                self._actor,
                "checklist.import",
                target=path.name,
                after=f"{summary.added} added, {summary.updated} changed, {summary.removed} removed",
                detail={
                    "file": path.name,
                    "size": len(data),
                    "sha256": digest,
                    "sheet": analysis.sheet,
                    "header_row": analysis.header_row,
                    "mapping": dict(analysis.mapping),
                    "diff": summary.as_json()["diff"],
                    "skipped": summary.skipped,
                },
            )
            cancel.raise_if_cancelled()
        if remember:
            try:
                save_profile(
                    analysis.header_signature,
                    {
                        "mapping": dict(analysis.mapping),
                        "sheet": analysis.sheet,
                        "file_name": path.name,
                        "confirmed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    },
                    self._profiles_path,
                )
            except OSError as exc:
                # The import is committed; a profile store that cannot be written only loses the shortcut.
                summary = replace(summary, problems=(*summary.problems, f"mapping not remembered: {exc}"))
        progress(4, 4)
        return summary

    def _live_count(self, session: Session) -> int:
        return len(list(session.scalars(select(RequestRow.id).where(RequestRow.archived.is_(False)))))

    def _summary(
        self,
        analysis: ChecklistAnalysis,
        file_name: str,
        digest: str,
        diffs: Sequence[RequestDiff],
        vocabulary: dict[str, str],
        *,
        dry_run: bool,
        items: int | None = None,
    ) -> ImportSummary:
        counts = {
            kind: sum(1 for d in diffs if d.kind == kind)
            for kind in ("added", "changed", "restored", "unchanged", "removed")
        }
        if items is None:
            items = len(analysis.rows)
        return ImportSummary(
            file_name=file_name,
            sha256=digest,
            sheet=analysis.sheet,
            header_row=analysis.header_row,
            mapping=dict(analysis.mapping),
            added=counts["added"],
            updated=counts["changed"] + counts["restored"],
            unchanged=counts["unchanged"],
            removed=counts["removed"],
            skipped=len(analysis.skipped),
            items=items,
            generated_refs=analysis.generated_refs,
            dry_run=dry_run,
            diff=tuple(d for d in diffs if d.kind != "unchanged"),
            problems=tuple(
                p.message if not p.where else f"{p.where}: {p.message}" for p in analysis.problems
            ),
            status_vocabulary=vocabulary,
        )

    def _apply(
        self,
        session: Session,
        existing: Sequence[RequestRow],
        analysis: ChecklistAnalysis,
        diffs: Sequence[RequestDiff],
        cancel: CancelToken,
    ) -> None:
        now = dt.datetime.now(dt.UTC)
        by_ref = {row.ref: row for row in existing}
        incoming = {row.ref: row for row in analysis.rows}
        order_of = {row.ref: index for index, row in enumerate(analysis.rows)}
        new_rows: list[dict[str, Any]] = []
        owner_ids: dict[str, int | None] = {}
        # Renumbered requests may take each other's refs: park them on unique names first (refs are unique).
        renumbered = [by_ref[diff.previous_ref] for diff in diffs if diff.previous_ref]
        for row in renumbered:
            row.ref = f"\x00renumbering {row.id}"
        if renumbered:
            session.flush()
        for done, diff in enumerate(diffs):
            if done % 500 == 0:
                cancel.raise_if_cancelled()
            if diff.kind == "removed":
                old = by_ref[diff.ref]
                old.archived = True
                old.updated_at = now
                record(
                    session,
                    self._actor,
                    "request.archive",
                    diff.ref,
                    before="in checklist",
                    after="removed from checklist",
                )
                continue
            src = incoming[diff.ref]
            order = order_of[src.ref]
            if diff.kind == "added":
                owner_id = None
                if src.owner:
                    if src.owner not in owner_ids:
                        person = person_for(session, self._actor, src.owner)
                        owner_ids[src.owner] = person.id if person else None
                    owner_id = owner_ids[src.owner]
                new_rows.append(
                    {
                        "ref": src.ref,
                        "title": src.title,
                        "request_text": src.request,
                        "criteria": list(src.criteria),
                        "section": src.section,
                        "owner_id": owner_id,
                        "status": (src.status or Status.OPEN).value,
                        "due": src.due,
                        "priority": src.priority,
                        "notes": "",
                        "auditor_comment": src.comment,
                        "extra": dict(src.extra),
                        "source_sheet": analysis.sheet,
                        "source_row": src.source_row,
                        "position": order,
                        "archived": False,
                        "recheck_evidence": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                if len(new_rows) >= INSERT_BATCH:
                    # Bounded memory on 100k-row lists: a batch of dicts at a time, same transaction.
                    session.execute(insert(RequestRow), new_rows)
                    new_rows.clear()
                if existing:
                    record(session, self._actor, "request.add", diff.ref, after=src.title or src.request[:80])
                continue
            row = by_ref[diff.previous_ref or diff.ref]
            row.source_row, row.source_sheet, row.position = src.source_row, analysis.sheet, order
            if diff.kind == "unchanged":
                continue
            row.ref = src.ref
            row.title, row.request_text, row.criteria = src.title, src.request, list(src.criteria)
            row.section, row.priority, row.auditor_comment = src.section, src.priority, src.comment
            row.extra = dict(src.extra)
            row.archived = False
            row.recheck_evidence = row.recheck_evidence or diff.recheck_evidence
            row.updated_at = now
            if diff.kind == "restored":
                record(
                    session,
                    self._actor,
                    "request.restore",
                    src.ref,
                    before="removed from checklist",
                    after="back in the checklist",
                )
            for change in diff.fields:
                record(
                    session,
                    self._actor,
                    "request.reimport",
                    src.ref,
                    change.field,
                    change.before,
                    change.after,
                )
        if new_rows:
            session.execute(insert(RequestRow), new_rows)
            new_rows.clear()


def import_checklist_cli(
    workbook: Workbook,
    checklist: Path,
    *,
    sheet: str | None,
    header_row: int | None,
    mapping: Mapping[str, str],
    dry_run: bool,
    as_json: bool,
) -> int:
    service = ImportService(workbook.db, workbook.actor)
    summary = service.import_checklist(
        checklist, sheet=sheet, header_row=header_row, mapping=mapping or None, dry_run=dry_run
    )
    if as_json:
        print(json.dumps(summary.as_json(), ensure_ascii=False, indent=2))
        return 0
    verb = "would import" if dry_run else "imported"
    print(f"{verb} {checklist.name}: sheet {summary.sheet!r}, header row {summary.header_row}")
    print("mapping: " + ", ".join(f"{k} ← {v!r}" for k, v in summary.mapping.items()))
    print(
        f"{summary.added} added, {summary.updated} changed, {summary.unchanged} unchanged, "
        f"{summary.removed} removed, {summary.skipped} rows skipped; {summary.items} requests"
    )
    if summary.generated_refs:
        print("note: the checklist has no ref column; refs were made from sheet and row")
    for d in summary.diff:
        if d.kind == "changed":
            extra = " (re-check evidence: the request wording changed)" if d.recheck_evidence else ""
            print(f"  changed {d.ref}: {', '.join(f.field for f in d.fields)}{extra}")
        else:
            print(f"  {d.kind} {d.ref}")
    for problem in summary.problems:
        print(f"  problem: {problem}")
    return 0
