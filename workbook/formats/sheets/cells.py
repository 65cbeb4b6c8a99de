"""Cell values as a person sees them: numbers in their display format, dates in any form, criteria lists."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

CellValue = str | dt.datetime | dt.date | dt.time | None

EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serials a due date column can plausibly hold: 1990-01-01 .. 2100-12-31.
SERIAL_MIN, SERIAL_MAX = 32874, 73415


@dataclass(frozen=True)
class _NumberFormat:
    prefix: str
    suffix: str
    min_int: int
    required_decimals: int
    optional_decimals: int
    grouping: bool
    percent: int


def general(value: float | int) -> str:
    """Excel's General format: integers without `.0`, floats without binary noise."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return "#NUM!"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.15g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}E{'+' if int(exponent) >= 0 else '-'}{abs(int(exponent)):02d}"
    return text


def render_number(value: float | int, number_format: str) -> str:
    """Render a number as Excel displays it under `number_format` (`0.00` → `3.10`, `000` → `007`).

    A negative number uses the format's second section when it has one (`0.00;(0.00)` shows -5 as `(5.00)`,
    with no minus sign of its own), and zero its third.
    """
    sections = _split_sections(number_format.strip())
    index = 0
    if value < 0 and len(sections) > 1 and sections[1].strip():
        index, value = 1, -value
    elif value == 0 and len(sections) > 2 and sections[2].strip():
        index = 2
    spec = _parse_format(number_format, index)
    if spec is None:
        return general(value) if index == 0 else _literal_section(sections[index], value)
    number = float(value) * (100**spec.percent)
    decimals = spec.required_decimals + spec.optional_decimals
    text = f"{abs(number):{',' if spec.grouping else ''}.{decimals}f}"
    if spec.optional_decimals:
        whole, _, frac = text.partition(".")
        frac = frac.rstrip("0")
        frac = frac.ljust(spec.required_decimals, "0")
        text = f"{whole}.{frac}" if frac else whole
    whole, dot, frac = text.partition(".")
    if spec.min_int == 0 and whole == "0" and dot:
        whole = ""
    elif len(whole.replace(",", "")) < spec.min_int:
        whole = whole.zfill(spec.min_int)
    sign = "-" if number < 0 and float(text.replace(",", "") or 0) != 0 else ""
    return f"{sign}{spec.prefix}{whole}{dot}{frac}{spec.suffix}"


_BRACKETS = re.compile(r"\[[^\]]*\]")


def _literal_section(section: str, value: float | int) -> str:
    """A section with no digit placeholders shows only its text (`0;-0;"nil"` shows zero as `nil`)."""
    text = _BRACKETS.sub("", section).replace('"', "")
    return text if text.strip() else general(value)


@lru_cache(maxsize=512)
def _parse_format(number_format: str, index: int = 0) -> _NumberFormat | None:
    """Parse one section of a number format (0 positive, 1 negative, 2 zero); None means 'show as General'."""
    fmt = number_format.strip()
    if not fmt or fmt.lower() == "general" or fmt == "@":
        return None
    sections = _split_sections(fmt)
    section = sections[index] if index < len(sections) else sections[0]
    section = _BRACKETS.sub("", section)
    prefix: list[str] = []
    suffix: list[str] = []
    pattern: list[str] = []
    percent = 0
    i = 0
    while i < len(section):
        ch = section[i]
        if ch == '"':
            end = section.find('"', i + 1)
            end = len(section) if end < 0 else end
            (suffix if pattern else prefix).append(section[i + 1 : end])
            i = end + 1
            continue
        if ch == "\\" and i + 1 < len(section):
            (suffix if pattern else prefix).append(section[i + 1])
            i += 2
            continue
        if ch in "_*":
            i += 2
            continue
        if ch in "0#?.,":
            if suffix:
                return None
            pattern.append(ch)
        elif ch == "%":
            percent += 1
            (suffix if pattern else prefix).append("%")
        elif ch in "eEyYmMdDhHsS/@":
            return None
        else:
            (suffix if pattern else prefix).append(ch)
        i += 1
    spec = "".join(pattern)
    if not spec.strip(",."):
        return None
    whole, _, frac = spec.partition(".")
    return _NumberFormat(
        prefix="".join(prefix),
        suffix="".join(suffix),
        min_int=whole.count("0"),
        required_decimals=frac.count("0"),
        optional_decimals=frac.count("#") + frac.count("?"),
        grouping="," in whole.strip(","),
        percent=percent,
    )


def _split_sections(fmt: str) -> list[str]:
    sections: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in fmt:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            sections.append("".join(current))
            current = []
        else:
            current.append(ch)
    sections.append("".join(current))
    return sections


def to_text(value: CellValue) -> str:
    """The text a cell shows, for fields kept as text (refs, owners, extra columns)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value.isoformat(timespec="minutes")


def clean_text(text: str) -> str:
    """Trim a cell's text: NBSP to space, CRLF to LF, no trailing spaces on lines, no outer blank lines."""
    if not text:
        return ""
    text = text.replace("\u00a0", " ").replace("\r\n", "\n").replace("\r", "\n")
    if "\n" in text:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text.strip()


