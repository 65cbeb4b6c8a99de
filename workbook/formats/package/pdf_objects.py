"""Low-level PDF objects: the streaming writer, page copying without active content, outline, attachments."""

from __future__ import annotations

import hashlib
import re
import zlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from workbook.formats.package.inputs import PackageEvidence

CHUNK = 1 << 20  # evidence bytes are read and written in pieces of this size, never whole

# Keys that make a PDF act rather than show; they never reach the package.
ACTIVE_KEYS = frozenset(
    {"/JavaScript", "/JS", "/Launch", "/OpenAction", "/AA", "/RichMedia", "/SubmitForm", "/ImportData"}
)
_ACTIVE_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/ResetForm", "/RichMediaExecute"}
)


class HashingFile:
    """Counts and hashes what is written so offsets and the package hash need no re-reading."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.pos = 0
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.fh.write(data)
        self.digest.update(data)
        self.pos += len(data)
        return len(data)


class PdfOut:
    """Writes numbered objects straight to disk; only the offsets table stays in memory."""

    def __init__(self, fh: HashingFile) -> None:
        self.fh = fh
        self.offsets = array("q", [0])  # 8 bytes an object, not a list of int objects
        fh.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def reserve(self) -> int:
        self.offsets.append(-1)
        return len(self.offsets) - 1

    def write(self, num: int, obj: PdfObject) -> None:
        self.offsets[num] = self.fh.pos
        self.fh.write(f"{num} 0 obj\n".encode())
        obj.write_to_stream(self.fh)  # type: ignore[arg-type]  # pypdf only calls write()
        self.fh.write(b"\nendobj\n")

    def add(self, obj: PdfObject) -> IndirectObject:
        num = self.reserve()
        self.write(num, obj)
        return IndirectObject(num, 0, None)

    def add_stream(self, head: DictionaryObject, chunks: Iterable[bytes]) -> IndirectObject:
        """A stream of unknown length, written as it comes; its /Length follows as its own object."""
        num = self.reserve()
        length_num = self.reserve()
        head = DictionaryObject(head)
        head[NameObject("/Length")] = IndirectObject(length_num, 0, None)
        self.offsets[num] = self.fh.pos
        self.fh.write(f"{num} 0 obj\n".encode())
        head.write_to_stream(self.fh)  # type: ignore[arg-type]  # pypdf only calls write()
        self.fh.write(b"\nstream\n")
        length = 0
        for chunk in chunks:
            self.fh.write(chunk)
            length += len(chunk)
        self.fh.write(b"\nendstream\nendobj\n")
        self.write(length_num, NumberObject(length))
        return IndirectObject(num, 0, None)

    def finish(self, root: IndirectObject, info: IndirectObject, file_id: bytes) -> None:
        start = self.fh.pos
        lines = [f"xref\n0 {len(self.offsets)}\n", "0000000000 65535 f \n"]
        for offset in self.offsets[1:]:
            lines.append(f"{max(offset, 0):010d} 00000 n \n" if offset >= 0 else "0000000000 65535 f \n")
        self.fh.write("".join(lines).encode())
        ident = file_id.hex()
        self.fh.write(
            f"trailer\n<< /Size {len(self.offsets)} /Root {root.idnum} 0 R /Info {info.idnum} 0 R "
            f"/ID [<{ident}> <{ident}>] >>\nstartxref\n{start}\n%%EOF\n".encode()
        )


class Copier:
    """Copies objects from one source PDF into the output, renumbering and leaving active content behind."""

    def __init__(self, out: PdfOut | None, reader: PdfReader) -> None:
        self.out = out
        self.reader = reader
        self.numbers: dict[int, int] = {}
        self.pending: list[IndirectObject] = []
        self.held: set[int] = set()  # source objects the caller writes itself
        self._fake = 0

    def number_for(self, ref: IndirectObject) -> int:
        num = self.numbers.get(ref.idnum)
        if num is None:
            if self.out is not None:
                num = self.out.reserve()
            else:
                self._fake += 1
                num = self._fake
            self.numbers[ref.idnum] = num
            if ref.idnum not in self.held:
                self.pending.append(ref)
        return num

    def convert(self, obj: Any, depth: int = 0) -> PdfObject:
        if depth > 200:
            raise RecursionError("object nesting too deep")
        if isinstance(obj, IndirectObject):
            return IndirectObject(self.number_for(obj), 0, None)
        if isinstance(obj, StreamObject):
            stream: StreamObject = EncodedStreamObject() if "/Filter" in obj else DecodedStreamObject()
            stream._data = obj._data
            for key, value in obj.items():
                if key != "/Length" and key not in ACTIVE_KEYS:
                    stream[NameObject(key)] = self.convert(value, depth + 1)
            return stream
        if isinstance(obj, DictionaryObject):
            if obj.get("/S") in _ACTIVE_ACTIONS:
                return NullObject()
            result = DictionaryObject()
            for key, value in obj.items():
                if key not in ACTIVE_KEYS:
                    result[NameObject(key)] = self.convert(value, depth + 1)
            return result
        if isinstance(obj, ArrayObject):
            return ArrayObject(self.convert(v, depth + 1) for v in obj)
        return obj  # type: ignore[no-any-return]

    def drain(self) -> None:
        guard = 0
        while self.pending:
            ref = self.pending.pop()
            guard += 1
            if guard > 2_000_000:
                raise RecursionError("too many objects")
            obj = self.reader.get_object(ref.idnum)
            converted = self.convert(obj if obj is not None else NullObject())
            if self.out is not None:
                self.out.write(self.numbers[ref.idnum], converted)
            # Forget the parsed object: a large scanned PDF must not stay in memory once copied.
            self.reader.resolved_objects.pop((0, ref.idnum), None)
            self.reader.resolved_objects.pop((ref.generation, ref.idnum), None)


def page_content(page: DictionaryObject) -> tuple[bytes, DictionaryObject]:
    """The page's content as one stream's raw bytes plus its filters (unchanged when it is one stream)."""
    contents = page.get("/Contents")
    if contents is None:
        return b"", DictionaryObject()
    obj = contents.get_object()
    if isinstance(obj, StreamObject):
        extra = DictionaryObject()
        for key in ("/Filter", "/DecodeParms"):
            if key in obj:
                extra[NameObject(key)] = obj[key]
        return obj._data, extra
    parts = []
    for item in obj if isinstance(obj, ArrayObject) else []:
        stream = item.get_object()
        if isinstance(stream, StreamObject):
            parts.append(stream.get_data())
    return zlib.compress(b"\n".join(parts), 6), DictionaryObject(
        {NameObject("/Filter"): NameObject("/FlateDecode")}
    )


def file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def flate_stream(data: bytes) -> StreamObject:
    stream = EncodedStreamObject()
    stream._data = zlib.compress(data)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    return stream


def embedded_file(out: PdfOut, path: Path, attachment: str, ev: PackageEvidence) -> IndirectObject:
    """The original file as an embedded file stream named `attachment`, its SHA-256 in the description."""
    compressible = ev.media_type.startswith("text/") or ev.media_type.endswith(("json", "xml", "csv"))
    head = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/EmbeddedFile"),
            NameObject("/Params"): DictionaryObject({NameObject("/Size"): NumberObject(ev.size)}),
        }
    )
    if ev.media_type:
        head[NameObject("/Subtype")] = NameObject(
            "/" + re.sub(r"[^A-Za-z0-9.+-]", lambda m: f"#{ord(m.group()):02X}", ev.media_type)
        )
    if compressible:
        head[NameObject("/Filter")] = NameObject("/FlateDecode")
        stream = out.add_stream(head, _deflate(file_chunks(path)))
    else:
        stream = out.add_stream(head, file_chunks(path))
    return filespec(out, attachment, stream, f"SHA-256 {ev.sha256} · {ev.name}")


def _deflate(chunks: Iterable[bytes]) -> Iterator[bytes]:
    comp = zlib.compressobj(6)
    for chunk in chunks:
        data = comp.compress(chunk)
        if data:
            yield data
    yield comp.flush()


def filespec(out: PdfOut, name: str, stream: IndirectObject, desc: str) -> IndirectObject:
    return out.add(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Filespec"),
                NameObject("/F"): TextStringObject(name),
                NameObject("/UF"): TextStringObject(name),
                NameObject("/Desc"): TextStringObject(desc[:500]),
                NameObject("/AFRelationship"): NameObject("/Source"),
                NameObject("/EF"): DictionaryObject({NameObject("/F"): stream, NameObject("/UF"): stream}),
            }
        )
    )


def extended(copier: Copier, value: Any, name: str, ref: PdfObject) -> DictionaryObject:
    """A copy of a resource dictionary (inline or indirect) with one more entry."""
    result = copier.convert(value.get_object()) if value is not None else DictionaryObject()
    assert isinstance(result, DictionaryObject)
    result[NameObject(name)] = ref
    return result


def page_number_stream(page: int, total: int, right: float, stamped: bool) -> StreamObject:
    """'Page N of M' at the footer's right end, drawn once the total is known."""
    text = f"Page {page} of {total}"
    margin, y = (12.0, 10.0) if stamped else (18 * mm, 12 * mm)
    x = right - margin - pdfmetrics.stringWidth(text, "Helvetica", 6.2)
    return flate_stream(
        f"q BT /AWPageNo 6.2 Tf 0.3333 0.3333 0.3333 rg {x:.2f} {y:.2f} Td ({text}) Tj ET Q\n".encode()
    )


