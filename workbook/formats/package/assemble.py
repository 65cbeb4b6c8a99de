"""write_pdf_package: spool and classify the evidence, build our pages in parts, stream them into one PDF."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    TextStringObject,
)
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.platypus import NextPageTemplate, PageBreak

from workbook.atomic import UniqueNames, publish, safe_name
from workbook.formats.package.evidence_files import PdfKind, SheetKind, Spooled, TextKind, classify, spool
from workbook.formats.package.evidence_pages import EvidenceDrawer, add_evidence, request_slot
from workbook.formats.package.fonts import clean, register_fonts
from workbook.formats.package.inputs import (
    FileKey,
    PackageEvidence,
    PackageInput,
    PackageRequest,
    package_manifest,
)
from workbook.formats.package.pages import (
    Anchor,
    ChunkDoc,
    Layout,
    Placement,
    add_appendix,
    add_contents,
    add_cover,
    add_request,
    add_summary,
    paragraph_styles,
    request_title,
)
from workbook.formats.package.pdf_objects import (
    CHUNK,
    Copier,
    HashingFile,
    Link,
    Mark,
    PdfOut,
    build_outline,
    check_pages,
    embedded_file,
    extended,
    filespec,
    flate_stream,
    link_annotation,
    page_number_stream,
)
from workbook.formats.package.sample_pages import add_samples
from workbook.jobs import CancelToken, Progress, no_progress

_CHUNK_PAGES = 60  # pages of ours (placeholders included) that reportlab holds at once
_APPENDIX_ROWS = 400


@dataclass(frozen=True)
class PdfPackageResult:
    """What was written: the file's hash and counts the caller can log and check."""

    sha256: str
    pages: int
    evidence_pages: int
    attachments: int
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Chunk:
    """One built part of our pages: a temporary PDF and what assembly needs to know about it."""

    path: Path
    first_page: int
    pages: int
    placements: dict[int, Placement]
    marks: tuple[Mark, ...]
    links: tuple[Link, ...]
    evidence_pages: int


# One line of the contents: level, title, key of the anchor it points to.
_TocEntry = tuple[int, str, str]


# A part of the request pages: (section index and title when the section starts here, request index, request).
_Part = list[tuple[tuple[int, str] | None, int, PackageRequest]]


def _sections(pkg: PackageInput) -> list[tuple[str, list[tuple[int, PackageRequest]]]]:
    sections: dict[str, list[tuple[int, PackageRequest]]] = {}
    for ri, req in enumerate(pkg.requests):
        sections.setdefault(req.section.strip(), []).append((ri, req))
    return [(clean(title) or "Requests without a section", members) for title, members in sections.items()]


def _plan(pkg: PackageInput, spooled: dict[str, Spooled]) -> list[_Part]:
    """Requests cut into parts of about _CHUNK_PAGES pages each, so reportlab never holds more."""
    parts: list[_Part] = []
    part: _Part = []
    weight = 0
    for si, (title, members) in enumerate(_sections(pkg)):
        for i, (ri, req) in enumerate(members):
            cost = 1
            if req.samples is not None and req.samples.samples:
                cost += 1 + len(req.samples.samples) // 12  # the sample table
            for _, ev in req.files():
                kind = spooled[ev.sha256.lower()].kind
                if isinstance(kind, PdfKind):
                    cost += len(kind.pages)
                elif isinstance(kind, SheetKind):
                    cost += 12
                else:
                    cost += 6 if isinstance(kind, TextKind) else 1
            if part and weight + cost > _CHUNK_PAGES:
                parts.append(part)
                part, weight = [], 0
            part.append(((si, title) if i == 0 else None, ri, req))
            weight += cost
    if part:
        parts.append(part)
    return parts


def _contents_lines(pkg: PackageInput) -> list[_TocEntry]:
    """Every line of the contents in order; their pages are known only once the rest is built."""
    lines: list[_TocEntry] = [(0, "Readiness summary", "summary")]
    for si, (title, members) in enumerate(_sections(pkg)):
        lines.append((0, title, f"sec-{si}"))
        lines += [(1, request_title(req), f"req-{ri}") for ri, req in members]
    lines.append((0, "Appendix — manifest", "appendix"))
    return lines


