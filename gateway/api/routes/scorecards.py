"""``/ops/scorecards``: each supplier's on-time acknowledgement and ship notice, fill rate and
invoice accuracy over a period (``gateway.queries.scorecards``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response

from gateway.pipeline.config import procurement_tolerances
from gateway.queries import scorecards as views
from gateway.queries.scorecards import DEFAULT_DAYS, Scorecard
from gateway.web.errors import ApiError, error_responses
from gateway.web.params import PartnerQuery
from gateway.web.state import StateDep

router = APIRouter(prefix="/scorecards", tags=["ops: purchase orders"])


@router.get(
    "",
    response_model=list[Scorecard],
    responses={**error_responses(422), 200: {"content": {"text/csv": {}}}},
)
async def list_scorecards(
    state: StateDep,
    partner: PartnerQuery = None,
    date_from: Annotated[date | None, Query(description="First day POs were sent (UTC)")] = None,
    date_to: Annotated[date | None, Query(description="Last day (UTC); default today")] = None,
    format: Literal["json", "csv"] = "json",
) -> Response | list[Scorecard]:
    """Per supplier, of the POs sent in the period (default: the last 90 days): on-time
    acknowledgement and ship notice, fill rate, invoice accuracy; ``format=csv`` for a sheet."""
    today = datetime.now(UTC).date()
    last = date_to or today
    first = date_from or last - timedelta(days=DEFAULT_DAYS)
    if first > last:
        raise ApiError(422, "request.invalid", "date_from is after date_to")
    config = state.runtime.process_config
    cards = await run_in_threadpool(
        partial(
            views.scorecards,
            state.runtime.db,
            partial(procurement_tolerances, config=config),
            first,
            last,
            partner_id=partner,
        )
    )
    if format == "csv":
        return PlainTextResponse(views.as_csv(cards), media_type="text/csv")
    return cards
