"""The ERP seam: one small base class, one required method.

``ErpConnector.post(event)`` hands one canonical event to the ERP side. The contract every
implementation keeps (``tests/erp/conformance.py`` runs it over each of them):

* **Idempotent on** ``event.id``: posting the same event twice has the effect of posting it once. When
  the connector can tell that the ERP already had the event, the receipt says ``duplicate=True``.
  Workers may therefore retry a post freely; a retried post changes nothing it already did.
* **Errors are the gateway's tree only**: ``RetriableDeliveryError`` when trying again later can help
  (timeouts, refused connections, 5xx, 429, deadlocks, serialization failures) and
  ``FatalDeliveryError`` when it cannot (4xx other than 408/409/429, schema rejects,
  misconfiguration). Each carries a dotted ``code`` (``erp.<connector>.<what>``) and context: the
  connector name, the event id and, where there is one, the HTTP status and a response excerpt.
* Synchronous, and safe to call from several worker threads at once.

**Corrections** (``gateway replay --repost``): when an operator re-translates an event the ERP
already has (a map was wrong), the corrected one is a new, complete event with its own ``id`` (so
its own idempotency key) and ``supersedes: <the delivered event's id>``; the ERP applies it in
place of that one. It is posted like any event (once in effect, retried, dead-lettered); a later
correction supersedes the previous correction. ``supersedes`` is absent from every other event, and
suppliers cannot set it (a JSON document carrying it is refused).

**Discrepancies**: an 855, 856 or 810 that differs from the purchase order it names (beyond the
partner's tolerances) carries ``discrepancies`` (PO, line, kind, severity, a sentence for the
buyer), found before the event was stored and posted; absent when there is none.

The pipeline reaches connectors through ``gateway.erp.build_connector(name, **settings)`` and never
imports an implementation directly.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar

from gateway.canonical import Event

RESPONSE_EXCERPT_CHARS = 2048
"""How much of the ERP's answer a receipt or an error keeps: enough to diagnose, bounded to store."""


def excerpt(text: str) -> str:
    """The first ``RESPONSE_EXCERPT_CHARS`` characters of an answer, for receipts and errors."""
    return text[:RESPONSE_EXCERPT_CHARS]


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """What the ERP side said when it took an event."""

    connector: str
    """The connector's table name (``webhook``, ``sql``, ``sink``, ``memory``)."""
    event_id: str
    status_code: int | None
    """The HTTP status for HTTP connectors, ``None`` where there is none."""
    response: str
    """The first 2 KB of the answer (HTTP body, or a one-line summary of what was written)."""
    duplicate: bool = False
    """True when the ERP side already had this event, so this post changed nothing."""


class ErpConnector(ABC):
    """Delivers canonical events to one ERP endpoint. See the module docstring for the contract."""

    name: ClassVar[str]
    """The connector's key in ``gateway.erp.CONNECTORS``; receipts and error codes use it."""

    @abstractmethod
    def post(self, event: Event) -> DeliveryReceipt:
        """Deliver ``event`` at most once per ``event.id``; raise only ``DeliveryError`` subclasses."""

    def purchase_orders(self, after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Purchase orders the ERP changed after the cursor ``after`` (None: from the start), as
        bodies of ``POST /ops/purchase-orders``, and the cursor to pass next time. Connectors of
        ERPs the gateway reads POs from override it (Tryton); the others publish none."""
        return [], after

    def close(self) -> None:  # noqa: B027 - optional hook, most connectors hold nothing to release
        """Release connections and pools; the connector is not posted to afterwards."""

    def __enter__(self) -> ErpConnector:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
