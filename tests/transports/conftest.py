"""Fixtures for the supplier HTTP API tests: defined once in ``tests/transports/harness.py``."""

from tests.transports.harness import client, gateway

__all__ = ["client", "gateway"]