class _Builder:
    """Builds each part of our pages as its own one-pass document in a temporary folder."""

    def __init__(self, pkg: PackageInput, spooled: dict[str, Spooled], folder: Path) -> None:
        register_fonts()
        self.pkg = pkg
        self.spooled = spooled
        self.folder = folder
        self.page_size = A4 if pkg.page_size == "a4" else LETTER
        self.styles = paragraph_styles()
        self.problems: list[str] = []
        self._count = 0

    def build(self, first_page: int, fill: Callable[[Layout], None]) -> _Chunk:
        self._count += 1
        path = self.folder / f"part{self._count:05d}.pdf"
        doc = ChunkDoc(str(path), self.pkg, self.page_size, first_page)
        lay = Layout(self.styles, self.spooled, doc, self.problems)
        fill(lay)
        doc.build(lay.story)
        chunk = _Chunk(
            path,
            first_page,
            doc.page_count,
            doc.placements,
            tuple(doc.marks),
            tuple(doc.links),
            lay.evidence_pages,
        )
        _release(doc)
        return chunk


def _release(doc: ChunkDoc) -> None:
    """Break the cycles between a built document, its canvas, templates and flowables.

    Reference counting then frees the part at once, with no full gc.collect() holding the GIL.
    """
    canv = doc.__dict__.get("canv")
    if canv is not None:
        pdf = canv.__dict__.get("_doc")
        if pdf is not None:
            pdf.__dict__.clear()  # the saved file's objects point at each other and at the canvas
        canv.__dict__.clear()  # text objects, named callbacks and page callbacks point back at it
    for template in doc.pageTemplates:
        template.__dict__.clear()  # its onPage callbacks are bound methods of doc
    doc.__dict__.clear()


def _build_pages(
    pkg: PackageInput, spooled: dict[str, Spooled], folder: Path, tick: Callable[[], None]
) -> tuple[list[_Chunk], list[str], int]:
    """Every page we draw, in parts; returns the parts in package order, problems and evidence pages."""
    builder = _Builder(pkg, spooled, folder)
    evidence_count = sum(1 for _ in pkg.files())

    def front(lay: Layout) -> None:
        add_cover(pkg, lay, evidence_count)
        add_summary(pkg, lay)

    head = builder.build(1, front)
    tick()
    lines = _contents_lines(pkg)
    # The contents' length does not depend on its page numbers (they are drawn after each line).
    guess = builder.build(head.pages + 1, _contents_part([(lv, t, 0) for lv, t, _ in lines]))
    guess.path.unlink()
    contents_pages = guess.pages
    parts = _plan(pkg, spooled)
    rows = [
        (_listed_ref(key), spooled[ev.sha256.lower()].attachment, ev.size, ev.sha256)
        for key, ev in pkg.files()
    ]
    for _ in range(3):
        body: list[_Chunk] = []
        builder.problems.clear()
        next_page = head.pages + contents_pages + 1
        for part in parts:
            chunk = builder.build(next_page, _part_pages(part))
            body.append(chunk)
            next_page += chunk.pages
            tick()
        for start in range(0, max(len(rows), 1), _APPENDIX_ROWS):
            piece = rows[start : start + _APPENDIX_ROWS]
            chunk = builder.build(next_page, _appendix_part(piece, start == 0))
            body.append(chunk)
            next_page += chunk.pages
        pages = {m.key: m.page for chunk in (head, *body) for m in chunk.marks}
        pages["contents"] = head.pages + 1
        contents = builder.build(
            head.pages + 1, _contents_part([(lv, t, pages[key]) for lv, t, key in lines])
        )
        if contents.pages == contents_pages:
            return [head, contents, *body], builder.problems, sum(c.evidence_pages for c in body)
        contents_pages = contents.pages  # never seen; lay the rest out again after the longer contents
    raise RuntimeError("the contents pages did not settle")


def _part_pages(part: _Part) -> Callable[[Layout], None]:
    def fill(lay: Layout) -> None:
        for i, (section, ri, req) in enumerate(part):
            if i:
                lay.story.append(NextPageTemplate("body"))
                lay.story.append(PageBreak())
            if section is not None:
                lay.story.append(Anchor(f"sec-{section[0]}", section[1], 0))
            add_request(req, ri, lay)
            for ei, ev in enumerate(req.evidence, 1):
                add_evidence(request_slot(req, ri, ei, ev), ev, lay)
            add_samples(req, ri, lay)

    return fill


def _listed_ref(key: FileKey) -> str:
    """Whose file it is, in the appendix: the ref, and the sample's id for a sample's file."""
    ref, code, _ = key
    return f"{ref} · sample {code}" if code else ref


