"""``/ops/erp-sink``: what the embedded local ERP sink received (only with ``erp_connector=sink``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from gateway.api.schemas import ErpSinkListing
from gateway.erp.sink import LocalSinkErpConnector
from gateway.web.errors import ApiError, error_responses
from gateway.web.params import EventId, EventTypeQuery
from gateway.web.state import StateDep

router = APIRouter(
    prefix="/erp-sink",
    tags=["ops: erp sink"],
    responses=error_responses(
        422, described={404: "Not found, or the ERP connector is not the sink"}
    ),
)


def _sink(state: StateDep) -> LocalSinkErpConnector:
    connector = state.runtime.connector
    if not isinstance(connector, LocalSinkErpConnector):
        raise ApiError(
            404,
            "erp_sink.not_configured",
            f"the ERP connector is {connector.name!r}, not the local sink",
        )
    return connector


@router.get("", response_model=ErpSinkListing)
async def list_received(
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    event_type: EventTypeQuery = None,
) -> ErpSinkListing:
    """Newest first, without payloads."""
    sink = _sink(state)
    events = await run_in_threadpool(sink.list, limit, event_type)
    count = await run_in_threadpool(sink.count)
    return ErpSinkListing(connector=sink.name, count=count, events=events)


@router.get("/{event_id}")
async def get_received(event_id: EventId, state: StateDep) -> dict[str, Any]:
    """One received event with its payload (the canonical event)."""
    found = await run_in_threadpool(_sink(state).get, event_id)
    if found is None:
        raise ApiError(404, "erp_sink.not_found", f"the sink has no event {event_id!r}")
    return found
