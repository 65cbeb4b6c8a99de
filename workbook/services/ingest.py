"""Bulk ingest: match files to requests by the ref or criteria code in their names, then attach them.

A file whose name (or folder) holds the id of one of a request's samples (`EMP-0042 background check.pdf`,
`PBC-008/EMP-0042/offer letter.pdf`) is given to that sample, for each required item whose words are in its
name ("background check"). Sample ids match by whole tokens, in any case; a file naming a request's ref and
none of its samples stays a file of the request.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from workbook.errors import UserError
from workbook.jobs import Cancelled, CancelToken, Progress, no_progress
from workbook.storage.database import Database
from workbook.storage.schema import RequestRow, SamplePlanRow, SampleRow
from workbook.storage.values import Row

if TYPE_CHECKING:
    from workbook.model import AttachResult
    from workbook.services.evidence import EvidenceService
    from workbook.services.samples import SampleService

# Letters and digits are separate tokens, so `PBC012`, `pbc_012` and `PBC-012` all read as (pbc, 12).
_TOKEN = re.compile(r"[^\W\d_]+|\d+")
# A required item's words ("background check"): letter runs only.
_WORD = re.compile(r"[^\W\d_]+")
# Files a person never means as evidence: OS litter, Office lock files.
_LITTER = frozenset({".ds_store", "thumbs.db", "desktop.ini", "icon\r"})

Tokens = tuple[str, ...]
# A bulk ingest commits after this many bytes or files (each file still in its own savepoint).
BATCH_BYTES = 64 * 1024**2
BATCH_FILES = 100


def tokens(text: str) -> Tokens:
    """Case-folded letter runs and digit runs without leading zeros; separators dropped."""
    out = []
    for token in _TOKEN.findall(text):
        out.append((token.lstrip("0") or "0") if token[0].isdecimal() else token.casefold())
    return tuple(out)


def sample_tokens(text: str) -> Tokens:
    """A sample id's tokens: like `tokens`, but leading zeros kept (`EMP-0042` is not `EMP-042`)."""
    return tuple(token.casefold() for token in _TOKEN.findall(text))


def _words(text: str) -> Tokens:
    return tuple(word.casefold() for word in _WORD.findall(text))


def _printable(text: str) -> str:
    """A path for display and JSON: undecodable bytes shown as escapes instead of failing."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True)
class MatchOutcome:
    """Refs a name points at without doubt, or the candidates when it could mean several."""

    refs: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    by: str = ""


class _TokenIndex:
    """Finds known token sequences inside a name's tokens, keeping only the longest overlapping spans."""

    def __init__(self) -> None:
        self._by_first: dict[str, list[tuple[Tokens, str]]] = {}

    def add(self, key: Tokens, value: str) -> None:
        if key:
            self._by_first.setdefault(key[0], []).append((key, value))

    def find(self, name: Tokens, *, numeric_at_start: bool) -> list[set[str]]:
        """Values found, grouped by the span they were found at (one set per distinct span)."""
        spans: dict[tuple[int, int], set[str]] = {}
        for start, token in enumerate(name):
            for key, value in self._by_first.get(token, ()):
                end = start + len(key)
                # A ref of digits alone (`3.10`) would match dates and versions anywhere: only at the start.
                if numeric_at_start and start > 0 and all(k[0].isdecimal() for k in key):
                    continue
                if name[start:end] == key:
                    spans.setdefault((start, end), set()).add(value)
        kept = [
            (span, values)
            for span, values in spans.items()
            if not any(o != span and o[0] <= span[0] and span[1] <= o[1] for o in spans)
        ]
        return [values for _span, values in sorted(kept)]


