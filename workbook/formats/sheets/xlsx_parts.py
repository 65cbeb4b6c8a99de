"""An xlsx's big parts read within budgets: the sheet XML stream and the shared strings."""

from __future__ import annotations

import io
import re
from typing import IO
from xml.parsers import expat

from workbook.formats.sheets.preflight import MAX_SHARED_STRINGS

_CHUNK = 64 * 1024
# With no row starting for this long, a piece ends at the last tag instead (one big row, the end matter).
_PIECE = 1024 * 1024
# One token of sheet XML (a tag with its attributes, a CDATA section, a run of text) may be this long:
# expat 2.5 takes ~1 s per 8 MB of attribute value or comment, and re-scans an unfinished token from its
# start on every feed. Real tokens are a cell's text at most (32,767 characters).
MAX_STRETCH = 8 * 1024 * 1024
_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_ROWS_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?sheetData\s*>")
_OPENERS = re.compile(rb"<!--|<\?|<!\[CDATA\[")
_CLOSERS = {b"<!--": b"-->", b"<?": b"?>", b"<![CDATA[": b"]]>"}
# A match can start this far before the end of what was scanned and still be incomplete there.
_OVERLAP = 64


class StretchTooLong(Exception):
    """The sheet's XML holds a token longer than MAX_STRETCH bytes."""


class RowBoundaryStream(io.RawIOBase):
    """Feed sheet XML in pieces ending just before a `<row`, so the remaining rows can be skipped cleanly.

    Each byte is scanned once (by C-speed searches). Comments and processing instructions are dropped on
    the way: they mean nothing to a sheet, and expat 2.5 reads a 60 MB comment in 4 s. With no row start
    for a while, a piece ends before the last tag instead; the stream is then not at a row boundary, and a
    skip waits for the next one. A single token longer than MAX_STRETCH is refused.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw
        self._buf = bytearray()
        self._scanned = 0  # bytes of _buf scanned for constructs, row starts and tags
        self._inside = b""  # the closer of the comment, instruction or CDATA section being scanned
        self._keep = False  # whether that construct's bytes are kept (CDATA, the XML declaration)
        self._row_cut = 0  # the last row start scanned (0: none past the start of _buf)
        self._tag_cut = 0  # the last tag start scanned outside any construct
        self._handed = 0  # bytes handed on so far
        self._eof = False
        self._aligned = True  # everything handed on so far ended just before a row start
        self.skip_rows = False

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        data = self._raw.read(_CHUNK)
        if not data:
            self._eof = True
        self._buf += data

    def _scan(self) -> None:
        buf = self._buf
        pos = self._scanned
        while pos < (limit := len(buf) if self._eof else len(buf) - _OVERLAP):
            if self._inside:
                closer = self._inside
                end = buf.find(closer, pos)
                if end < 0:
                    # Not closed yet: step over (or drop) all but what could be the start of the closer.
                    upto = max(pos, limit - len(closer) + 1)
                    if self._keep:
                        pos = upto
                    else:
                        del buf[pos:upto]
                    break
                if self._keep:
                    pos = end + len(closer)
                else:
                    del buf[pos : end + len(closer)]
                self._inside = b""
                continue
            found = _OPENERS.search(buf, pos)
            edge = found.start() if found is not None and found.start() < limit else limit
            for row in _ROW_START.finditer(buf, pos):
                if row.start() >= edge:
                    break
                self._row_cut = row.start()
            tag = buf.rfind(b"<", pos, edge)
            if tag > 0:
                self._tag_cut = tag
            if found is None or edge == limit:
                pos = limit
                break
            opener = found.group()
            self._inside = _CLOSERS[opener]
            self._keep = opener == b"<![CDATA[" or (opener == b"<?" and self._handed + edge <= 3)
            if edge > 0:
                self._tag_cut = edge
            if self._keep:
                pos = found.end()
            else:
                del buf[edge : found.end()]
                pos = edge
        self._scanned = pos

    def read(self, size: int = -1) -> bytes:
        if self.skip_rows and self._aligned:
            self._skip_to_end_of_rows()
        while True:
            self._scan()
            if self._eof or self._row_cut > 0 or (len(self._buf) >= _PIECE and self._tag_cut > 0):
                break
            if len(self._buf) > MAX_STRETCH:
                raise StretchTooLong()
            self._fill()
        if self._eof:
            cut = len(self._buf)
        elif self._row_cut > 0:
            cut, self._aligned = self._row_cut, True
        else:
            cut, self._aligned = self._tag_cut, False
        out = bytes(self._buf[:cut])
        del self._buf[:cut]
        self._handed += cut
        self._scanned -= min(cut, self._scanned)
        self._row_cut = 0
        self._tag_cut = self._tag_cut - cut if self._tag_cut > cut else 0
        return out

    def _skip_to_end_of_rows(self) -> None:
        self.skip_rows = False
        self._row_cut = self._tag_cut = 0
        self._inside = b""
        while True:
            found = _ROWS_END.search(self._buf)
            if found:
                del self._buf[: found.start()]
                self._scanned = 0
                return
            if self._eof:
                self._buf.clear()
                self._scanned = 0
                return
            del self._buf[:-_OVERLAP]
            self._fill()


class ForbiddenMarkup(Exception):
    """A DTD or entity declaration in a part we parse ourselves."""


def _forbid(*_args: object) -> int:
    raise ForbiddenMarkup()


def guarded_parser() -> expat.XMLParserType:
    """An expat parser that refuses DTDs and entities (what defusedxml guards against) outright."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    return parser


def _feed(parser: expat.XMLParserType, source: IO[bytes]) -> None:
    """Feed in pieces that double, so a huge token costs expat a few re-scans, not one per chunk."""
    fed = 0
    while True:
        data = source.read(max(_CHUNK, fed))
        if not data:
            parser.Parse(b"", True)
            return
        fed += len(data)
        parser.Parse(data, False)


class SharedStringsUnsafe(Exception):
    """The shared-string table declares a DTD or entities."""


class TooManySharedStrings(Exception):
    """The shared-string table holds more strings than MAX_SHARED_STRINGS."""


def read_shared_strings(source: IO[bytes], limit: int = MAX_SHARED_STRINGS) -> list[str]:
    """The shared-string table as plain text, as openpyxl's reader gives it (runs joined, phonetics dropped).

    One expat pass with no element objects: openpyxl's own reader spends ~40 µs a string building
    descriptor objects (500,000 strings took 23 s); this takes a few µs.
    """
    strings: list[str] = []
    parts: list[str] = []
    collecting = False
    phonetic = 0

    def start(name: str, _attrs: object) -> None:
        nonlocal collecting, phonetic
        local = name.rpartition("}")[2]
        if local == "t":
            collecting = phonetic == 0
        elif local == "rPh":
            phonetic += 1
        elif local == "si":
            parts.clear()

    def end(name: str) -> None:
        nonlocal collecting, phonetic
        local = name.rpartition("}")[2]
        if local == "t":
            collecting = False
        elif local == "rPh":
            phonetic -= 1
        elif local == "si":
            strings.append("".join(parts).replace("x005F_", ""))
            if len(strings) > limit:
                raise TooManySharedStrings()

    def text(data: str) -> None:
        if collecting:
            parts.append(data)

    parser = guarded_parser()
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        _feed(parser, source)
    except ForbiddenMarkup as exc:
        raise SharedStringsUnsafe() from exc
    return strings
