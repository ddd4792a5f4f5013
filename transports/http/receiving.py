"""What both POST routes do around their content: store, answer, enqueue, in that order."""

from __future__ import annotations

import logging

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool

from gateway.api.deps import GatewayState
from gateway.pipeline.receive import Receipt, receive
from transports.http.deps import Send
from transports.http.schemas import ReceiptAccepted, receipt_links

log = logging.getLogger("transports.http")
MAX_USER_AGENT = 200


async def store(
    request: Request,
    send: Send,
    *,
    transport: str,
    content_type: str,
    then_enqueue: bool = False,
) -> Receipt:
    """``receive`` in a worker thread: when this returns, the bytes are committed. With
    ``then_enqueue``, the message is also enqueued in the same trip (after the commit)."""
    meta = {
        "remote_addr": request.client.host if request.client is not None else None,
        "user_agent": (request.headers.get("user-agent") or "")[:MAX_USER_AGENT] or None,
    }

    state, supplier = send.state, send.sender

    def run() -> Receipt:
        receipt = receive(
            state.runtime.db,
            partner_id=supplier.partner_id,
            transport=transport,
            raw=send.raw,
            transport_message_id=send.message_id,
            content_type=content_type,
            meta=meta,
            duplicate_policy=supplier.profile.duplicate_policy,
            checks=supplier.profile.duplicate_checks,
        )
        if then_enqueue:
            _enqueue(state, receipt)
        return receipt

    return await run_in_threadpool(run)


async def enqueue(state: GatewayState, receipt: Receipt) -> None:
    """After the commit. A failure here loses nothing: the sweep finds the stored message."""
    if receipt.needs_processing:
        await run_in_threadpool(_enqueue, state, receipt)


def _enqueue(state: GatewayState, receipt: Receipt) -> None:
    if not receipt.needs_processing:
        return
    try:
        state.enqueue_process(receipt.message_id)
    except Exception:
        log.exception("enqueueing %s failed; the sweep will pick it up", receipt.message_id)


def accepted(receipt: Receipt) -> Response:
    """``202 Accepted`` with the receipt, and its address in ``Location``."""
    links = receipt_links(receipt.message_id)
    body = ReceiptAccepted(
        receipt_id=receipt.message_id,
        status=receipt.status,
        duplicate_of=receipt.duplicate_of,
        duplicate_reason=receipt.duplicate_reason,
        links=links,
    )
    return Response(
        body.model_dump_json(),
        status_code=202,
        media_type="application/json",
        headers={"Location": links["self"]},
    )