class Matcher:
    """Matches names against a workbook's refs and criteria codes."""

    def __init__(self, requests: Iterable[tuple[str, Sequence[str]]]) -> None:
        self._order: dict[str, int] = {}
        self._refs = _TokenIndex()
        self._criteria = _TokenIndex()
        self._citing: dict[str, list[str]] = {}
        for ref, criteria in requests:
            self._order.setdefault(ref, len(self._order))
            self._refs.add(tokens(ref), ref)
            for code in criteria:
                key = tokens(code)
                # A code needs letters and digits (`CC6.1`): a bare word or number would match anything.
                if not any(k[0].isdecimal() for k in key) or all(k[0].isdecimal() for k in key):
                    continue
                canonical = " ".join(key)
                self._criteria.add(key, canonical)
                citing = self._citing.setdefault(canonical, [])
                if ref not in citing:
                    citing.append(ref)

    def _sorted(self, refs: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(set(refs), key=lambda r: self._order.get(r, 0)))

    def match(self, components: Sequence[str]) -> MatchOutcome:
        """Components nearest first (file name, then its folders); the nearest one naming a ref decides."""
        named = [tokens(c) for c in components]
        for name in named:
            groups = self._refs.find(name, numeric_at_start=True)
            if groups:
                if any(len(g) > 1 for g in groups):
                    return MatchOutcome(candidates=self._sorted(r for g in groups for r in g), by="ref")
                return MatchOutcome(refs=self._sorted(r for g in groups for r in g), by="ref")
        for name in named:
            groups = self._criteria.find(name, numeric_at_start=False)
            if groups:
                refs = self._sorted(r for g in groups for code in g for r in self._citing[code])
                if len(refs) == 1:
                    return MatchOutcome(refs=refs, by="criteria")
                return MatchOutcome(candidates=refs, by="criteria")
        return MatchOutcome()


@dataclass(frozen=True)
class SampleMatch:
    """A file given to one sample of a request, for the required items named in it (none: for the sample)."""

    ref: str
    sample: str
    items: tuple[str, ...] = ()


def _contains(name: Tokens, key: Tokens) -> bool:
    return any(name[i : i + len(key)] == key for i in range(len(name) - len(key) + 1))


def _plural_match(name: Tokens, key: Tokens) -> bool:
    """`key`'s words in a row in `name`, the last one also in its plural (`background checks`)."""
    for i in range(len(name) - len(key) + 1):
        *head, last = name[i : i + len(key)]
        if tuple(head) == key[:-1] and last in (key[-1], key[-1] + "s", key[-1] + "es"):
            return True
    return False


class SampleMatcher:
    """Finds the samples a name points at: sample ids of the requests, and their required items' words."""

    def __init__(
        self, samples: Iterable[tuple[str, str]], required: Iterable[tuple[str, Sequence[str]]] = ()
    ) -> None:
        self._index = _TokenIndex()
        self._any = False
        self._required: dict[str, tuple[tuple[str, Tokens], ...]] = {}
        self._order: dict[str, int] = {}
        for ref, code in samples:
            self._order.setdefault(ref, len(self._order))
            self._index.add(sample_tokens(code), f"{ref}\x00{code}")
            self._any = True
        for ref, items in required:
            self._required[ref] = tuple((item, _words(item)) for item in items if _words(item))

    def __bool__(self) -> bool:
        return self._any

    def items_in(self, ref: str, components: Sequence[str]) -> tuple[str, ...]:
        """The request's required items whose words are in the nearest name that names any of them."""
        items = self._required.get(ref, ())
        for component in components:
            name = _words(component)
            found = [(item, key) for item, key in items if _plural_match(name, key)]
            if found:
                # "background check" and "check" both found: the longer one is meant.
                return tuple(
                    item
                    for item, key in found
                    if not any(other != key and _contains(other, key) for _i, other in found)
                )
        return ()

    def find(self, components: Sequence[str], refs: Sequence[str] | None) -> list[SampleMatch]:
        """Samples named in the components (nearest first decides), of `refs` only when given.

        A sample id of digits alone (a ticket number) counts only when its request's ref is named too.
        """
        for component in components:
            found: dict[tuple[str, str], None] = {}
            for group in self._index.find(sample_tokens(component), numeric_at_start=False):
                for value in sorted(group):
                    ref, _sep, code = value.partition("\x00")
                    if refs is None and all(t.isdecimal() for t in sample_tokens(code)):
                        continue
                    if refs is None or ref in refs:
                        found[(ref, code)] = None
            if found:
                ordered = sorted(found, key=lambda pair: self._order.get(pair[0], 0))
                return [SampleMatch(ref, code, self.items_in(ref, components)) for ref, code in ordered]
        return []

    def narrow(self, matches: list[SampleMatch]) -> list[SampleMatch]:
        """Of the same sample id in several requests, those whose required items the name says."""
        if len({m.ref for m in matches}) <= 1:
            return matches
        said = [m for m in matches if m.items]
        return said or matches


