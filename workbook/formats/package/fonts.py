"""The shipped fonts: registered with reportlab once per process, a CJK fallback, text cut into font runs."""

from __future__ import annotations

import functools
import re
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from workbook.resources import resource

FONT = "AuditWorkbookSans"
FONT_BOLD = "AuditWorkbookSans-Bold"
FONT_FALLBACK = "AuditWorkbookFallback"  # Droid Sans Fallback: CJK
_FONT_DIR = resource("fonts")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    return _CONTROL.sub("", text)


@functools.cache
def _covered() -> frozenset[int]:
    """Characters of DejaVu Sans, registered with reportlab's process-wide font table on first call."""
    regular = TTFont(FONT, str(_FONT_DIR / "DejaVuSans.ttf"))
    # WORKAROUND (https://github.com/Distrotech/reportlab/issues/8, SMP characters in TrueType fonts):
    # reportlab writes astral characters into ToUnicode as 5-digit hex, which readers reject; keep to the BMP.
    covered = frozenset(c for c in regular.face.charToGlyph if c <= 0xFFFF)
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(_FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    return covered


@functools.cache
def _fallback() -> frozenset[int]:
    """Characters of the CJK fallback font, registered on first need (parsing it costs 4 MB and time)."""
    font = TTFont(FONT_FALLBACK, str(_FONT_DIR / "DroidSansFallbackFull.ttf"))
    pdfmetrics.registerFont(font)
    pdfmetrics.registerFontFamily(
        FONT_FALLBACK,
        normal=FONT_FALLBACK,
        bold=FONT_FALLBACK,
        italic=FONT_FALLBACK,
        boldItalic=FONT_FALLBACK,
    )
    return frozenset(c for c in font.face.charToGlyph if c <= 0xFFFF)


def register_fonts() -> None:
    """Register the shipped DejaVu Sans once; every glyph we draw comes from it or the CJK fallback."""
    _covered()


def _runs(text: str) -> list[tuple[bool, str]]:
    """Text cut into (needs the fallback font, run) pieces; a character no font has becomes [U+XXXX]."""
    text = clean(text)
    if text.isascii():
        return [(False, text)]
    covered = _covered()
    runs: list[tuple[bool, list[str]]] = []
    for c in text:
        code = ord(c)
        if code in covered or c in "\n\t":
            use_fallback = False
        elif code <= 0xFFFF and code in _fallback():
            use_fallback = True
        else:
            use_fallback, c = False, f"[U+{code:04X}]"
        if runs and runs[-1][0] == use_fallback:
            runs[-1][1].append(c)
        else:
            runs.append((use_fallback, [c]))
    return [(use_fallback, "".join(chars)) for use_fallback, chars in runs]


def markup(text: str) -> str:
    """Paragraph markup for plain text: escaped, with CJK runs set in the fallback font."""
    return "".join(
        f'<font face="{FONT_FALLBACK}">{escape(run)}</font>' if use_fallback else escape(run)
        for use_fallback, run in _runs(text)
    )


def draw_text(
    canv: Canvas, x: float, y: float, text: str, font: str, size: float, right: bool = False
) -> None:
    """drawString with the same per-run font switch as paragraphs."""
    runs = [(FONT_FALLBACK if fb else font, run) for fb, run in _runs(text)]
    widths = [pdfmetrics.stringWidth(run, name, size) for name, run in runs]
    if right:
        x -= sum(widths)
    for (name, run), width in zip(runs, widths, strict=True):
        canv.setFont(name, size)
        canv.drawString(x, y, run)
        x += width


def para_text(text: str, cap: int | None = None) -> str:
    """User or checklist text made safe for reportlab markup: escaped, line breaks kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if cap is not None and len(text) > cap:
        text = text[:cap] + "… [shortened; full text in the workbook]"
    return markup(text).replace("\n", "<br/>")
