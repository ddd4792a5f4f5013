"""The HL tree of an 856: levels, parents (given or inferred), and what children inherit.

HL loops are found at any depth and taken in document order. A level's parent is HL02 when HL02
names an earlier level. When HL02 is left out (or names no earlier level, which also earns a
warning), the parent is inferred: the nearest earlier level that sits higher. "Higher" follows
the order in which level codes first appear in the set, with item levels always lowest; so
S-O-P-I and pick-and-pack S-P-O-I both come out as sent. Parents always precede their children,
so the tree cannot have cycles, and levels deeper than ``MAX_DEPTH`` are re-rooted with a warning
so that no consumer has to follow an unbounded chain.

Levels point to their parent only; ``children_of`` gives the other direction. A level holding its
children as well would make every set's levels (and through them all its segments) a reference
cycle, freed only by the cyclic garbage collector: that cost an 856 translation about a tenth of
its time, and memory.
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
        hl = segments[0] if segments and segments[0].elements[0] == "HL" else None
        if hl is None:  # the HL is its loop's trigger, so this is rare
            hl = next((s for s in segments if s.elements[0] == "HL"), None)
            if hl is None:
                continue
        code = hl.get(3).strip()
        level = Level(hl.get(1).strip(), code, roles.get(code), segments)
        rank = math.inf if level.role == "item" else ranks.setdefault(code, len(ranks))
        while stack and stack[-1][0] >= rank:
            stack.pop()
        inferred = stack[-1][1] if stack else None
        _attach(level, _parent(hl, by_id, inferred, warn), warn)
        if level.id in by_id:
            warn(f"hierarchy: HL01 {level.id!r} is used more than once")
        by_id[level.id] = level
        stack.append((rank, level))
        levels.append(level)
    return levels


def _parent(
    hl: Segment, by_id: dict[str, Level], inferred: Level | None, warn: Callable[[str], None]
) -> Level | None:
    given = hl.get(2).strip()
    if not given:
        return inferred
    parent = by_id.get(given)
    if parent is None:
        warn(f"hierarchy: HL {hl.get(1).strip()!r} names parent {given!r}, not an earlier level")
        return inferred
    return parent


def _attach(level: Level, parent: Level | None, warn: Callable[[str], None]) -> None:
    if parent is not None and parent.depth + 1 > MAX_DEPTH:
        warn(f"hierarchy: HL {level.id!r} is nested deeper than {MAX_DEPTH}; shown as a root")
        parent = None
    if parent is not None:
        level.parent = parent
        level.depth = parent.depth + 1


def children_of(levels: list[Level]) -> dict[Level, list[Level]]:
    """Each level's children, in document order (levels without children are left out)."""
    children: dict[Level, list[Level]] = {}
    for level in levels:
        if level.parent is not None:
            children.setdefault(level.parent, []).append(level)
    return children
