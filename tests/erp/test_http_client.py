"""``gateway.http_client.PostClient`` under the webhook connector, against real servers on
loopback: keep-alive reuse, a server that drops idle connections, TLS with a CA of our own (made
by the ``openssl`` command), a forward proxy (``proxy.py``) for HTTP and HTTPS, and the table of
transport errors."""

from __future__ import annotations

import base64
import http.client
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.erp import WebhookErpConnector
from gateway.errors import ConfigurationError, RetriableDeliveryError
from gateway.http_client import HttpFailure, PostClient, Proxy, Target, classify
from gateway.runtime import Runtime
from gateway.settings import Settings
from tests.support.leaks import register_secret

from .fake_erp import PATH, SECRET, FakeErp, Reply, ServerThread
from .proxy import ForwardProxy
from .samples import sample_of

register_secret("s3cr3t/x")  # the proxy password below (URL-encoded: s3cr3t%2Fx)


@pytest.fixture
def direct(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy from this machine's environment in tests that mean to connect directly."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)


def test_given_several_posts_from_one_thread_then_one_connection_carries_them_all(
    fake_erp: FakeErp, fake_erp_url: str, direct: None
) -> None:
    with WebhookErpConnector(fake_erp_url, SECRET, timeout=5) as connector:
        for kind in ("invoice", "ship_notice", "po_acknowledgment"):
            assert connector.post(sample_of(kind)).status_code == 200

    assert len(fake_erp.requests) == 3
    assert len({seen.client_port for seen in fake_erp.requests}) == 1


def test_given_two_threads_posting_then_each_has_its_own_connection(
    fake_erp: FakeErp, fake_erp_url: str, direct: None
) -> None:
    with WebhookErpConnector(fake_erp_url, SECRET, timeout=5) as connector:
        barrier = threading.Barrier(2)
        kinds = iter(("invoice", "ship_notice"))

        def post_one(kind: str) -> None:
            barrier.wait()
            connector.post(sample_of(kind))

        threads = [threading.Thread(target=post_one, args=(next(kinds),)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert len(fake_erp.processed) == 2
    assert len({seen.client_port for seen in fake_erp.requests}) == 2


def test_given_an_answer_over_the_limit_then_the_connection_is_dropped_not_drained_and_the_next_post_works(
    fake_erp: FakeErp, fake_erp_url: str, direct: None
) -> None:
    fake_erp.answer_next(Reply(200, "x" * 2_000_000))
    with WebhookErpConnector(fake_erp_url, SECRET, timeout=5) as connector:
        connector.post(sample_of("invoice"))
        assert connector.post(sample_of("ship_notice")).status_code == 200

    ports = [seen.client_port for seen in fake_erp.requests]
    assert len(ports) == 2 and ports[0] != ports[1]


def test_given_an_answer_saying_connection_close_then_the_next_post_opens_a_new_connection(
    fake_erp: FakeErp, fake_erp_url: str, direct: None
) -> None:
    fake_erp.answer_next(Reply(200, "bye", {"Connection": "close"}))
    with WebhookErpConnector(fake_erp_url, SECRET, timeout=5) as connector:
        assert connector.post(sample_of("invoice")).response == "bye"
        assert connector.post(sample_of("ship_notice")).status_code == 200

    ports = [seen.client_port for seen in fake_erp.requests]
    assert len(ports) == 2 and ports[0] != ports[1]


def read_request(conn: socket.socket) -> None:
    """Read one whole request (head and Content-Length body), so that closing the socket after
    it is a clean FIN, never a reset for unread data."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += conn.recv(65536)


class ClosingServer:
    """Answers each request 200 with keep-alive headers, then closes the connection anyway, as a
    server whose idle timeout just expired does: the client's next request on it fails."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.requests = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                read_request(conn)
                self.requests += 1
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")


def test_given_a_server_that_closed_the_idle_connection_then_the_post_is_sent_again_on_a_new_one(
    direct: None,
) -> None:
    server = ClosingServer()
    try:
        with WebhookErpConnector(f"http://127.0.0.1:{server.port}/erp", SECRET, timeout=5) as erp:
            first = erp.post(sample_of("invoice"))
            second = erp.post(sample_of("ship_notice"))
    finally:
        server.listener.close()

    assert (first.status_code, second.status_code) == (200, 200)
    assert (server.requests, server.connections) == (2, 2)


def test_given_a_fresh_connection_that_fails_then_it_is_not_sent_again(direct: None) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[int] = []

    def reset_each() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(1)
            read_request(conn)
            conn.close()  # no answer at all

    threading.Thread(target=reset_each, daemon=True).start()
    client = PostClient(f"http://127.0.0.1:{listener.getsockname()[1]}/", timeout=5)
    try:
        with pytest.raises(HttpFailure) as caught:
            client.post(b"{}", {}, limit=100)
    finally:
        client.close()
        listener.close()

    assert caught.value.retriable and caught.value.kind == "protocol"
    assert accepted == [1]


# --- TLS ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (it is its own CA), made by the openssl command."""
    if shutil.which("openssl") is None:
        print("\nskipping TLS tests: no openssl command")
        pytest.skip("no openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_erp(certificate: tuple[Path, Path]) -> Iterator[tuple[FakeErp, str]]:
    cert, key = certificate
    erp = FakeErp()
    server = ServerThread(erp.app, ssl_certfile=str(cert), ssl_keyfile=str(key))
    server.start()
    try:
        yield erp, f"https://127.0.0.1:{server.port}{PATH}"
    finally:
        server.stop()


def test_given_https_with_our_ca_then_delivered_and_the_connection_reused(
    tls_erp: tuple[FakeErp, str], certificate: tuple[Path, Path], direct: None
) -> None:
    erp, url = tls_erp
    with WebhookErpConnector(url, SECRET, timeout=5, verify=certificate[0]) as connector:
        receipts = [connector.post(sample_of(k)) for k in ("invoice", "ship_notice")]

    assert [r.status_code for r in receipts] == [200, 200]
    assert len({seen.client_port for seen in erp.requests}) == 1


def test_given_https_with_a_certificate_the_system_does_not_trust_then_retriable_tls_error(
    tls_erp: tuple[FakeErp, str], direct: None
) -> None:
    erp, url = tls_erp
    with (
        WebhookErpConnector(url, SECRET, timeout=5) as connector,
        pytest.raises(RetriableDeliveryError) as caught,
    ):
        connector.post(sample_of("invoice"))

    assert caught.value.code == "erp.webhook.tls"
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert erp.requests == []


# --- proxies --------------------------------------------------------------------------------------


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    running = ForwardProxy().start()
    try:
        yield running
    finally:
        running.stop()


def test_given_http_proxy_in_the_environment_then_plain_http_goes_through_it_in_absolute_form(
    proxy: ForwardProxy,
    fake_erp: FakeErp,
    fake_erp_url: str,
    direct: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("http_proxy", proxy.url)
    with WebhookErpConnector(fake_erp_url, SECRET, timeout=5) as connector:
        receipt = connector.post(sample_of("invoice"))

    assert receipt.status_code == 200
    assert proxy.seen[0].request_line == f"POST {fake_erp_url} HTTP/1.1"
    assert fake_erp.requests[0].headers["host"] == fake_erp_url.split("/")[2]
    assert "proxy-authorization" not in fake_erp.requests[0].headers


def test_given_no_proxy_naming_the_host_then_the_environment_proxy_is_bypassed(
    proxy: ForwardProxy,
    fake_erp: FakeErp,
    fake_erp_url: str,
    direct: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("http_proxy", proxy.url)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    with WebhookErpConnector(fake_erp_url, SECRET, timeout=5) as connector:
        assert connector.post(sample_of("invoice")).status_code == 200

    assert proxy.seen == []


def test_given_an_authenticating_proxy_then_https_tunnels_through_connect_with_credentials(
    tls_erp: tuple[FakeErp, str], certificate: tuple[Path, Path], direct: None
) -> None:
    expected = "Basic " + base64.b64encode(b"gw:s3cr3t/x").decode()
    proxy = ForwardProxy(required_authorization=expected).start()
    erp, url = tls_erp
    try:
        with WebhookErpConnector(
            url,
            SECRET,
            timeout=5,
            verify=certificate[0],
            proxy=f"http://gw:s3cr3t%2Fx@127.0.0.1:{proxy.port}",
        ) as connector:
            receipts = [connector.post(sample_of(k)) for k in ("invoice", "ship_notice")]
    finally:
        proxy.stop()

    assert [r.status_code for r in receipts] == [200, 200]
    port = url.split(":")[2].split("/")[0]
    assert [s.request_line.rsplit(" ", 1)[0] for s in proxy.seen] == [f"CONNECT 127.0.0.1:{port}"]
    assert proxy.seen[0].authorization == expected
    assert len(erp.requests) == 2  # both through the one tunnel


def test_given_a_proxy_refusing_the_credentials_then_retriable_proxy_error(
    tls_erp: tuple[FakeErp, str], certificate: tuple[Path, Path], direct: None
) -> None:
    proxy = ForwardProxy(required_authorization="Basic nope").start()
    _, url = tls_erp
    try:
        with (
            WebhookErpConnector(
                url, SECRET, timeout=5, verify=certificate[0], proxy=proxy.url
            ) as connector,
            pytest.raises(RetriableDeliveryError) as caught,
        ):
            connector.post(sample_of("invoice"))
    finally:
        proxy.stop()

    assert caught.value.code == "erp.webhook.proxy" and "407" in str(caught.value)


def test_proxy_and_target_urls_are_parsed_strictly() -> None:
    target = Target.parse("https://erp.example.com/in?x=1")
    assert (target.host, target.port, target.path, target.authority) == (
        "erp.example.com",
        443,
        "/in?x=1",
        "erp.example.com",
    )
    assert Target.parse("http://[::1]:8080").authority == "[::1]:8080"
    assert Proxy.for_target(target, "") is None
    assert Proxy.for_target(target, "proxy.corp:3128") == Proxy("proxy.corp", 3128, None)
    for bad in ("https://proxy.corp:3128", "socks5://proxy.corp", "http://proxy:port"):
        with pytest.raises(ValueError):
            Proxy.for_target(target, bad)


# --- the table of transport errors ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (TimeoutError("timed out"), (True, "timeout")),
        (ssl.SSLCertVerificationError("certificate verify failed"), (True, "tls")),
        (ssl.SSLError("wrong version number"), (True, "tls")),
        (ConnectionRefusedError(111, "refused"), (True, "network")),
        (ConnectionResetError(104, "reset"), (True, "network")),
        (socket.gaierror(-2, "Name or service not known"), (True, "network")),
        (http.client.RemoteDisconnected("closed"), (True, "protocol")),
        (http.client.BadStatusLine("garbage"), (True, "protocol")),
        (http.client.IncompleteRead(b"part", 10), (True, "protocol")),
        (http.client.LineTooLong("header line"), (True, "protocol")),
        (ValueError("Invalid header value b'a\\nb'"), (False, "misconfigured")),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else None,
)
def test_given_a_transport_exception_then_its_class_decides_retriable_and_kind(
    exc: BaseException, expected: tuple[bool, str]
) -> None:
    assert classify(exc) == expected


def test_given_a_bug_inside_the_client_then_it_is_not_disguised_as_a_transport_error() -> None:
    with pytest.raises(TypeError):
        classify(KeyError("a bug stays a bug"))


def test_given_a_header_value_with_a_newline_then_fatal_misconfigured_not_sent(
    fake_erp: FakeErp, fake_erp_url: str, direct: None
) -> None:
    client = PostClient(fake_erp_url, timeout=5, headers={"X-Tenant": "a\r\nInjected: yes"})
    try:
        with pytest.raises(HttpFailure) as caught:
            client.post(b"{}", {}, limit=100)
    finally:
        client.close()

    assert (caught.value.retriable, caught.value.kind) == (False, "misconfigured")
    assert fake_erp.requests == []


def test_given_the_gateway_settings_then_the_webhook_uses_their_proxy_and_ca_file(
    proxy: ForwardProxy,
    fake_erp: FakeErp,
    fake_erp_url: str,
    direct: None,
    tmp_path: Path,
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        erp_connector="webhook",
        erp_url=fake_erp_url,
        erp_secret=SECRET,
        erp_proxy=proxy.url,
    )
    runtime = Runtime.from_settings(settings)
    try:
        assert runtime.connector.post(sample_of("invoice")).status_code == 200
    finally:
        runtime.close()
    assert proxy.seen[0].request_line.startswith(f"POST {fake_erp_url} ")

    bad_ca = settings.model_copy(update={"erp_ca_file": str(tmp_path / "missing.pem")})
    bad_ca = bad_ca.model_copy(update={"erp_url": "https://erp.example.com/in"})
    with pytest.raises(ConfigurationError) as caught:
        Runtime.from_settings(bad_ca)
    assert caught.value.code == "erp.webhook.misconfigured"
