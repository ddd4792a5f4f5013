"""End to end over AS2 with pyas2lib as the supplier: its ship notice reaches the ERP as a
canonical event, and our 997 goes back to it over AS2 from the outbox, marked ``acknowledged``
when its asynchronous MDN arrives at ``POST /as2``."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from gateway.erp.memory import MemoryErpConnector
from gateway.partner_store import sync_partners
from gateway.partners import forget_profiles
from gateway.pipeline.send import send_item
from gateway.store.models import OutboxItem
from gateway_app.senders import build_senders
from tests.transports.as2.conftest import SECRET, as2_home, make_certificate
from tests.transports.as2.peers_harness import PEERS, free_port, keycert, peers_python, wait_port
from tests.transports.harness import (
    Gateway,
    ServerThread,
    build_gateway,
    runtime_for,
    settings_for,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[3]
SHIP_NOTICE = (ROOT / "samples" / "demo-supplier" / "856-SOPI-4010.edi").read_bytes()


@dataclass
class Supplier:
    python: Path
    keys: Path
    gateway: Gateway
    url: str
    inbox: Path


@pytest.fixture(scope="module")
def supplier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Supplier]:
    python = peers_python()
    root = tmp_path_factory.mktemp("as2-e2e")
    partners = as2_home(root)
    keys = root / "samples" / "as2"
    make_certificate(keys, "e2epeer", cn="E2EPEER")
    port = free_port()
    runtime = runtime_for(settings_for(root, partners_dir=partners, as2_key_secret=SECRET))
    gateway = build_gateway(runtime)
    log = root / "peer.log"
    try:
        with ServerThread(gateway.app) as server, log.open("wb") as out:
            profile = {
                "id": "e2epeer",
                "name": "pyas2lib supplier",
                "status": "live",
                "test_indicator": "deliver",
                "x12": {"sender_ids": [{"qualifier": "ZZ", "id": "E2EPEER"}]},
                "transports": {
                    "outbound": "as2",
                    "as2": {
                        "enabled": True,
                        "as2_id": "E2EPEER",
                        "our_as2_id": "GATEWAYE2E",
                        "certificates": ["../samples/as2/e2epeer.crt"],
                        "our_keys": [
                            {
                                "certificate": "../samples/as2/gateway.crt",
                                "key": "../samples/as2/gateway.key",
                            }
                        ],
                        "url": f"http://127.0.0.1:{port}/",
                        "mdn": "async",
                        "async_mdn_url": server.url + "/as2",
                    },
                },
            }
            (partners / "e2epeer.yaml").write_text(yaml.safe_dump(profile))
            forget_profiles()
            assert sync_partners(runtime.db, partners) == []
            process = subprocess.Popen(
                [
                    python,
                    PEERS / "pyas2lib_peer.py",
                    "serve",
                    "--port",
                    str(port),
                    "--org",
                    "E2EPEER",
                    "--key",
                    keycert(keys / "e2epeer.crt", keys / "e2epeer.key"),
                    "--partner",
                    f"GATEWAYE2E={keys / 'gateway.crt'}",
                    "--inbox",
                    root / "inbox",
                    "--require-signed",
                    "--require-encrypted",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_port(port, process, log)
                yield Supplier(python, keys, gateway, server.url, root / "inbox")
            finally:
                process.terminate()
                process.wait(10)
    finally:
        runtime.close()


def test_given_an_856_over_as2_then_the_erp_gets_it_and_our_997_goes_back_acknowledged(
    supplier: Supplier, tmp_path: Path
) -> None:
    payload = SHIP_NOTICE.replace(b"DEMOSUPPLIER   ", b"E2EPEER        ").replace(
        b"DEMOSUPPLIER", b"E2EPEER"
    )
    (tmp_path / "856.edi").write_bytes(payload)
    runtime = supplier.gateway.runtime

    done = subprocess.run(
        [
            supplier.python,
            PEERS / "pyas2lib_peer.py",
            "send",
            "--url",
            supplier.url + "/as2",
            "--org",
            "E2EPEER",
            "--key",
            keycert(supplier.keys / "e2epeer.crt", supplier.keys / "e2epeer.key"),
            "--partner",
            "GATEWAYE2E",
            "--partner-cert",
            supplier.keys / "gateway.crt",
            "--file",
            tmp_path / "856.edi",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then: the supplier got a positive MDN, and the ship notice reached the ERP
    assert done.returncode == 0, done.stdout + done.stderr
    assert "MDN status=processed" in done.stdout
    erp = runtime.connector
    assert isinstance(erp, MemoryErpConnector)
    wait_for(lambda: any(e.partner_id == "e2epeer" for e in erp.events.values()))
    [event] = [e for e in erp.events.values() if e.partner_id == "e2epeer"]
    assert event.type == "ship_notice"

    # when the workers' send stage takes our 997 from the outbox
    with runtime.db.sessions() as session:
        [item] = session.scalars(select(OutboxItem).where(OutboxItem.partner_id == "e2epeer"))
    assert (item.kind, item.transport, item.status) == ("997", "as2", "queued")
    outcome = send_item(runtime.db, item.id, build_senders(runtime), runtime.send_policy)

    # then: pyas2lib has the 997, and its asynchronous MDN marks the item acknowledged
    assert outcome.status in ("sent", "acknowledged"), outcome  # the MDN may beat the answer
    assert b"ST*997*" in b"".join(p.read_bytes() for p in supplier.inbox.glob("*.msg"))

    def acknowledged() -> bool:
        with runtime.db.sessions() as session:
            return session.get(OutboxItem, item.id).status == "acknowledged"  # type: ignore[union-attr]

    wait_for(acknowledged, 30)
