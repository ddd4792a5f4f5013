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
from gateway.web.errors import error_responses
from gateway.web.params import PartnerQuery
from gateway.web.state import StateDep

router = APIRouter(prefix="/scorecards", tags=["ops: purchase orders"])
_DATE = r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


@router.get(
    "",
    response_model=list[Scorecard],
    responses={**error_responses(422), 200: {"content": {"text/csv": {}}}},
)
async def list_scorecards(
    state: StateDep,
    partner: PartnerQuery = None,
    date_from: Annotated[
        str | None, Query(pattern=_DATE, description="First day POs were sent (UTC)")
    ] = None,
    date_to: Annotated[
        str | None, Query(pattern=_DATE, description="Last day (UTC); default today")
    ] = None,
    format: Literal["json", "csv"] = "json",
) -> Response | list[Scorecard]:
    """Per supplier, of the POs sent in the period (default: the last 90 days): on-time
    acknowledgement and ship notice, fill rate, invoice accuracy; ``format=csv`` for a sheet."""
    last = _day(date_to) if date_to else datetime.now(UTC).date()
    first = _day(date_from) if date_from else last - timedelta(days=DEFAULT_DAYS)
    first, last = min(first, last), max(first, last)  # the days between, whichever comes first
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


def _day(text: str) -> date:
    """``YYYY-MM-DD`` (the pattern holds); a day past its month's end is the month's last day
    (2026-02-30: 2026-02-28)."""
    year, month, day = (int(part) for part in text.split("-"))
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return min(date(year, month, 1) + timedelta(days=day - 1), following - timedelta(days=1))
