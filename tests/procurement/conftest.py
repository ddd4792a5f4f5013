"""Fixtures for the procurement tests: the operator API harness (``tests/transports/harness.py``)."""

from tests.transports.harness import client, gateway

__all__ = ["client", "gateway"]
