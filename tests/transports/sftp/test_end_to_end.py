"""End to end through a real ``gateway run --demo`` process (SQLite, embedded workers, the local
ERP sink, the SFTP server on a free port): the README's SFTP example run verbatim (only the port
and /tmp changed), and an 810 dropped with ``sftp`` that ends as a canonical invoice at the ERP
sink while its 997 appears in the partner's ``outbound/``."""

from __future__ import annotations

import os
import re
import shutil
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

from tests.live.support import home
from tests.onboarding.test_readme import free_port
from tests.transports.sftp.conftest import DEMO_KEY, ROOT

SAMPLE_810 = ROOT / "samples" / "demo-supplier" / "810-4010.edi"


@dataclass
class RunningGateway:
    url: str
    sftp_port: int
    root: Path
    stdout: Path
    env: dict[str, str]

    def sink(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = httpx.get(f"{self.url}/ops/erp-sink", timeout=10).json()[
            "events"
        ]
        return events


@pytest.fixture
def running(tmp_path: Path) -> Iterator[RunningGateway]:
    root = home(tmp_path)
    port, sftp_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env |= {
        "GATEWAY_HOME": str(root),
        "GATEWAY_PORT": str(port),
        "GATEWAY_SFTP_PORT": str(sftp_port),
    }
    stdout = tmp_path / "gateway.out"
    command = Path(sys.executable).parent / "gateway"
    with stdout.open("wb") as out, (tmp_path / "gateway.log").open("wb") as log:
        server = subprocess.Popen(
            [str(command), "run", "--demo"], cwd=root, env=env, stdout=out, stderr=log
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while not (_answers(url) and _listens(sftp_port)):
                assert server.poll() is None, (tmp_path / "gateway.log").read_text()
                assert time.monotonic() < deadline, "gateway run did not start"
                time.sleep(0.2)
            yield RunningGateway(url, sftp_port, root, stdout, env)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _listens(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def readme_block() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("## SFTP\n", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def test_given_the_readme_sftp_example_when_run_then_the_856_is_delivered_and_its_997_fetched(
    running: RunningGateway, tmp_path: Path
) -> None:
    script = readme_block().replace("2222", str(running.sftp_port))
    script = script.replace("/tmp/", f"{tmp_path}/")

    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    banner = running.stdout.read_text()
    fingerprint = re.search(r"SFTP on 127\.0\.0\.1:\d+, host key (SHA256:\S+)", banner)
    assert fingerprint is not None, banner
    assert fingerprint.group(1) in done.stdout  # ssh-keygen -lf printed the same key
    assert "ST*997*" in done.stdout and "AK1*SH*" in done.stdout
    assert "AK9*A*1*1*1~" in done.stdout
    [event] = running.sink()
    assert event["event_type"] == "ship_notice"
    archive = running.root / "var" / "sftp" / "demo-supplier" / "archive"
    assert (archive / "856.edi").read_bytes() == (
        ROOT / "samples/demo-supplier/856-SOPI-4010.edi"
    ).read_bytes()
    items = httpx.get(f"{running.url}/ops/outbox", timeout=10).json()
    assert [(i["transport"], i["status"]) for i in items] == [("sftp", "acknowledged")]


def test_given_an_810_dropped_with_sftp_then_the_erp_gets_its_invoice_and_its_997_waits_in_outbound(
    running: RunningGateway, tmp_path: Path
) -> None:
    key = tmp_path / "key"
    shutil.copy(DEMO_KEY, key)
    key.chmod(0o600)
    known = tmp_path / "known_hosts"
    scan = subprocess.run(
        ["ssh-keyscan", "-p", str(running.sftp_port), "127.0.0.1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    known.write_text(scan.stdout)
    sftp = [
        "sftp",
        "-P",
        str(running.sftp_port),
        "-i",
        str(key),
        "-o",
        f"UserKnownHostsFile={known}",
    ]
    (tmp_path / "put").write_text(f"put {SAMPLE_810} inbound/810-4010.edi\n")

    put = subprocess.run(
        [*sftp, "-b", str(tmp_path / "put"), "demo-supplier@127.0.0.1"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert put.returncode == 0, put.stderr
    deadline = time.monotonic() + 30
    outbound = running.root / "var" / "sftp" / "demo-supplier" / "outbound"
    while not (running.sink() and list(outbound.glob("997-*.edi"))):
        assert time.monotonic() < deadline, "no invoice at the ERP sink or no 997 in outbound/"
        time.sleep(0.2)
    [event] = running.sink()
    assert event["event_type"] == "invoice"
    payload = httpx.get(f"{running.url}/ops/erp-sink/{event['event_id']}", timeout=10).json()[
        "payload"
    ]
    assert payload["partner_id"] == "demo-supplier"
    [ack] = outbound.glob("997-*.edi")
    assert b"AK1*IN*" in ack.read_bytes() and b"AK9*A*1*1*1~" in ack.read_bytes()
    accounts = httpx.get(f"{running.url}/ops/sftp/accounts", timeout=10).json()["accounts"]
    [demo] = [a for a in accounts if a["partner_id"] == "demo-supplier"]
    assert (demo["files_received"], demo["logins"], demo["username"]) == (1, 1, "demo-supplier")
    cli = subprocess.run(
        [str(Path(sys.executable).parent / "gateway"), "sftp", "accounts"],
        cwd=running.root,
        env=running.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 0, cli.stderr
    assert re.search(r"demo-supplier\s+demo-supplier\s+live\s+\S+ \S+\s+1\s+0\s+0\s+0", cli.stdout)


def test_given_the_sftp_port_taken_then_gateway_run_stops_saying_so(tmp_path: Path) -> None:
    root = home(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
        env |= {
            "GATEWAY_HOME": str(root),
            "GATEWAY_PORT": str(free_port()),
            "GATEWAY_SFTP_PORT": str(taken.getsockname()[1]),
        }
        done = subprocess.run(
            [str(Path(sys.executable).parent / "gateway"), "run"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert done.returncode != 0
    assert f"GATEWAY_SFTP_PORT {env['GATEWAY_SFTP_PORT']}: cannot listen" in done.stderr
