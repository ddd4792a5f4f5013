"""Cyclic garbage collection between transaction sets rather than in the middle of them.

Why: translating one set allocates a few thousand container objects that all live until the set is
done (segments, loop tree, HL levels, the event). Python's collector, which runs every 700 net
allocations, kept stopping in the middle of a set, scanning those objects, and promoting them to
the older generations, whose full collections then scan the whole heap: a fifth of an 856
translation went there, without finding any garbage (translation makes no reference cycles;
``tests/pipeline/test_gc_steps.py`` checks that). Between two sets hardly anything is alive, so a
collection there costs next to nothing, and most never become due at all.

``collecting_between_steps()`` pauses automatic collection for a ``with`` block, if it is on.
``step()``, called between sets, runs the collection the collector would have run by then, by its
own counts and thresholds, so garbage made meanwhile (cycles made by an ``on_event`` callback, or
by another thread) goes about as soon as it would have: a worker that is always translating still
collects every generation. (The collector also skips a full collection while few objects have
reached the oldest generation since the last one; Python does not expose that count, so a step
collects the oldest generation by the thresholds alone, a little more often than needed.) Blocks
nested or in concurrent threads share one pause: the first to enter pauses, the last to leave
resumes.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_paused = False
"""True while automatic collection is off because of us (never when it was off already)."""


def step() -> None:
    """Between two units of work: collect what the collector would have collected by now."""
    if not _paused:
        return
    counts, thresholds = gc.get_count(), gc.get_threshold()
    if thresholds[0] and counts[0] > thresholds[0]:
        # As the collector: the oldest generation whose count is over its threshold, else gen 0.
        gc.collect(next((g for g in (2, 1) if counts[g] > thresholds[g]), 0))


@contextmanager
def collecting_between_steps() -> Iterator[None]:
    """Automatic collection paused inside the block (see the module docstring)."""
    global _holders, _paused
    with _lock:
        if _holders == 0 and gc.isenabled():
            gc.disable()
            _paused = True
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _paused:
                _paused = False
                gc.enable()
