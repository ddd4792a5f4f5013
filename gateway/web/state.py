"""``GatewayState``: what every route reaches through ``app.state.gateway``.

The composition root (``gateway_app.webapp.create_app``) puts it there; routes never build a
``Runtime`` or a broker themselves, so tests hand the factory one on a temporary database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from gateway.runtime import Runtime


def _sweep_sends_them(_item_ids: list[str]) -> None:
    """No outbox queue given: the workers' sweep finds queued items."""


@dataclass(frozen=True, slots=True)
class GatewayState:
    runtime: Runtime
    enqueue_process: Callable[[str], None]
    enqueue_deliveries: Callable[[list[int]], None]
    enqueue_outbound: Callable[[list[str]], None] = _sweep_sends_them


def gateway_state(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.gateway
    return state


async def gateway_state_dep(request: Request) -> GatewayState:
    """As a dependency it is async: FastAPI runs sync dependencies in its thread pool."""
    return gateway_state(request)


StateDep = Annotated[GatewayState, Depends(gateway_state_dep)]
