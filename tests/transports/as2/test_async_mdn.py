"""Asynchronous MDNs are outbox items: queued once the message is committed, sent by the workers'
``send_outbound`` with recorded attempts and backoff, visible per partner, and not lost when the
receiver's URL is down or a worker dies.

The durable case uses real parts: PostgreSQL, Redis, two ``gateway worker`` processes (the first
SIGKILLed while the listener is still down) and a real HTTP listener that comes up in between;
the MDN it finally gets is verified by openssl with the MIC openssl computes.
"""

from __future__ import annotations

import http.server
import os
import secrets
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.errors import FatalDeliveryError, RetriableDeliveryError
from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.models import OutboxAttempt, OutboxItem
from tests.conftest import fresh_database
from tests.support.documents import numbered_asn
from tests.transports.as2.conftest import SECRET, AS2Gateway, as2_home
from tests.transports.as2.openssl_peer import Built, Reply, build, curl_post, openssl_mic, read_mdn
from tests.transports.as2.peers_harness import free_port
from tests.transports.as2.test_openssl_interop import tampered
from tests.transports.harness import (
    ADMIN_TOKEN,
    ServerThread,
    bearer,
    build_gateway,
    runtime_for,
    wait_for,
)
from transports.as2.async_mdn import post

ROOT = Path(__file__).resolve().parents[3]


