"""The field path syntax maps use to say where a value lives in a segment.

A map lists, for each canonical field, candidate paths tried in order; the first path that yields a
non-blank value wins. One path::

    BAK03                 element 03 of the first BAK in scope that has it
    AK401-2               component 2 of element AK401 (a composite)
    REF02[REF01=VN]       only REF segments whose REF01 is VN
    DTM02[DTM01=017|067]  ... whose DTM01 is 017 or 067
    TD503[TD502!=ZZ]      ... whose TD502 is not ZZ
    MAN02[MAN01]          ... whose MAN01 is not blank
    TD503[TD502=2][TD501=B]   several filters: all must hold
    LIN02/PL              qualifier/value pairs starting at LIN02 (LIN02/03, LIN04/05...):
                          the value whose qualifier is PL

Filters name elements of the same segment. Values are compared and returned with surrounding
blanks trimmed. "In scope" is decided by the map (a line loop, an HL level, one ACK segment...):
paths say where inside a segment, never which loop.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from gateway.x12.model import Segment

_REF = r"([A-Z][A-Z0-9]{1,2})(\d{2})(?:-(\d{1,2}))?"
_PATH = re.compile(_REF + r"(?:/([A-Za-z0-9]{1,6}))?((?:\[[^\[\]]*\])*)")
_FILTER = re.compile(r"\[([^\[\]]*)\]")
_CONDITION = re.compile(_REF + r"(?:(!?=)([^=!]*))?")


@dataclass(frozen=True, slots=True)
class ElementRef:
    """``TAGnn`` or ``TAGnn-k``."""

    tag: str
    element: int
    component: int | None = None

    def read(self, segment: Segment) -> str:
        if self.component is None:
            return segment.get(self.element).strip()
        return segment.component(self.element, self.component).strip()

    def __str__(self) -> str:
        suffix = f"-{self.component}" if self.component is not None else ""
        return f"{self.tag}{self.element:02d}{suffix}"


@dataclass(frozen=True, slots=True)
class Condition:
    ref: ElementRef
    values: frozenset[str] | None
    """``None``: the element must be non-blank."""
    negate: bool = False

    def holds(self, segment: Segment) -> bool:
        value = self.ref.read(segment)
        if self.values is None:
            return bool(value)
        return (value in self.values) != self.negate


@dataclass(frozen=True, slots=True)
class FieldPath:
    text: str
    ref: ElementRef
    qualifier: str | None
    conditions: tuple[Condition, ...]

    @property
    def tag(self) -> str:
        return self.ref.tag

    def matches(self, segment: Segment) -> bool:
        return segment.tag == self.ref.tag and all(c.holds(segment) for c in self.conditions)

    def read(self, segment: Segment) -> str:
        """The path's value in ``segment`` (assumed to match), ``""`` when absent."""
        if self.qualifier is None:
            return self.ref.read(segment)
        return pair_map(segment, self.ref.element).get(self.qualifier, "")


class Hit(NamedTuple):
    """A value found by a path, with the segment it came from (for messages and companions).

    A named tuple rather than a frozen dataclass: mapping makes one per field read, and a tuple is
    built in half the time."""

    value: str
    path: FieldPath
    segment: Segment


class PathSyntaxError(ValueError):
    pass


@lru_cache(maxsize=2048)
def parse_path(text: str) -> FieldPath:
    """Parse one path; raises ``PathSyntaxError`` with a readable reason."""
    match = _PATH.fullmatch(text.strip())
    if match is None:
        raise PathSyntaxError(f"not a field path: {text!r} (expected e.g. REF02[REF01=VN])")
    ref = _element_ref(match.group(1), match.group(2), match.group(3), text)
    conditions = tuple(_condition(raw, ref.tag, text) for raw in _FILTER.findall(match.group(5)))
    return FieldPath(text.strip(), ref, match.group(4), conditions)


def _element_ref(tag: str, element: str, component: str | None, text: str) -> ElementRef:
    if int(element) == 0 or (component is not None and int(component) == 0):
        raise PathSyntaxError(f"element and component positions count from 1 in {text!r}")
    return ElementRef(tag, int(element), int(component) if component else None)


def _condition(raw: str, tag: str, text: str) -> Condition:
    match = _CONDITION.fullmatch(raw.strip())
    if match is None:
        raise PathSyntaxError(f"bad filter [{raw}] in {text!r} (expected [REF01=VN|PO])")
    ref = _element_ref(match.group(1), match.group(2), match.group(3), text)
    if ref.tag != tag:
        raise PathSyntaxError(f"filter [{raw}] in {text!r} must name a {tag} element")
    if match.group(4) is None:
        return Condition(ref, None)
    values = frozenset(v.strip() for v in match.group(5).split("|"))
    return Condition(ref, values, negate=match.group(4) == "!=")


def qualified_pairs(segment: Segment, start: int) -> list[tuple[str, str]]:
    """(qualifier, value) pairs from element ``start`` on.

    Blank elements are skipped before pairing. For valid data (X12 pairs are both-or-neither) that
    is the same as reading positions two by two; for a segment whose pairs slipped by one element,
    which real partners send, it still pairs each qualifier with its value.
    """
    values = filter(None, map(str.strip, segment.elements[start:]))
    return list(zip(values, values, strict=False))  # one iterator twice: values pair up


def pair_map(segment: Segment, start: int) -> dict[str, str]:
    """``qualified_pairs`` as qualifier -> value; a qualifier sent twice keeps its last value."""
    values = filter(None, map(str.strip, segment.elements[start:]))
    return dict(zip(values, values, strict=False))


def pairs_aligned(segment: Segment, start: int) -> bool:
    """Whether every pair from ``start`` on is both present or both blank (as X12 requires)."""
    elements = segment.elements
    end = len(elements)
    for i in range(start, end, 2):
        has_value = i + 1 < end and bool(elements[i + 1].strip())
        if bool(elements[i].strip()) != has_value:
            return False
    return True


@lru_cache(maxsize=4096)
def compile_paths(paths: tuple[str, ...]) -> tuple[FieldPath, ...]:
    return tuple(parse_path(text) for text in paths)


def first_hit(scope: Iterable[Segment], paths: Iterable[str]) -> Hit | None:
    """The first non-blank value: candidates in order, then segments in scope order."""
    segments = scope if isinstance(scope, list | tuple) else list(scope)
    compiled = compile_paths(paths if isinstance(paths, tuple) else tuple(paths))
    for path in compiled:
        tag, conditions = path.ref.tag, path.conditions
        for segment in segments:
            # Inline tag test first: this loop is the mapper's hot path.
            if segment.elements[0] != tag:
                continue
            if conditions and not all(c.holds(segment) for c in conditions):
                continue
            value = path.read(segment)
            if value:
                return Hit(value, path, segment)
    return None


def all_hits(scope: Iterable[Segment], paths: Iterable[str]) -> list[Hit]:
    """Every non-blank value of every candidate, duplicates (same value) dropped."""
    segments = scope if isinstance(scope, list | tuple) else list(scope)
    seen: set[str] = set()
    out: list[Hit] = []
    for text in paths:
        path = parse_path(text)
        for segment in segments:
            if path.matches(segment):
                value = path.read(segment)
                if value and value not in seen:
                    seen.add(value)
                    out.append(Hit(value, path, segment))
    return out
