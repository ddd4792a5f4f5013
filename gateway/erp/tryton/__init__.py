"""The Tryton connector (``GATEWAY_ERP_CONNECTOR=tryton``): see ``connector.py``."""

from gateway.erp.tryton.connector import TrytonErpConnector

__all__ = ["TrytonErpConnector"]