@dataclass(frozen=True)
class PlannedFile:
    path: Path
    shown: str
    refs: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    reason: str = ""
    size: int = 0
    # The samples the file is given to (with `refs`: the requests it is a file of itself, if any).
    samples: tuple[SampleMatch, ...] = ()


@dataclass(frozen=True)
class IngestPlan:
    """What an ingest would do; nothing is attached by planning."""

    root: Path
    matched: tuple[PlannedFile, ...]
    ambiguous: tuple[PlannedFile, ...]
    unmatched: tuple[PlannedFile, ...]
    skipped: tuple[PlannedFile, ...]
    follow_symlinks: bool = False

    @property
    def file_count(self) -> int:
        return len(self.matched) + len(self.ambiguous) + len(self.unmatched) + len(self.skipped)


@dataclass(frozen=True)
class IngestResult:
    plan: IngestPlan
    attached: tuple[PlannedFile, ...]
    stored_new: int
    failed: tuple[PlannedFile, ...]
    cancelled: bool

    @property
    def skipped(self) -> tuple[PlannedFile, ...]:
        return self.plan.skipped + self.failed


def _walk(
    start: Path, base: Path, *, follow_symlinks: bool, max_size: int
) -> Iterable[tuple[Path, str, str, int]]:
    """(path, path shown relative to base, skip reason or "", size) for every entry under start, sorted."""
    seen: set[tuple[int, int]] = set()
    stack = [start]
    while stack:
        folder = stack.pop()
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            yield folder, _shown(folder, base), f"cannot read the folder: {exc.strerror}", 0
            continue
        subfolders = []
        for entry in entries:
            path = Path(entry.path)
            shown = _shown(path, base)
            if entry.name.casefold() in _LITTER or entry.name.startswith(("~$", ".")):
                yield path, shown, "hidden or system file", 0
                continue
            try:
                is_link = entry.is_symlink()
                info = os.stat(path) if follow_symlinks else entry.stat(follow_symlinks=False)
            except OSError as exc:
                yield path, shown, f"cannot read it: {exc.strerror}", 0
                continue
            if is_link and not follow_symlinks:
                yield path, shown, "symbolic link, not followed (allow following links to include it)", 0
            elif stat.S_ISDIR(info.st_mode):
                subfolders.append(path)
            elif not stat.S_ISREG(info.st_mode):
                yield path, shown, "not a regular file (a device, pipe or socket)", 0
            elif info.st_size == 0:
                yield path, shown, "empty file (0 bytes)", 0
            elif info.st_size > max_size:
                yield path, shown, f"{info.st_size:,} bytes, over the {max_size:,}-byte limit", info.st_size
            else:
                yield path, shown, "", info.st_size
        stack.extend(reversed(subfolders))


def _shown(path: Path, base: Path) -> str:
    try:
        return _printable(path.relative_to(base).as_posix())
    except ValueError:
        return _printable(str(path))


