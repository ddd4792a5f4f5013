"""Dashboard, message tracker and message page (retry, cancel, replay with its diff first), the
audit log."""

from __future__ import annotations

import logging
from datetime import date
from functools import partial
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from gateway.console.charts import FAILURE, stacked_bars
from gateway.console.raw import raw_view
from gateway.console.web import (
    Staff,
    UserDep,
    can,
    console_state,
    form_of,
    redirect,
    render,
    runtime_of,
    secure,
)
from gateway.pipeline.replay import (
    CANCELLABLE,
    cancel_message,
    preview_replay,
    replay_transaction,
    retry_delivery,
    retry_message,
)
from gateway.queries import messages
from gateway.queries.audit import audit_entries
from gateway.queries.tracker import (
    PAGE,
    TrackerFilter,
    message_of_transaction,
    raw_of,
    search_messages,
)
from gateway.queries.views import MessageStatus
from gateway.web.params import is_message_id
from gateway.web.state import gateway_state

log = logging.getLogger("gateway.console")
router = APIRouter(prefix="/console", include_in_schema=False)
STATUSES = get_args(MessageStatus)
DOC_TYPES = ("855", "856", "810", "997", "999")


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, user: UserDep) -> Response:
    snapshot = await run_in_threadpool(
        console_state(request).dashboard_for(runtime_of(request)).get
    )
    board = snapshot.board
    chart = stacked_bars(board.days, board.by_type)
    failures = stacked_bars(board.days, {"failures": board.failures}, {"failures": FAILURE})
    types = sorted({t for totals in board.by_partner.values() for t in totals})
    return render(
        request,
        "dashboard.html",
        user,
        active="dashboard",
        board=board,
        chart=chart,
        failures=failures,
        types=types,
        taken_at=snapshot.taken_at,
    )


def _filter(request: Request) -> TrackerFilter:
    q = request.query_params

    def text(name: str, size: int = 80) -> str | None:
        value = (q.get(name) or "").strip()[:size]
        return value or None

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(q.get(name) or "")
        except ValueError:
            return None

    status = text("status")
    return TrackerFilter(
        partner=text("partner", 63),
        doc_type=text("type", 6),
        control=text("control", 20),
        number=text("number"),
        status=status if status in STATUSES else None,
        since=day("since"),
        until=day("until"),
        before=text("before", 120),
    )


@router.get("/messages", response_class=HTMLResponse)
async def tracker(request: Request, user: UserDep) -> Response:
    """The search form and a page of results; htmx asks for the results alone (``HX-Request``)."""
    found = _filter(request)
    page = await run_in_threadpool(search_messages, runtime_of(request).db, found, PAGE)
    params = {k: v for k, v in request.query_params.items() if k != "before" and v}
    template = "_message_rows.html" if request.headers.get("hx-request") else "messages.html"
    return render(
        request,
        template,
        user,
        active="messages",
        page=page,
        f=found,
        params=params,
        statuses=STATUSES,
        doc_types=DOC_TYPES,
    )


async def _message(request: Request, message_id: str) -> Any:
    found = None
    if is_message_id(message_id):
        found = await run_in_threadpool(
            partial(messages.message_detail, runtime_of(request).db, message_id, limit=500)
        )
    return found


def _raw(request: Request, message_id: str) -> bytes:
    return raw_of(runtime_of(request).db, message_id)


@router.get("/messages/{message_id}", response_class=HTMLResponse)
async def message_page(request: Request, message_id: str, user: UserDep) -> Response:
    found = await _message(request, message_id)
    if found is None:
        return render(request, "not_found.html", user, status=404, what=f"message {message_id}")
    raw = await run_in_threadpool(_raw, request, message_id)
    view = raw_view(raw, found.transactions)
    return render(
        request,
        "message.html",
        user,
        active="messages",
        m=found,
        raw=view,
        cancellable=found.status in CANCELLABLE,
    )


@router.get("/messages/{message_id}/raw")
async def message_raw(request: Request, message_id: str, user: UserDep) -> Response:
    raw = await run_in_threadpool(_raw, request, message_id) if is_message_id(message_id) else b""
    if not raw:
        return render(request, "not_found.html", user, status=404, what=f"message {message_id}")
    return secure(
        Response(
            raw,
            media_type="application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{message_id}.edi"'},
        )
    )


@router.post("/messages/{message_id}/retry")
async def retry(
    request: Request, message_id: str, user: Annotated[Staff, Depends(can("message.retry"))]
) -> Response:
    await form_of(request, user)
    db = runtime_of(request).db
    ok = is_message_id(message_id) and await run_in_threadpool(
        partial(retry_message, db, message_id, actor=user.actor)
    )
    if not ok:
        return render(
            request,
            "refused.html",
            user,
            status=409,
            message="Only a failed message can be retried.",
        )
    await _enqueue_message(request, message_id)
    return redirect(f"/console/messages/{message_id}", "retried")