def _contents_part(lines: list[tuple[int, str, int]]) -> Callable[[Layout], None]:
    def fill(lay: Layout) -> None:
        add_contents(lay, lines)

    return fill


def _appendix_part(rows: list[tuple[str, str, int, str]], first: bool) -> Callable[[Layout], None]:
    def fill(lay: Layout) -> None:
        add_appendix(lay, rows, first)

    return fill


def _assemble(
    pkg: PackageInput,
    chunks: list[_Chunk],
    spooled: dict[str, Spooled],
    fh: HashingFile,
    manifest: bytes,
    tick: Callable[[], None],
) -> tuple[int, int]:
    out = PdfOut(fh)
    total = sum(c.pages for c in chunks)
    page_nums = [out.reserve() for _ in range(total)]
    pages_ref = IndirectObject(out.reserve(), 0, None)
    font = out.add(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    save = out.add(flate_stream(b"q\n"))
    restore = out.add(flate_stream(b"\nQ\n"))
    links: dict[int, list[Link]] = {}
    for chunk in chunks:
        for link in chunk.links:
            links.setdefault(link.page, []).append(link)
    drawer = EvidenceDrawer(out, spooled)
    try:
        for chunk in chunks:
            with chunk.path.open("rb") as part_fh:  # a path would make pypdf read the whole file
                reader = PdfReader(part_fh, strict=False)
                copier = Copier(out, reader)
                for i, src_page in enumerate(reader.pages):
                    ref = src_page.indirect_reference
                    assert ref is not None
                    copier.held.add(ref.idnum)
                    copier.numbers[ref.idnum] = page_nums[chunk.first_page - 1 + i]
                for i, src_page in enumerate(reader.pages):
                    number = chunk.first_page + i
                    place = chunk.placements.get(number)
                    src_res = src_page.get("/Resources")
                    src_res = src_res.get_object() if src_res is not None else DictionaryObject()
                    resources = DictionaryObject(
                        {
                            NameObject(k): copier.convert(v)
                            for k, v in src_res.items()
                            if k not in ("/Font", "/XObject")
                        }
                    )
                    resources[NameObject("/Font")] = extended(copier, src_res.get("/Font"), "/AWPageNo", font)
                    streams: list[PdfObject] = []
                    if place is not None:
                        xobj, draw = drawer.draw(place)
                        streams.append(out.add(flate_stream(draw)))
                        xobjects = extended(copier, src_res.get("/XObject"), "/AWEvidence", xobj)
                        resources[NameObject("/XObject")] = xobjects
                    elif "/XObject" in src_res:
                        resources[NameObject("/XObject")] = copier.convert(src_res["/XObject"])
                    new_page = DictionaryObject()
                    for key, value in src_page.items():
                        if key not in ("/Parent", "/Resources", "/Contents", "/Annots"):
                            new_page[NameObject(key)] = copier.convert(value)
                    contents = src_page.get("/Contents")
                    items = [] if contents is None else contents.get_object()
                    items = list(items) if isinstance(items, ArrayObject) else [contents]
                    streams += [save, *(copier.convert(item) for item in items), restore]
                    right = float(src_page.mediabox.right)
                    streams.append(out.add(page_number_stream(number, total, right, place is not None)))
                    new_page[NameObject("/Contents")] = ArrayObject(streams)
                    new_page[NameObject("/Resources")] = resources
                    new_page[NameObject("/Parent")] = pages_ref
                    annots = src_page.get("/Annots")
                    annots = copier.convert(annots.get_object()) if annots is not None else ArrayObject()
                    assert isinstance(annots, ArrayObject)
                    annots.extend(link_annotation(link, page_nums) for link in links.get(number, ()))
                    if annots:
                        new_page[NameObject("/Annots")] = annots
                    out.write(page_nums[number - 1], new_page)
                    copier.drain()
                    if place is not None:
                        tick()
                del reader, copier
            chunk.path.unlink()  # disk space back as soon as the part is copied
    finally:
        drawer.close()
    out.write(
        pages_ref.idnum,
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Pages"),
                NameObject("/Kids"): ArrayObject(IndirectObject(n, 0, None) for n in page_nums),
                NameObject("/Count"): NumberObject(total),
            }
        ),
    )
    outline = build_outline(out, [m for chunk in chunks for m in chunk.marks], page_nums)
    names: list[tuple[str, IndirectObject]] = []
    for sp in spooled.values():
        names.append((sp.attachment, embedded_file(out, sp.path, sp.attachment, sp.evidence)))
        tick()
    manifest_stream = out.add_stream(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/EmbeddedFile"),
                NameObject("/Subtype"): NameObject("/application#2Fjson"),
                NameObject("/Filter"): NameObject("/FlateDecode"),
                NameObject("/Params"): DictionaryObject({NameObject("/Size"): NumberObject(len(manifest))}),
            }
        ),
        [zlib.compress(manifest, 6)],
    )
    names.append(("manifest.json", filespec(out, "manifest.json", manifest_stream, "The package manifest")))
    names.sort(key=lambda item: TextStringObject(item[0]).get_original_bytes())
    flat: list[PdfObject] = []
    for name, ref in names:
        flat += [TextStringObject(name), ref]
    root_ref = out.add(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Catalog"),
                NameObject("/Pages"): pages_ref,
                NameObject("/Outlines"): outline,
                NameObject("/PageMode"): NameObject("/UseOutlines"),
                NameObject("/Names"): DictionaryObject(
                    {
                        NameObject("/EmbeddedFiles"): DictionaryObject(
                            {NameObject("/Names"): ArrayObject(flat)}
                        )
                    }
                ),
                NameObject("/AF"): ArrayObject(ref for _, ref in names),
            }
        )
    )
    info = out.add(
        DictionaryObject(
            {
                NameObject("/Title"): TextStringObject(f"Evidence package — {clean(pkg.client)}"),
                NameObject("/Author"): TextStringObject(clean(pkg.prepared_by)),
                NameObject("/Creator"): TextStringObject("Audit Workbook"),
                NameObject("/Producer"): TextStringObject("Audit Workbook"),
                NameObject("/Subject"): TextStringObject(
                    f"package {pkg.package_id} · activity head {pkg.activity_head}"
                ),
                NameObject("/CreationDate"): TextStringObject(
                    pkg.generated_at.astimezone(dt.UTC).strftime("D:%Y%m%d%H%M%SZ")
                ),
            }
        )
    )
    out.finish(root_ref, info, hashlib.md5(pkg.package_id.encode(), usedforsecurity=False).digest())
    return total, len(names)


