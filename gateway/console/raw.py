"""A stored X12 file as the message page shows it: one line per segment, with the segments a
validation error names marked and the error beside them in words.

Segment positions in errors count from the set's ST (ST is 1), as 997/999 AK3/IK3 do; they are
matched by the interchange's ISA13 and the set's ST02, so a file of many interchanges and sets
lines up. Errors a set has only as notes (an SE01 count, a control number mismatch) are shown on
its SE. Only the first ``MAX_SEGMENTS`` are laid out; the whole file is one click away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_SEGMENTS = 3000


@dataclass(slots=True)
class Line:
    number: int
    text: str
    errors: list[str] = field(default_factory=list)
    set_label: str = ""


@dataclass(frozen=True, slots=True)
class RawView:
    lines: list[Line]
    truncated: bool
    is_x12: bool


def raw_view(raw: bytes, transactions: list[Any]) -> RawView:
    """``transactions``: the message's ``TransactionView``s (errors, notes, control numbers)."""
    text = raw.decode("latin-1")
    start = text.find("ISA")
    if start < 0 or len(text) < start + 106:
        plain = text.splitlines()
        return RawView(
            [Line(i + 1, t) for i, t in enumerate(plain[:MAX_SEGMENTS])],
            len(plain) > MAX_SEGMENTS,
            False,
        )
    element, terminator = text[start + 3], text[start + 105]
    errors: dict[tuple[str, str, int], list[str]] = {}
    notes: dict[tuple[str, str], list[str]] = {}
    for t in transactions:
        key = (t.interchange_control_number, t.control_number)
        for entry in t.errors:
            words = [str(entry.get("message") or "")]
            words += [
                str(e.get("message")) for e in entry.get("elements") or [] if e.get("message")
            ]
            errors.setdefault((*key, int(entry.get("position") or 0)), []).extend(words)
        if t.status == "R" and not t.errors and t.notes:
            notes.setdefault(key, []).extend(t.notes)
    lines: list[Line] = []
    isa13 = st02 = ""
    position = 0
    pieces = text[start:].split(terminator)
    for number, piece in enumerate(pieces, start=1):
        segment = piece.strip("\r\n")
        if not segment:
            continue
        if len(lines) >= MAX_SEGMENTS:
            return RawView(lines, True, True)
        parts = segment.split(element)
        tag = parts[0]
        if tag == "ISA" and len(parts) > 13:
            isa13 = parts[13].strip()
        if tag == "ST":
            st02, position = (parts[2] if len(parts) > 2 else ""), 0
        position += 1
        line = Line(number, segment + terminator)
        if st02:
            line.set_label = st02
            line.errors = errors.get((isa13, st02, position), [])
            if tag == "SE":
                line.errors = line.errors + notes.get((isa13, st02), [])
                st02 = ""
        lines.append(line)
    return RawView(lines, False, True)