async def _enqueue_message(request: Request, message_id: str) -> None:
    try:
        await run_in_threadpool(gateway_state(request).enqueue_process, message_id)
    except Exception:  # stored as received: the sweep enqueues it
        log.exception("enqueueing %s failed; the sweep will pick it up", message_id)


async def enqueue_deliveries(request: Request, delivery_ids: list[int]) -> None:
    if not delivery_ids:
        return
    try:
        await run_in_threadpool(gateway_state(request).enqueue_deliveries, delivery_ids)
    except Exception:  # stored as pending: the sweep enqueues them
        log.exception("enqueueing deliveries %s failed; the sweep will pick them up", delivery_ids)


@router.post("/messages/{message_id}/cancel")
async def cancel(
    request: Request, message_id: str, user: Annotated[Staff, Depends(can("message.cancel"))]
) -> Response:
    form = await form_of(request, user)
    reason = str(form.get("reason") or "").strip()[:500]
    if not reason:
        return render(request, "refused.html", user, status=422, message="Say why it is cancelled.")
    before = None
    if is_message_id(message_id):
        before = await run_in_threadpool(
            cancel_message, runtime_of(request).db, message_id, user.actor, reason
        )
    if before not in CANCELLABLE:
        return render(
            request,
            "refused.html",
            user,
            status=409,
            message="Only a received or failed message can be cancelled.",
        )
    return redirect(f"/console/messages/{message_id}", "cancelled")


@router.get("/transactions/{transaction_id}/replay", response_class=HTMLResponse)
async def replay_preview(
    request: Request,
    transaction_id: int,
    user: Annotated[Staff, Depends(can("transaction.replay"))],
) -> Response:
    """What a replay would change, before the operator confirms (nothing is written)."""
    runtime = runtime_of(request)
    try:
        result = await run_in_threadpool(
            preview_replay, runtime.db, transaction_id, runtime.process_config
        )
    except KeyError:
        return render(
            request, "not_found.html", user, status=404, what=f"transaction {transaction_id}"
        )
    message_id = await run_in_threadpool(_message_of, request, transaction_id)
    template = "_replay_preview.html" if request.headers.get("hx-request") else "replay.html"
    return render(request, template, user, active="messages", result=result, message_id=message_id)


def _message_of(request: Request, transaction_id: int) -> str:
    return message_of_transaction(runtime_of(request).db, transaction_id)


@router.post("/transactions/{transaction_id}/replay")
async def replay(
    request: Request,
    transaction_id: int,
    user: Annotated[Staff, Depends(can("transaction.replay"))],
) -> Response:
    await form_of(request, user)
    runtime = runtime_of(request)
    try:
        result = await run_in_threadpool(
            partial(
                replay_transaction,
                runtime.db,
                transaction_id,
                runtime.process_config,
                actor=user.actor,
            )
        )
    except KeyError:
        return render(
            request, "not_found.html", user, status=404, what=f"transaction {transaction_id}"
        )
    await enqueue_deliveries(request, result.delivery_ids)
    message_id = await run_in_threadpool(_message_of, request, transaction_id)
    return redirect(f"/console/messages/{message_id}", "replayed")


@router.post("/deliveries/{delivery_id}/retry")
async def retry_dead(
    request: Request, delivery_id: int, user: Annotated[Staff, Depends(can("delivery.retry"))]
) -> Response:
    form = await form_of(request, user)
    ok = await run_in_threadpool(
        partial(retry_delivery, runtime_of(request).db, delivery_id, actor=user.actor)
    )
    if not ok:
        return render(
            request,
            "refused.html",
            user,
            status=409,
            message="That delivery was already delivered.",
        )
    await enqueue_deliveries(request, [delivery_id])
    back = str(form.get("back") or "")
    return redirect(
        back if back.startswith("/console/messages/") else "/console/exceptions", "retried"
    )


@router.get("/audit", response_class=HTMLResponse)
async def audit(request: Request, user: Annotated[Staff, Depends(can("audit.read"))]) -> Response:
    q = request.query_params
    before = q.get("before", "")
    entries = await run_in_threadpool(
        partial(
            audit_entries,
            runtime_of(request).db,
            actor=(q.get("actor") or "")[:80] or None,
            action=(q.get("action") or "")[:80] or None,
            subject=(q.get("subject") or "")[:80] or None,
            before=int(before) if before.isdigit() else None,
            limit=100,
        )
    )
    params = {k: v for k, v in q.items() if k != "before" and v}
    return render(request, "audit.html", user, active="audit", entries=entries, params=params)
