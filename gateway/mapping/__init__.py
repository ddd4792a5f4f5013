"""Maps: X12 transaction sets in, canonical supply events out (pure functions, data-driven).

``load_map(document_type, partner_id)`` gives the ``Map`` for a document type, with the partner's
overrides from ``maps/<partner_id>/`` when there are any; ``check_maps()`` validates every map file
(start-up and CI). The path syntax map files use is described in ``paths`` and ``maps/README.md``.
"""

from gateway.mapping.base import EventContext, Map
from gateway.mapping.functional_ack import FunctionalAckMap
from gateway.mapping.invoice import InvoiceMap
from gateway.mapping.loader import (
    DOCUMENT_TYPES,
    check_maps,
    clear_map_cache,
    default_maps_dir,
    load_map,
)
from gateway.mapping.po_ack import PoAcknowledgmentMap
from gateway.mapping.ship_notice import ShipNoticeMap
from gateway.mapping.stub import StaticMap

__all__ = [
    "DOCUMENT_TYPES",
    "EventContext",
    "FunctionalAckMap",
    "InvoiceMap",
    "Map",
    "PoAcknowledgmentMap",
    "ShipNoticeMap",
    "StaticMap",
    "check_maps",
    "clear_map_cache",
    "default_maps_dir",
    "load_map",
]
