"""``gateway run`` as an operator starts it: a real process on loopback (SQLite, embedded workers,
the local ERP sink), with the access log at its default, errors only."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from gateway_app.server import errors_only

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


def test_given_gateway_run_then_a_refused_request_is_logged_and_an_accepted_one_is_not(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}  # the defaults
    env["GATEWAY_DATA_DIR"] = str(tmp_path)
    log_path = tmp_path / "out.log"
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gateway_app", "run", "--port", str(port)],
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
            accepted = httpx.post(
                f"{base}/v1/x12",
                content=SAMPLE.read_bytes(),
                headers={"Authorization": "Bearer demo-supplier-key"},
                timeout=10,
            )
            refused = httpx.post(
                f"{base}/v1/x12",
                content=b"ISA",
                headers={"Authorization": "Bearer wrong"},
                timeout=10,
            )
        finally:
            proc.terminate()
            proc.wait(20)
    output = log_path.read_text()
    assert (accepted.status_code, refused.status_code) == (202, 401)
    assert '"POST /v1/x12 HTTP/1.1" 401' in output
    assert '"POST /v1/x12 HTTP/1.1" 202' not in output
    assert '"GET /healthz HTTP/1.1" 200' not in output
