"""Console sign-in through a real OpenID Connect provider run here: panva's ``oidc-provider``
(npm, installed into ``.cache/oidc-provider`` on first use) on 127.0.0.1, and the gateway's app
served by uvicorn on a real socket. The browser is an httpx client that follows the redirects
and posts the provider's own login and consent forms (its development interactions: the only
part standing in for a company's login screen)."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlparse

import httpx
import pytest
from sqlalchemy import select

from gateway.store.models import AuditEntry, StaffIdentity, StaffMember
from tests.onboarding.test_readme import free_port
from tests.support.leaks import register_secret
from tests.transports.harness import ServerThread, build_gateway, runtime_for, settings_for

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "oidc-provider"
PROVIDER_PACKAGE = "oidc-provider@9.13.3"
CLIENT_SECRET = register_secret("console-secret-for-tests")
NODE, NPM = shutil.which("node"), shutil.which("npm")


def installed_provider() -> Path:
    if NODE is None or NPM is None:
        reason = "node and npm are needed to run the OpenID Connect provider (apt-get install nodejs npm)"
        print(reason)
        pytest.skip(reason)
    CACHE.mkdir(parents=True, exist_ok=True)
    if not (CACHE / "node_modules" / "oidc-provider").is_dir():
        done = subprocess.run(
            [NPM, "install", "--no-audit", "--no-fund", "--prefix", str(CACHE), PROVIDER_PACKAGE],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"npm install {PROVIDER_PACKAGE} failed: {done.stderr[-2000:]}"
    script = CACHE / "provider.mjs"
    shutil.copy(Path(__file__).with_name("oidc") / "provider.mjs", script)
    return script


@dataclass
class Site:
    gateway: Any
    url: str
    issuer: str

    def browser(self) -> httpx.Client:
        return httpx.Client(timeout=20, follow_redirects=False)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    script = installed_provider()
    provider_port = free_port()
    issuer = f"http://127.0.0.1:{provider_port}"
    settings = settings_for(
        tmp_path,
        oidc_issuer=issuer,
        oidc_client_id="gateway-console",
        oidc_client_secret=CLIENT_SECRET,
        oidc_name="Example SSO",
        oidc_role_map="edi-admins=admin,edi-operators=operator",
    )
    gateway = build_gateway(runtime_for(settings))
    with ServerThread(gateway.app) as server:
        callback = f"{server.url}/console/oidc/callback"
        log = tmp_path / "provider.log"
        with log.open("w") as out:
            provider = subprocess.Popen(
                [str(NODE), str(script), str(provider_port), callback],
                cwd=CACHE,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            try:
                deadline = time.monotonic() + 30
                while "ready" not in log.read_text():
                    assert provider.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, "the provider did not start"
                    time.sleep(0.1)
                yield Site(gateway, server.url, issuer)
            finally:
                provider.terminate()
                provider.wait(timeout=10)
                gateway.runtime.close()


FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
INPUT = re.compile(r"<input([^>]*)>")


def form_of(page: httpx.Response) -> tuple[str, dict[str, str]]:
    found = FORM.search(page.text)
    assert found is not None, page.text[:2000]
    fields = {}
    for attrs in INPUT.findall(found.group(2)):
        name = re.search(r'name="([^"]*)"', attrs)
        value = re.search(r'value="([^"]*)"', attrs)
        if name:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return urljoin(str(page.url), html.unescape(found.group(1))), fields


def follow(browser: httpx.Client, answer: httpx.Response, stop: str) -> httpx.Response:
    """Follow redirects until one leads to ``stop`` (not followed) or a page is shown."""
    for _ in range(20):
        location = answer.headers.get("location")
        if answer.status_code not in (302, 303) or location is None:
            return answer
        target = urljoin(str(answer.url), location)
        if target.startswith(stop):
            return answer
        answer = browser.get(target)
    raise AssertionError("too many redirects")


def sign_in_as(site: Site, login: str, next_path: str = "/console/orders") -> httpx.Response:
    """The whole dance: our redirect, the provider's login and consent forms, our callback."""
    browser = site.browser()
    answer = browser.get(f"{site.url}/console/oidc/login", params={"next": next_path})
    assert answer.status_code == 303, answer.text
    auth = urlparse(answer.headers["location"])
    query = parse_qs(auth.query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0] and "openid" in query["scope"][0]
    page = follow(browser, answer, site.url)
    action, fields = form_of(page)
    answer = browser.post(action, data={**fields, "login": login, "password": "any"})
    page = follow(browser, answer, site.url)
    if page.status_code == 200:  # the consent page
        action, fields = form_of(page)
        answer = browser.post(action, data=fields)
        page = follow(browser, answer, site.url)
    back = urljoin(str(page.url), page.headers["location"])
    assert back.startswith(f"{site.url}/console/oidc/callback"), back
    done = browser.get(back)
    done.extensions["browser"] = browser
    return done


