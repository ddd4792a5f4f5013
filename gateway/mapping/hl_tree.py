"""The HL tree of an 856: levels, parents (given or inferred), and what children inherit.

HL loops are found at any depth and taken in document order. A level's parent is HL02 when HL02
names an earlier level. When HL02 is left out (or names no earlier level, which also earns a
warning), the parent is inferred: the nearest earlier level that sits higher. "Higher" follows
the order in which level codes first appear in the set, with item levels always lowest; so
S-O-P-I and pick-and-pack S-P-O-I both come out as sent. Parents always precede their children,
so the tree cannot have cycles, and levels deeper than ``MAX_DEPTH`` are re-rooted with a warning
so that no consumer has to follow an unbounded chain.

Levels point to their parent only; a consumer wanting children collects them in document order. A
level holding its children as well would make every set's levels (and through them all its
segments) a reference cycle, freed only by the cyclic garbage collector (``bench/README.md``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gateway.canonical import HierarchyRole
from gateway.mapping.scopes import find_loops, own_segments
from gateway.x12.model import Loop, Segment

MAX_DEPTH = 16


@dataclass(eq=False, slots=True)
class Level:
    """One HL level: its own segments (not its children's) and its place in the tree."""

    id: str
    code: str
    role: HierarchyRole | None
    segments: list[Segment]
    parent: Level | None = None
    depth: int = 0


def build_levels(
    ts: Loop, roles: Mapping[str, HierarchyRole], warn: Callable[[str], None]
) -> list[Level]:
    """Every HL level in document order, linked to its parent."""
    levels: list[Level] = []
    by_id: dict[str, Level] = {}
    ranks: dict[str, float] = {}
    stack: list[tuple[float, Level]] = []  # earlier levels with strictly increasing rank
    for loop in find_loops(ts, "HL"):
        segments = own_segments(loop, "HL")
        hl = _hl_segment(segments)
        if hl is None:
            continue
        hl_id, given, code = _hl_elements(hl)
        level = Level(hl_id, code, roles.get(code), segments)
        rank = math.inf if level.role == "item" else ranks.setdefault(code, len(ranks))
        while stack and stack[-1][0] >= rank:
            stack.pop()
        parent = by_id.get(given) if given else None
        if parent is None:
            if given:
                warn(f"hierarchy: HL {hl_id!r} names parent {given!r}, not an earlier level")
            parent = stack[-1][1] if stack else None  # inferred
        if parent is not None:
            _attach(level, parent, warn)
        if hl_id in by_id:
            warn(f"hierarchy: HL01 {hl_id!r} is used more than once")
        by_id[hl_id] = level
        stack.append((rank, level))
        levels.append(level)
    return levels


def _hl_segment(segments: list[Segment]) -> Segment | None:
    """The level's HL: its loop's trigger, so nearly always the first segment."""
    if segments and segments[0].elements[0] == "HL":
        return segments[0]
    return next((s for s in segments if s.elements[0] == "HL"), None)


def _hl_elements(hl: Segment) -> tuple[str, str, str]:
    """HL01 (id), HL02 (parent id) and HL03 (level code), trimmed."""
    elements = hl.elements
    if len(elements) > 3:
        return elements[1].strip(), elements[2].strip(), elements[3].strip()
    return hl.get(1).strip(), hl.get(2).strip(), hl.get(3).strip()


def _attach(level: Level, parent: Level, warn: Callable[[str], None]) -> None:
    if parent.depth + 1 > MAX_DEPTH:
        warn(f"hierarchy: HL {level.id!r} is nested deeper than {MAX_DEPTH}; shown as a root")
        return
    level.parent = parent
    level.depth = parent.depth + 1