def _components(path: Path, base: Path) -> list[str]:
    """File name, then each folder up to (not including) base: nearest first."""
    try:
        parts = path.relative_to(base).parts
    except ValueError:
        parts = (path.name,)
    return list(reversed(parts))


def load_matcher(db: Database) -> Matcher:
    with db.read() as session:
        rows = session.execute(
            select(RequestRow.ref, RequestRow.criteria)
            .where(RequestRow.archived.is_(False))
            .order_by(RequestRow.position, RequestRow.id)
        )
        return Matcher((ref, list(criteria or ())) for ref, criteria in rows)


def load_sample_matcher(db: Database) -> SampleMatcher:
    """The sample ids and required items of the requests not archived, in checklist order."""
    with db.read() as session:
        live = (
            select(RequestRow.id, RequestRow.ref)
            .where(RequestRow.archived.is_(False))
            .order_by(RequestRow.position, RequestRow.id)
        )
        refs = {rid: ref for rid, ref in session.execute(live)}
        codes = session.execute(
            select(SampleRow.request_id, SampleRow.code).order_by(SampleRow.position, SampleRow.id)
        )
        plans = session.scalars(select(SamplePlanRow))
        samples = [(refs[rid], str(code)) for rid, code in codes if rid in refs]
        required = [
            (refs[p.request_id], Row("sample_plans", p.request_id).text_list("required", p.required))
            for p in plans
            if p.request_id in refs
        ]
    order = {ref: n for n, ref in enumerate(refs.values())}
    samples.sort(key=lambda pair: order[pair[0]])
    return SampleMatcher(samples, required)


def _planned(
    path: Path, shown: str, size: int, components: Sequence[str], matcher: Matcher, samples: SampleMatcher
) -> tuple[str, PlannedFile]:
    """The bucket a file goes to and how it is planned: its refs, and the samples it names."""
    outcome = matcher.match(components)
    if outcome.refs:
        given = samples.find(components, outcome.refs) if samples else []
        with_sample = {m.ref for m in given}
        own = tuple(ref for ref in outcome.refs if ref not in with_sample)
        return "matched", PlannedFile(path, shown, refs=own, size=size, samples=tuple(given))
    if outcome.candidates:
        return "ambiguous", PlannedFile(path, shown, candidates=outcome.candidates)
    given = samples.narrow(samples.find(components, None)) if samples else []
    refs_of: dict[Tokens, set[str]] = {}
    for m in given:
        refs_of.setdefault(sample_tokens(m.sample), set()).add(m.ref)
    if any(len(refs) > 1 for refs in refs_of.values()):
        # The same sample id in several requests, and nothing in the name says which.
        candidates = tuple(dict.fromkeys(f"{m.ref} {m.sample}" for m in given))
        return "ambiguous", PlannedFile(path, shown, candidates=candidates)
    if given:
        return "matched", PlannedFile(path, shown, size=size, samples=tuple(given))
    return "unmatched", PlannedFile(path, shown)


def plan_paths(
    db: Database,
    paths: Sequence[Path],
    *,
    root: Path | None = None,
    follow_symlinks: bool = False,
    max_size: int | None = None,
) -> IngestPlan:
    """Plan an ingest of files and folders (dropped or chosen); a folder's own name counts for matching.

    With `root`, every folder between root and a file counts too (root's own name does not).
    """
    from workbook.services.intake import DEFAULT_MAX_FILE_SIZE

    limit = DEFAULT_MAX_FILE_SIZE if max_size is None else max_size
    matcher = load_matcher(db)
    samples = load_sample_matcher(db)
    buckets: dict[str, list[PlannedFile]] = {"matched": [], "ambiguous": [], "unmatched": [], "skipped": []}
    for given in paths:
        given = Path(given)
        base = root if root is not None else given.parent
        if root is None and given.is_dir() and not (given.is_symlink() and not follow_symlinks):
            entries: Iterable[tuple[Path, str, str, int]] = _walk(
                given, base, follow_symlinks=follow_symlinks, max_size=limit
            )
        elif root is not None and given == root:
            entries = _walk(given, base, follow_symlinks=follow_symlinks, max_size=limit)
        else:
            reason = _single_file_reason(given, follow_symlinks, limit)
            entries = [(given, _shown(given, base), reason, 0 if reason else given.stat().st_size)]
        for path, shown, reason, size in entries:
            if reason:
                buckets["skipped"].append(PlannedFile(path, shown, reason=reason))
                continue
            bucket, planned = _planned(path, shown, size, _components(path, base), matcher, samples)
            buckets[bucket].append(planned)
    return IngestPlan(
        root=root if root is not None else (Path(paths[0]).parent if paths else Path()),
        matched=tuple(buckets["matched"]),
        ambiguous=tuple(buckets["ambiguous"]),
        unmatched=tuple(buckets["unmatched"]),
        skipped=tuple(buckets["skipped"]),
        follow_symlinks=follow_symlinks,
    )


