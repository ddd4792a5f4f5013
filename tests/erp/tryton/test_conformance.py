"""The ERP seam's contract (tests/erp/conformance.py), run against a real trytond."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.erp.tryton import TrytonErpConnector

from ..conformance import ConnectorConformance, Harness
from .conftest import Database
from .records import effects
from .support import GATEWAY_PASSWORD, _free_port


class TestTrytonConformance(ConnectorConformance):
    @pytest.fixture
    def harness(self, tryton_db: Database) -> Iterator[Harness]:
        connector = TrytonErpConnector(tryton_db.url, timeout=30)
        admin = tryton_db.admin()

        def broken() -> TrytonErpConnector:
            return TrytonErpConnector(
                f"http://gateway:{GATEWAY_PASSWORD}@127.0.0.1:{_free_port()}/{tryton_db.name}/",
                timeout=5,
            )

        try:
            yield Harness(connector, lambda event_id: effects(admin, event_id), broken)
        finally:
            connector.close()
            admin.close()
