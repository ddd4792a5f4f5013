"""The ERP side of the gateway: connectors that post canonical events, idempotently.

``ErpConnector`` (``base.py``) is the seam; ``build_connector(name, **settings)`` builds one of
``CONNECTORS``: ``webhook`` (signed HTTPS POST), ``sql`` (``erp_*`` interface tables), ``sink``
(the embedded demo ERP) and ``memory`` (the test stub). This package knows only
``gateway.canonical`` and ``gateway.errors``.
"""

from gateway.erp.base import DeliveryReceipt, ErpConnector
from gateway.erp.memory import MemoryErpConnector
from gateway.erp.registry import CONNECTORS, build_connector
from gateway.erp.sink import LocalSinkErpConnector
from gateway.erp.sql import SqlInterfaceErpConnector
from gateway.erp.webhook import WebhookErpConnector, verify_signature

__all__ = [
    "CONNECTORS",
    "DeliveryReceipt",
    "ErpConnector",
    "LocalSinkErpConnector",
    "MemoryErpConnector",
    "SqlInterfaceErpConnector",
    "WebhookErpConnector",
    "build_connector",
    "verify_signature",
]
