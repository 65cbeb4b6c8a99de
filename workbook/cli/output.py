"""What the commands print: JSON for scripts, lines for people, and a failure as one line on stderr."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from workbook.errors import WorkbookError

if TYPE_CHECKING:
    from workbook.model import (
        ActivityEntry,
        AttachResult,
        ExportResult,
        ImportSummary,
        NextPeriodResult,
        PriorEvidence,
        Request,
        ReuseResult,
        Sample,
        SampleGrid,
        VerifyReport,
    )
    from workbook.services.ingest import IngestPlan, IngestResult
    from workbook.services.selftest import CheckResult

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def say(line: str) -> None:
    """One line for the person at the terminal."""
    print(line)


def print_json(value: object) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def request_json(request: Request, grid: SampleGrid | None = None) -> dict[str, Any]:
    """A request for scripts; a sampled one also has its required items and samples."""
    out: dict[str, Any] = {
        "ref": request.ref,
        "title": request.title,
        "request": request.request,
        "criteria": list(request.criteria),
        "section": request.section,
        "owner": request.owner,
        "status": request.status.value,
        "due": request.due.isoformat() if request.due else None,
        "evidence_count": request.evidence_count,
        "extra": dict(request.extra),
    }
    if grid is not None:
        out["required"] = list(grid.required)
        out["samples"] = [sample_json(s, grid) for s in grid.samples]
    return out


def sample_json(sample: Sample, grid: SampleGrid) -> dict[str, Any]:
    """One sample: what it still misses, and its files (those marked never to be exported left out)."""
    return {
        "id": sample.code,
        "label": sample.label,
        "status": sample.status.value,
        "notes": sample.notes,
        "missing": list(sample.missing(grid.required)),
        "files": [
            {"name": f.name, "sha256": f.sha256, "requirement": f.requirement}
            for f in sample.files
            if not f.never_export
        ],
    }


def print_requests(
    requests: Sequence[Request], *, as_json: bool, grids: Mapping[str, SampleGrid] | None = None
) -> None:
    grids = grids or {}
    if as_json:
        print_json([request_json(r, grids.get(r.ref)) for r in requests])
        return
    for r in requests:
        due = r.due.isoformat() if r.due else "-"
        owner = r.owner or "-"
        print(f"{r.ref:<14} {r.status.label:<18} {owner:<18} {due:<10} {r.evidence_count:>3}  {r.title}")
    print(f"{len(requests)} requests")


def print_attached(results: Sequence[AttachResult], *, sample: str = "", requirement: str = "") -> None:
    given = f" sample {sample}" if sample else ""
    given += f" ({requirement})" if requirement else ""
    for r in results:
        state = (
            "already linked"
            if r.already_linked
            else ("stored" if r.stored_new_bytes else "linked (same bytes)")
        )
        size = f"{r.evidence.size:,} bytes"
        print(f"{r.ref}{given}: {r.evidence.name} {size} sha256 {r.evidence.sha256} — {state}")


def print_ingest(plan: IngestPlan, result: IngestResult | None, *, as_json: bool) -> None:
    from workbook.services.ingest import describe, plan_json

    if as_json:
        print_json(plan_json(plan, result))
    else:
        print("\n".join(describe(plan, result)))


def print_sample_grid(grid: SampleGrid, *, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "ref": grid.ref,
                "required": list(grid.required),
                "summary": grid.summary,
                "samples": [sample_json(s, grid) for s in grid.samples],
            }
        )
        return
    required = "; ".join(grid.required) or "one file of any kind"
    print(f"{grid.ref}: {grid.summary or 'no samples'}; each sample needs: {required}")
    code_width = max((len(s.code) for s in grid.samples), default=0)
    label_width = min(max((len(s.label) for s in grid.samples), default=0), 40)
    for sample in grid.samples:
        missing = sample.missing(grid.required)
        needs = f"missing: {', '.join(missing)}" if missing else "complete"
        label = sample.label if len(sample.label) <= 40 else sample.label[:39] + "…"
        print(f"  {sample.code:<{code_width}}  {label:<{label_width}}  {sample.status.label:<18} {needs}")
        for item in grid.columns:
            for f in grid.cell(sample, item):
                never = "  (never exported)" if f.never_export else ""
                print(f"      {item}: {f.name}  sha256 {f.sha256[:12]}…{never}")
        if sample.notes:
            print(f"      notes: {' '.join(sample.notes.split())}")


def print_samples_added(grid: SampleGrid, added: int, given: int, skipped: Sequence[str]) -> None:
    for line in skipped:
        print(f"left out: {line}", file=sys.stderr)
    already = given - added
    also = f" ({already} already there)" if already else ""
    print(f"{grid.ref}: added {_count(added, 'sample')}{also}; {grid.summary or 'no samples'}")


def print_next_period(result: NextPeriodResult, *, as_json: bool) -> None:
    start = result.period_start.isoformat() if result.period_start else None
    end = result.period_end.isoformat() if result.period_end else None
    if as_json:
        print_json(
            {
                "path": str(result.path),
                "source": str(result.source),
                "source_head": result.source_head,
                "period": {"start": start, "end": end},
                "requests": result.requests,
                "people": result.people,
                "evidence_files": result.evidence_files,
                "evidence_bytes": result.evidence_bytes,
                "prior_links": result.prior_links,
                "sample_plans": result.sample_plans,
            }
        )
        return
    print(f"created {result.path} for {start or '…'}..{end or '…'} from {result.source.name}")
    print(
        f"carried {_count(result.requests, 'request')} (status open, due dates and notes cleared), "
        f"{_count(result.people, 'person', 'people')} and what the samples of "
        f"{_count(result.sample_plans, 'request')} must provide (the new selection is added anew)"
    )
    print(
        f"last period's {_count(result.evidence_files, 'evidence file')} ({result.evidence_bytes:,} bytes) "
        f"are shown beside the requests as {_count(result.prior_links, 'prior-period file')}, not as this "
        "period's evidence: reuse one with `audit-workbook reuse FILE REF SHA256`"
    )
    print(f"the old workbook's log head: {result.source_head}")


def _count(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def print_prior(ref: str, prior: Sequence[PriorEvidence], *, as_json: bool) -> None:
    if as_json:
        print_json(
            [
                {
                    "name": p.evidence.name,
                    "sha256": p.evidence.sha256,
                    "size": p.evidence.size,
                    "effective": p.evidence.effective_date.isoformat() if p.evidence.effective_date else None,
                    "period": p.period,
                    "prior_ref": p.prior_ref,
                    "sample": p.sample,
                    "reused": p.reused,
                }
                for p in prior
            ]
        )
        return
    for p in prior:
        sample = f" sample {p.sample}" if p.sample else ""
        reused = "  (reused for this period)" if p.reused else ""
        size = f"{p.evidence.size:,} bytes"
        print(f"{p.evidence.sha256[:12]}  {p.evidence.name}  {size}  {p.period}{sample}{reused}")
    print(f"{ref}: {_count(len(prior), 'prior-period file')}")


def print_reuse(result: ReuseResult) -> None:
    from workbook.model import flag_label

    state = "already current evidence" if result.already else "reused as this period's evidence"
    print(f"{result.ref}: {result.evidence.name} sha256 {result.evidence.sha256} — {state}")
    for flag in result.flags:
        print(f"check this: {flag_label(flag)}")


def print_verify(report: VerifyReport) -> None:
    for problem in report.problems:
        print(f"{'DAMAGED' if problem.kind == 'damage' else 'ALTERED'} {problem.where}: {problem.message}")
    for gap in report.not_covered:
        print(f"NOT CHECKED {gap}")
    print(
        f"checked {report.evidence_checked} evidence files and {report.activity_checked} activity entries; "
        f"log head {report.head}"
    )
    print("intact" if report.ok else f"{len(report.problems)} problem(s) found")


def activity_json(entry: ActivityEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "login": entry.login,
        "action": entry.action,
        "target": entry.target,
        "field": entry.field,
        "before": entry.before,
        "after": entry.after,
        "detail": json.loads(entry.detail) if entry.detail else None,
        "hash": entry.hash,
    }


def print_activity(entries: Sequence[ActivityEntry], *, as_json: bool) -> None:
    if as_json:
        print_json([activity_json(e) for e in entries])
        return
    from workbook.activity_words import entry_words

    # One line per entry (its number is what verify names), in the words the app's activity log uses;
    # --json keeps the codes and raw values.
    for e in entries:
        print(f"#{e.id:<5} {e.at:%Y-%m-%d %H:%M:%S} UTC  {entry_words(e)}  ({e.login}; {e.action})")


def print_import(summary: ImportSummary, name: str, *, as_json: bool) -> None:
    if as_json:
        print_json(summary.as_json())
        return
    verb = "would import" if summary.dry_run else "imported"
    sheets = ", ".join(repr(s) for s in summary.sheets) if len(summary.sheets) > 1 else repr(summary.sheet)
    print(f"{verb} {name}: sheet {sheets}, header row {summary.header_row}")
    print("mapping: " + ", ".join(f"{k} ← {v!r}" for k, v in summary.mapping.items()))
    if summary.answer_columns:
        print("answers go to: " + ", ".join(f"{k} → {v!r}" for k, v in summary.answer_columns.items()))
    print(
        f"{summary.added} added, {summary.updated} changed, {summary.unchanged} unchanged, "
        f"{summary.removed} removed; {summary.items} requests"
    )
    print(
        f"rows below the header: {summary.non_empty_rows} with content = {summary.imported_rows} imported + "
        f"{len(summary.merged_rows)} merged + {len(summary.skipped_rows)} left out"
    )
    for warning in summary.warnings:
        print(f"warning: check this: {warning}", file=sys.stderr)
    for d in summary.diff:
        if d.kind == "changed":
            extra = " (re-check evidence: the request wording changed)" if d.recheck_evidence else ""
            print(f"  changed {d.ref}: {', '.join(f.field for f in d.fields)}{extra}")
        else:
            print(f"  {d.kind} {d.ref}")
    for row in summary.skipped_rows:
        print(f"  left out: {row.sheet}, row {row.row}: {row.reason} — {row.text}")
    for merged in summary.merged_rows:
        print(f"  merged: {merged.sheet}, row {merged.row} into {merged.into}: {merged.reason}")
    for problem in summary.problems:
        print(f"  problem: {problem}")
    if summary.skipped_rows:
        print("  (bring a row back in with --include-row N)")


def print_export(result: ExportResult) -> None:
    print(
        f"package {result.package_id}: {result.requests} requests, {result.evidence} evidence files; "
        f"activity log head {result.activity_head}"
    )
    for out in result.outputs:
        print(f"{out.kind}: {out.path}  sha256 {out.sha256}")
    for problem in result.problems:
        print(f"note: {problem}")
    if not result.logged:
        print("note: the workbook is open elsewhere (read-only here), so this export was not logged")


def print_check(result: CheckResult) -> None:
    print(f"{'ok' if result.ok else 'FAIL':<5} {result.name}: {result.detail}")


def print_self_test_verdict(failed: int) -> None:
    print("self-test passed" if not failed else f"self-test failed: {failed} check(s)", file=sys.stderr)


def run_command(command: Callable[[], int]) -> int:
    """The command's exit status; a failure a person can act on ends it with one line on stderr."""
    try:
        return command()
    except WorkbookError as exc:
        print(f"audit-workbook: {exc.one_line()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader stopped reading (`… | head`): end quietly, as shell tools do, without a second error
        # when Python flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + 13
    except OSError as exc:
        # The disk or the operating system refused (a folder where a file was expected, no permission...).
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"audit-workbook: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("audit-workbook: interrupted, nothing half-written was kept", file=sys.stderr)
        return 130
