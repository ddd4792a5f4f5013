"""Find an interchange's delimiters from its ISA, tolerating what real partners send.

The standard says the ISA is 106 characters with the element separator at offset 3, ISA16 (the
component separator) at offset 104 and the segment terminator at 105. Real files break this: padding
collapsed to single spaces or written with NBSP, ISA16 left out, the ISA wrapped over two lines, a
terminator that is only a line break, a space before CRLF, or a multi-byte character. So instead of
fixed offsets we count sixteen element separators and then decide what the next one or two characters
are, looking ahead at the following segment when the ISA alone is ambiguous.

Detection never guesses silently: every tolerance applied is reported as a warning string.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from gateway.errors import InterchangeError
from gateway.x12.model import Delimiters

ISA_SCAN_LIMIT = 512
"""How far past ``ISA`` the sixteenth element separator may be (a padded ISA is 106 chars)."""

_LINE_BREAKS = "\r\n"
_NEXT_TAGS = ("GS", "TA1", "IEA")
_DEFAULT_COMPONENTS = (">", ":", "^", "\\", "`", "{")


@dataclass(slots=True)
class IsaScan:
    """Result of reading one ISA: its elements (tag first), delimiters and where the body starts."""

    elements: list[str]
    delimiters: Delimiters
    end: int
    """Index in the text just past the ISA's terminator (the body starts here)."""
    warnings: list[str] = field(default_factory=list)


def find_isa(text: str, start: int = 0, limit: int = 4096) -> int:
    """Index of the next ``ISA`` header at or after ``start`` (within ``limit`` chars), or -1."""
    end = min(len(text), start + limit)
    i = text.find("ISA", start, end)
    while i != -1:
        if i + 3 < len(text) and not text[i + 3].isalnum():
            return i
        i = text.find("ISA", i + 1, end)
    return -1


def scan_isa(text: str, i: int, at_eof: bool) -> IsaScan | None:
    """Read the ISA starting at ``text[i]``; ``None`` if more text is needed (and not at EOF).

    Raises ``InterchangeError`` (with the TA105 code it maps to) when no delimiters can be trusted.
    """
    element = text[i + 3] if i + 3 < len(text) else ""
    if not element:
        if at_eof:
            raise InterchangeError(
                "file ends inside the ISA header", code="x12.isa.truncated", ta1_code="023"
            )
        return None
    if element.isalnum() or element.isspace():
        raise InterchangeError(
            f"invalid element separator {element!r} after ISA",
            code="x12.isa.element_separator",
            ta1_code="026",
        )
    seps: list[int] = [i + 3]
    p = i + 3
    while len(seps) < 16:
        p = text.find(element, p + 1, i + ISA_SCAN_LIMIT)
        if p == -1:
            if not at_eof and len(text) < i + ISA_SCAN_LIMIT:
                return None
            raise InterchangeError(
                f"ISA header has {len(seps)} element separators, 16 expected",
                code="x12.isa.truncated",
                ta1_code="023",
            )
        seps.append(p)
    tail = seps[-1] + 1
    if len(text) < tail + 256 and not at_eof:
        return None  # need the lookahead below
    elements = [text[i : i + 3]] + [text[a + 1 : b] for a, b in pairwise(seps)]
    return _finish(text, elements, element, tail)


def _finish(text: str, elements: list[str], element: str, tail: int) -> IsaScan:
    """Decide ISA16 and the segment terminator from the characters after the 16th separator."""
    warnings: list[str] = []
    c16 = text[tail] if tail < len(text) else ""
    nxt = text[tail + 1] if tail + 1 < len(text) else ""
    if c16 == "" or c16 in _LINE_BREAKS:
        warnings.append("ISA16 (component separator) missing; segments end with a line break")
        return _build(text, elements, element, None, None, tail, warnings)
    if nxt == "" or nxt in _LINE_BREAKS:
        if _next_line_ends_with(text, tail + 1, c16):
            warnings.append(f"ISA16 missing: {c16!r} is the segment terminator")
            return _build(text, elements, element, None, c16, tail + 1, warnings)
        return _build(text, elements, element, c16, None, tail + 1, warnings)
    if nxt.isalnum():
        if text.startswith(tuple(t + element for t in _NEXT_TAGS), tail + 1):
            warnings.append(f"ISA16 missing: {c16!r} is the segment terminator")
            return _build(text, elements, element, None, c16, tail + 1, warnings)
        raise InterchangeError(
            f"segment terminator {nxt!r} after ISA16 is alphanumeric",
            code="x12.isa.segment_terminator",
            ta1_code="004",
            isa=elements,
        )
    if nxt in " \t":
        rest = text[tail + 1 : tail + 64].lstrip(" \t")
        if rest[:1] in ("\r", "\n"):
            warnings.append(
                "segment terminator is a space before the line break; using line breaks"
            )
            return _build(text, elements, element, c16, None, tail + 1, warnings)
    return _build(text, elements, element, c16, nxt, tail + 2, warnings)


def _next_line_ends_with(text: str, start: int, char: str) -> bool:
    """True when the first non-blank line after ``start`` ends with ``char`` (then it terminates)."""
    pos = start
    while pos < len(text):
        end = text.find("\n", pos)
        line = text[pos:] if end == -1 else text[pos:end]
        if line.strip():
            return line.rstrip().endswith(char)
        if end == -1:
            break
        pos = end + 1
    return False


def _build(
    text: str,
    elements: list[str],
    element: str,
    component: str | None,
    terminator: str | None,
    end: int,
    warnings: list[str],
) -> IsaScan:
    elements.append(component or "")
    if component is None:
        component = _pick_component(text, end, element, terminator)
        warnings.append(f"component separator defaulted to {component!r}")
    isa11 = elements[11].strip()
    repetition = isa11 if len(isa11) == 1 and not isa11.isalnum() else None
    delimiters = Delimiters(
        element=element,
        component=component,
        segment=terminator or "\n",
        repetition=repetition,
        line_mode=terminator is None,
    )
    _check_distinct(delimiters, elements)
    return IsaScan(elements=elements, delimiters=delimiters, end=end, warnings=warnings)


def _pick_component(text: str, start: int, element: str, terminator: str | None) -> str:
    """A component separator that does not occur in the next few KB of data."""
    sample = text[start : start + 8192]
    for candidate in _DEFAULT_COMPONENTS:
        if candidate not in (element, terminator) and candidate not in sample:
            return candidate
    return "\x1f"


def _check_distinct(d: Delimiters, elements: list[str]) -> None:
    used = [d.element, d.component, d.segment] + ([d.repetition] if d.repetition else [])
    if len(set(used)) != len(used):
        raise InterchangeError(
            f"delimiters are not distinct: element {d.element!r}, component {d.component!r}, "
            f"segment {d.segment!r}, repetition {d.repetition!r}",
            code="x12.isa.delimiters",
            ta1_code="027" if d.component in (d.element, d.segment) else "026",
            isa=elements,
        )
    if d.component.isalnum():
        raise InterchangeError(
            f"component separator {d.component!r} is alphanumeric",
            code="x12.isa.component_separator",
            ta1_code="027",
            isa=elements,
        )
