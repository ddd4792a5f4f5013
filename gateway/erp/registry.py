"""The name -> class table the pipeline builds ERP connectors from (``erp.connector`` setting).

Kept apart from ``base.py`` so that the seam does not import its implementations.
"""

from __future__ import annotations

import inspect
from typing import Any

from gateway.erp.base import ErpConnector
from gateway.erp.memory import MemoryErpConnector
from gateway.erp.sink import LocalSinkErpConnector
from gateway.erp.sql import SqlInterfaceErpConnector
from gateway.erp.tryton import TrytonErpConnector
from gateway.erp.webhook import WebhookErpConnector
from gateway.errors import ConfigurationError

CONNECTORS: dict[str, type[ErpConnector]] = {
    "webhook": WebhookErpConnector,
    "sql": SqlInterfaceErpConnector,
    "sink": LocalSinkErpConnector,
    "memory": MemoryErpConnector,
    "tryton": TrytonErpConnector,
}


def build_connector(name: str, **settings: Any) -> ErpConnector:
    """The connector called ``name``, built from ``settings`` (its constructor's arguments).

    Raises ``ConfigurationError`` for an unknown name, unknown or missing settings, or settings the
    connector refuses (bad URL, empty secret, unreadable CA file...), so a bad configuration stops
    the process at start-up.
    """
    try:
        cls = CONNECTORS[name]
    except KeyError:
        raise ConfigurationError(
            f"unknown ERP connector {name!r}; known: {', '.join(sorted(CONNECTORS))}",
            code="erp.unknown_connector",
            connector=name,
        ) from None
    try:
        inspect.signature(cls).bind(**settings)
    except TypeError as exc:
        raise ConfigurationError(
            f"ERP connector {name!r}: {exc}",
            code="erp.bad_settings",
            connector=name,
            settings=sorted(settings),
        ) from None
    return cls(**settings)