@dataclass(frozen=True)
class Mark:
    """Where an anchor landed: its outline entry and the package page it points to."""

    key: str
    title: str
    level: int
    page: int


@dataclass(frozen=True)
class Link:
    """A contents line: the package page it sits on, its rectangle there, and the page it opens."""

    page: int
    rect: tuple[float, float, float, float]
    target: int


def _dest(page: int, page_nums: list[int]) -> ArrayObject:
    return ArrayObject([IndirectObject(page_nums[page - 1], 0, None), NameObject("/Fit")])


def link_annotation(link: Link, page_nums: list[int]) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject(FloatObject(round(v, 2)) for v in link.rect),
            NameObject("/Border"): ArrayObject([NumberObject(0)] * 3),
            NameObject("/Dest"): _dest(link.target, page_nums),
        }
    )


def build_outline(out: PdfOut, marks: list[Mark], page_nums: list[int]) -> IndirectObject:
    """The bookmarks: sections and front matter open, each request closed over its evidence files."""
    root = out.reserve()
    nums = [out.reserve() for _ in marks]
    parents: list[int] = []  # index of each mark's parent, -1 for the top
    children: dict[int, list[int]] = {-1: []}
    stack: list[int] = []
    for i, mark in enumerate(marks):
        del stack[min(mark.level, len(stack)) :]
        parent = stack[-1] if stack else -1
        parents.append(parent)
        children[parent].append(i)
        children[i] = []
        stack.append(i)

    def shown(i: int) -> int:  # entries visible below i when it is open
        return sum(1 + (shown(c) if marks[c].level < 1 else 0) for c in children[i])

    for i, mark in enumerate(marks):
        item = DictionaryObject(
            {
                NameObject("/Title"): TextStringObject(mark.title),
                NameObject("/Parent"): IndirectObject(nums[parents[i]] if parents[i] >= 0 else root, 0, None),
                NameObject("/Dest"): _dest(mark.page, page_nums),
            }
        )
        siblings = children[parents[i]]
        at = siblings.index(i)
        if at > 0:
            item[NameObject("/Prev")] = IndirectObject(nums[siblings[at - 1]], 0, None)
        if at + 1 < len(siblings):
            item[NameObject("/Next")] = IndirectObject(nums[siblings[at + 1]], 0, None)
        if children[i]:
            item[NameObject("/First")] = IndirectObject(nums[children[i][0]], 0, None)
            item[NameObject("/Last")] = IndirectObject(nums[children[i][-1]], 0, None)
            count = shown(i)
            item[NameObject("/Count")] = NumberObject(count if mark.level < 1 else -count)
        out.write(nums[i], item)
    top = children[-1]
    head = DictionaryObject({NameObject("/Type"): NameObject("/Outlines")})
    if top:
        head[NameObject("/First")] = IndirectObject(nums[top[0]], 0, None)
        head[NameObject("/Last")] = IndirectObject(nums[top[-1]], 0, None)
        head[NameObject("/Count")] = NumberObject(shown(-1))
    out.write(root, head)
    return IndirectObject(root, 0, None)


def check_pages(path: Path, expected: int) -> None:
    """A PDF library can silently drop pages; count what a reader finds in the file we wrote.

    The page tree is walked one node at a time and each parsed node is dropped again, so the check
    holds no more than the file's cross-reference table (pypdf's `pages` would keep every page).
    """
    with path.open("rb") as fh:  # a path would make pypdf read the whole file into memory
        reader = PdfReader(fh, strict=False)
        root = reader.trailer["/Root"].get_object()
        assert isinstance(root, DictionaryObject)
        found = 0
        todo: list[Any] = [root.raw_get("/Pages")]
        while todo:
            ref = todo.pop()
            node = ref.get_object()
            if isinstance(ref, IndirectObject):
                reader.resolved_objects.pop((ref.generation, ref.idnum), None)
            if not isinstance(node, DictionaryObject):
                continue
            if node.get("/Type") == "/Pages":
                kids = node.get("/Kids")
                todo.extend(reversed(kids.get_object().copy()) if kids is not None else [])
            elif node.get("/Type") == "/Page":
                found += 1
    if found != expected:
        raise RuntimeError(f"the package has {found} pages, expected {expected}")