def _single_file_reason(path: Path, follow_symlinks: bool, max_size: int) -> str:
    try:
        info = os.stat(path) if follow_symlinks else os.lstat(path)
    except ValueError:
        return "the name contains a NUL character"
    except OSError as exc:
        return f"cannot read it: {exc.strerror}"
    if stat.S_ISLNK(info.st_mode):
        return "symbolic link, not followed (allow following links to include it)"
    if stat.S_ISDIR(info.st_mode):
        return "a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a device, pipe or socket)"
    if info.st_size == 0:
        return "empty file (0 bytes)"
    if info.st_size > max_size:
        return f"{info.st_size:,} bytes, over the {max_size:,}-byte limit"
    return ""


def plan_folder(
    db: Database, folder: Path, *, follow_symlinks: bool = False, max_size: int | None = None
) -> IngestPlan:
    """Plan attaching everything under `folder`; refs in file names and in sub-folder names count."""
    folder = Path(folder)
    if not folder.exists():
        raise UserError("the folder does not exist", where=_printable(str(folder)), hint="check the path")
    if not folder.is_dir():
        raise UserError(
            "is a file, not a folder", where=_printable(str(folder)), hint="attach single files with REF PATH"
        )
    return plan_paths(db, [folder], root=folder, follow_symlinks=follow_symlinks, max_size=max_size)


