"""Secrets set in every setting that takes one (the database password, a proxy password, a token
in the ERP URL, the ERP secret, the admin token): the commands and paths that print, log or store
a URL or an error show none of them, only ``***`` where they were. Logs are captured at every
level; the session-wide watch (``tests/support/leaks.py``) checks every record as well."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.partner_store import sync_partners
from gateway.pipeline.deliver import deliver
from gateway.pipeline.process import process
from gateway.pipeline.receive import receive
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.models import AuditEntry, Delivery
from gateway_app.cli import main
from gateway_app.server import banner
from tests.erp.fake_erp import PATH, FakeErp, Reply, ServerThread, closed_port
from tests.support import leaks
from tests.support.documents import numbered_asn
from tests.support.leaks import found_in, register_secret

DB_PASSWORD = register_secret("dbpw-" + secrets.token_hex(8))
PROXY_PASSWORD = register_secret("proxypw-" + secrets.token_hex(8))
ERP_TOKEN = register_secret("erptoken-" + secrets.token_hex(8))
ERP_SECRET = register_secret("whsec-" + secrets.token_hex(8))
ADMIN_TOKEN = register_secret("admin-" + secrets.token_hex(8))


def assert_hidden(*texts: str) -> None:
    for text in texts:
        assert found_in(text) == [], text


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """The gateway's settings from the environment, as the commands read them, with secrets."""
    for name, value in {
        "GATEWAY_DATA_DIR": str(tmp_path),
        "GATEWAY_ERP_SECRET": ERP_SECRET,
        "GATEWAY_ADMIN_TOKEN": ADMIN_TOKEN,
    }.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_given_a_database_password_then_db_upgrade_and_the_run_banner_mask_it(
    database_url: str,
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = database_url.replace("://postgres@", f"://postgres:{DB_PASSWORD}@")
    assert DB_PASSWORD in url  # trust authentication: the password is sent, not checked
    env.setenv("GATEWAY_DATABASE_URL", url)
    caplog.set_level(logging.DEBUG)

    assert main(["db", "upgrade"]) == 0
    out, err = capsys.readouterr()
    shown = banner(Settings(), "127.0.0.1", 8080, None)

    assert "postgres:***@127.0.0.1" in out and "postgres:***@127.0.0.1" in shown
    assert_hidden(out, err, shown, caplog.text)


@pytest.mark.parametrize(
    "proxy",
    [
        f"socks5://gw:{PROXY_PASSWORD}@proxy.corp:1080",  # not an http:// proxy
        f"http://gw:{PROXY_PASSWORD}@proxy.corp:port",  # no port number
    ],
    ids=["not-http", "no-port"],
)
def test_given_an_invalid_proxy_with_a_password_then_the_configuration_error_masks_it(
    proxy: str,
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    env.setenv("GATEWAY_ERP_CONNECTOR", "webhook")
    env.setenv("GATEWAY_ERP_URL", f"https://erp.example.com/in?token={ERP_TOKEN}")
    env.setenv("GATEWAY_ERP_PROXY", proxy)
    caplog.set_level(logging.DEBUG)

    assert main(["db", "upgrade"]) == 0  # a database to open: the error must be the proxy's
    capsys.readouterr()
    assert main(["messages", "list"]) == 2
    out, err = capsys.readouterr()

    assert "configuration error" in err and "://gw:***@proxy.corp:" in err
    assert_hidden(out, err, caplog.text)


def failed_delivery(runtime: Runtime) -> int:
    """The demo 856 received and processed; its one delivery tried once (and dead)."""
    sync_partners(runtime.db)
    raw = numbered_asn(1)
    message_id = receive(runtime.db, partner_id="demo-supplier", transport="http", raw=raw)
    outcome = process(runtime.db, message_id.message_id, runtime.process_config)
    (delivery_id,) = outcome.delivery_ids
    assert deliver(runtime.db, delivery_id, runtime.connector, 1).status == "dead"
    return delivery_id


@pytest.mark.parametrize("erp", ["refused", "answers 500"])
def test_given_an_erp_url_with_a_token_when_a_delivery_fails_then_no_error_shows_it(
    erp: str,
    env: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeErp(ERP_SECRET)
    server = ServerThread(fake.app)
    server.start()
    port = closed_port() if erp == "refused" else server.port
    url = f"http://127.0.0.1:{port}{PATH}?partner=acme&token={ERP_TOKEN}&sig={ERP_SECRET}"
    env.setenv("GATEWAY_ERP_CONNECTOR", "webhook")
    env.setenv("GATEWAY_ERP_URL", url)
    fake.answer_next(Reply(500, "down for maintenance"))
    caplog.set_level(logging.DEBUG)
    runtime = Runtime.from_settings(Settings())
    try:
        delivery_id = failed_delivery(runtime)
        with runtime.db.sessions() as session:
            delivery = session.get(Delivery, delivery_id)
            assert delivery is not None
            stored = delivery.last_error or ""
            audit = session.scalars(select(AuditEntry.detail)).all()
        connector = repr(runtime.connector)
    finally:
        runtime.close()
        server.stop()
    assert main(["dead-letters"]) == 0
    out, err = capsys.readouterr()

    assert "?partner=acme&token=***&sig=***" in stored and stored in out
    assert ("ConnectionRefusedError" if erp == "refused" else "answered 500") in stored
    assert_hidden(stored, str(audit), connector, out, err, caplog.text)


def test_the_session_watch_is_on_the_root_logger_and_reports_a_registered_secret() -> None:
    record = logging.LogRecord(
        "gateway.anything", logging.DEBUG, __file__, 1, "posting with %s", (ERP_TOKEN,), None
    )
    before = list(leaks.SIGHTINGS)
    leaks.LeakWatch().handle(record)
    found, leaks.SIGHTINGS[:] = leaks.SIGHTINGS[len(before) :], before  # not a real leak

    assert any(isinstance(h, leaks.LeakWatch) for h in logging.getLogger().handlers)
    assert len(found) == 1 and "gateway.anything DEBUG" in found[0] and ERP_TOKEN not in found[0]
