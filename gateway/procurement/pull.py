"""Purchase orders pulled from an ERP connector that publishes them (``ErpConnector.
purchase_orders``; Tryton's reads confirmed purchases) into the registry, once (``pull``) or every
``GATEWAY_ERP_PO_POLL_S`` seconds (``PurchaseOrderPoller``, started by ``gateway run``).

Nothing doubles: the registry stores a revision once, so a cursor lost with a restart only reads
again what is already there ("unchanged")."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError

from gateway.canonical.purchase_order import PurchaseOrder
from gateway.erp.base import ErpConnector
from gateway.errors import DeliveryError
from gateway.procurement.registry import Published

log = logging.getLogger("gateway.procurement")


@dataclass
class Pulled:
    cursor: str | None
    outcomes: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def publishes(connector: ErpConnector) -> bool:
    """Whether the connector reads POs from its ERP at all."""
    return type(connector).purchase_orders is not ErpConnector.purchase_orders


Publish = Callable[[PurchaseOrder], Published]
"""Publishes one PO (and sends it: ``gateway.pipeline.purchase_orders``)."""


def pull(
    connector: ErpConnector,
    cursor: str | None,
    publish: Publish,
    *,
    rounds: int = 100,
) -> Pulled:
    """Read and publish until the ERP has nothing newer (at most ``rounds`` pages)."""
    result = Pulled(cursor)
    for _ in range(rounds):
        bodies, after = connector.purchase_orders(result.cursor)
        for body in bodies:
            try:
                order = PurchaseOrder.model_validate(body)
            except ValidationError as exc:
                number = body.get("po_number") if isinstance(body, dict) else None
                result.problems.append(f"PO {number}: {exc.errors()[0]['msg']}")
                continue
            done = publish(order)
            result.outcomes[done.outcome] += 1
        if not bodies or after == result.cursor:
            result.cursor = after
            return result
        result.cursor = after
    return result


class PurchaseOrderPoller:
    """A daemon thread pulling every ``interval_s`` seconds; failures are logged and retried."""

    def __init__(self, connector: ErpConnector, interval_s: float, publish: Publish) -> None:
        self.connector, self.interval_s, self.publish = connector, interval_s, publish
        self.cursor: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="po-poller", daemon=True)

    def start(self) -> PurchaseOrderPoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                done = pull(self.connector, self.cursor, self.publish)
                self.cursor = done.cursor
                if done.outcomes.get("created") or done.outcomes.get("updated"):
                    log.info("purchase orders from the ERP: %s", dict(done.outcomes))
                for problem in done.problems:
                    log.error("purchase order from the ERP refused: %s", problem)
            except DeliveryError as exc:
                log.warning("pulling purchase orders from the ERP failed: %s", exc)
            except Exception:  # the poller must outlive any one failure
                log.exception("pulling purchase orders from the ERP failed")
            self._stop.wait(self.interval_s)
