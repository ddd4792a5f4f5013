"""``create_app``: the supplier API under ``/v1``, the operator API under ``/ops``, ``/healthz``.

The caller owns the runtime and the queue: it passes the enqueue functions (in production
``actors.enqueue_process``, ``actors.enqueue_deliveries`` and ``actors.enqueue_outbound``, in
tests anything), so the app never builds a broker and never enqueues before the bytes are
committed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from gateway import console
from gateway.api import ops_router
from gateway.console.web import CertificateRow
from gateway.pipeline.inbox import Inbox
from gateway.runtime import Runtime
from gateway.web import health
from gateway.web.body import install_budget
from gateway.web.errors import install_error_handlers
from gateway.web.state import GatewayState
from gateway_app.senders import as2_transport, mdn_to_outbox
from transports.as2 import web as as2
from transports.http import web as http
from transports.http.transport import HttpTransport
from transports.sftp import web as sftp

DESCRIPTION = """Suppliers send X12 (`POST /v1/x12`) or canonical JSON (`POST /v1/documents`) with
their API key, get `202 Accepted` once the bytes are stored, and follow the receipt
(`GET /v1/receipts/{id}`): validation, our 997/999/TA1, the events and their delivery to the ERP.
Our 997/999/TA1 wait in their outbox (`GET /v1/outbox`) until they acknowledge them.
Operators use `/ops` (admin token or a staff member's token, or loopback only when none is
set) and the console at `/console`."""


def create_app(
    runtime: Runtime,
    enqueue_process: Callable[[str], None],
    enqueue_deliveries: Callable[[list[int]], None],
    enqueue_outbound: Callable[[list[str]], None] | None = None,
) -> FastAPI:
    app = FastAPI(title="Supplier gateway", version="1", description=DESCRIPTION)
    state = GatewayState(runtime, enqueue_process, enqueue_deliveries)
    if enqueue_outbound is not None:  # otherwise the workers' sweep finds what /ops requeues
        state = GatewayState(runtime, enqueue_process, enqueue_deliveries, enqueue_outbound)
    app.state.gateway = state
    install_error_handlers(app)
    app.include_router(ops_router)
    app.include_router(health.router)
    console.install(app, certificates=console_certificates)
    inbox = Inbox(runtime.db, enqueue_process, runtime.settings.partners_dir)
    on_mdn = partial(mdn_to_outbox, runtime)
    as2.install(app, as2_transport(inbox, runtime, on_mdn, state.enqueue_outbound))
    sftp.install(app)  # the operator routes; the server runs beside the API (gateway run)
    http.install(app, HttpTransport(inbox))  # last but one: see transports.http.install
    settings = runtime.settings
    install_budget(app, settings.max_body_bytes_in_flight, settings.max_body_bytes)  # outermost
    return app


def console_certificates(partners_dir: Path) -> list[CertificateRow]:
    """The AS2 certificates the profiles name, for the console's partner page (the inventory
    lives with the AS2 transport, which ``gateway/`` never imports). Here, not in ``senders``:
    the workers import that module, and never the console."""
    from transports.as2.certificates import inventory

    found, _ = inventory(partners_dir)
    return [CertificateRow(c.partner_id, c.role, c.subject, c.serial, c.not_after) for c in found]
