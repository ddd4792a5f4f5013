"""Finding the segments a map reads from, whatever nesting the validator produced.

The standards fix which loop a line lives in, but versions differ in depth and an out-of-place
segment may land one level up or down. So maps search by loop id anywhere in the tree and read a
loop's whole subtree, stopping only at nested instances of the same kind of loop.
"""

from __future__ import annotations

from operator import attrgetter

from gateway.x12.model import Loop, Segment


def find_loops(root: Loop, loop_id: str) -> list[Loop]:
    """Every loop with ``loop_id`` under ``root``, in document order (nested ones included)."""
    found: list[Loop] = []
    stack = list(reversed(root.children))
    while stack:
        loop = stack.pop()
        if loop.id == loop_id:
            found.append(loop)
        stack.extend(reversed(loop.children))
    return found


def own_segments(loop: Loop, stop_id: str) -> list[Segment]:
    """``loop``'s segments and its descendants', not entering child loops with ``stop_id``."""
    out: list[Segment] = list(loop.segments)
    if not loop.children:
        return out  # already in transmission order
    stack = [child for child in reversed(loop.children) if child.id != stop_id]
    while stack:
        child = stack.pop()
        out.extend(child.segments)
        stack.extend(c for c in reversed(child.children) if c.id != stop_id)
    return _in_order(out)


def outside(root: Loop, loop_id: str) -> list[Segment]:
    """The segments of ``root`` that are in no ``loop_id`` loop (the heading and summary)."""
    return own_segments(root, loop_id)


def _in_order(segments: list[Segment]) -> list[Segment]:
    """Transmission order; stable, so hand-built trees without positions keep tree order."""
    return sorted(segments, key=attrgetter("position"))
