"""The exception workbench: dead letters, failed messages and rejected sets grouped by cause and
partner, with the whole group retried (or replayed) in one go after a fix."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from gateway.console.pages_messages import enqueue_deliveries
from gateway.console.web import (
    ConsoleForbidden,
    UserDep,
    form_of,
    redirect,
    render,
    runtime_of,
)
from gateway.pipeline.replay import replay_transaction, retry_delivery, retry_message
from gateway.queries.tracker import exception_groups
from gateway.staff.roles import Action
from gateway.web.params import is_message_id
from gateway.web.state import gateway_state

router = APIRouter(prefix="/console", include_in_schema=False)
BULK = 500
"""At most this many items per bulk action (the rest stay for the next click)."""

ACTION_OF: dict[str, Action] = {
    "dead_letter": "delivery.retry",
    "failed": "message.retry",
    "rejected": "transaction.replay",
}


@router.get("/exceptions", response_class=HTMLResponse)
async def workbench(request: Request, user: UserDep) -> Response:
    groups = await run_in_threadpool(exception_groups, runtime_of(request).db)
    return render(
        request, "exceptions.html", user, active="exceptions", groups=groups, action_of=ACTION_OF
    )


@router.post("/exceptions/retry")
async def bulk_retry(request: Request, user: UserDep) -> Response:
    """Every item of one group: dead deliveries back to pending, failed messages back to the
    queue, rejected sets replayed with today's maps and profile; each one audited."""
    form = await form_of(request, user)
    kind = str(form.get("kind") or "")
    action = ACTION_OF.get(kind)
    if action is None:
        return render(request, "refused.html", user, status=422, message="Unknown group kind.")
    if not user.can(action):
        raise ConsoleForbidden(f"Your role ({user.role}) may not {action}.", user)
    ids = [i for i in str(form.get("ids") or "").split(",") if i][:BULK]
    done = await run_in_threadpool(partial(_retry_all, request, kind, ids, user.actor))
    return redirect("/console/exceptions", "retried_n", done)


def _retry_all(request: Request, kind: str, ids: list[str], actor: str) -> int:
    runtime = runtime_of(request)
    state = gateway_state(request)
    done = 0
    deliveries: list[int] = []
    for item in ids:
        if kind == "dead_letter" and item.isdigit():
            if retry_delivery(runtime.db, int(item), actor=actor):
                deliveries.append(int(item))
                done += 1
        elif kind == "failed" and is_message_id(item):
            if retry_message(runtime.db, item, actor=actor):
                _quietly(state.enqueue_process, item)
                done += 1
        elif kind == "rejected" and item.isdigit():
            try:
                result = replay_transaction(
                    runtime.db, int(item), runtime.process_config, actor=actor
                )
            except KeyError:
                continue
            deliveries += result.delivery_ids
            done += 1 if result.event_id else 0
    if deliveries:
        _quietly(state.enqueue_deliveries, deliveries)
    return done


def _quietly(enqueue: Any, arg: Any) -> None:
    """Enqueue, leaving it to the sweep when the queue does not answer (the rows are stored)."""
    try:
        enqueue(arg)
    except Exception:
        import logging

        logging.getLogger("gateway.console").exception("enqueue failed; the sweep will pick it up")


__all__ = ["enqueue_deliveries", "router"]