_CRITERIA_SPLIT = re.compile(r"\s*(?:[,;\n|]|\s/\s|\s+and\s+)\s*")


def split_criteria(text: str) -> tuple[str, ...]:
    """`CC6.1, CC6.2` / newline / `;` lists → ('CC6.1', 'CC6.2'), order kept, duplicates dropped."""
    seen: dict[str, None] = {}
    for part in _CRITERIA_SPLIT.split(clean_text(text)):
        part = part.strip(" \t.·•-").strip()
        if part and part.lower() not in ("n/a", "na", "none", "-"):
            seen.setdefault(part, None)
    return tuple(seen)


_MONTHS = {
    name: index
    for index, names in enumerate(
        [
            ("jan", "january", "janv", "janvier", "januar", "ene", "enero", "gen"),
            ("feb", "february", "fev", "fevr", "fevrier", "februar", "febrero"),
            ("mar", "march", "mars", "marz", "maerz", "marzo"),
            ("apr", "april", "avr", "avril", "abr", "abril", "aprile"),
            ("may", "mai", "mayo", "mag", "maggio"),
            ("jun", "june", "juin", "juni", "junio", "giu"),
            ("jul", "july", "juil", "juillet", "juli", "julio", "lug"),
            ("aug", "august", "aout", "ago", "agosto"),
            ("sep", "sept", "september", "septembre", "septiembre", "set", "settembre"),
            ("oct", "october", "octobre", "okt", "oktober", "octubre", "ott"),
            ("nov", "november", "novembre", "noviembre"),
            ("dec", "december", "decembre", "dez", "dezember", "dic", "diciembre", "dicembre"),
        ],
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ][\d:.]+Z?)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?:\s+[\d:]+(?:\s*[AaPp][Mm])?)?$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[-\s./]+([^\W\d_]+)\.?,?[-\s./]+(\d{2}|\d{4})$")
_MONTH_DAY = re.compile(r"^([^\W\d_]+)\.?[-\s./]+(\d{1,2})(?:st|nd|rd|th)?,?[-\s./]+(\d{2}|\d{4})$")
_WEEKDAY = re.compile(r"^[A-Za-z]+,\s+")


@dataclass(frozen=True)
class DateReading:
    """A date read from a cell, with how sure we are: `ambiguous` means day and month could swap."""

    date: dt.date | None
    ambiguous: bool = False


def read_date(value: CellValue, day_first: bool | None = None) -> DateReading:
    """Read a date from a cell: datetime, Excel serial shown as text, ISO, numeric or named-month text."""
    if value is None:
        return DateReading(None)
    if isinstance(value, dt.datetime):
        return DateReading(value.date())
    if isinstance(value, dt.date):
        return DateReading(value)
    if isinstance(value, dt.time):
        return DateReading(None)
    text = clean_text(value).strip()
    if not text:
        return DateReading(None)
    # ASCII digits only: "²" and other Unicode digits pass isdigit() but are no Excel serial.
    if re.fullmatch(r"[0-9]+(?:\.0+)?", text):
        serial = int(float(text))
        if SERIAL_MIN <= serial <= SERIAL_MAX:
            return DateReading(EXCEL_EPOCH + dt.timedelta(days=serial))
        return DateReading(None)
    text = _WEEKDAY.sub("", text)
    if m := _ISO.match(text):
        return DateReading(_safe_date(int(m[1]), int(m[2]), int(m[3])))
    if m := _NUMERIC.match(text):
        a, b, year = int(m[1]), int(m[2]), _year(m[3])
        if a > 12 >= b:
            return DateReading(_safe_date(year, b, a))
        if b > 12 >= a:
            return DateReading(_safe_date(year, a, b))
        if a == b:
            return DateReading(_safe_date(year, a, b))
        if "." in text and day_first is None:
            day_first = True
        if day_first:
            return DateReading(_safe_date(year, b, a), ambiguous=True)
        return DateReading(_safe_date(year, a, b), ambiguous=True)
    if m := _DAY_MONTH.match(text):
        month = _MONTHS.get(_fold(m[2]))
        if month:
            return DateReading(_safe_date(_year(m[3]), month, int(m[1])))
    if m := _MONTH_DAY.match(text):
        month = _MONTHS.get(_fold(m[1]))
        if month:
            return DateReading(_safe_date(_year(m[3]), month, int(m[2])))
    return DateReading(None)


def numeric_date_order(texts: list[str]) -> bool | None:
    """Decide day-first (True) or month-first (False) from a column's unambiguous dates; None if no clue."""
    day_first = month_first = 0
    for text in texts:
        if m := _NUMERIC.match(text.strip()):
            a, b = int(m[1]), int(m[2])
            if a > 12 >= b:
                day_first += 1
            elif b > 12 >= a:
                month_first += 1
    if day_first == month_first:
        return None
    return day_first > month_first


def _fold(word: str) -> str:
    return word.lower().replace("é", "e").replace("û", "u").replace("ä", "a").rstrip(".")


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
