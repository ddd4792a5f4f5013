"""A console session for a test client: log in through the real form (login token cookie, then
the session cookie), and the CSRF token of the pages it gets."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.staff.support import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in; the CSRF token of the session (read from the dashboard's logout form)."""
    client.cookies.clear()
    form = client.get("/console/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token is not None, form.text
    answer = client.post(
        "/console/login",
        data={"username": username, "password": password, "login_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/console/").text)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)