def test_given_a_provider_user_in_a_mapped_group_then_the_console_opens_with_that_role(
    site: Site,
) -> None:
    done = sign_in_as(site, "carol")
    browser: httpx.Client = done.extensions["browser"]

    assert done.status_code == 303 and done.headers["location"] == "/console/orders"
    orders = browser.get(f"{site.url}/console/orders")
    assert orders.status_code == 200 and "carol" in orders.text
    db = site.gateway.runtime.db
    with db.sessions() as session:
        (link,) = session.scalars(select(StaffIdentity)).all()
        member = session.get(StaffMember, link.username)
        assert (link.issuer, link.subject, link.username) == (site.issuer, "carol", "carol")
        assert member is not None and member.role == "admin"
        assert member.password_hash == "!oidc"  # no password to guess
        actions = [a.action for a in session.scalars(select(AuditEntry))]
        assert "staff.login" in actions
    again = sign_in_as(site, "carol")  # the same person: the same account
    assert again.status_code == 303
    with db.sessions() as session:
        assert len(session.scalars(select(StaffIdentity)).all()) == 1


def test_the_login_page_offers_the_provider(site: Site) -> None:
    page = httpx.get(f"{site.url}/console/login", params={"next": "/console/orders"})

    assert "Sign in with Example SSO" in page.text
    assert 'href="/console/oidc/login?next=/console/orders"' in page.text


def test_given_a_user_none_of_whose_groups_maps_then_refused_and_no_session(site: Site) -> None:
    done = sign_in_as(site, "mallory")
    browser: httpx.Client = done.extensions["browser"]

    assert done.status_code == 403 and "none of your groups gives you a role" in done.text
    assert "gateway_session" not in done.cookies
    assert browser.get(f"{site.url}/console/orders").status_code in (302, 303, 401)
    with site.gateway.runtime.db.sessions() as session:
        assert session.scalars(select(StaffMember)).all() == [] or all(
            m.username != "mallory" for m in session.scalars(select(StaffMember))
        )
        refused = [
            a.detail
            for a in session.scalars(select(AuditEntry))
            if a.action == "staff.login_failed"
        ]
        assert any("no role" in str(d) for d in refused)


def test_given_a_forged_or_replayed_callback_then_it_is_refused(site: Site) -> None:
    done = sign_in_as(site, "alice")
    browser: httpx.Client = done.extensions["browser"]
    callback = str(done.request.url)

    replayed = browser.get(callback)  # the same code and state again
    stranger = httpx.get(callback)  # another browser: no flow cookie
    forged = browser.get(f"{site.url}/console/oidc/callback", params={"code": "x", "state": "y"})

    assert done.status_code == 303
    for answer in (replayed, stranger, forged):
        assert answer.status_code == 401, answer.text
        assert "was not started here" in answer.text
        assert "gateway_session" not in answer.cookies


def test_given_the_provider_says_no_then_the_page_says_so(site: Site) -> None:
    browser = site.browser()
    answer = browser.get(f"{site.url}/console/oidc/login")
    state = parse_qs(urlparse(answer.headers["location"]).query)["state"][0]

    denied = browser.get(
        f"{site.url}/console/oidc/callback",
        params={"state": state, "error": "access_denied", "error_description": "user said no"},
    )

    assert (
        denied.status_code == 401 and "The identity provider said no: user said no" in denied.text
    )
