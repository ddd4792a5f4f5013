"""``StaticMap``: the in-memory ``Map`` for tests of the stages around mapping."""

from __future__ import annotations

from gateway.canonical import Event
from gateway.mapping.base import EventContext, Map
from gateway.x12.model import Loop


class StaticMap(Map):
    """Returns a fixed event, stamped with the context's id, partner and source."""

    def __init__(self, event: Event) -> None:
        self.event = event
        self.calls = 0

    def to_canonical(self, ts: Loop, context: EventContext) -> Event:
        self.calls += 1
        update = {"id": context.event_id, "partner_id": context.partner_id}
        return self.event.model_copy(update={**update, "source": context.source})
