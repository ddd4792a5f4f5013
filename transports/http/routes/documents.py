"""``POST /v1/documents``: canonical events as JSON, for suppliers that prefer JSON to X12."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from gateway.canonical.schema import SCHEMA_PATH
from gateway.errors import DocumentError
from gateway.pipeline.json_documents import (
    JSON_CONTENT_TYPE,
    JSON_TRANSPORT,
    SET_OF_TYPE,
    check_json_message,
)
from gateway.web.errors import error_responses
from transports.http.deps import SEND_ERRORS, SEND_OPENAPI, send_request
from transports.http.intake import accepted, enqueue, store
from transports.http.schemas import ReceiptAccepted, receipt_links

router = APIRouter(prefix="/documents", tags=["supplier: send"])

_SUPPLIER_TYPES = sorted(SET_OF_TYPE)
_ONE = {
    "type": "object",
    "required": ["type", "document"],
    "properties": {
        "type": {"type": "string", "enum": _SUPPLIER_TYPES},
        "document": {"type": "object"},
        "id": {"type": "string", "description": "Optional: yours; derived from the content"},
        "source": {"type": "object", "description": "Optional: the envelope"},
    },
}
_BODY_SCHEMA = {
    "anyOf": [
        _ONE,
        {
            "type": "object",
            "required": ["documents"],
            "properties": {"documents": {"type": "array", "minItems": 1, "items": _ONE}},
        },
    ]
}
"""What a supplier sends: one event or a list; each a ``type`` and its ``document`` (the whole
schema of a document is at ``GET /v1/documents/schema``)."""

DOCUMENTS_BODY = {
    **SEND_OPENAPI,
    "requestBody": {
        "required": True,
        "description": 'One canonical event, or {"documents": [event, ...]}; '
        "the schema is at GET /v1/documents/schema. What you send is a `type` and a "
        "`document`; the gateway assigns the rest: `partner_id` is set to yours, `id` (when "
        "you give none) is derived from the content, so the same document sent again is a "
        "duplicate, and `source` (when you give none) is a JSON envelope with your sender id "
        "and ours. po.*_overdue and supply.delay are the gateway's own: refused.",
        "content": {"application/json": {"schema": _BODY_SCHEMA}},
    },
}


async def send_documents(request: Request) -> Response:
    send = await send_request(request)
    runtime = send.state.runtime
    receipt = await store(request, send, transport=JSON_TRANSPORT, content_type=JSON_CONTENT_TYPE)
    # Duplicates are validated too: the same body gets the same answer, whatever came before.
    problem = await run_in_threadpool(
        check_json_message, runtime.db, receipt.message_id, runtime.process_config
    )
    if problem is not None:
        raise DocumentError(
            problem.message,
            code=problem.code,
            receipt_id=receipt.message_id,
            errors=problem.context.get("errors", []),
            links=receipt_links(receipt.message_id),
        )
    await enqueue(send, receipt)
    return accepted(receipt)


@router.post(
    "",
    status_code=202,
    response_model=ReceiptAccepted,
    openapi_extra=DOCUMENTS_BODY,
    responses=error_responses(
        described={
            **SEND_ERRORS,
            422: f"{SEND_ERRORS[422]}, or invalid documents: every error listed; the body is kept",
        }
    ),
)
async def post_documents(request: Request) -> Response:
    """Stored first (even when invalid: its receipt then says ``failed`` with the errors), then
    validated while you wait: 422 lists every problem, 202 means every document is valid.

    (Served by ``send_path.SendRoutes`` in front of the router; this route documents it.)"""
    return await send_documents(request)


@router.get("/schema", response_class=FileResponse)
async def get_schema() -> FileResponse:
    """The published JSON Schema of one canonical event."""
    return FileResponse(SCHEMA_PATH, media_type="application/schema+json")
