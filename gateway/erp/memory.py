"""``MemoryErpConnector``: the in-memory stub every caller's tests use.

It keeps the first copy of each event by id, counts every post, and can be told to fail the next
``n`` posts (retriable or fatal) so that retry and dead-letter paths are testable without a network.
Thread-safe: workers in tests post from several threads.
"""

from __future__ import annotations

import threading

from gateway.canonical import Event
from gateway.erp.base import DeliveryReceipt, ErpConnector
from gateway.errors import FatalDeliveryError, RetriableDeliveryError


class MemoryErpConnector(ErpConnector):
    name = "memory"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, Event] = {}
        self._posts: dict[str, int] = {}
        self._failures: list[bool] = []

    def post(self, event: Event) -> DeliveryReceipt:
        with self._lock:
            if self._failures:
                raise self._failure(event, retriable=self._failures.pop(0))
            self._posts[event.id] = self._posts.get(event.id, 0) + 1
            duplicate = event.id in self._events
            self._events.setdefault(event.id, event)
        answer = "already stored" if duplicate else "stored"
        return DeliveryReceipt(self.name, event.id, None, answer, duplicate)

    def fail_next(self, n: int = 1, *, retriable: bool = True) -> None:
        """Make the next ``n`` posts raise (nothing is stored for them)."""
        with self._lock:
            self._failures.extend([retriable] * n)

    @property
    def events(self) -> dict[str, Event]:
        """Each event stored, by id (the first copy posted)."""
        with self._lock:
            return dict(self._events)

    def receipts(self, event_id: str) -> int:
        """How many successful posts of this event id there were (duplicates included)."""
        with self._lock:
            return self._posts.get(event_id, 0)

    def count(self) -> int:
        with self._lock:
            return len(self._events)

    def _failure(self, event: Event, *, retriable: bool) -> Exception:
        context = {"connector": self.name, "event_id": event.id}
        if retriable:
            return RetriableDeliveryError(
                "memory connector told to fail", code="erp.memory.unavailable", **context
            )
        return FatalDeliveryError(
            "memory connector told to fail", code="erp.memory.rejected", **context
        )
