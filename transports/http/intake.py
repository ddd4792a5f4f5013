"""What both POST routes do around their content: hand in (store), answer, enqueue, in that order."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool

from gateway.pipeline.inbox import Inbound
from gateway.pipeline.receive import Receipt
from transports.http.deps import Send
from transports.http.schemas import ReceiptAccepted, receipt_links

MAX_USER_AGENT = 200


async def store(
    request: Request,
    send: Send,
    *,
    transport: str,
    content_type: str,
    then_enqueue: bool = False,
) -> Receipt:
    """``hand_in`` in a worker thread: when this returns, the bytes are committed. With
    ``then_enqueue``, the message is also enqueued in the same trip (after the commit)."""
    inbound = Inbound(
        partner_id=send.sender.partner_id,
        transport=transport,
        raw=send.raw,
        content_type=content_type,
        transport_message_id=send.message_id,
        meta={
            "remote_addr": request.client.host if request.client is not None else None,
            "user_agent": (request.headers.get("user-agent") or "")[:MAX_USER_AGENT] or None,
        },
    )
    http = send.transport

    def run() -> Receipt:
        receipt = http.hand_in(inbound)
        if then_enqueue:
            http.inbox.enqueue(receipt)
        return receipt

    return await run_in_threadpool(run)


async def enqueue(send: Send, receipt: Receipt) -> None:
    """After the commit. A failure here loses nothing: the sweep finds the stored message."""
    if receipt.needs_processing:
        await run_in_threadpool(send.transport.inbox.enqueue, receipt)


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
