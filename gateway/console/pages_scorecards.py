"""Supplier scorecards (``gateway.queries.scorecards``, the same read model as
``/ops/scorecards``): per supplier over a period, on-time acknowledgement and ship notice, fill
rate and invoice accuracy, each drawn as a bar with its counts, and the CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from gateway.console.web import UserDep, render, runtime_of
from gateway.pipeline.config import procurement_tolerances
from gateway.queries import scorecards as views

router = APIRouter(prefix="/console/scorecards", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
async def scorecards(request: Request, user: UserDep) -> Response:
    q = request.query_params
    last = _day(q.get("date_to")) or datetime.now(UTC).date()
    first = _day(q.get("date_from")) or last - timedelta(days=views.DEFAULT_DAYS)
    first, last = min(first, last), max(first, last)
    partner = (q.get("partner") or "").strip()[:63] or None
    runtime = runtime_of(request)
    cards = await run_in_threadpool(
        partial(
            views.scorecards,
            runtime.db,
            partial(procurement_tolerances, config=runtime.process_config),
            first,
            last,
            partner_id=partner,
        )
    )
    return render(
        request,
        "scorecards.html",
        user,
        active="scorecards",
        cards=cards,
        date_from=first.isoformat(),
        date_to=last.isoformat(),
        partner=partner or "",
    )


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
