"""Reading a request body under a size limit, without ever holding more than the limit.

A declared ``Content-Length`` over the limit is refused before a byte is read; a chunked (or
lying) body is counted while it streams and refused as soon as the next chunk would pass the
limit. Either way nothing has been stored: ``receive`` only ever sees a complete body.
"""

from __future__ import annotations

from fastapi import Request
from starlette.requests import ClientDisconnect

from gateway.web.errors import ApiError


def too_large(limit: int) -> ApiError:
    return ApiError(413, "body.too_large", f"the body is larger than {limit} bytes")


async def read_limited_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, "body.length_invalid", "Content-Length is not a number")
        if int(declared) > limit:
            raise too_large(limit)
    body = bytearray()
    try:
        async for chunk in request.stream():
            if len(body) + len(chunk) > limit:
                raise too_large(limit)
            body += chunk
    except ClientDisconnect:
        raise ApiError(400, "body.incomplete", "the client went away mid-body") from None
    if not body:
        raise ApiError(400, "body.empty", "the body is empty")
    return bytes(body)
