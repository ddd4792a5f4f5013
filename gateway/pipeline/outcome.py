"""``ProcessOutcome``: what processing one message did, for the caller to act on after commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.pipeline.outbox import OutboundRef
from gateway.pipeline.records import Claim, Recorded


@dataclass(slots=True)
class ProcessOutcome:
    message_id: str
    status: str
    errors: list[dict[str, Any]] = field(default_factory=list)
    recorded: Recorded | None = None
    """What the batch's ``Recorder`` wrote for this message (filled in by ``Recorder.write``)."""
    outbound: list[OutboundRef] = field(default_factory=list)
    """Its new outbox items (our acknowledgements): the caller enqueues the push ones after the
    commit."""

    @property
    def delivery_ids(self) -> list[int]:
        """Deliveries not yet done: the caller posts (``claims``) or enqueues them after the commit."""
        return self.recorded.delivery_ids if self.recorded is not None else []

    @property
    def event_ids(self) -> list[str]:
        return self.recorded.event_ids if self.recorded is not None else []

    @property
    def claims(self) -> list[Claim]:
        """With ``claim=True``: the new deliveries, attempt 1 already counted, with their events."""
        return self.recorded.claims if self.recorded is not None else []
