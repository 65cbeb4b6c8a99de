"""Export what the auditor needs: the PDF package, the BagIt zip and the filled-in checklist; each logged."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from workbook.atomic import StagingFolder, sweep_stale_staging
from workbook.errors import StorageError, UserError
from workbook.jobs import CancelToken, Progress, no_progress
from workbook.model import (
    Engagement,
    Evidence,
    ExportOptions,
    ExportOutput,
    ExportResult,
    Request,
    RequestFilter,
    SampleGrid,
    Status,
)
from workbook.services.answers import answered_name, writeback_input
from workbook.services.evidence import evidence_flags
from workbook.services.importing import ImportService, OriginalChecklist

if TYPE_CHECKING:
    from workbook.formats.package.inputs import PackageEvidence, PackageInput, PackageSamples
    from workbook.services.workbook import Workbook


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _completed(workbook: Workbook, ref: str) -> dt.date | None:
    """When the request last became ready (from its history)."""
    for entry in workbook.activity.list(target=ref):
        if entry.field == "status":
            try:
                return entry.at.date() if Status(entry.after).is_ready else None
            except ValueError:
                return None
    return None


class ExportService:
    def __init__(self, workbook: Workbook) -> None:
        self._workbook = workbook

    def package_input(self, options: ExportOptions, today: dt.date | None = None) -> PackageInput:
        """Gather everything the writers need from the services (no storage rows cross this line).

        Files marked never export are left out here, once, so that no writer can put them in: the package
        only counts them.
        """
        from workbook.formats.package.inputs import PackageComment, PackageInput, PackageRequest

        wb = self._workbook
        today = today or dt.date.today()
        engagement = wb.engagement()
        requests = wb.requests.list(
            RequestFilter(
                statuses=options.statuses,
                sections=options.sections,
                owners=options.owners,
                refs=options.refs,
                today=today,
            )
        )
        if not requests:
            raise UserError("no request matches the export's scope", hint="widen the filters")
        original = ImportService(wb.db, wb.actor).original_checklist()
        vocabulary = self._auditor_words(original)
        grids = {g.ref: g for g in wb.samples.grids() if g.samples}
        # Sample files carry only a name and a hash: each one's dates and provenance are read once.
        catalogue: dict[str, Evidence] = {}
        withheld: set[str] = set()
        packaged = []
        answered = []
        for request in requests:
            links = wb.evidence.for_request(request.ref)
            kept = [link for link in links if not link.evidence.never_export]
            withheld.update(link.evidence.sha256 for link in links if link.evidence.never_export)
            grid = grids.get(request.ref)
            samples = None if grid is None else self._samples(grid, catalogue, engagement, today, withheld)
            packaged.append(
                PackageRequest(
                    ref=request.ref,
                    title=request.headline,
                    request=request.request,
                    criteria=request.criteria,
                    section=request.section,
                    owner=request.owner,
                    status=request.status,
                    due=request.due,
                    completed=_completed(wb, request.ref) if request.status.is_ready else None,
                    notes=request.notes,
                    auditor_comment=request.auditor_comment,
                    comments=tuple(
                        PackageComment(c.author, c.created_at, c.body)
                        for c in wb.requests.comments(request.ref)
                    ),
                    extra=request.extra,
                    evidence=tuple(self._evidence(link.evidence, link.flags) for link in kept),
                    overdue=request.is_overdue(today),
                    status_label=vocabulary.get(request.status, ""),
                    samples=samples,
                    withheld=len(links) - len(kept),
                )
            )
            answered.append(_answered(request, [link.evidence.name for link in kept], grid))
        stamp = dt.datetime.now(dt.UTC)
        return PackageInput(
            client=engagement.client,
            framework=engagement.framework,
            period_start=engagement.period_start,
            period_end=engagement.period_end,
            auditor=engagement.auditor,
            prepared_by=wb.actor.name,
            generated_at=stamp,
            final=options.final,
            package_id=f"AWB-{stamp:%Y%m%d-%H%M%S}-{secrets.token_hex(3).upper()}",
            activity_head=wb.activity.head(),
            requests=tuple(packaged),
            page_size=options.page_size,
            checklist=writeback_input(original, answered, vocabulary) if original is not None else None,
            scope=options.scope,
            withheld=len(withheld),
        )

    def _evidence(self, evidence: Evidence, flags: tuple[str, ...]) -> PackageEvidence:
        from workbook.formats.package.inputs import PackageEvidence

        return PackageEvidence(
            name=evidence.name,
            media_type=evidence.media_type,
            size=evidence.size,
            sha256=evidence.sha256,
            effective_date=evidence.effective_date,
            added_by=evidence.added_by,
            added_at=evidence.added_at,
            open=self._opener(evidence.sha256),
            description=evidence.description,
            source_system=evidence.source_system,
            shows=evidence.shows,
            population=evidence.population,
            period_covered=evidence.period_covered,
            flags=flags,
        )

    def _samples(
        self,
        grid: SampleGrid,
        catalogue: dict[str, Evidence],
        engagement: Engagement,
        today: dt.date,
        withheld: set[str],
    ) -> PackageSamples:
        """A request's samples with their files (never-export ones counted into `withheld`, not kept)."""
        from workbook.formats.package.inputs import PackageSample, PackageSampleFile, PackageSamples

        samples = []
        for sample in grid.samples:
            files = []
            for sf in sample.files:
                if sf.never_export:
                    withheld.add(sf.sha256)
                    continue
                if sf.sha256 not in catalogue:
                    catalogue[sf.sha256] = self._workbook.evidence.get(sf.sha256)
                evidence = catalogue[sf.sha256]
                flags = evidence_flags(evidence, engagement, today)
                files.append(PackageSampleFile(sf.requirement, self._evidence(evidence, flags)))
            samples.append(
                PackageSample(
                    code=sample.code,
                    label=sample.label,
                    status=sample.status,
                    notes=sample.notes,
                    files=tuple(files),
                    missing=sample.missing(grid.required),
                    withheld=tuple(sf.requirement for sf in sample.files if sf.never_export),
                )
            )
        return PackageSamples(grid.required, tuple(samples), grid.summary)

    def _opener(self, sha256: str) -> Callable[[], Iterator[bytes]]:
        return lambda: self._workbook.evidence.open_chunks(sha256)

    def _auditor_words(self, original: OriginalChecklist | None) -> dict[Status, str]:
        """Our status → the checklist's own word for it (first one the auditor's list maps onto it)."""
        words: dict[Status, str] = {}
        if original is not None:
            for word, status in original.vocabulary.items():
                words.setdefault(Status(status), word)
        return words

    def export(
        self, options: ExportOptions, *, progress: Progress = no_progress, cancel: CancelToken | None = None
    ) -> ExportResult:
        """Write every output under a temporary name, then put them all in place together and log them.

        A failure or a cancel leaves none of the outputs behind, and nothing logged.
        """
        from workbook.formats.package.assemble import write_pdf_package
        from workbook.formats.package.writeback import write_back
        from workbook.formats.package.zip_bundle import write_zip_bundle

        wanted = {
            kind: Path(dest)
            for kind, dest in (("pdf", options.pdf), ("zip", options.zip), ("xlsx", options.xlsx))
            if dest is not None
        }
        if not wanted:
            raise UserError("nothing to export", hint="ask for --pdf, --zip and/or --xlsx")
        _check_destinations(wanted)
        cancel = cancel or CancelToken()
        pkg = self.package_input(options)
        if "xlsx" in wanted and pkg.checklist is None:
            raise UserError(
                "this workbook has no imported checklist to fill in",
                hint="import the auditor's checklist first",
            )
        problems: list[str] = []
        hashes: dict[str, str] = {}
        steps = 100

        def part(start: int, span: int) -> Progress:
            return lambda done, total: progress(start + (span * done // max(total, 1)), steps)

        for parent in dict.fromkeys(dest.parent for dest in wanted.values()):
            sweep_stale_staging(parent)  # what killed exports left here, never a live export's folder
        folders: dict[Path, StagingFolder] = {}
        try:
            for dest in wanted.values():
                if dest.parent not in folders:
                    folders[dest.parent] = StagingFolder(dest.parent)
            staged = {kind: folders[dest.parent].path / dest.name for kind, dest in wanted.items()}
            work = folders[next(iter(wanted.values())).parent].path
            pdf_path = staged.get("pdf") or (work / f"{pkg.package_id}.pdf" if "zip" in wanted else None)
            if pdf_path is not None:
                result = write_pdf_package(pkg, pdf_path, progress=part(0, 60), cancel=cancel)
                problems.extend(result.problems)
                hashes["pdf"] = result.sha256
            xlsx_path = None
            if pkg.checklist is not None and ("xlsx" in wanted or "zip" in wanted):
                xlsx_path = staged.get("xlsx") or work / answered_name(
                    pkg.checklist.file_name, pkg.checklist.kind
                )
                filled = write_back(pkg.checklist, xlsx_path)
                problems.extend(
                    f"{r.ref}: its {r.field} went to column {r.column} ({r.reason})"
                    for r in filled.redirected
                )
                hashes["xlsx"] = file_sha256(xlsx_path)
            cancel.raise_if_cancelled()
            if "zip" in wanted:
                hashes["zip"] = write_zip_bundle(
                    pkg,
                    staged["zip"],
                    pdf_path=pdf_path,
                    checklist_xlsx_path=xlsx_path,
                    progress=part(60, 40),
                    cancel=cancel,
                )
            cancel.raise_if_cancelled()
            # The intent is logged before anything is published, so that an export killed between the
            # two is found on the next open (`reconcile_interrupted`) and never missing from the log.
            intended = self._log_intent(pkg, {kind: (dest, hashes[kind]) for kind, dest in wanted.items()})
            for kind, dest in wanted.items():
                os.replace(staged[kind], dest)
        except OSError as exc:
            raise StorageError(
                f"could not write the export: {exc.strerror or exc}", where=str(exc.filename or "")
            ) from exc
        finally:
            for folder in folders.values():
                folder.remove()
        outputs = tuple(ExportOutput(kind, dest, hashes[kind]) for kind, dest in wanted.items())
        progress(steps, steps)
        logged = self._log(pkg, outputs) if intended else False
        return ExportResult(
            pkg.package_id,
            pkg.activity_head,
            len(pkg.requests),
            len({ev.sha256 for _, ev in pkg.files()}),
            outputs,
            logged,
            tuple(problems),
        )

    def _log_intent(self, pkg: PackageInput, outputs: Mapping[str, tuple[Path, str]]) -> bool:
        """One `package.intent` entry per output about to be published (False: read-only, nothing logged)."""
        from workbook.services.activity import record

        if self._workbook.read_only:
            return False
        with self._workbook.db.write() as session:
            for kind, (dest, sha256) in outputs.items():
                record(
                    session,
                    self._workbook.actor,
                    "package.intent",
                    target=pkg.package_id,
                    field=kind,
                    after=sha256,
                    detail={"file": dest.name, "path": str(dest), "final": pkg.final},
                )
        return True

    def _log(self, pkg: PackageInput, outputs: Sequence[ExportOutput]) -> bool:
        from workbook.services.activity import record

        if self._workbook.read_only:
            return False
        with self._workbook.db.write() as session:
            for out in outputs:
                record(
                    session,
                    self._workbook.actor,
                    "package.export",
                    target=pkg.package_id,
                    field=out.kind,
                    after=out.sha256,
                    detail={
                        "file": out.path.name,
                        "final": pkg.final,
                        "scope": pkg.scope,
                        "requests": len(pkg.requests),
                        "activity_head": pkg.activity_head,
                    },
                )
        return True


def _answered(request: Request, names: Sequence[str], grid: SampleGrid | None) -> Request:
    """The request as the filled-in checklist answers it: only files that may be exported, and for a sampled
    request the samples' summary ("25/25 samples provided") before every file, each sample's by its id."""
    lines = list(names)
    if grid is not None:
        lines.insert(0, grid.summary)
        lines += [
            f"{sample.code}{f' ({sf.requirement})' if sf.requirement else ''}: {sf.name}"
            for sample in grid.samples
            for sf in sample.files
            if not sf.never_export
        ]
    return dataclasses.replace(request, evidence_names=tuple(lines))


def _check_destinations(wanted: dict[str, Path]) -> None:
    """Refuse before any work: a missing or read-only folder, a folder as a file name, the same file twice."""
    seen: dict[Path, str] = {}
    for kind, dest in wanted.items():
        where = str(dest)
        if dest.is_dir():
            raise UserError(f"the --{kind} destination is a folder", where=where, hint="give a file name")
        if not dest.parent.is_dir():
            raise UserError("the destination folder does not exist", where=str(dest.parent))
        if not os.access(dest.parent, os.W_OK):
            raise UserError("the destination folder is not writable", where=str(dest.parent))
        key = dest.resolve()
        if key in seen:
            raise UserError(f"--{seen[key]} and --{kind} name the same file", where=where)
        seen[key] = kind


def reconcile_interrupted(workbook: Workbook) -> list[str]:
    """Complete the log of exports whose intent was logged but whose outputs were never logged.

    An output found where the intent says, with the SHA-256 it gives, was published before the export was
    stopped: it is logged now (`package.export`, "reconciled"). One not found was never published; the
    intent stays as the record of an export that did not finish. Returns one line per output logged.
    """
    from workbook.services.activity import record

    if workbook.read_only:
        return []
    entries = workbook.activity.of_actions(("package.intent", "package.export"))
    exported = {(e.target, e.field) for e in entries if e.action == "package.export"}
    pending = [e for e in entries if e.action == "package.intent" and (e.target, e.field) not in exported]
    found: list[tuple[str, str, Path, str, dict[str, object]]] = []
    for entry in pending:
        detail = json.loads(entry.detail) if entry.detail else {}
        path = Path(str(detail.get("path") or ""))
        try:
            if path.name and path.is_file() and file_sha256(path) == entry.after:
                found.append((entry.target, entry.field, path, entry.after, detail))
        except OSError:
            continue
    if not found:
        return []
    with workbook.db.write() as session:
        for package_id, kind, path, sha256, detail in found:
            record(
                session,
                workbook.actor,
                "package.export",
                target=package_id,
                field=kind,
                after=sha256,
                detail={"file": path.name, "final": bool(detail.get("final")), "reconciled": True},
            )
    return [
        f"{path} (package {package_id}) was published before its export was stopped: logged now"
        for package_id, _, path, _, _ in found
    ]
