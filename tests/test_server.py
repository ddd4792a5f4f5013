"""``gateway run`` as an operator starts it: a real process on loopback (SQLite, embedded workers,
the local ERP sink, demo mode), with the access log at its default (errors only) and small limits
on slow clients; and the demo key, which exists only in demo mode and is shown until rotated."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.partner_store import KeyOwner, sync_partners
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway_app.cli import main
from gateway_app.server import DEMO_PARTNER, banner, demo_key_for, errors_only

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "demo-supplier" / "856-SOPI-4010.edi"


def access_record(status: int) -> logging.LogRecord:
    """A record as uvicorn's HTTP protocols log it."""
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", "/v1/x12", "1.1", status),
        None,
    )


def test_errors_only_keeps_answers_of_400_and_above() -> None:
    assert [errors_only(access_record(s)) for s in (200, 202, 302, 400, 401, 413, 500)] == [
        False,
        False,
        False,
        True,
        True,
        True,
        True,
    ]
    other = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s", ("x",), None)
    assert errors_only(other)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Running:
    base: str
    port: int
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """``gateway run --demo`` on a fresh data directory, with a 1 s header timeout and at most
    4 connections per client."""
    tmp_path = tmp_path_factory.mktemp("run")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}  # the defaults
    env |= {
        "GATEWAY_DATA_DIR": str(tmp_path),
        "GATEWAY_HEADER_TIMEOUT_S": "1",
        "GATEWAY_MAX_CONNECTIONS_PER_CLIENT": "4",
        "GATEWAY_SFTP_PORT": "0",  # tests/transports/sftp serve SFTP
    }
    log_path = tmp_path / "out.log"
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gateway_app", "run", "--demo", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{base}/healthz", timeout=2)
                    break
                except httpx.HTTPError:
                    assert time.monotonic() < deadline, log_path.read_text()
                    time.sleep(0.2)
            yield Running(base, port, log_path)
        finally:
            proc.terminate()
            proc.wait(20)


def test_given_gateway_run_then_a_refused_request_is_logged_and_an_accepted_one_is_not(
    running: Running,
) -> None:
    accepted = httpx.post(
        f"{running.base}/v1/x12",
        content=SAMPLE.read_bytes(),
        headers={"Authorization": "Bearer demo-supplier-key"},
        timeout=10,
    )
    refused = httpx.post(
        f"{running.base}/v1/x12",
        content=b"ISA",
        headers={"Authorization": "Bearer wrong"},
        timeout=10,
    )
    time.sleep(0.2)  # the log line is written after the answer

    output = running.output()
    assert (accepted.status_code, refused.status_code) == (202, 401)
    assert '"POST /v1/x12 HTTP/1.1" 401' in output
    assert '"POST /v1/x12 HTTP/1.1" 202' not in output
    assert '"GET /healthz HTTP/1.1" 200' not in output


def test_given_demo_mode_then_the_banner_shows_the_demo_key(running: Running) -> None:
    assert "-H 'Authorization: Bearer demo-supplier-key'" in running.output()


def test_given_gateway_run_then_a_slowloris_is_cut_off_and_a_fifth_connection_refused(
    running: Running,
) -> None:
    def connect() -> socket.socket:
        return socket.create_connection(("127.0.0.1", running.port), timeout=10)

    slow = connect()
    slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and no more
    started = time.monotonic()
    held = [connect() for _ in range(3)]
    try:
        with connect() as fifth:
            refused = fifth.recv(1000)
        answer = slow.recv(1000)
        closed = slow.recv(1000) == b""
        cut_after = time.monotonic() - started
    finally:
        for sock in [slow, *held]:
            sock.close()

    assert refused.startswith(b"HTTP/1.1 503 ")
    assert answer.startswith(b"HTTP/1.1 408 ") and closed and cut_after < 5
    assert httpx.get(f"{running.base}/healthz", timeout=5).status_code == 200


# --- the demo key, in process: demo mode or not, before and after rotation ------------------------


def runtime_in(tmp_path: Path, **settings: Any) -> Runtime:
    """Keys looked up on every call (no cache), so a rotation shows at once."""
    values = {"data_dir": tmp_path, "api_key_cache_s": 0, **settings}
    return Runtime.from_settings(Settings(_env_file=None, **values))  # type: ignore[call-arg]


def demo_partner_keys(runtime: Runtime) -> list[str]:
    """The demo partner's key prefixes (registering it first)."""
    sync_partners(runtime.db)
    return [key.prefix for key in runtime.keys.keys(DEMO_PARTNER)]


def test_given_no_demo_setting_then_no_key_is_issued_and_the_banner_shows_none(
    tmp_path: Path,
) -> None:
    runtime = runtime_in(tmp_path)
    try:
        assert demo_partner_keys(runtime) == []
        key = demo_key_for(runtime)
        assert key is None and demo_partner_keys(runtime) == []
        shown = banner(runtime.settings, "127.0.0.1", 8080, key)
    finally:
        runtime.close()
    assert "demo-supplier-key" not in shown and "Bearer <partner API key>" in shown


def test_given_demo_mode_then_the_key_is_issued_shown_and_not_after_it_is_rotated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime = runtime_in(tmp_path, demo=True)
    try:
        demo_partner_keys(runtime)
        first = demo_key_for(runtime)
        again = demo_key_for(runtime)  # a restart: the key is still the partner's
        assert runtime.keys.partner_for("demo-supplier-key") == KeyOwner(DEMO_PARTNER, "live")

        monkeypatch.setenv("GATEWAY_DATA_DIR", str(tmp_path))
        assert main(["partners", "issue-key", DEMO_PARTNER]) == 0  # overlapping rotation:
        rotated = capsys.readouterr().out.strip().splitlines()[-1]
        assert demo_key_for(runtime) == "demo-supplier-key"  # both work until the old one goes
        assert main(["partners", "revoke-key", DEMO_PARTNER, "demo-sup"]) == 0

        after = demo_key_for(runtime)
        shown = banner(runtime.settings, "127.0.0.1", 8080, after)
        assert runtime.keys.partner_for("demo-supplier-key") is None
        assert runtime.keys.partner_for(rotated) == KeyOwner(DEMO_PARTNER, "live")
    finally:
        runtime.close()
    assert first == again == "demo-supplier-key"
    assert after is None and "demo-supplier-key" not in shown and rotated not in shown


def test_given_the_demo_key_left_from_a_demo_run_then_a_normal_start_warns_and_shows_none(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = runtime_in(tmp_path)
    try:
        demo_partner_keys(runtime)
        runtime.keys.issue(DEMO_PARTNER, "demo-supplier-key")
        with caplog.at_level(logging.WARNING, "gateway"):
            assert demo_key_for(runtime) is None
    finally:
        runtime.close()
    assert "still has the documented demo key" in caplog.text
