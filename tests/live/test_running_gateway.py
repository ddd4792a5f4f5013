"""Issue 9's "a map change reaches the running gateway without a restart", with a real
``gateway run`` process (API and embedded workers) on a temporary home: a ship notice is posted,
the partner's map is changed on disk, the gateway takes it in while it runs, and the next ship
notice comes out as the new map says, its event recording the new map version. Then an invalid
map and an invalid profile: the gateway logs every problem and keeps processing with the
previous version."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live.support import UOM_EACH, home, renumbered, units, write_override
from tests.onboarding.test_readme import free_port

KEY = "demo-supplier-key"  # the documented demo key: `gateway run --demo`


@dataclass
class RunningGateway:
    url: str
    root: Path
    log: Path

    def logged(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_logged(self, text: str, after: int = 0) -> None:
        deadline = time.monotonic() + 30
        while text not in self.logged()[after:]:
            assert time.monotonic() < deadline, f"never logged {text!r}:\n{self.logged()}"
            time.sleep(0.1)

    def post(self, n: int) -> dict[str, Any]:
        """Post the demo 856 numbered ``n``; the event it became, once processed and delivered."""
        answer = httpx.post(
            f"{self.url}/v1/x12",
            content=renumbered(n),
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=10,
        )
        assert answer.status_code == 202, answer.text
        message_id = answer.json()["receipt_id"]
        deadline = time.monotonic() + 30
        while True:
            detail = httpx.get(f"{self.url}/ops/messages/{message_id}", timeout=10).json()
            events = detail.get("events") or []
            if events and all(d["status"] == "delivered" for d in events[0]["deliveries"]):
                break
            assert time.monotonic() < deadline, f"message {message_id} not delivered: {detail}"
            time.sleep(0.1)
        sink = httpx.get(f"{self.url}/ops/erp-sink/{events[0]['id']}", timeout=10).json()
        return {"view": events[0], "payload": sink["payload"]}


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[RunningGateway]:
    root = home(tmp_path)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env |= {
        "GATEWAY_HOME": str(root),
        "GATEWAY_PORT": str(port),
        "GATEWAY_SFTP_PORT": "0",  # harmless where there is no SFTP server
        "GATEWAY_RELOAD_INTERVAL_S": "0.5",
    }
    log = tmp_path / "gateway.log"
    gateway_command = Path(sys.executable).parent / "gateway"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [str(gateway_command), "run", "--demo"],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while not _answers(url):
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "gateway run did not start"
                time.sleep(0.2)
            yield RunningGateway(url, root, log)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_given_a_running_gateway_when_a_map_changes_then_it_is_used_without_a_restart(
    gateway: RunningGateway,
) -> None:
    before = gateway.post(901)
    assert units(before["payload"]) == {"EA"}

    mark = len(gateway.logged())
    write_override(gateway.root, UOM_EACH)
    gateway.wait_logged("now in use (new map versions: demo-supplier)", mark)

    after = gateway.post(902)
    assert units(after["payload"]) == {"EACH"}
    assert after["view"]["map_version"] not in (None, before["view"]["map_version"])
    assert after["view"]["profile_version"] == before["view"]["profile_version"]

    mark = len(gateway.logged())
    write_override(gateway.root, "extends: base\nuom: [not, a, mapping]\n")
    profile = gateway.root / "partners" / "acme-fasteners.yaml"
    profile.write_text(profile.read_text().replace("ACMEFAST", "DEMOSUPPLIER"))
    gateway.wait_logged("live reload refused: 2 problem(s)", mark)
    refused = gateway.logged()[mark:]
    assert "maps/demo-supplier/x12-856.yaml (merged over base): uom:" in refused
    assert "ZZ/DEMOSUPPLIER is already a sender id of acme-fasteners" in refused

    kept = gateway.post(903)  # still processed, with the version in use before the bad edit
    assert units(kept["payload"]) == {"EACH"}
    assert kept["view"]["map_version"] == after["view"]["map_version"]