def apply_plan(
    evidence: EvidenceService,
    plan: IngestPlan,
    *,
    samples: SampleService | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> IngestResult:
    """Attach every matched file, each atomically (its own savepoint), committing in batches; then give the
    files planned for samples to them (`samples`: the workbook's SampleService), one transaction each.

    A cancel rolls back only the file in flight and keeps (commits) the files before it. Files that fail
    (vanished, changed while read, now too large) are reported, not fatal.
    """
    cancel = cancel or CancelToken()
    attached: list[PlannedFile] = []
    failed: list[PlannedFile] = []
    stored_new = 0
    cancelled = False
    own = [item for item in plan.matched if item.refs]
    for_samples = [item for item in plan.matched if item.samples]
    total = len(own) + len(for_samples)
    done = 0
    for batch in _batches(own):

        def on_file(
            index: int, outcome: list[AttachResult] | UserError, batch: list[PlannedFile] = batch
        ) -> None:
            nonlocal stored_new, done
            item = batch[index]
            if isinstance(outcome, UserError):
                failed.append(PlannedFile(item.path, item.shown, refs=item.refs, reason=outcome.message))
            else:
                if not item.samples:
                    attached.append(item)
                stored_new += sum(1 for r in outcome if r.stored_new_bytes)
            done += 1
            progress(done, total)

        _outcomes, cancelled = evidence.attach_many(
            [(item.refs, item.path) for item in batch],
            follow_symlinks=plan.follow_symlinks,
            cancel=cancel,
            on_file=on_file,
        )
        if cancelled:
            break
    gone = {item.path for item in failed}
    for item in [] if cancelled else for_samples:
        if item.path in gone:
            continue
        try:
            if samples is None:
                raise UserError("files for samples cannot be attached here: attach them to the sample")
            stored_new += _give_to_samples(samples, item, plan.follow_symlinks, cancel)
        except UserError as exc:
            failed.append(PlannedFile(item.path, item.shown, refs=item.refs, reason=exc.message))
        except Cancelled:
            cancelled = True
            break
        else:
            attached.append(item)
        done += 1
        progress(done, total)
    return IngestResult(plan, tuple(attached), stored_new, tuple(failed), cancelled)


def _give_to_samples(
    samples: SampleService, item: PlannedFile, follow_symlinks: bool, cancel: CancelToken
) -> int:
    """Give one file to each of its samples (stored once, linked for each required item); new files stored."""
    sha256, stored = "", 0
    for match in item.samples:
        for requirement in match.items or ("",):
            if sha256:
                samples.link(match.ref, match.sample, sha256, requirement)
                continue
            (result,) = samples.attach(
                match.ref,
                match.sample,
                [item.path],
                requirement=requirement,
                follow_symlinks=follow_symlinks,
                cancel=cancel,
            )
            sha256 = result.evidence.sha256
            stored += result.stored_new_bytes
    return stored


def _batches(files: Sequence[PlannedFile]) -> Iterable[list[PlannedFile]]:
    """Groups committed together: many small files, or one big one, so a commit's flush is amortised."""
    batch: list[PlannedFile] = []
    size = 0
    for item in files:
        batch.append(item)
        size += item.size
        if size >= BATCH_BYTES or len(batch) >= BATCH_FILES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def plan_json(plan: IngestPlan, result: IngestResult | None = None) -> dict[str, Any]:
    skipped = result.skipped if result is not None else plan.skipped
    return {
        "matched": [
            {
                "path": f.shown,
                "refs": list(f.refs),
                "samples": [{"ref": m.ref, "id": m.sample, "for": list(m.items)} for m in f.samples],
            }
            for f in plan.matched
        ],
        "ambiguous": [{"path": f.shown, "candidates": list(f.candidates)} for f in plan.ambiguous],
        "unmatched": [f.shown for f in plan.unmatched],
        "attached": len(result.attached) if result is not None else 0,
        "skipped": [{"path": f.shown, "reason": f.reason} for f in skipped],
    }


def _sample_words(match: SampleMatch) -> str:
    items = f" ({', '.join(match.items)})" if match.items else ""
    return f"{match.ref} sample {match.sample}{items}"


def describe(plan: IngestPlan, result: IngestResult | None = None) -> list[str]:
    """The plan (and result) as lines a person reads."""
    lines = []
    for f in plan.matched:
        given = [*f.refs, *(_sample_words(m) for m in f.samples)]
        lines.append(f"  matched    {', '.join(given):<20} {f.shown}")
    for f in plan.ambiguous:
        lines.append(f"  ambiguous  {' | '.join(f.candidates):<20} {f.shown}  (not attached: which one?)")
    for f in plan.unmatched:
        lines.append(f"  unmatched  {'-':<20} {f.shown}  (no ref or criteria code in its name or folders)")
    for f in result.skipped if result is not None else plan.skipped:
        lines.append(f"  skipped    {'-':<20} {f.shown}: {f.reason}")
    lines.append(
        f"{plan.file_count} files: {len(plan.matched)} matched, {len(plan.ambiguous)} ambiguous, "
        f"{len(plan.unmatched)} unmatched, {len(plan.skipped)} skipped"
    )
    if result is None:
        lines.append("dry run: nothing was attached")
    else:
        lines.append(
            f"attached {len(result.attached)} files ({result.stored_new} stored new, the rest already in the "
            f"workbook); {len(result.failed)} failed" + ("; cancelled" if result.cancelled else "")
        )
    return lines
