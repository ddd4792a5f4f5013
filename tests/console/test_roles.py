"""The role x action matrix through the console: every change is allowed or refused as
``gateway.staff.roles`` says; a viewer sees no action button and a posted form changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from gateway.staff.roles import ROLES, Action, allows
from tests.console.support import login
from tests.transports.harness import DEMO_KEY, SAMPLE_856, Gateway, bearer

MESSAGE = "msg_" + "0" * 24

POSTS: dict[Action, str] = {
    "message.retry": f"/console/messages/{MESSAGE}/retry",
    "message.cancel": f"/console/messages/{MESSAGE}/cancel",
    "transaction.replay": "/console/transactions/999999/replay",
    "delivery.retry": "/console/deliveries/999999/retry",
    "partner.create": "/console/partners/new",
    "partner.promote": "/console/partners/nobody/promote",
    "partner.key.issue": "/console/partners/nobody/keys",
    "partner.key.revoke": "/console/partners/nobody/keys/gk_abcdef/revoke",
}
"""One form per change the console offers, aimed at nothing that exists: an allowed role gets
past the role check (404/409/422), a refused one the 403 page."""


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_post_exactly_what_the_matrix_allows(
    client: TestClient, gateway: Gateway, role: str
) -> None:
    csrf = login(client, f"{role}-1")
    for action, path in POSTS.items():
        answer = client.post(path, data={"csrf_token": csrf, "reason": "matrix", "to": "live"})
        if allows(role, action):
            assert answer.status_code != 403, (role, action, answer.text)
        else:
            assert answer.status_code == 403, (role, action)
            assert "may not" in answer.text
    kinds = {
        "dead_letter": "delivery.retry",
        "failed": "message.retry",
        "rejected": "transaction.replay",
    }
    for kind, action in kinds.items():
        answer = client.post(
            "/console/exceptions/retry", data={"csrf_token": csrf, "kind": kind, "ids": "1"}
        )
        assert (answer.status_code == 403) != allows(role, action)  # type: ignore[arg-type]
    audit_page = client.get("/console/audit")
    assert (audit_page.status_code == 200) == allows(role, "audit.read")


def _console_posts(router: Any, prefix: str = "") -> list[tuple[str, set[str]]]:
    found = []
    for route in router.routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            found += _console_posts(included, prefix + included.prefix)
        elif isinstance(route, APIRoute) and "POST" in route.methods:
            stack, actions = [route.dependant], set()
            while stack:
                d = stack.pop()
                if getattr(d.call, "action", None):
                    actions.add(d.call.action)
                stack.extend(d.dependencies)
            found.append((route.path, actions))  # route.path carries the prefixes
    return found


def test_every_console_form_names_its_action(gateway: Gateway) -> None:
    posts = [p for p in _console_posts(gateway.app.router) if p[0].startswith("/console")]
    unchecked = {
        "/console/login",  # no session yet
        "/console/logout",  # one's own session
        "/console/exceptions/retry",  # the action follows the group's kind (tested above)
    }
    assert len(posts) >= len(POSTS) + len(unchecked)
    for path, actions in posts:
        if path not in unchecked:
            assert actions - {"read"}, f"POST {path} names no action"


def test_a_viewer_sees_no_action_button_anywhere(client: TestClient, gateway: Gateway) -> None:
    answer = client.post("/v1/x12", content=SAMPLE_856.read_bytes(), headers=bearer(DEMO_KEY))
    message = answer.json()["receipt_id"]
    login(client, "viewer-1")
    pages = [
        f"/console/messages/{message}",
        "/console/partners",
        "/console/partners/demo-supplier",
        "/console/exceptions",
        "/console/",
    ]
    for path in pages:
        html = client.get(path).text
        forms = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', html)
        assert forms == ["/console/logout"], (path, forms)
        assert "Replay…" not in html and "New partner" not in html
    login(client, "operator-1")
    assert "Replay…" in client.get(f"/console/messages/{message}").text