class Listener(http.server.ThreadingHTTPServer):
    """The partner's MDN URL: every POST kept (headers, body), answered 200."""

    def __init__(self, port: int) -> None:
        self.posts: list[tuple[dict[str, str], bytes]] = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length", "0"))
                listener.posts.append((dict(self.headers.items()), self.rfile.read(size)))
                answer = {"404": 404, "503": 503}.get(self.path.strip("/"), 200)
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        super().__init__(("127.0.0.1", port), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.shutdown()
        self.server_close()


def test_one_attempt_says_whether_another_may_help() -> None:
    listener = Listener(free_port())
    base = f"http://127.0.0.1:{listener.server_address[1]}"
    try:
        assert post(f"{base}/ok", [("Content-Type", "text/plain")], b"mdn", 2) == 200
        with pytest.raises(RetriableDeliveryError):
            post(f"{base}/503", [], b"mdn", 2)
        with pytest.raises(FatalDeliveryError):
            post(f"{base}/404", [], b"mdn", 2)
    finally:
        listener.close()
    with pytest.raises(RetriableDeliveryError):
        post(f"http://127.0.0.1:{free_port()}/", [], b"x", 2)
    with pytest.raises(FatalDeliveryError):
        post("mailto:someone@example.com", [], b"x", 2)


def worker_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        raw = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        env[f"GATEWAY_{name.upper()}"] = str(raw)
    return env


def start_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "gateway_app", "worker", "--processes", "1", "--threads", "2"],
            cwd=ROOT,
            env=worker_env(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def kill(process: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    process.wait(30)


@pytest.fixture
def postgres(tmp_path_factory: pytest.TempPathFactory, pg_problem: str | None) -> Iterator[str]:
    with fresh_database("postgresql", tmp_path_factory, pg_problem) as url:
        yield url


def redis_problem() -> str | None:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return None
    except OSError as exc:
        return f"Redis not reachable on 127.0.0.1:6379: {exc}"


def items(settings: Settings, db: Database) -> list[OutboxItem]:
    with db.sessions() as session:
        return list(session.scalars(select(OutboxItem).where(OutboxItem.kind == "mdn")))


def between_attempts(db: Database, at_least: int) -> bool:
    """``at_least`` attempts made, the last one finished, the next one not yet started."""
    with db.sessions() as session:
        results = list(session.scalars(select(OutboxAttempt.result).order_by(OutboxAttempt.id)))
    return len(results) >= at_least and "started" not in results


def test_given_the_listener_down_and_a_worker_killed_then_the_async_mdn_still_arrives_once(
    tmp_path: Path, postgres: str
) -> None:
    problem = redis_problem()
    if problem:
        print(problem)
        pytest.skip(problem)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database_url=postgres,
        broker="redis",
        broker_url="",
        queue_prefix="mdn-" + secrets.token_hex(4),
        erp_connector="memory",
        admin_token=ADMIN_TOKEN,
        partners_dir=as2_home(tmp_path, require_signed=False, require_encrypted=False),
        as2_key_secret=SECRET,
        outbox_min_backoff_ms=2_000,
        outbox_max_backoff_ms=4_000,
        reload_interval_s=0,
    )
    runtime = runtime_for(settings)
    gateway = build_gateway(runtime, inline=False)  # the API: it queues, the workers send
    port = free_port()
    work = tmp_path / "work"
    work.mkdir()
    url = f"http://127.0.0.1:{port}/mdn"
    message = build(numbered_asn(3901), work, Built(mdn=url))
    log = tmp_path / "workers.log"
    first = second = None
    listener = None
    try:
        with ServerThread(gateway.app) as server:
            reply = curl_post(server.url + "/as2", message, work)
        assert reply.status == 200 and b"will be sent to" in reply.body, reply.body
        [item] = items(settings, runtime.db)
        assert (item.transport, item.status, item.target_url) == ("as2", "queued", url)
        assert item.headers and "Content-Type" in item.headers
        assert gateway.outbound == [item.id]  # handed to the queue (here: nobody consumes it)

        first = start_worker(settings, log)  # its start-up sweep finds the item; nobody listens
        # killed between two attempts (one killed during an attempt is only taken up again
        # after ATTEMPT_LOST_AFTER: tests/service/test_outbox.py covers that)
        wait_for(lambda: between_attempts(runtime.db, 2), 60)
        kill(first, signal.SIGKILL)
        [waiting] = items(settings, runtime.db)
        assert waiting.status == "queued" and "async MDN to" in (waiting.last_error or "")

        listener = Listener(port)  # the partner's server is back
        second = start_worker(settings, log)  # a new process: the sweep again
        wait_for(lambda: items(settings, runtime.db)[0].status == "acknowledged", 60)
    finally:
        for process in (first, second):
            if process is not None:
                kill(process, signal.SIGTERM)
        if listener is not None:
            listener.close()

    assert len(listener.posts) == 1, log.read_text()[-3000:]
    headers, body = listener.posts[0]
    [done] = items(settings, runtime.db)
    assert body == done.payload
    mdn = read_mdn(Reply(200, headers, body), work)
    assert mdn.verified and mdn.disposition.endswith("; processed")
    assert mdn.mic == openssl_mic(message.mic_over)
    with runtime.db.sessions() as session:
        results = list(
            session.scalars(
                select(OutboxAttempt.result)
                .where(OutboxAttempt.item_id == done.id)
                .order_by(OutboxAttempt.id)
            )
        )
    assert results[-1] == "acknowledged" and "retry" in results[:-1], results
    with TestClient(gateway.app) as client:
        listed = client.get(
            "/ops/outbox", params={"partner": "demo-supplier"}, headers=bearer(ADMIN_TOKEN)
        ).json()
        detail = client.get(f"/ops/outbox/{done.id}", headers=bearer(ADMIN_TOKEN)).json()
    assert [(i["kind"], i["status"], i["target_url"]) for i in listed if i["kind"] == "mdn"] == [
        ("mdn", "acknowledged", url)
    ]  # beside the message's 997, which this partner fetches (GET /v1/outbox)
    assert [a["result"] for a in detail["history"]] == results
    runtime.close()


def mdn_items(gateway: AS2Gateway) -> list[OutboxItem]:
    return items(gateway.gateway.runtime.settings, gateway.gateway.runtime.db)


def test_given_an_unsigned_message_then_its_async_url_is_not_called_and_the_mdn_comes_back(
    as2_gateway: AS2Gateway,
) -> None:
    """Anyone can claim a partner's AS2-From: without a signature that verified, the gateway does
    not POST to the URL the request names (it could be an internal address)."""
    work = as2_gateway.workdir()
    before = len(mdn_items(as2_gateway))
    message = build(numbered_asn(3911), work, Built(sign=False, mdn="http://169.254.169.254/x"))

    reply = as2_gateway.post(message, work)

    assert reply.status == 200 and read_mdn(reply, work).disposition.endswith("; processed")
    assert len(mdn_items(as2_gateway)) == before


def test_given_a_tampered_message_asking_for_an_async_mdn_then_the_error_mdn_comes_back(
    as2_gateway: AS2Gateway,
) -> None:
    work = as2_gateway.workdir()
    before = len(mdn_items(as2_gateway))
    options = Built(encrypt=False, mdn="http://127.0.0.1:6379/")
    message = tampered(build(numbered_asn(3912), work, options))

    reply = as2_gateway.post(message, work)

    assert "integrity-check-failed" in read_mdn(reply, work).disposition
    assert len(mdn_items(as2_gateway)) == before


def test_given_the_mdn_cannot_be_queued_then_503_and_a_resend_gets_it(
    as2_gateway: AS2Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    listener = Listener(free_port())
    url = f"http://127.0.0.1:{listener.server_address[1]}/mdn"
    work = as2_gateway.workdir()
    message = build(numbered_asn(3913), work, Built(mdn=url))
    transport = as2_gateway.gateway.app.state.as2_transport
    try:
        with monkeypatch.context() as patch:

            def broken(_mdn: object) -> str:
                raise OSError("the database went away")

            patch.setattr(transport, "schedule_mdn", broken)
            first = as2_gateway.post(message, work)
        second = as2_gateway.post(message, work)  # the sender tries again: a duplicate
        wait_for(lambda: len(listener.posts) == 1)
    finally:
        listener.close()

    assert first.status == 503 and b"send the message again" in first.body
    assert second.status == 200
    stored = as2_gateway.by_as2_id(message.message_id)  # processed once, then a duplicate
    assert [m.status for m in stored] == ["processed", "duplicate"]
    mdn = read_mdn(Reply(200, *listener.posts[0]), work)
    assert mdn.disposition.endswith("; processed")


def test_an_unproven_async_url_is_called_only_on_the_partners_own_host() -> None:
    from transports.as2.receiver import same_host

    ours = "https://as2.acme.example/as2"
    assert same_host("https://as2.acme.example/mdn", ours)
    assert not same_host("https://as2.acme.example:8443/mdn", ours)
    assert not same_host("http://169.254.169.254/latest", ours)
    assert not same_host("https://as2.acme.example.evil.example/", ours)
    assert not same_host("https://as2.acme.example/mdn", None)
