"""Plain data the X12 stages hand to each other: delimiters, segments, loops, envelope headers.

Segments keep their raw element strings; splitting components and repetitions happens only where a
consumer asks for it, which keeps the reader fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Delimiters:
    element: str = "*"
    component: str = ">"
    segment: str = "~"
    repetition: str | None = None
    line_mode: bool = False
    """True when segments end with a line break only (no explicit terminator character)."""


STANDARD_DELIMITERS = Delimiters()


class Segment:
    """One segment: ``elements[0]`` is the tag, ``elements[n]`` is element ``n`` (1-based)."""

    __slots__ = ("delimiters", "elements", "ordinal", "position")

    def __init__(
        self, elements: list[str], delimiters: Delimiters, ordinal: int = 0, position: int = 0
    ) -> None:
        self.elements = elements
        self.delimiters = delimiters
        self.ordinal = ordinal
        """Segment number in the file, counting from 1 (for error messages)."""
        self.position = position
        """Position in its transaction set, ST = 1 (the AK3/IK3 position); 0 outside a set."""

    @property
    def tag(self) -> str:
        return self.elements[0]

    def get(self, n: int) -> str:
        """Element ``n`` (1-based) or ``""`` when absent."""
        elements = self.elements
        return elements[n] if n < len(elements) else ""

    def components(self, n: int) -> list[str]:
        value = self.get(n)
        return value.split(self.delimiters.component) if value else []

    def component(self, n: int, k: int) -> str:
        """Component ``k`` (1-based) of element ``n``, ``""`` when absent."""
        parts = self.components(n)
        return parts[k - 1] if k <= len(parts) else ""

    def repetitions(self, n: int) -> list[str]:
        value = self.get(n)
        rep = self.delimiters.repetition
        if not value:
            return []
        return value.split(rep) if rep else [value]

    def to_edi(self, delimiters: Delimiters | None = None) -> str:
        d = delimiters or self.delimiters
        return d.element.join(self.elements)

    def __repr__(self) -> str:
        return f"Segment({self.delimiters.element.join(self.elements)!r}, pos={self.position})"


@dataclass(slots=True)
class Loop:
    """A loop instance in a transaction set: its own segments, then its child loop instances.

    The transaction set itself is the root loop with ``id == "ST"``. Segments of a loop keep their
    order; ``children`` keep the order in which their first segment appeared.
    """

    id: str
    segments: list[Segment] = field(default_factory=list)
    children: list[Loop] = field(default_factory=list)

    def first(self, tag: str) -> Segment | None:
        for seg in self.segments:
            if seg.elements[0] == tag:
                return seg
        return None

    def all(self, tag: str) -> list[Segment]:
        return [seg for seg in self.segments if seg.elements[0] == tag]

    def loops(self, loop_id: str) -> list[Loop]:
        return [child for child in self.children if child.id == loop_id]

    def walk(self) -> list[Segment]:
        """Every segment of this loop and its descendants, in transmission order."""
        out: list[Segment] = []
        stack: list[Loop] = [self]
        while stack:
            loop = stack.pop()
            out.extend(loop.segments)
            stack.extend(reversed(loop.children))
        out.sort(key=lambda s: s.position)
        return out


@dataclass(frozen=True, slots=True)
class InterchangeHeader:
    """The ISA as read, trimmed, plus the delimiters it declared."""

    authorization_qualifier: str
    authorization: str
    security_qualifier: str
    security: str
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: str
    time: str
    repetition_or_standards_id: str
    version: str
    control_number: str
    ack_requested: str
    usage: str
    delimiters: Delimiters
    raw: Segment

    @property
    def test(self) -> bool:
        return self.usage == "T"


@dataclass(frozen=True, slots=True)
class GroupHeader:
    functional_id: str
    sender_id: str
    receiver_id: str
    date: str
    time: str
    control_number: str
    agency: str
    version: str
    raw: Segment
