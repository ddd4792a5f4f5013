"""The supplier HTTP API transport: ``POST /v1/x12``, ``POST /v1/documents``, ``GET /v1/receipts``.

Durability first: the body is streamed under ``max_body_bytes``, stored by ``receive`` in one
transaction, and only then answered ``202 Accepted`` and enqueued by id. Async only at this layer;
the synchronous pipeline runs in worker threads. ``create_app`` also mounts the operator API
(``gateway.api``) under ``/ops``.

Unlike the byte transports to come (AS2, SFTP), which know only ``gateway.canonical`` and the error
tree, this adapter is the HTTP composition point: it stores through ``gateway.pipeline.receive``,
authenticates through ``gateway.service`` and mounts ``gateway.api`` (``tests/test_layering.py``).
"""

from transports.http.app import create_app

__all__ = ["create_app"]
