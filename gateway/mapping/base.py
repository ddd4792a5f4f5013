"""The ``Map`` seam: one transaction set in, one canonical event out.

A map is pure: no I/O, no clock, no randomness, and it never mutates its input. Given the same
tree and context it returns an equal event, which is what makes re-running a pipeline step safe.
A map never raises on odd data either: what it cannot find or read becomes ``null`` plus a line in
the event's ``warnings``. Documents so broken that they must be refused are the validator's job.

Implementations: ``PoAcknowledgmentMap`` (855), ``ShipNoticeMap`` (856), ``InvoiceMap`` (810),
``FunctionalAckMap`` (997, 999), all driven by map files (``loader.load_map``), and ``StaticMap``,
the in-memory stub for tests of the stages around mapping.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from gateway.canonical import Event, Source
from gateway.x12.model import Loop


@dataclass(frozen=True, slots=True)
class EventContext:
    """What the pipeline knows about the set before mapping it."""

    event_id: str
    """Deterministic id computed by the pipeline (same bytes + partner -> same id)."""
    partner_id: str | None
    source: Source


class Map(ABC):
    """Turns one transaction set (the root ``ST`` loop) into one canonical event."""

    @abstractmethod
    def to_canonical(self, ts: Loop, context: EventContext) -> Event:
        """The event for ``ts``; pure, deterministic, never raises on odd content."""
