"""schemathesis against the app's own OpenAPI document, in process, on SQLite and PostgreSQL: no
answer is a 5xx, and every answer keeps the document's promise (status, content type, headers,
body schema).

Three callers: a supplier on ``/v1`` (Bearer key), the operator on ``/ops`` (admin token), and
nobody on every route; the send routes also without ``SendRoutes`` in front (the FastAPI routes
behind it must answer alike). The database holds a processed X12 message, a JSON document and
their events (in the local ERP sink) before the first request, so list and detail answers have
rows to check against their schemas.

Every check schemathesis runs by default (``not_a_server_error``, status code, content type,
headers and body schema conformance, positive and negative data, ignored auth, unsupported
methods), but where ``BEYOND_THE_SCHEMA`` says why not. A fixed budget per operation
(``EXAMPLES``: schema examples and edge cases, then ``max_examples`` generated ones),
derandomized: a run is reproducible.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import CheckFunction
from schemathesis.specs.openapi.checks import positive_data_acceptance
from starlette.types import Receive, Scope, Send

from gateway.runtime import Runtime
from gateway_app.webapp import create_app
from tests.conftest import fresh_database
from tests.transports.harness import (
    ADMIN_TOKEN,
    DEMO_KEY,
    SAMPLE_856,
    Gateway,
    bearer,
    build_gateway,
    runtime_for,
    sample_event,
    settings_for,
)
from transports.http.send_path import SendRoutes

EXAMPLES = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _document() -> dict[str, Any]:
    """The app's OpenAPI document: it depends on no database, so none is opened for it."""
    settings = settings_for(Path(tempfile.gettempdir()), database_url="sqlite://")
    runtime = Runtime.from_settings(settings, migrate=False)
    try:
        return create_app(runtime, print, print).openapi()
    finally:
        runtime.close()


class CurrentApp:
    """The app of the gateway the running test built. The schema is loaded at import, before any
    gateway exists (``schemathesis.pytest.from_fixture`` would load it from a fixture, but fails
    on pytest 9.2: it reads ``Function._nodeid``, which is gone); with this as its app, every
    request schemathesis sends, its checks' probes too, stays in process."""

    app: FastAPI | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "no gateway fixture"
        await self.app(scope, receive, send)


CURRENT = CurrentApp()
schema = schemathesis.openapi.from_dict(_document())
schema.app = CURRENT
schema.config.generation.update(
    # The callers below bring their credentials; generated ones would only be replaced.
    with_security_parameters=False,
    # Query parameters a route does not define are ignored, as HTTP APIs do; an extra one is not
    # invalid data.
    allow_extra_parameters=False,
)
# POST /v1/x12 takes the bytes as they are, as any binary body.
schemathesis.serializer.alias("application/edi-x12", "application/octet-stream")


@schema.hook
def flatmap_path_parameters(
    context: schemathesis.HookContext, parameters: dict[str, Any] | None
) -> st.SearchStrategy[dict[str, Any] | None]:
    """Some string ids with a NUL in the middle, where their schema allows one (no pattern): a NUL
    that reached PostgreSQL, whose text cannot hold one, was a 500 (issue 17). Generated strings
    almost never hold one by chance."""
    if not parameters or context.operation is None:
        return st.just(parameters)
    with_nul = dict(parameters)
    for parameter in context.operation.path_parameters:
        value = parameters.get(parameter.name)
        if isinstance(value, str) and value and "pattern" not in parameter.definition["schema"]:
            middle = len(value) // 2
            with_nul[parameter.name] = value[:middle] + "\x00" + value[middle + 1 :]
    return st.sampled_from([parameters, with_nul])


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def gateway(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_problem: str | None
) -> Iterator[Gateway]:
    """One gateway per database for the whole module: its database fills up as the operations
    run, as a real one would."""
    with fresh_database(request.param, tmp_path_factory, pg_problem) as url:
        settings = settings_for(
            tmp_path_factory.mktemp("data"), database_url=url, erp_connector="sink", erp_url=url
        )
        runtime = runtime_for(settings)
        try:
            gateway = build_gateway(runtime)
            client = TestClient(gateway.app, headers=bearer(DEMO_KEY))
            assert client.post("/v1/x12", content=SAMPLE_856.read_bytes()).status_code == 202
            assert client.post("/v1/documents", json=sample_event()).status_code == 202
            CURRENT.app = gateway.app
            yield gateway
        finally:
            CURRENT.app = None
            runtime.close()


BEYOND_THE_SCHEMA = {
    "POST /v1/documents": [positive_data_acceptance],
    "POST /ops/partners": [positive_data_acceptance],
    "POST /as2": [positive_data_acceptance],
    "POST /ops/purchase-orders": [positive_data_acceptance],
}
"""Checks left out where the document cannot say everything the route checks. POST
/v1/documents: the body is documented as one or more {type, document} (each document's schema is
at GET /v1/documents/schema, too large to inline), and a valid document also needs the fields its
type requires and, when it gives a source, the partner's sender ids; 422 lists every problem. POST /ops/partners: the template must be one of the data files (GET
/ops/partners/templates) and the values fill its placeholders; 422 lists every problem. POST /as2:
a valid AS2 message is a signed and encrypted MIME entity from a configured partner (its own
interop and negative suites are tests/transports/as2/). POST /ops/purchase-orders: the partner
must exist (404) and a PO's line numbers must differ (422), which a schema cannot say."""


_told: set[str] = set()


def excluded(case: schemathesis.Case) -> list[CheckFunction]:
    label = case.operation.label
    checks = BEYOND_THE_SCHEMA.get(label, [])
    if checks and label not in _told:
        _told.add(label)
        names = ", ".join(check.__name__ for check in checks)
        print(f"{label}: {names} left out (see BEYOND_THE_SCHEMA)")
    return checks


@schema.include(path_regex="^/v1/").parametrize()
@EXAMPLES
def test_supplier_api(case: schemathesis.Case, gateway: Gateway) -> None:
    case.call_and_validate(headers=bearer(DEMO_KEY), excluded_checks=excluded(case))


@pytest.fixture(scope="module")
def fastapi_routes(gateway: Gateway) -> FastAPI:
    """The gateway's app without ``SendRoutes`` in front: the FastAPI routes behind it must
    answer the send routes alike."""
    app = gateway.app_with(gateway.enqueue_process)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not SendRoutes]
    return app


@schema.include(path_regex="^/v1/(x12|documents)$", method="POST").parametrize()
@EXAMPLES
def test_send_routes_without_send_path(case: schemathesis.Case, fastapi_routes: FastAPI) -> None:
    case.call_and_validate(
        app=fastapi_routes, headers=bearer(DEMO_KEY), excluded_checks=excluded(case)
    )


@schema.include(path_regex="^/ops/").parametrize()
@EXAMPLES
def test_operator_api(case: schemathesis.Case, gateway: Gateway) -> None:
    case.call_and_validate(headers=bearer(ADMIN_TOKEN), excluded_checks=excluded(case))


@schema.parametrize()
@EXAMPLES
def test_without_credentials(case: schemathesis.Case, gateway: Gateway) -> None:
    case.call_and_validate(excluded_checks=excluded(case))
