"""Converting X12 element text into canonical values: dates, times, decimals, integers.

Every function returns ``None`` for text it cannot read; the caller decides whether that deserves
a warning. Decisions, applied everywhere:

* Dates follow the map's formats (``CCYYMMDD``, ``YYMMDD``, ``MMDDYY``...; tried in order, the
  first whose length fits and that names a real day wins). Two-digit years use a century window:
  below the pivot (default 50) is 20xx, otherwise 19xx.
* Times: ``HHMM`` -> ``HH:MM``; ``HHMMSS`` and ``HHMMSSd..`` -> ``HH:MM:SS`` (fractions dropped).
* Decimals keep the scale as sent and lose only what carries no information: a leading ``+``,
  leading zeros, a trailing point and the sign of zero (``"0017.60"`` -> ``"17.60"``,
  ``"17."`` -> ``"17"``, ``".5"`` -> ``"0.5"``). ``R`` values keep their decimals; ``N2``
  values get their implied decimals (``"255438"`` -> ``"2554.38"``). Floats are never involved.

The parsers are pure and see the same few values over and over (quantities, dates), so the
costly ones remember their recent answers.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

DATE_TOKENS = ("CC", "YY", "MM", "DD")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,2})?")
_DIGITS = re.compile(r"\d+")


def check_date_format(fmt: str) -> str | None:
    """The reason ``fmt`` is not a usable date format, or ``None`` when it is."""
    tokens = [fmt[i : i + 2] for i in range(0, len(fmt), 2)]
    if len(fmt) % 2 or any(t not in DATE_TOKENS for t in tokens):
        return f"date format {fmt!r} must be built from CC, YY, MM, DD"
    if sorted(set(tokens)) != sorted(tokens) or not {"YY", "MM", "DD"} <= set(tokens):
        return f"date format {fmt!r} needs YY, MM and DD once each"
    return None


@lru_cache(maxsize=4096)
def parse_date(text: str, formats: tuple[str, ...], century_pivot: int = 50) -> str | None:
    """ISO date (``YYYY-MM-DD``) for ``text`` under the first fitting format, else ``None``."""
    if not _DIGITS.fullmatch(text):
        return None
    for fmt in formats:
        if len(fmt) == len(text):
            parsed = _parse_with(text, fmt, century_pivot)
            if parsed is not None:
                return parsed
    return None


def _parse_with(text: str, fmt: str, century_pivot: int) -> str | None:
    parts = {fmt[i : i + 2]: int(text[i : i + 2]) for i in range(0, len(fmt), 2)}
    year = parts["YY"]
    if "CC" in parts:
        year += parts["CC"] * 100
    else:
        year += 2000 if year < century_pivot else 1900
    try:
        return date(year, parts["MM"], parts["DD"]).isoformat()
    except ValueError:
        return None


def parse_time(text: str) -> str | None:
    """``HH:MM`` or ``HH:MM:SS`` for an X12 TM value, else ``None``."""
    if not _DIGITS.fullmatch(text) or len(text) not in (4, 6, 7, 8):
        return None
    hours, minutes = int(text[0:2]), int(text[2:4])
    seconds = int(text[4:6]) if len(text) >= 6 else None
    if hours > 23 or minutes > 59 or (seconds is not None and seconds > 59):
        return None
    if seconds is None:
        return f"{hours:02d}:{minutes:02d}"
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"


@lru_cache(maxsize=4096)
def parse_decimal(text: str, implied_decimals: int = 0) -> str | None:
    """Canonical decimal string for ``text``; ``implied_decimals`` applies to N-type values.

    An N-type value that already has a decimal point is taken as written.
    """
    value = text.strip()
    if not _DECIMAL.fullmatch(value):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes these
        return None
    if implied_decimals and "." not in value and "e" not in value.lower():
        number = number.scaleb(-implied_decimals)
    if number == 0:
        number = abs(number)
    return format(number, "f")


def parse_integer(text: str) -> int | None:
    """An N0 value (``"007"`` -> 7), else ``None``."""
    value = text.strip()
    if not _DIGITS.fullmatch(value) or len(value) > 18:
        return None
    return int(value)
