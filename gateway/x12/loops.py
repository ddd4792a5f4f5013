"""Place a transaction set's segments into its loops and report structural errors (AK3/IK3).

The walker keeps a stack of open loop instances. For each segment it looks forward in the innermost
loop, then in each enclosing loop (which closes the inner ones, or starts a new repetition of a loop
when the segment is its trigger). A segment found nowhere ahead is out of sequence (code 7) when the
set defines it elsewhere, not in the set (6) when it is a well-formed segment id, or unrecognized (1).
Such segments are kept in the current loop so that mapping still sees them. Mandatory segments and
loops skipped over or missing when a loop closes are reported (3); uses and repeats beyond the
maximum are reported (5, 4).

Lookups are precompiled into per-loop ``tag -> item indexes`` tables, so the cost per segment is a
dictionary lookup plus a short scan.

At most ``cap`` errors are kept (the first ones, in position order); the rest are counted in
``more``, and ``codes`` holds every code found, so the caller decides on all of them.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache

from gateway.x12 import results as r
from gateway.x12.model import STANDARD_DELIMITERS, Loop, Segment
from gateway.x12.spec import LoopSpec, SegmentUse, TransactionSpec

SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")


@dataclass(slots=True)
class _Node:
    id: str
    usage: str
    max_repeat: int
    items: list[SegmentUse | _Node]
    index: dict[str, list[int]]
    mandatory: tuple[int, ...] = ()

    def item_tag(self, k: int) -> str:
        item = self.items[k]
        return item.tag if isinstance(item, SegmentUse) else item.id

    def item_usage(self, k: int) -> str:
        return self.items[k].usage


@dataclass(slots=True)
class _Frame:
    node: _Node
    loop: Loop
    pos: int
    counts: list[int]


@dataclass(slots=True)
class _Compiled:
    root: _Node
    tags: frozenset[str]


@dataclass(slots=True)
class StructureResult:
    tree: Loop
    errors: list[r.SegmentError] = field(default_factory=list)
    """The first ``cap`` errors."""
    more: int = 0
    """Errors found past the first ``cap``."""
    codes: set[str] = field(default_factory=set)
    """The code of every error found, kept or not."""


def _compile(spec: LoopSpec, tags: set[str]) -> _Node:
    items: list[SegmentUse | _Node] = []
    index: dict[str, list[int]] = {}
    for k, item in enumerate(spec.items):
        if isinstance(item, SegmentUse):
            items.append(item)
            tags.add(item.tag)
            index.setdefault(item.tag, []).append(k)
        else:
            child = _compile(item, tags)
            items.append(child)
            index.setdefault(child.id, []).append(k)
    mandatory = tuple(k for k, item in enumerate(items) if item.usage == "M")
    return _Node(spec.id, spec.usage, spec.max_repeat, items, index, mandatory)


@lru_cache(maxsize=64)
def _compiled(spec: TransactionSpec) -> _Compiled:
    tags: set[str] = set()
    root = _compile(spec.root, tags)
    return _Compiled(root, frozenset(tags))


def build_tree(
    segments: list[Segment], spec: TransactionSpec, cap: int = sys.maxsize
) -> StructureResult:
    """Loop tree and structural errors for ``segments`` (ST first, SE last when present)."""
    compiled = _compiled(spec)
    root_loop = Loop("ST")
    result = StructureResult(root_loop)
    walker = _Walker(compiled, root_loop, result, cap)
    for seg in segments:
        walker.feed(seg)
    walker.finish(segments[-1].position + 1 if segments else 1)
    return result


NEW_LOOP = 16
"""Placement codes (``_fastscan.c``): d < 16 puts a segment into the open loop at depth d (the set
level is 0), ``NEW_LOOP + d`` opens a loop with the segment's tag as id under the loop at depth d."""


def tree_from_placements(segments: list[Segment], placements: bytes) -> Loop:
    """The tree ``build_tree`` makes of a set without findings, from the placements the native
    scanner recorded while certifying it (one per segment between ST and SE).

    Only a certified set has placements, and for it ``_Walker`` never closes a loop early or
    misplaces a segment, so placing is all there is to do."""
    root = Loop("ST", [segments[0]])
    stack = [root]
    for segment, code in zip(segments[1:-1], placements, strict=True):
        if code < NEW_LOOP:
            if len(stack) > code + 1:
                del stack[code + 1 :]
            stack[code].segments.append(segment)
        else:
            depth = code - NEW_LOOP
            if len(stack) > depth + 1:
                del stack[depth + 1 :]
            loop = Loop(segment.elements[0], [segment], [])
            stack[depth].children.append(loop)
            stack.append(loop)
    root.segments.append(segments[-1])
    return root


