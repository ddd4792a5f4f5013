"""The one place where exceptions become HTTP answers, for the supplier and the operator API.

Every error body has one shape, ``{"error": {"code": ..., "message": ..., <context>}}``::

    DocumentError            422  the error's code, message and context (e.g. every JSON error)
    DeliveryError            502  code and message (the ERP's answer stays in the operator views)
    ConfigurationError       500  a safe message; the real one is logged for the operator
    other GatewayError       500  likewise
    ApiError / HTTPException its status and headers (401 carries ``WWW-Authenticate: Bearer``)
    RequestValidationError   422  ``request.invalid`` with FastAPI's list of problems
    anything else            500  logged with its traceback, a safe message answered

Bad input must never reach the last line: tests post garbage, truncated X12, huge bodies, wrong
keys and foreign receipt ids and expect a 2xx or a 4xx (``tests/api/test_schemathesis.py`` too).

Routes document the errors they answer with ``error_responses``, so the OpenAPI document promises
this body (``ErrorAnswer``) and not FastAPI's default one.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from gateway.errors import ConfigurationError, DeliveryError, DocumentError, GatewayError

log = logging.getLogger("gateway.api")

SAFE_MESSAGE = "the gateway could not handle this request; its operators have been told"


class ApiError(HTTPException):
    """An HTTP answer with a stable dotted ``code``, raised by routes and dependencies."""

    def __init__(
        self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code, {"code": code, "message": message}, headers)


class ErrorDetail(BaseModel):
    """A stable code, a sentence, and context that depends on the error (``errors``: every
    problem found; ``receipt_id``, ``links``...)."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(
        description="Stable and dotted: auth.invalid, request.invalid, json.invalid..."
    )
    message: str


class ErrorAnswer(BaseModel):
    """Every error answer's body."""

    error: ErrorDetail


def error_responses(
    *statuses: int, described: dict[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a route's error statuses, each with the ``ErrorAnswer`` body;
    ``described`` adds statuses with a sentence of their own instead of the standard phrase."""
    descriptions = {status: HTTPStatus(status).phrase for status in statuses} | (described or {})
    return {
        status: {"model": ErrorAnswer, "description": text}
        for status, text in sorted(descriptions.items())
    }


def error_body(code: str, message: str, **context: Any) -> dict[str, Any]:
    # Context comes from anywhere in the pipeline: make sure it serialises.
    return {
        "error": json.loads(json.dumps({"code": code, "message": message, **context}, default=str))
    }


def gateway_error_response(exc: GatewayError) -> JSONResponse:
    if isinstance(exc, DocumentError):
        return JSONResponse(error_body(**exc.as_dict()), status_code=422)
    if isinstance(exc, DeliveryError):
        return JSONResponse(error_body(exc.code, exc.message), status_code=502)
    kind = "configuration" if isinstance(exc, ConfigurationError) else "gateway"
    log.error("%s error answered as 500: %s %s", kind, exc.code, exc.message)
    return JSONResponse(error_body(exc.code, SAFE_MESSAGE), status_code=500)


async def _gateway_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GatewayError)
    return gateway_error_response(exc)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # routing's 404/405 are Starlette's
    detail: Any = exc.detail  # ApiError's is a dict, Starlette's a sentence
    if isinstance(detail, dict):
        body = error_body(**detail)
    else:
        body = error_body(f"http.{exc.status_code}", str(detail))
    headers = exc.headers
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method the app serves at this path: Starlette's 405 names only the first route
    that matched the path, though a path may have a route per method (``GET`` and ``POST``)."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


async def _request_invalid(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"loc": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
        for e in exc.errors()
    ]
    body = error_body("request.invalid", "the request's parameters are invalid", errors=problems)
    return JSONResponse(body, status_code=422)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("gateway.unexpected", SAFE_MESSAGE), status_code=500)


async def error_response(request: Request, exc: Exception) -> JSONResponse:
    """The answer the handlers installed below give, for code that runs outside FastAPI's
    exception middleware (``transports.http.send_path``)."""
    if isinstance(exc, GatewayError):
        return await _gateway_error(request, exc)
    if isinstance(exc, StarletteHTTPException):
        return await _http_error(request, exc)
    return await _unexpected(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(GatewayError, _gateway_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(Exception, _unexpected)
