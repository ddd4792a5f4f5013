"""``TrytonErpConnector``: canonical events applied to a Tryton ERP over its JSON-RPC interface.

Configured by one URL, ``GATEWAY_ERP_URL=http://USER:PASSWORD@HOST:PORT/DATABASE/`` (the password
may come from ``GATEWAY_ERP_SECRET`` instead), with ``GATEWAY_ERP_CONNECTOR=tryton``. The user is a
dedicated Tryton user in the groups Purchase, Purchase Amendment, Stock and Accounting. trytond is
GPL: nothing here imports it; the gateway talks to the server over HTTP (``rpc.py``).

What each event becomes is in ``apply.py``; how gateway ids find Tryton records in ``model.py``.
The ERP seam's contract (``gateway/erp/base.py``) holds: each record carries the event id and is
looked up before it is created (a repeat is ``duplicate=True``), each is created in one Tryton
transaction, and errors are the gateway's: an event that cannot apply to the ERP's data (unknown
PO, line or supplier, a rule of Tryton refusing it, access refused) is ``FatalDeliveryError``
(dead letter, retried after the fix); Tryton down or busy is ``RetriableDeliveryError``.

Posts of one event are serialised within the process (the lookup and the create are two calls);
across processes the gateway's delivery claims already give each event to one worker at a time.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from pathlib import Path

from gateway.canonical import Event
from gateway.erp.base import DeliveryReceipt, ErpConnector, excerpt
from gateway.erp.tryton.apply import apply
from gateway.erp.tryton.model import Refused
from gateway.erp.tryton.rpc import TrytonError, TrytonRpc, TrytonUrl
from gateway.errors import ConfigurationError, FatalDeliveryError, RetriableDeliveryError
from gateway.http_client import UrlError


class TrytonErpConnector(ErpConnector):
    name = "tryton"

    def __init__(
        self, url: str, password: str = "", timeout: float = 30.0, verify: bool | str | Path = True
    ) -> None:
        try:
            self.url = TrytonUrl.parse(url, password)
            self.rpc = TrytonRpc(
                self.url,
                timeout=timeout,
                verify=str(verify) if isinstance(verify, Path) else verify,
            )
        except UrlError as exc:
            raise ConfigurationError(
                str(exc), code="erp.tryton.bad_url", connector=self.name
            ) from None
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    def post(self, event: Event) -> DeliveryReceipt:
        with self._guard:
            lock = self._locks[event.id]
        try:
            with lock:
                applied = apply(self.rpc, event)
        except Refused as exc:
            raise FatalDeliveryError(
                f"Tryton: {exc}",
                code=f"erp.tryton.{exc.kind}",
                connector=self.name,
                event_id=event.id,
            ) from None
        except TrytonError as exc:
            error = RetriableDeliveryError if exc.retriable else FatalDeliveryError
            raise error(
                str(exc), code=f"erp.tryton.{exc.kind}", connector=self.name, event_id=event.id
            ) from None
        finally:
            with self._guard:
                if not lock.locked():
                    self._locks.pop(event.id, None)
        return DeliveryReceipt(
            connector=self.name,
            event_id=event.id,
            status_code=None,
            response=excerpt(applied.summary),
            duplicate=applied.duplicate,
        )

    def close(self) -> None:
        self.rpc.close()