class _Walker:
    def __init__(
        self, compiled: _Compiled, root_loop: Loop, result: StructureResult, cap: int
    ) -> None:
        self.compiled = compiled
        counts = [0] * len(compiled.root.items)
        self.stack = [_Frame(compiled.root, root_loop, -1, counts)]
        self.result = result
        self.cap = cap

    def _add(self, error: r.SegmentError) -> None:
        result = self.result
        result.codes.add(error.code)
        if len(result.errors) < self.cap:
            result.errors.append(error)
        else:
            result.more += 1

    def feed(self, seg: Segment) -> None:
        tag = seg.elements[0]
        stack = self.stack
        for depth in range(len(stack) - 1, -1, -1):
            frame = stack[depth]
            k = self._find(frame, tag)
            if k is None:
                continue
            while len(stack) - 1 > depth:
                self._close(stack.pop(), seg)
            self._place(frame, k, seg)
            return
        self._misplaced(seg)

    def _find(self, frame: _Frame, tag: str) -> int | None:
        candidates = frame.node.index.get(tag)
        if not candidates:
            return None
        for k in candidates:
            if k > frame.pos:
                return k
            if k == frame.pos and (k > 0 or frame.node.id == "ST"):
                # The same segment again (max use is checked on placement), or a new instance of
                # the child loop at this position. Position 0 of a loop is its own trigger: a new
                # repetition of this loop is found in the enclosing frame instead.
                return k
        return None

    def _place(self, frame: _Frame, k: int, seg: Segment) -> None:
        frame.pos = k
        frame.counts[k] += 1
        item = frame.node.items[k]
        if isinstance(item, SegmentUse):
            if frame.counts[k] > item.max_use:
                self._error(
                    seg,
                    r.SEGMENT_OVER_MAX_USE,
                    f"{seg.tag} used more than {item.max_use} times",
                    frame,
                )
            frame.loop.segments.append(seg)
            return
        if frame.counts[k] > item.max_repeat:
            self._error(
                seg,
                r.SEGMENT_LOOP_OVER_MAX,
                f"loop {item.id} repeats more than {item.max_repeat} times",
                frame,
            )
        child = Loop(item.id, [seg])
        frame.loop.children.append(child)
        counts = [0] * len(item.items)
        counts[0] = 1
        self.stack.append(_Frame(item, child, 0, counts))

    def _skipped(self, frame: _Frame, start: int, stop: int, seg: Segment) -> None:
        node = frame.node
        for k in node.mandatory:
            if start <= k < stop and frame.counts[k] == 0:
                tag = node.item_tag(k)
                self._add(
                    r.SegmentError(
                        tag,
                        seg.position,
                        r.SEGMENT_MANDATORY_MISSING,
                        f"mandatory {'loop ' if isinstance(node.items[k], _Node) else ''}{tag} "
                        f"missing before {seg.tag} at position {seg.position}",
                        node.id if node.id != "ST" else "",
                    )
                )

    def _close(self, frame: _Frame, seg: Segment) -> None:
        self._skipped(frame, 0, len(frame.node.items), seg)

    def _misplaced(self, seg: Segment) -> None:
        """A segment not found ahead: keep it where the set defines it, or in the current loop."""
        tag = seg.elements[0]
        if tag in self.compiled.tags:
            for depth in range(len(self.stack) - 1, -1, -1):
                frame = self.stack[depth]
                candidates = frame.node.index.get(tag)
                if candidates:
                    self._error(
                        seg,
                        r.SEGMENT_OUT_OF_SEQUENCE,
                        f"{tag} is not in its proper sequence",
                        frame,
                    )
                    self._place_behind(depth, candidates[-1], seg)
                    return
            code, text = r.SEGMENT_OUT_OF_SEQUENCE, f"{tag} is not in its proper sequence here"
        elif SEGMENT_ID.fullmatch(tag):
            code, text = r.SEGMENT_NOT_IN_SET, f"{tag} is not defined in this transaction set"
        else:
            code, text = r.SEGMENT_UNRECOGNIZED, f"unrecognized segment id {tag[:20]!r}"
        frame = self.stack[-1]
        self._error(seg, code, text, frame)
        frame.loop.segments.append(seg)

    def _place_behind(self, depth: int, k: int, seg: Segment) -> None:
        """Count an out-of-sequence segment where it belongs without moving the cursor back."""
        frame = self.stack[depth]
        item = frame.node.items[k]
        frame.counts[k] += 1
        if isinstance(item, SegmentUse):
            frame.loop.segments.append(seg)
            return
        while len(self.stack) - 1 > depth:
            self._close(self.stack.pop(), seg)
        child = Loop(item.id, [seg])
        frame.loop.children.append(child)
        counts = [0] * len(item.items)
        counts[0] = 1
        self.stack.append(_Frame(item, child, 0, counts))

    def _error(self, seg: Segment, code: str, message: str, frame: _Frame) -> None:
        loop_id = frame.node.id if frame.node.id != "ST" else ""
        tag = seg.elements[0] if SEGMENT_ID.fullmatch(seg.elements[0]) else "???"
        self._add(r.SegmentError(tag, seg.position, code, message, loop_id))

    def finish(self, position: int) -> None:
        end = Segment(["SE"], STANDARD_DELIMITERS, 0, position)
        while len(self.stack) > 1:
            self._close(self.stack.pop(), end)
        root = self.stack[0]
        # SE itself is checked by the envelope layer; report other missing mandatory items.
        self._skipped(root, 0, len(root.node.items) - 1, end)
