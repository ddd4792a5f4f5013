"""A set body as the scanner hands it over (runs of segment text), turned back into the element
lists the reader would have made: all of them, the head only, or what an oversized set keeps.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

from gateway.x12.interchanges import HEAD
from gateway.x12.model import Delimiters

HEAD_BODY = HEAD - 1
"""Body segments of a certified or oversized set rebuilt for real: ``_business_key`` reads
positions 2 to 4 (the walker keeps as many of an oversized set)."""


class OversizedBody(NamedTuple):
    """An oversized set's body as the walker needs it: the head, how many segments (and
    elements) between it and the segment that went over, and that segment."""

    head: list[list[str]]
    between: int
    between_elements: int
    segment: list[str]


def size(segments: list[list[str]]) -> int:
    return sum(len(segment) for segment in segments)


def drain(slices: list[str]) -> Iterator[str]:
    """``slices`` in order, each removed from the list as it is handed out."""
    slices.reverse()
    while slices:
        yield slices.pop()


def split_body(slices: Iterable[str], d: Delimiters, max_split: int) -> Iterator[list[str]]:
    """The element lists the reader makes of ``slices`` (runs of whole segments), one by one."""
    for text in slices:
        for piece in text.split(d.segment):
            stripped = piece.strip()
            if stripped:
                yield stripped.split(d.element, max_split)


def head_of(slices: list[str], d: Delimiters, max_split: int) -> list[list[str]]:
    """The first ``HEAD_BODY`` of ``split_body(slices, d)``, without splitting the whole body."""
    out: list[list[str]] = []
    for text in slices:
        start = 0
        while len(out) < HEAD_BODY:
            end = text.find(d.segment, start)
            piece = (text[start:] if end < 0 else text[start:end]).strip()
            if piece:
                out.append(piece.split(d.element, max_split))
            if end < 0:
                break
            start = end + 1
    return out
