"""The README's "Add a supplier" section, followed verbatim: its shell lines (between the
``add-supplier`` markers) run with bash, one step (paragraph) at a time, against a real
``gateway run`` in a temporary home laid out like the checkout (``partners/``, ``samples/``,
``.venv/bin/gateway``). Only the port differs: the test's gateway listens on a free one.

Between steps the test waits until the gateway has processed what it received, as a person
reading the receipts would; it changes nothing in the commands."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SECTION = re.compile(
    r"<!-- add-supplier:begin -->\n```sh\n(.*?)```\n<!-- add-supplier:end -->", re.S
)
README_URL = "http://127.0.0.1:8080"


def readme_steps() -> list[str]:
    found = SECTION.search((ROOT / "README.md").read_text())
    assert found, "README.md has no add-supplier section"
    return [step for step in found.group(1).split("\n\n") if step.strip()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def checkout_like(tmp_path: Path) -> Path:
    """A folder with what the README's commands touch: partners, samples, the gateway command."""
    work = tmp_path / "checkout"
    shutil.copytree(ROOT / "partners", work / "partners", ignore=shutil.ignore_patterns("acme-*"))
    (work / "samples").symlink_to(ROOT / "samples")
    (work / ".venv" / "bin").mkdir(parents=True)
    (work / ".venv" / "bin" / "gateway").symlink_to(Path(sys.executable).parent / "gateway")
    return work


@pytest.fixture
def running(checkout_like: Path) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env |= {"GATEWAY_HOME": str(checkout_like), "GATEWAY_PORT": str(port), "GATEWAY_SFTP_PORT": "0"}
    server = subprocess.Popen(
        [str(checkout_like / ".venv" / "bin" / "gateway"), "run"],
        cwd=checkout_like,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _answers(url):
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            assert time.monotonic() < deadline, "gateway run did not start"
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def json_objects(text: str) -> list[dict[str, object]]:
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(text.rstrip()):
        value, at = decoder.raw_decode(text, at)
        found.append(value)
        while at < len(text) and text[at].isspace():
            at += 1
    return found


def settled(url: str) -> None:
    """Until nothing received is waiting to be processed and no delivery is pending."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stats = httpx.get(f"{url}/ops/stats").json()
        if not stats["messages"].get("received") and not stats["deliveries"].get("pending"):
            return
        time.sleep(0.1)
    raise AssertionError(f"the gateway did not settle: {stats}")


def test_the_readme_add_a_supplier_section_works_as_written(
    checkout_like: Path, running: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}  # home: the cwd
    outputs = []
    for step in readme_steps():
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", step.replace(README_URL, running)],
            cwd=checkout_like,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{step}\n{done.stdout}\n{done.stderr}"
        outputs.append(done.stdout)
        settled(running)

    assert "Onboarding sheet: NewCo Parts (newco)" in outputs[0]
    assert "certification: 3/3 passed (complete)" in outputs[2]
    assert "newco: testing -> live" in outputs[2]
    receipt, printed = json_objects(outputs[-1])  # curl prints no newline after the first
    assert receipt["status"] == "received"
    # The README's last curl may run before the worker has posted the event (its receipt said
    # "received"); what the sink holds once the gateway settled is what a reader then sees.
    assert printed["events"] in ([], httpx.get(f"{running}/ops/erp-sink").json()["events"])
    sink = httpx.get(f"{running}/ops/erp-sink").json()
    assert [(e["partner_id"], e["event_type"]) for e in sink["events"]] == [
        ("newco", "ship_notice")  # the live file only: none of the three test files
    ]
