"""Import and re-import the auditor's checklist: preview for the wizard, diff, apply in one transaction."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from workbook.errors import UserError
from workbook.jobs import CancelToken, Progress, no_progress
from workbook.model import (
    FIELDS,
    Actor,
    ImportSummary,
    MergedRowInfo,
    RequestDiff,
    SkippedRowInfo,
    Status,
)
from workbook.services import backups
from workbook.services.activity import record
from workbook.services.import_diff import diff_rows, plan_diff
from workbook.services.import_profiles import confirmed_mapping, load_profiles, profile_words, save_profile
from workbook.services.people import person_for
from workbook.storage.database import Database
from workbook.storage.schema import ImportRow, RequestRow

if TYPE_CHECKING:
    from workbook.formats.checklist.reader import ChecklistAnalysis, ChecklistInfo

INSERT_BATCH = 2000


@dataclass(frozen=True)
class ImportPreview:
    """Everything the import wizard shows, in one call: the reading, raw rows, the plan, a saved profile."""

    analysis: ChecklistAnalysis
    rows: tuple[tuple[str, ...], ...]
    plan: tuple[RequestDiff, ...]
    profile: dict[str, Any] | None
    profile_applied: bool
    profile_words: str
    same_list: tuple[str, ...]

    @property
    def doubtful(self) -> tuple[str, ...]:
        """The decisions below the confidence threshold, in plain words."""
        return tuple(f"{d.subject}: {d.reason}" for d in self.analysis.decisions if d.doubtful)


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
    # Per sheet: header row, each answer column (1-based) and its dropdown, as confirmed at import.
    layouts: tuple[dict[str, Any], ...] = ()
    # (sheet, row) -> {answer field: the cell's text at import}; write-back changes only what differs.
    at_import: dict[tuple[str, int], dict[str, str]] = field(default_factory=dict)
    kind: str = ""


def _stage(progress: Progress, stage: int, stages: int) -> Progress:
    """Progress within one stage of a job counted in `stages` equal stages (stage 1 is the second)."""

    def report(done: int, total: int) -> None:
        if total > 0:
            progress(stage * total + done, stages * total)

    return report


def _with_note(summary: ImportSummary, note: str) -> ImportSummary:
    return replace(summary, problems=(*summary.problems, note)) if note else summary


def _reasons(analysis: ChecklistAnalysis) -> str:
    counts: dict[str, int] = {}
    for row in analysis.skipped:
        counts[row.kind or row.reason] = counts.get(row.kind or row.reason, 0) + 1
    words = {
        "repeated_header": "repeated headers",
        "section": "section headings",
        "note": "notes",
        "example": "examples",
        "no_request": "rows with no request text",
    }
    return ", ".join(f"{n} {words.get(kind, kind)}" for kind, n in counts.items()) or "none"


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
        sheet: str | Sequence[str] | None = None,
        header_row: int | None = None,
        mapping: Mapping[str, str] | None = None,
        duplicates: Literal["merge", "suffix"] | None = None,
        include_rows: Sequence[int] = (),
    ) -> ChecklistAnalysis:
        """The guess a wizard shows: sheet(s), header row, mapping (a saved profile wins), rows, problems."""
        from workbook.formats.checklist.reader import analyse_sheet

        analysis = analyse_sheet(
            Path(path),
            sheet=sheet,
            header_row=header_row,
            mapping=mapping,
            duplicates=duplicates,
            include_rows=include_rows,
        )
        if mapping is None:
            profile = self.profile_for(analysis.header_signature)
            if profile and profile.get("mapping") and profile["mapping"] != analysis.mapping:
                # A saved profile that no longer fits this file is ignored: the fresh guess stands.
                with contextlib.suppress(UserError):
                    analysis = analyse_sheet(
                        Path(path),
                        sheet=analysis.sheets_used or analysis.sheet,
                        header_row=analysis.header_row,
                        mapping=confirmed_mapping(profile["mapping"]),
                        duplicates=duplicates,
                        include_rows=include_rows,
                    )
        return analysis

    def preview(
        self,
        path: Path,
        *,
        sheet: str | Sequence[str] | None = None,
        header_row: int | None = None,
        mapping: Mapping[str, str] | None = None,
        duplicates: Literal["merge", "suffix"] | None = None,
        include_rows: Sequence[int] = (),
        preview_rows: int = 60,
    ) -> ImportPreview:
        """Everything the import wizard shows for one set of choices, in one call (nothing is written)."""
        analysis = self.analyse(
            path,
            sheet=sheet,
            header_row=header_row,
            mapping=mapping,
            duplicates=duplicates,
            include_rows=include_rows,
        )
        rows = self.preview_rows(path, analysis.sheet, max(preview_rows, analysis.header_row + 20))
        profile = self.profile_for(analysis.header_signature) if mapping is None else None
        applied = profile is not None and confirmed_mapping(profile.get("mapping") or {}) == {
            **confirmed_mapping({}),
            **{k: v for k, v in analysis.mapping.items() if k in FIELDS},
        }
        words = profile_words(profile, self.last_import()) if applied else ""
        same = analysis.sheets_used
        if len(analysis.sheets) > 1:
            from workbook.formats.checklist.reader import ChecklistInfo

            info = ChecklistInfo(analysis.file_name, 0, analysis.sha256, analysis.kind, analysis.sheets)
            same = info.same_list_as(analysis.sheet)
        return ImportPreview(
            analysis=analysis,
            rows=tuple(rows),
            plan=tuple(self.plan(analysis)),
            profile=profile,
            profile_applied=applied,
            profile_words=words,
            same_list=same,
        )

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
            summary = row.summary if isinstance(row.summary, dict) else {}
            headers = summary.get("headers")
            layouts = summary.get("layouts")
            at_import: dict[tuple[str, int], dict[str, str]] = {}
            for item in summary.get("at_import") or ():
                if isinstance(item, list) and len(item) == 7:
                    sheet, number, *values = item
                    at_import[(str(sheet), int(number))] = dict(
                        zip(("status", "owner", "due", "response", "evidence"), map(str, values), strict=True)
                    )
            return OriginalChecklist(
                file_name=row.file_name,
                data=row.data,
                sheet=row.sheet,
                header_row=row.header_row,
                mapping=dict(row.mapping),
                vocabulary=dict(row.status_vocabulary),
                headers=tuple(str(h) for h in headers) if isinstance(headers, list) else (),
                layouts=tuple(x for x in layouts if isinstance(x, dict)) if isinstance(layouts, list) else (),
                at_import=at_import,
                kind=str(summary.get("kind") or ""),
            )

    def import_checklist(
        self,
        path: Path,
        *,
        sheet: str | Sequence[str] | None = None,
        header_row: int | None = None,
        mapping: Mapping[str, str] | None = None,
        duplicates: Literal["merge", "suffix"] | None = None,
        include_rows: Sequence[int] = (),
        dry_run: bool = False,
        remember: bool = True,
        backup_first: bool = True,
        analysis: ChecklistAnalysis | None = None,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> ImportSummary:
        """Analyse (unless given) and apply in one transaction; a dry run computes the same summary only.

        A re-import into a workbook that has requests first takes an automatic backup (`backup_first`).
        """
        cancel = cancel or CancelToken()
        path = Path(path)
        own_analysis = analysis is None
        if analysis is None:
            analysis = self.analyse(
                path,
                sheet=sheet,
                header_row=header_row,
                mapping=mapping,
                duplicates=duplicates,
                include_rows=include_rows,
            )
        if not analysis.rows:
            left = len(analysis.skipped)
            raise UserError(
                f"No requests to import: all {left} row{'s' if left != 1 else ''} below the header were "
                "left out "
                f"({_reasons(analysis)}).",
                where=f"{analysis.file_name}, sheet {analysis.sheet!r}",
                hint="Bring rows back in (--include-row N, or the wizard's problems step), or choose another "
                "sheet or header row.",
            )
        cancel.raise_if_cancelled()
        progress(1, 4)
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        vocabulary = {word: status.value for word, status in analysis.status_vocabulary.items()}
        pairing = _stage(progress, 1, 4)
        if dry_run:
            with self._db.read() as session:
                existing = list(session.scalars(select(RequestRow)))
                diffs, note = plan_diff(existing, analysis.rows, pairing, cancel)
            summary = self._summary(analysis, path.name, digest, diffs, vocabulary, dry_run=True)
            return _with_note(summary, note)
        if backup_first and self._has_requests():
            # A re-import changes many requests at once: the state before it is kept, beside the workbook.
            backups.before_import(self._db, self._db.real_path)
        with self._db.write() as session:
            existing = list(session.scalars(select(RequestRow)))
            diffs, note = plan_diff(existing, analysis.rows, pairing, cancel)
            cancel.raise_if_cancelled()
            progress(2, 4)
            self._apply(session, existing, analysis, diffs, cancel)
            progress(3, 4)
            summary = self._summary(
                analysis, path.name, digest, diffs, vocabulary, dry_run=False, items=self._live_count(session)
            )
            summary = _with_note(summary, note)
            from workbook.services.state_compare import answers_at_import

            stored_summary = {
                **summary.as_json(),
                "headers": [c.header for c in analysis.columns],
                "kind": analysis.kind,
                "layouts": [
                    {
                        "sheet": layout.sheet,
                        "header_row": layout.header_row,
                        "answer_columns": dict(layout.answer_columns),
                        "dropdowns": {k: list(v) for k, v in layout.dropdowns.items()},
                    }
                    for layout in analysis.layouts
                ],
                "at_import": answers_at_import(analysis),
            }
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
                    summary=stored_summary,
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
                    # What verify needs to read the stored checklist again as this import did, and to
                    # vouch for the summary kept beside it.
                    "sheets": summary.as_json()["sheets"],
                    "included_rows": list(analysis.included_rows),
                    "summary_sha256": _digest_as_stored(stored_summary),
                    **({"duplicates": duplicates} if own_analysis else {}),
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

    def _has_requests(self) -> bool:
        with self._db.read() as session:
            return session.scalar(select(RequestRow.id).limit(1)) is not None

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
            sheets=analysis.sheets_used or (analysis.sheet,),
            skipped_rows=tuple(
                SkippedRowInfo(r.sheet or analysis.sheet, r.row, r.reason, r.text) for r in analysis.skipped
            ),
            merged_rows=tuple(
                MergedRowInfo(m.sheet or analysis.sheet, m.row, m.into, m.reason) for m in analysis.merged
            ),
            non_empty_rows=analysis.non_empty_rows,
            imported_rows=sum(len(r.source_rows) for r in analysis.rows) - len(analysis.merged),
            answer_columns=analysis.answer_columns,
            warnings=tuple(f"{d.subject}: {d.reason}" for d in analysis.decisions if d.doubtful),
            needs_review=analysis.needs_review,
            candidates=tuple(
                {"sheet": r.name, "score": r.score, "reason": r.reason, "header_row": r.header_row}
                for r in analysis.sheets
            ),
            included_rows=analysis.included_rows,
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
                        "source_sheet": src.sheet or analysis.sheet,
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
            row.source_row, row.source_sheet, row.position = (
                src.source_row,
                src.sheet or analysis.sheet,
                order,
            )
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


def _digest_as_stored(summary: Mapping[str, Any]) -> str:
    """The digest verify computes (`summary_digest`) of the summary as the workbook will give it back: a JSON
    round trip first, since stored keys become text."""
    from workbook.services.state_compare import summary_digest

    return summary_digest(json.loads(json.dumps(summary, default=str)))
