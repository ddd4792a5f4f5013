"""The role x action matrix through ``/ops``: each role x each action, allowed or denied; a viewer
changes nothing; a supplier API key gets nothing; staff actions are audited with their name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.dependencies.utils import get_parameterless_sub_dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from gateway.staff.roles import ACTIONS, ROLES, Action, allows
from tests.staff.support import staff_of_every_role
from tests.transports.harness import (
    ADMIN_TOKEN,
    DEMO_KEY,
    SAMPLE_856,
    Gateway,
    bearer,
    build_gateway,
    runtime_for,
    settings_for,
)

MESSAGE = "msg_" + "0" * 24
OUTBOX = "out_" + "0" * 24

REQUESTS: dict[Action, tuple[str, str, dict[str, Any] | None]] = {
    "read": ("GET", "/ops/stats", None),
    "message.retry": ("POST", f"/ops/messages/{MESSAGE}/retry", None),
    "message.cancel": ("POST", f"/ops/messages/{MESSAGE}/cancel", {"reason": "matrix"}),
    "transaction.replay": ("POST", "/ops/transactions/999999/replay", None),
    "delivery.retry": ("POST", "/ops/deliveries/999999/retry", None),
    "outbox.retry": ("POST", f"/ops/outbox/{OUTBOX}/retry", None),
    "partner.create": ("POST", "/ops/partners", {"id": "matrix-x", "template": "no-such"}),
    "partner.promote": ("POST", "/ops/partners/nobody/promote", {"to": "live", "reason": "m"}),
    "partner.key.issue": ("POST", "/ops/partners/nobody/keys", None),
    "partner.key.revoke": ("POST", "/ops/partners/nobody/keys/gk_abcdef/revoke", None),
    "audit.read": ("GET", "/ops/audit", None),
    "staff.manage": ("GET", "/ops/staff", None),
    "purchase_order.publish": ("POST", "/ops/purchase-orders", {"po_number": "matrix"}),
}
"""One request per action, aimed at nothing that exists: an allowed caller gets past the role
check (404/409/422), a refused one gets 403 ``auth.role``."""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gateway, dict[str, str]]]:
    runtime = runtime_for(settings_for(tmp_path_factory.mktemp("matrix")))
    try:
        gateway = build_gateway(runtime)
        yield gateway, staff_of_every_role(runtime)
    finally:
        runtime.close()


@pytest.fixture(scope="module")
def client(world: tuple[Gateway, dict[str, str]]) -> Iterator[TestClient]:
    with TestClient(world[0].app) as test_client:
        yield test_client


def call(client: TestClient, action: Action, headers: dict[str, str]) -> Any:
    method, path, body = REQUESTS[action]
    return client.request(method, path, json=body, headers=headers)


def test_every_action_of_the_matrix_has_a_request_here() -> None:
    assert set(REQUESTS) == set(ACTIONS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_each_role_and_action_is_allowed_or_denied_as_the_matrix_says(
    client: TestClient, world: tuple[Gateway, dict[str, str]], role: str, action: Action
) -> None:
    answer = call(client, action, bearer(world[1][role]))

    if allows(role, action):
        assert answer.status_code not in (401, 403), answer.text
    else:
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "auth.role"
        assert role in answer.json()["error"]["message"]


@pytest.mark.parametrize("action", ACTIONS)
def test_a_supplier_key_a_revoked_token_and_no_token_get_nothing(
    client: TestClient, action: Action
) -> None:
    for headers in (bearer(DEMO_KEY), bearer("gs_not-a-token"), {}):
        assert call(client, action, headers).status_code == 401


@pytest.mark.parametrize("action", ACTIONS)
def test_the_admin_token_stays_for_automation_with_every_right(
    client: TestClient, action: Action
) -> None:
    assert call(client, action, bearer(ADMIN_TOKEN)).status_code not in (401, 403)


def _actions_of(dependants: list[Any]) -> set[str]:
    found: set[str] = set()
    stack = list(dependants)
    while stack:
        dependant = stack.pop()
        action = getattr(dependant.call, "action", None)
        if action is not None:
            found.add(action)
        stack.extend(dependant.dependencies)
    return found


def _routes(
    router: Any, prefix: str = "", inherited: frozenset[str] = frozenset()
) -> Iterator[tuple[str, set[str], set[str]]]:
    """``(path, methods, actions)`` of every route under ``router``, through included routers
    (their prefixes and router-level dependencies)."""
    for route in router.routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            params = [
                get_parameterless_sub_dependant(depends=d, path="") for d in included.dependencies
            ]
            yield from _routes(included, prefix + included.prefix, inherited | _actions_of(params))
        elif isinstance(route, APIRoute):
            yield (
                prefix + route.path,
                set(route.methods),
                set(inherited) | _actions_of([route.dependant]),
            )


def test_every_ops_route_names_its_action_and_every_change_needs_more_than_read(
    world: tuple[Gateway, dict[str, str]],
) -> None:
    ops = [r for r in _routes(world[0].app.router) if r[0].startswith("/ops")]
    used: set[str] = set()
    for path, methods, actions in ops:
        assert "read" in actions, path  # the router's
        if methods - {"GET", "HEAD"}:
            assert actions - {"read"}, f"{methods} {path} names no change action"
        used |= actions
    assert len(ops) > 20 and used == set(ACTIONS)


def test_a_staff_replay_is_audited_with_the_member_and_a_viewer_changes_nothing(
    client: TestClient, world: tuple[Gateway, dict[str, str]]
) -> None:
    gateway, tokens = world
    answer = client.post("/v1/x12", content=SAMPLE_856.read_bytes(), headers=bearer(DEMO_KEY))
    message = client.get(
        f"/ops/messages/{answer.json()['receipt_id']}", headers=bearer(tokens["viewer"])
    )
    transaction = message.json()["transactions"][0]["id"]

    refused = client.post(
        f"/ops/transactions/{transaction}/replay", headers=bearer(tokens["viewer"])
    )
    done = client.post(
        f"/ops/transactions/{transaction}/replay", headers=bearer(tokens["operator"])
    )
    log = client.get("/ops/audit?action=transaction.", headers=bearer(tokens["admin"])).json()

    assert refused.status_code == 403 and done.status_code == 200
    assert [(e["actor"], e["subject"]) for e in log] == [("staff:operator-1", str(transaction))]
    assert [e.actor for e in gateway.audit("transaction.replayed")] == ["staff:operator-1"]
