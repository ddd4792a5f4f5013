"""``POST /v1/x12``: X12 interchanges, the body exactly as sent, any content type."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gateway.web.errors import error_responses
from transports.http.deps import SEND_ERRORS, SEND_OPENAPI, send_request
from transports.http.intake import accepted, store
from transports.http.schemas import ReceiptAccepted

router = APIRouter(tags=["supplier: send"])

X12_BODY = {
    **SEND_OPENAPI,
    "requestBody": {
        "required": True,
        "description": "One or more X12 interchanges (ISA..IEA), byte for byte.",
        "content": {
            "application/edi-x12": {
                "schema": {"type": "string", "format": "binary", "minLength": 1}
            }
        },
    },
}


async def send_x12(request: Request) -> Response:
    send = await send_request(request)
    receipt = await store(
        request,
        send,
        transport="http",
        content_type=request.headers.get("content-type") or "application/edi-x12",
        then_enqueue=True,
    )
    return accepted(receipt)


@router.post(
    "/x12",
    status_code=202,
    response_model=ReceiptAccepted,
    openapi_extra=X12_BODY,
    responses=error_responses(
        described={
            **SEND_ERRORS,
            422: f"{SEND_ERRORS[422]}; bad X12 is accepted (202) and answered at the receipt",
        }
    ),
)
async def post_x12(request: Request) -> Response:
    """Stored before this answers 202; validation, the 997/999/TA1 and the ERP delivery follow,
    visible at the receipt's ``links.self``. Bad X12 is accepted here and answered there.

    (Served by ``send_path.SendRoutes`` in front of the router; this route documents it.)"""
    return await send_x12(request)
