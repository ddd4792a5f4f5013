"""Sample canonical events: every demo-supplier sample document, translated."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import get_args

from gateway.canonical import Event
from gateway.pipeline.translate import translate_bytes

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "demo-supplier"
EVENT_TYPES = frozenset(cls.model_fields["type"].default for cls in get_args(get_args(Event)[0]))
"""Every ``type`` of the canonical ``Event`` union, read from the union itself."""


@cache
def sample_events() -> tuple[Event, ...]:
    events: list[Event] = []
    for path in sorted(SAMPLES.glob("*.edi")):
        events.extend(translate_bytes(path.read_bytes(), "demo-supplier").documents)
    return tuple(events)


def sample_of(event_type: str) -> Event:
    return next(e for e in sample_events() if e.type == event_type)


def one_of_each_type() -> list[Event]:
    return [sample_of(t) for t in sorted(EVENT_TYPES)]
