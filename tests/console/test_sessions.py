"""Console sessions: login per role, cookies, CSRF, throttling, headers, no way in with a supplier
key or a staff token, no open redirect."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from gateway.staff.roles import ROLES
from tests.console.support import login
from tests.staff.support import PASSWORD
from tests.transports.harness import ADMIN_TOKEN, DEMO_KEY, Gateway, bearer


def login_token(client: TestClient) -> str:
    found = re.search(r'name="login_token" value="([^"]+)"', client.get("/console/login").text)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_logs_in_and_sees_its_name_and_role(client: TestClient, role: str) -> None:
    login(client, f"{role}-1")

    page = client.get("/console/")

    assert page.status_code == 200
    assert f'{role}-1 <span class="role">{role}</span>' in page.text
    assert ("Audit log" in page.text) == (role == "admin")


def test_the_session_cookie_is_httponly_strict_and_scoped(client: TestClient) -> None:
    token = login_token(client)
    answer = client.post(
        "/console/login",
        data={"username": "viewer-1", "password": PASSWORD, "login_token": token},
        follow_redirects=False,
    )
    cookie = next(
        v
        for k, v in answer.headers.multi_items()
        if k == "set-cookie" and v.startswith("gw_console=")
    )

    assert answer.status_code == 303 and answer.headers["location"] == "/console/"
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test


def test_behind_https_the_cookie_is_secure(gateway: Gateway) -> None:
    with TestClient(gateway.app, base_url="https://127.0.0.1") as client:
        token = login_token(client)
        answer = client.post(
            "/console/login",
            data={"username": "viewer-1", "password": PASSWORD, "login_token": token},
            follow_redirects=False,
        )
    cookie = next(
        v
        for k, v in answer.headers.multi_items()
        if k == "set-cookie" and v.startswith("gw_console=")
    )
    assert "Secure" in cookie


def test_a_wrong_password_and_an_unknown_name_answer_alike_and_are_throttled(
    client: TestClient, gateway: Gateway
) -> None:
    answers = []
    for name in ("viewer-1", "nobody", "viewer-1", "nobody", "viewer-1"):
        token = login_token(client)
        answers.append(
            client.post(
                "/console/login",
                data={"username": name, "password": "wrong password!", "login_token": token},
            )
        )
    token = login_token(client)
    throttled = client.post(
        "/console/login",
        data={"username": "viewer-1", "password": PASSWORD, "login_token": token},
    )

    assert [a.status_code for a in answers] == [401] * 5
    assert len({a.text.count("Wrong name or password.") for a in answers}) == 1
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) > 0
    assert "gw_console" not in throttled.cookies
    assert len(gateway.audit("staff.login_failed")) == 5


def test_a_login_without_the_form_token_is_refused(client: TestClient) -> None:
    answer = client.post("/console/login", data={"username": "admin-1", "password": PASSWORD})
    assert answer.status_code == 400 and "gw_console" not in answer.cookies


@pytest.mark.parametrize(
    "path", ["/console/", "/console/messages", "/console/partners", "/console/audit"]
)
def test_no_session_means_the_login_page_whatever_bearer_is_sent(
    client: TestClient, path: str
) -> None:
    for headers in ({}, bearer(DEMO_KEY), bearer(ADMIN_TOKEN)):
        answer = client.get(path, headers=headers, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/console/login?next=")


def test_after_login_it_goes_back_where_it_was_asked_but_never_off_the_console(
    client: TestClient,
) -> None:
    for target, expected in (
        ("/console/partners", "/console/partners"),
        ("//evil.example/x", "/console/"),
        ("https://evil.example/", "/console/"),
        ("/console\\@evil", "/console/"),
    ):
        client.cookies.clear()
        token = login_token(client)
        answer = client.post(
            "/console/login",
            data={
                "username": "viewer-1",
                "password": PASSWORD,
                "login_token": token,
                "next": target,
            },
            follow_redirects=False,
        )
        assert answer.headers["location"] == expected


def test_forms_without_the_session_csrf_token_are_refused(client: TestClient) -> None:
    login(client, "admin-1")

    missing = client.post("/console/partners/demo-supplier/keys", data={})
    wrong = client.post("/console/partners/demo-supplier/keys", data={"csrf_token": "x" * 43})

    assert missing.status_code == wrong.status_code == 403
    assert "CSRF" in missing.text
    assert "api-key" not in wrong.text


def test_logout_ends_the_session_on_the_server(client: TestClient) -> None:
    csrf = login(client, "operator-1")
    cookie = client.cookies.get("gw_console")

    client.post("/console/logout", data={"csrf_token": csrf})
    client.cookies.set("gw_console", cookie or "", path="/console")
    again = client.get("/console/", follow_redirects=False)

    assert again.status_code == 303


def test_pages_carry_a_strict_content_security_policy(client: TestClient) -> None:
    login(client, "viewer-1")
    page = client.get("/console/messages")

    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text and "onclick" not in page.text
    assert client.get("/console/static/htmx.min.js").status_code == 200
