"""The supplier HTTP API transport: ``POST /v1/x12``, ``POST /v1/documents``, ``GET /v1/receipts``,
``/v1/outbox`` (what we send, fetched and acknowledged by the partner).

Durability first: the partner is authenticated before a byte of the body is read, the body is
streamed under ``max_body_bytes``, handed in (stored in one transaction), and only then answered
``202 Accepted`` and enqueued by id. Async only at this layer; the synchronous pipeline runs in
worker threads. Built on ``gateway.web`` (state, errors, body limits) and ``gateway.queries``
(receipts); ``install`` puts it on the app the composition root (``gateway_app.webapp``) builds.
"""