def write_pdf_package(
    pkg: PackageInput,
    out_path: Path,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> PdfPackageResult:
    """Write the bound package to `out_path` (temp file + rename); evidence is streamed, never held."""
    out_path = Path(out_path)
    distinct: dict[str, PackageEvidence] = {}
    for _, ev in pkg.files():
        distinct.setdefault(ev.sha256.lower(), ev)
    total = 2 * len(distinct) + 2
    done = 0

    def tick(step: int = 1) -> None:
        nonlocal done
        if cancel is not None:
            cancel.raise_if_cancelled()
        done += step
        progress(min(done, total), total)

    with tempfile.TemporaryDirectory(prefix=".auditwb-pdf-") as work:
        folder = Path(work)
        spooled: dict[str, Spooled] = {}
        names = UniqueNames()
        names.claim("manifest.json")
        attach_of: dict[str, str] = {}
        for (ref, code, _), ev in pkg.files():
            key = ev.sha256.lower()
            if key not in attach_of:
                owner = f"{ref} - {code}" if code else ref
                attach_of[key] = names.claim(safe_name(f"{owner} - {ev.name}"))
        for i, (key, ev) in enumerate(distinct.items()):
            path = spool(ev, folder, i, cancel)
            spooled[key] = Spooled(path, classify(path, ev), attach_of[key], ev)
            tick()
        parts = folder / "parts"
        parts.mkdir()
        chunks, problems, evidence_pages = _build_pages(pkg, spooled, parts, tick)
        locations = {key: {"attachment": spooled[ev.sha256.lower()].attachment} for key, ev in pkg.files()}
        manifest = json.dumps(package_manifest(pkg, locations), indent=2, ensure_ascii=False).encode("utf-8")
        total += sum(len(c.placements) for c in chunks)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".part", dir=out_path.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb", buffering=CHUNK) as raw:
                hashing = HashingFile(raw)
                page_count, attachments = _assemble(pkg, chunks, spooled, hashing, manifest, tick)
            check_pages(tmp, page_count)
            publish(tmp, out_path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    progress(total, total)
    return PdfPackageResult(
        hashing.digest.hexdigest(), page_count, evidence_pages, attachments, tuple(problems)
    )
