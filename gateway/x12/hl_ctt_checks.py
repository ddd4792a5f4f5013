"""Semantic checks the standard states in notes rather than syntax: the HL hierarchy and CTT counts.

HL (856): HL01 starts at 1 and grows by one; HL02 names an earlier HL01. A wrong parent makes the
shipment tree unbuildable, so it rejects the set. An *omitted* HL02 below the first level is
legal syntax (HL02 is optional); mapping infers the parent and we only note it.

CTT01 counts PO1 (855) / IT1 (810) segments or HL segments (856). A wrong count is reported but does
not reject the set (AK5=E): the lines themselves are intact and partners often miscount.

Both report the implementation code ``I12`` (pattern match failure), which the 997 writer turns into
the nearest 997 code.
"""

from __future__ import annotations

from gateway.x12 import results as r
from gateway.x12.model import Loop, Segment

IMPLEMENTATION_PATTERN = "I12"
_COUNTED = {"855": "PO1", "810": "IT1", "856": "HL", "850": "PO1"}


def _segments(tree: Loop, tag: str) -> list[Segment]:
    return [seg for seg in tree.walk() if seg.elements[0] == tag]


class HierarchyCheck:
    """``check_hierarchy`` one HL at a time, for a caller already walking the set in order."""

    __slots__ = ("expected", "seen")

    def __init__(self) -> None:
        self.expected = 0
        self.seen: set[str] = set()

    def check(self, hl: Segment) -> list[r.ElementError]:
        """The errors of the next HL of the set (in position order)."""
        self.expected += 1
        element_errors: list[r.ElementError] = []
        hl01, hl02 = hl.get(1), hl.get(2)
        if hl01 != str(self.expected):
            element_errors.append(
                r.ElementError(
                    1,
                    IMPLEMENTATION_PATTERN,
                    f"HL01 {hl01[:80]!r} out of sequence: expected {self.expected}",
                    "628",
                    value=hl01[:80],
                )
            )
        if hl02 and hl02 not in self.seen:
            element_errors.append(
                r.ElementError(
                    2,
                    IMPLEMENTATION_PATTERN,
                    f"HL02 {hl02[:80]!r} names no earlier HL",
                    "734",
                    value=hl02[:80],
                )
            )
        self.seen.add(hl01)
        return element_errors


def check_hierarchy(tree: Loop, loop_of: dict[int, str]) -> list[r.SegmentError]:
    errors: list[r.SegmentError] = []
    check = HierarchyCheck()
    for hl in _segments(tree, "HL"):
        element_errors = check.check(hl)
        if element_errors:
            errors.append(
                r.SegmentError(
                    "HL",
                    hl.position,
                    r.SEGMENT_HAS_ELEMENT_ERRORS,
                    "; ".join(e.message for e in element_errors),
                    loop_of.get(hl.position, "HL"),
                    element_errors,
                )
            )
    return errors


def check_ctt(tree: Loop, code: str, loop_of: dict[int, str]) -> list[r.SegmentError]:
    counted = _COUNTED.get(code)
    ctt = tree.first("CTT") or next(iter(_segments(tree, "CTT")), None)
    if counted is None or ctt is None or not ctt.get(1):
        return []
    actual = len(_segments(tree, counted))
    if ctt.get(1) == str(actual):
        return []
    ctt01 = ctt.get(1)[:80]
    message = f"CTT01 says {ctt01!r} but the set holds {actual} {counted} segments"
    element = r.ElementError(1, IMPLEMENTATION_PATTERN, message, "354", value=ctt01)
    return [
        r.SegmentError(
            "CTT",
            ctt.position,
            r.SEGMENT_HAS_ELEMENT_ERRORS,
            message,
            loop_of.get(ctt.position, ""),
            [element],
        )
    ]
