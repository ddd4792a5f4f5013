"""Short constructors for writing transaction-set structures (``ts*.py``) as data.

The structures themselves follow the ASC X12 004010 and 005010 transaction set tables; this module
only builds ``LoopSpec``/``SegmentUse`` values and makes no choice of its own.

``seg("REF", "O", UNBOUNDED)`` is a segment's place in a loop; ``loop("N1", "O", 200, ...)`` is a
loop whose first item is its trigger segment (mandatory within the loop, once per repetition).
"""

from __future__ import annotations

from gateway.x12.spec import UNBOUNDED, LoopSpec, SegmentUse

__all__ = ["UNBOUNDED", "loop", "seg", "transaction"]


def seg(tag: str, usage: str = "O", max_use: int = 1) -> SegmentUse:
    return SegmentUse(tag, usage, max_use)


def loop(trigger: str, usage: str, max_repeat: int, *rest: SegmentUse | LoopSpec) -> LoopSpec:
    """A loop named after its trigger segment ``trigger``, followed by ``rest``."""
    return LoopSpec(trigger, usage, max_repeat, (SegmentUse(trigger, "M", 1), *rest))


def transaction(*items: SegmentUse | LoopSpec) -> LoopSpec:
    """The root loop of a transaction set: ST, ``items`` (heading, detail, summary), SE."""
    return LoopSpec("ST", "M", 1, (SegmentUse("ST", "M", 1), *items, SegmentUse("SE", "M", 1)))
