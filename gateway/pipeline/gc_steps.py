"""Cyclic garbage collection between transaction sets rather than in the middle of them.

Translating one set allocates thousands of containers that all live until the set is done;
collections in the middle of a set scan and promote them and find no garbage (translation makes
no cycles: ``tests/pipeline/test_gc_steps.py``). Measured cost: ``bench/README.md``.

``collecting_between_steps()`` pauses automatic collection for a ``with`` block, if it is on;
nested or concurrent blocks share one pause (the last to leave resumes). ``step()``, called
between sets, runs the collections the collector would have run by then, by its own counts and
thresholds, so garbage made meanwhile still goes about as soon as it would have.
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
