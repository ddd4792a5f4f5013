"""The SQL interface-tables connector: ``connector`` (posting, idempotency), ``tables`` (the
``erp_*`` schema an ERP imports from) and ``rows`` (what one event becomes there; pure)."""

from gateway.erp.sql.connector import SqlInterfaceErpConnector

__all__ = ["SqlInterfaceErpConnector"]
