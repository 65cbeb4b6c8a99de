"""Hostile checklists given to `import`: xlsx and xlsm parts that lie, bomb, nest, overflow or are missing."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from hostile.case import Case
from hostile.kit import (
    HEADER,
    MAIN_NS,
    SHARED,
    SHEET,
    checklist_rows,
    noise,
    padding,
    row,
    set_declared_size,
    set_directory,
    sheet_xml,
    write_zip,
    xlsx,
    xlsx_parts,
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
LAUGHS = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol" * 10}">' for i in range(10))


def _named(name: str, build: Callable[[Path], Path]) -> Callable[[Path], Path]:
    def run(folder: Path) -> Path:
        return build(folder / name)

    return run


def case(name: str, file: str, build: Callable[[Path], Path], says: str = "", **kw: bool) -> Case:
    family = "xlsm" if file.endswith(".xlsm") else "xlsx"
    return Case(family, name, _named(file, build), "import", says=says, **kw)


def _dtd_in(part: str, doctype: str, body: str | None = None) -> Callable[[Path], Path]:
    """`part` rewritten to open with `doctype` (an entity bomb, an external entity)."""

    def build(path: Path) -> Path:
        original = xlsx_parts()[part]
        assert isinstance(original, bytes)
        text = original.decode()
        root = text.index("<", text.index("?>") + 2)
        new = f'<?xml version="1.0" encoding="UTF-8"?>{doctype}{text[root:]}'
        if body is not None:
            new = new.replace(*body.split("|"))
        return xlsx(path, extra={part: new.encode()})

    return build


def _utf16_dtd(path: Path) -> Path:
    text = (
        f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE workbook [{LAUGHS}]><workbook xmlns="{MAIN_NS}"/>'
    )
    return xlsx(path, extra={"xl/workbook.xml": text.encode("utf-16")})


def _many_parts(path: Path) -> Path:
    parts = xlsx_parts()
    parts.update({f"xl/media/image{i}.png": b"x" for i in range(5_001)})
    return write_zip(path, parts)


def _ghost(path: Path) -> Path:
    def rows(fh: object) -> None:
        write = fh.write  # type: ignore[attr-defined]
        write(f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}"><sheetData>{row(1, HEADER)}'.encode())
        for start in range(2, 1_048_577, 4096):
            write(
                "".join(
                    f'<row r="{r}" spans="1:26" s="1" customFormat="1"/>'
                    for r in range(start, min(start + 4096, 1_048_577))
                ).encode()
            )
        write(b"</sheetData></worksheet>")

    return xlsx(path, rows)


def _numbers(count: int, per_row: int = 100) -> Callable[[object], None]:
    """A sheet of `count` numeric cells below a header, streamed (values vary so deflate packs ~10x)."""

    def write(fh: object) -> None:
        out = fh.write  # type: ignore[attr-defined]
        out(f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}"><sheetData>{row(1, HEADER)}'.encode())
        rows = count // per_row
        for r in range(rows):
            base = r * 7919
            out(
                f'<row r="{r + 2}">'.encode()
                + b"".join(b"<c><v>%d</v></c>" % (base + c * 31) for c in range(per_row))
                + b"</row>"
            )
        out(b"</sheetData></worksheet>")

    return write


def _shared_table(count: int) -> Callable[[object], None]:
    def write(fh: object) -> None:
        out = fh.write  # type: ignore[attr-defined]
        out(f'<sst xmlns="{MAIN_NS}">'.encode())
        for start in range(0, count, 10_000):
            out(b"".join(b"<si><t>%d</t></si>" % i for i in range(start, min(start + 10_000, count))))
        out(b"</sst>")

    return write


def _shared_sheet(index: str) -> bytes:
    body = row(1, HEADER) + f'<row r="2"><c r="A2" t="s"><v>{index}</v></c><c r="B2" t="s"><v>1</v></c></row>'
    return sheet_xml(body)


SHARED_TWO = f'<sst xmlns="{MAIN_NS}"><si><t>PBC-001</t></si><si><t>Provide it.</t></si></sst>'.encode()


def _header_only(before: str = "", after: str = "", prolog: str = "") -> bytes:
    return sheet_xml(row(1, HEADER), before=before, after=after, prolog=prolog)


def _huge_comment(where: str) -> Callable[[Path], Path]:
    """A 64 MB comment (a 2 MB file) before, inside or after the rows of a header-only sheet."""
    comment = padding(64 << 20, noise(1 << 16), head=b"<!--", tail=b"-->")

    def sheet(fh: object) -> None:
        out = fh.write  # type: ignore[attr-defined]
        out(f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}">'.encode())
        if where == "before":
            comment(fh)  # type: ignore[arg-type]
        out(b"<sheetData>" + row(1, HEADER).encode())
        if where == "rows":
            comment(fh)  # type: ignore[arg-type]
        out(b"</sheetData>")
        if where == "after":
            comment(fh)  # type: ignore[arg-type]
        out(b"</worksheet>")

    return lambda path: xlsx(path, sheet)


def _big_token(head: bytes, tail: bytes, size: int = 12 << 20) -> Callable[[Path], Path]:
    """One token of `size` bytes (an attribute value, a CDATA section) inside the rows."""

    def sheet(fh: object) -> None:
        out = fh.write  # type: ignore[attr-defined]
        out(f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}"><sheetData>{row(1, HEADER)}'.encode())
        out(head)
        padding(size, noise(1 << 16))(fh)  # type: ignore[arg-type]
        out(tail + b"</sheetData></worksheet>")

    return lambda path: xlsx(path, sheet)


def _many_attributes(path: Path) -> Path:
    attrs = b" ".join(b'a%d="1"' % i for i in range(1_500_000))
    return xlsx(path, sheet_xml(row(1, HEADER)).replace(b'<row r="1"', b'<row r="1" ' + attrs))


def _deep_nesting(path: Path) -> Path:
    depth = 200_000
    return xlsx(path, _header_only(after="<x>" * depth + "</x>" * depth))


def _stray_values(path: Path) -> Path:
    """Three million `<v>` outside any row: a tree parser keeps every one of them."""

    def sheet(fh: object) -> None:
        out = fh.write  # type: ignore[attr-defined]
        out(f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}"><sheetData>{row(1, HEADER)}'.encode())
        for start in range(0, 3_000_000, 10_000):
            out(b"".join(b"<v>%d</v>" % i for i in range(start, start + 10_000)))
        out(b"</sheetData></worksheet>")

    return xlsx(path, sheet)


def _merges(count: int) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        merges = "".join(f'<mergeCell ref="A{r}:B{r}"/>' for r in range(3, count + 3))
        return xlsx(
            path, sheet_xml(checklist_rows(), after=f'<mergeCells count="{count}">{merges}</mergeCells>')
        )

    return build


def _hidden_columns(path: Path) -> Path:
    cols = "".join(
        f'<col min="{i % 16_000 + 1}" max="{16_384 - i % 997}" hidden="1"/>' for i in range(200_000)
    )
    return xlsx(path, _header_only(before=f"<cols>{cols}</cols>"))


def _validations(path: Path) -> Path:
    many = "".join(
        f'<dataValidation type="list" sqref="C{i}:D{i * 7 % 9973}">'
        f"<formula1>PBC!$A$1:$A${i % 5000 + 1}</formula1>"
        "</dataValidation>"
        for i in range(2, 200_002)
    )
    return xlsx(path, _header_only(after=f"<dataValidations>{many}</dataValidations>"))


def _strings_past(path: Path) -> Path:
    return xlsx(path, _shared_sheet("999"), shared=SHARED_TWO)


def _truncated(size: int) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        xlsx(path)
        path.write_bytes(path.read_bytes()[:size])
        return path

    return build


def _with_dimension_lie(path: Path) -> Path:
    return xlsx(path, _header_only(before='<dimension ref="A1:XFD1048576"/>'))


def _declared_total(path: Path) -> Path:
    """Three stored images that claim 300 MB each (a lie below the ratio check): 900 MB in all."""
    media = {
        f"xl/media/image{i}.png": noise(1_300_000, seed=i, alphabet=bytes(range(256)), rare=0.99)
        for i in range(3)
    }
    xlsx(path, extra=media, methods=dict.fromkeys(media, zipfile.ZIP_STORED))
    for name in media:
        set_declared_size(path, name, 300 << 20)
    return path


def _declared_strings(path: Path) -> Path:
    """A shared-string table claiming 140 MB from 600 KB stored: within the ratio check, over its budget."""
    table = noise(600_000, alphabet=bytes(range(256)), rare=0.99)
    xlsx(path, _shared_sheet("0"), shared=table, methods={SHARED: zipfile.ZIP_STORED})
    return set_declared_size(path, SHARED, 140 << 20)


def _directory(entries: int | None, size: int | None) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        return set_directory(xlsx(path), entries, size)

    return build


def _chart_only(path: Path) -> Path:
    parts = xlsx_parts(extra={SHEET: None})
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'<sheet name="PBC"', b'<sheet name="Chart"')  # type: ignore[union-attr]
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(  # type: ignore[union-attr]
        b'/worksheet" Target="worksheets/sheet1.xml', b'/chartsheet" Target="chartsheets/sheet1.xml'
    )
    parts["xl/chartsheets/sheet1.xml"] = f'<chartsheet xmlns="{MAIN_NS}"><sheetViews/></chartsheet>'.encode()
    return write_zip(path, parts)


def _no_sheets(path: Path) -> Path:
    parts = xlsx_parts()
    parts["xl/workbook.xml"] = f'<workbook xmlns="{MAIN_NS}"><sheets/></workbook>'.encode()
    return write_zip(path, parts)


def _renamed(parts: dict[str, bytes]) -> Callable[[Path], Path]:
    return lambda path: write_zip(path, parts)  # type: ignore[arg-type]


def _bytes(data: bytes) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return build


def _bomb(size: int, method: int) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        return xlsx(
            path,
            padding(size, b" ", head=_header_only()[:-24], tail=b"</sheetData></worksheet>"),
            methods={SHEET: method},
        )

    return build


def _cell(value: str, attrs: str = "") -> bytes:
    return sheet_xml(row(1, HEADER) + f'<row r="2"><c r="A2"{attrs}><v>{value}</v></c></row>')


def _row_number(path: Path) -> Path:
    return xlsx(
        path, sheet_xml(row(1, HEADER) + row(2, ["PBC-001", "x", "y"]).replace('r="2"', 'r="999999999"', 1))
    )


def _xlsm_garbage_vba(path: Path) -> Path:
    return xlsx(path, _header_only(), extra={"xl/vbaProject.bin": OLE_MAGIC + b"\x00" * 4096})


CASES: list[Case] = [
    case("empty_file", "empty.xlsx", _bytes(b""), "empty", fast=True),
    case(
        "random_bytes",
        "noise.xlsx",
        _bytes(noise(50_000, alphabet=bytes(range(256)), rare=0.99)),
        "not a spreadsheet",
    ),
    case("header_only", "header-only.xlsx", lambda p: xlsx(p, _header_only()), "No requests"),
    case("docx_renamed", "memo.xlsx", _renamed({"word/document.xml": b"<document/>"}), "Word document"),
    case("pptx_renamed", "deck.xlsx", _renamed({"ppt/presentation.xml": b"<p/>"}), "PowerPoint"),
    case("ods_renamed", "calc.xlsx", _renamed({"mimetype": b"x", "content.xml": b"<c/>"}), "OpenDocument"),
    case("numbers_renamed", "apple.xlsx", _renamed({"Index/Document.iwa": b"x"}), "Numbers"),
    case("xlsb_renamed", "binary.xlsx", _renamed({"xl/workbook.bin": b"x"}), ".xlsb"),
    case("zip_without_workbook", "other.xlsx", _renamed({"a.txt": b"a"}), "not an Excel workbook"),
    case("truncated_half", "half.xlsx", _truncated(900), "damaged", fast=True),
    case("truncated_to_header", "stub.xlsx", _truncated(30), "damaged"),
    case(
        "ole_shell_encrypted",
        "locked.xlsx",
        _bytes(OLE_MAGIC + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 1024),
        "password",
    ),
    case(
        "entity_bomb_in_sheet",
        "laughs.xlsx",
        lambda p: xlsx(p, _header_only(prolog=f'<?xml version="1.0"?><!DOCTYPE worksheet [{LAUGHS}]>')),
        "unsafe XML",
        fast=True,
    ),
    case(
        "external_entity_in_workbook",
        "xxe.xlsx",
        _dtd_in(
            "xl/workbook.xml",
            '<!DOCTYPE workbook [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
            '<sheet name="PBC"|<sheet name="&x;"',
        ),
        "unsafe XML",
        fast=True,
    ),
    case(
        "entity_bomb_in_workbook",
        "wb-laughs.xlsx",
        _dtd_in("xl/workbook.xml", f"<!DOCTYPE workbook [{LAUGHS}]>", '<sheet name="PBC"|<sheet name="&l9;"'),
        "unsafe XML",
    ),
    case(
        "dtd_in_content_types",
        "types.xlsx",
        _dtd_in("[Content_Types].xml", f"<!DOCTYPE Types [{LAUGHS}]>"),
        "unsafe XML",
    ),
    case(
        "dtd_in_relationships",
        "rels.xlsx",
        _dtd_in("xl/_rels/workbook.xml.rels", '<!DOCTYPE r SYSTEM "http://example.invalid/x.dtd">'),
        "unsafe XML",
    ),
    case("dtd_in_utf16_workbook", "utf16.xlsx", _utf16_dtd, "unsafe XML"),
    case(
        "dtd_in_shared_strings",
        "strings-dtd.xlsx",
        lambda p: xlsx(
            p,
            _shared_sheet("0"),
            shared=(
                f'<?xml version="1.0"?><!DOCTYPE sst [{LAUGHS}]><sst xmlns="{MAIN_NS}">'
                "<si><t>&l9;</t></si></sst>"
            ).encode(),
        ),
        "unsafe XML",
    ),
    case(
        "dtd_after_long_comment",
        "late-dtd.xlsx",
        _dtd_in("xl/workbook.xml", "<!--" + "c" * 300_000 + f"--><!DOCTYPE workbook [{LAUGHS}]>"),
        "unsafe XML",
    ),
    case("zip_bomb_bzip2_sheet", "bomb.xlsx", _bomb(64 << 20, zipfile.ZIP_BZIP2), "zip bombs", fast=True),
    case("zip_bomb_deflate_sheet", "deflate-bomb.xlsx", _bomb(200 << 20, zipfile.ZIP_DEFLATED), "zip bombs"),
    case("declared_900_mb_in_all", "declared.xlsx", _declared_total, "unpacks to"),
    case(
        "declared_sheet_of_900_mb",
        "declared-sheet.xlsx",
        lambda p: set_declared_size(xlsx(p), SHEET, 900 << 20),
        "zip bombs",
    ),
    case("declared_huge_shared_strings", "declared-strings.xlsx", _declared_strings, "shared-string table"),
    case("too_many_parts", "parts.xlsx", _many_parts, "internal parts"),
    case("directory_claims_a_million_parts", "directory.xlsx", _directory(None, 200 << 20), "internal parts"),
    case("ghost_rows_to_1048576", "ghost.xlsx", _ghost, "No requests"),
    case(
        "wider_than_16384_columns",
        "wide.xlsx",
        lambda p: xlsx(
            p, sheet_xml(row(1, HEADER) + '<row r="2"><c r="XFE2" t="inlineStr"><is><t>y</t></is></c></row>')
        ),
        "16,385 columns",
    ),
    case("row_number_past_the_limit", "far-row.xlsx", _row_number, "rows"),
    case("dimension_claims_every_cell", "dimension.xlsx", _with_dimension_lie, "No requests"),
    case("comment_of_64_mb_before_rows", "comment.xlsx", _huge_comment("before"), "No requests", fast=True),
    case("comment_of_64_mb_among_rows", "comment-rows.xlsx", _huge_comment("rows"), "No requests"),
    case("comment_of_64_mb_after_rows", "comment-after.xlsx", _huge_comment("after"), "No requests"),
    case("attribute_of_12_mb", "attribute.xlsx", _big_token(b'<row r="2" x="', b'"/>'), "without a new row"),
    case(
        "cdata_of_12_mb",
        "cdata.xlsx",
        _big_token(b'<row r="2"><c r="A2" t="inlineStr"><is><t><![CDATA[', b"]]></t></is></c></row>"),
        "without a new row",
    ),
    case("processing_instruction_of_12_mb", "pi.xlsx", _big_token(b"<?junk ", b"?>"), "No requests"),
    case("row_with_1500000_attributes", "attrs.xlsx", _many_attributes, "without a new row"),
    case("nesting_200000_deep", "deep.xlsx", _deep_nesting, "No requests"),
    case("three_million_stray_values", "stray.xlsx", _stray_values, "cells"),
    case(
        "two_million_numeric_cells",
        "numbers.xlsx",
        lambda p: xlsx(p, _numbers(2_100_000)),
        "2,000,000 cells",
        fast=True,
    ),
    case("merged_ranges_past_the_limit", "merges.xlsx", _merges(120_000), "merged ranges"),
    case("hidden_column_ranges_200000", "cols.xlsx", _hidden_columns, "No requests"),
    case("dropdowns_200000", "dropdowns.xlsx", _validations, "No requests"),
    case(
        "shared_string_index_past_the_table",
        "strings.xlsx",
        _strings_past,
        "shared text number 999",
        fast=True,
    ),
    case(
        "shared_string_index_negative",
        "negative.xlsx",
        lambda p: xlsx(p, _shared_sheet("-1"), shared=SHARED_TWO),
        "shared text number -1",
    ),
    case(
        "shared_string_index_not_a_number",
        "nan-index.xlsx",
        lambda p: xlsx(p, _shared_sheet("x"), shared=SHARED_TWO),
        "could not be read",
    ),
    case(
        "shared_strings_2100000",
        "many-strings.xlsx",
        lambda p: xlsx(p, _shared_sheet("0"), shared=_shared_table(2_100_000)),
        "distinct texts",
    ),
    case("number_that_is_not_a_number", "nan.xlsx", lambda p: xlsx(p, _cell("abc")), "could not be read"),
    case(
        "number_with_a_million_digits",
        "digits.xlsx",
        lambda p: xlsx(p, _cell("9" * 1_000_000, ' t="s"'), shared=SHARED_TWO),
        "could not be read",
    ),
    case("style_id_not_a_number", "style.xlsx", lambda p: xlsx(p, _cell("5", ' s="x"')), "could not be read"),
    case(
        "cell_over_32767_characters",
        "long-cell.xlsx",
        lambda p: xlsx(p, sheet_xml(checklist_rows() + row(3, ["PBC-002", "x" * 40_000]))),
        "32,767",
    ),
    case(
        "missing_sheet_part",
        "no-sheet-part.xlsx",
        lambda p: xlsx(p, extra={SHEET: None}),
        "missing",
        fast=True,
    ),
    case(
        "missing_workbook_relationships",
        "no-rels.xlsx",
        lambda p: xlsx(p, extra={"xl/_rels/workbook.xml.rels": None}),
        "damaged",
    ),
    case(
        "missing_content_types",
        "no-types.xlsx",
        lambda p: xlsx(p, extra={"[Content_Types].xml": None}),
        "damaged",
    ),
    case("workbook_with_no_sheets", "no-sheets.xlsx", _no_sheets, "no sheets"),
    case("chart_sheet_only", "chart.xlsx", _chart_only, "chart"),
    case(
        "unclosed_tag_in_sheet",
        "unclosed.xlsx",
        lambda p: xlsx(p, sheet_xml(checklist_rows())[:-30]),
        "damaged",
    ),
    case(
        "malformed_styles",
        "styles.xlsx",
        lambda p: xlsx(p, extra={"xl/styles.xml": b"<styleSheet><fonts count='x'>"}),
        "damaged",
    ),
    case(
        "unknown_encoding",
        "encoding.xlsx",
        lambda p: xlsx(p, _header_only(prolog='<?xml version="1.0" encoding="x-unknown"?>')),
        "damaged",
    ),
    case(
        "unbound_namespace_prefix",
        "prefix.xlsx",
        lambda p: xlsx(p, sheet_xml(checklist_rows() + "<q:row/>")),
        "damaged",
    ),
    case("macro_workbook_garbage_vba", "macro.xlsm", _xlsm_garbage_vba, "No requests", fast=True),
    case("macro_workbook_truncated", "cut.xlsm", _truncated(700), "damaged"),
    case(
        "macro_workbook_entity_bomb",
        "laughs.xlsm",
        lambda p: xlsx(p, _header_only(prolog=f'<?xml version="1.0"?><!DOCTYPE worksheet [{LAUGHS}]>')),
        "unsafe XML",
    ),
    case("macro_workbook_missing_sheet", "gone.xlsm", lambda p: xlsx(p, extra={SHEET: None}), "missing"),
    case(
        "macro_workbook_two_million_cells",
        "numbers.xlsm",
        lambda p: xlsx(p, _numbers(2_100_000)),
        "2,000,000 cells",
    ),
]
