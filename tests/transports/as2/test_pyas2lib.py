"""pyas2lib (``peers/pyas2lib_peer.py``, in the peers' venv) against the gateway, both ways:
it sends to ``POST /as2`` (signed, encrypted, compressed or not; signed or unsigned sync MDN, or
an async MDN the workers post to the listener it opens, which it verifies with its MIC), and
``AS2Transport.send`` sends to it, with a sync MDN and with an async MDN that comes back to
``POST /as2``."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from gateway.partner_store import sync_partners
from gateway.partners import forget_profiles
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
from transports.as2.mdn import ReceivedMdn
from transports.as2.transport import AS2Transport
from transports.base import Outbound

PAYLOAD = (
    b"ISA*00*          *00*          *ZZ*LIBPEER        *ZZ*GATEWAYBUYER   *261123*0147*U*00401"
    b"*000000001*0*T*>~\r\nGS*SH*LIBPEER*GATEWAYBUYER*20261123*0147*1*X*004010~\r\n"
    b"GE*0*1~\r\nIEA*1*000000001~\r\n"
)
"""CRLF line ends: pyas2lib turns LF into CRLF in what it sends (a defect of its own)."""


@dataclass
class Peer:
    python: Path
    gateway: Gateway
    transport: AS2Transport
    url: str
    keys: Path
    peer_port: int
    inbox: Path
    mdns: list[tuple[str, ReceivedMdn, bool | None]]


def profile(partner_id: str, sender: str, **as2: object) -> dict[str, object]:
    return {
        "id": partner_id,
        "name": f"pyas2lib peer ({partner_id})",
        "x12": {"sender_ids": [{"qualifier": "ZZ", "id": sender}]},
        "transports": {
            "as2": {
                "enabled": True,
                "as2_id": "LIBPEER",
                "certificates": ["../samples/as2/libpeer.crt"],
                "our_keys": [
                    {
                        "certificate": "../samples/as2/gateway.crt",
                        "key": "../samples/as2/gateway.key",
                    }
                ],
                **as2,
            }
        },
    }


@pytest.fixture(scope="module")
def peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    python = peers_python()
    root = tmp_path_factory.mktemp("pyas2lib")
    partners = as2_home(root)
    keys = root / "samples" / "as2"
    make_certificate(keys, "libpeer", cn="LIBPEER")
    port = free_port()
    peer_url = f"http://127.0.0.1:{port}/"
    (partners / "libpeer.yaml").write_text(
        yaml.safe_dump(profile("libpeer", "LIBPEER", url=peer_url))
    )
    runtime = runtime_for(settings_for(root, partners_dir=partners, as2_key_secret=SECRET))
    gateway = build_gateway(runtime)
    log = root / "peer.log"
    mdns: list[tuple[str, ReceivedMdn, bool | None]] = []
    try:
        with ServerThread(gateway.app) as server, log.open("wb") as out:
            async_profile = profile(
                "libpeer-async",
                "LIBPEERA",
                url=peer_url,
                mdn="async",
                async_mdn_url=server.url + "/as2",
                our_as2_id="GATEWAYASYNC",  # the same peer: the pair must differ
            )
            (partners / "libpeer-async.yaml").write_text(yaml.safe_dump(async_profile))
            forget_profiles()
            assert sync_partners(runtime.db, partners) == []
            transport: AS2Transport = gateway.app.state.as2_transport
            transport.on_mdn = lambda *args: mdns.append(args)
            process = subprocess.Popen(
                [
                    python,
                    PEERS / "pyas2lib_peer.py",
                    "serve",
                    "--port",
                    str(port),
                    "--org",
                    "LIBPEER",
                    "--key",
                    keycert(keys / "libpeer.crt", keys / "libpeer.key"),
                    "--partner",
                    f"GATEWAYBUYER={keys / 'gateway.crt'}",
                    "--partner",
                    f"GATEWAYASYNC={keys / 'gateway.crt'}",
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
                yield Peer(python, gateway, transport, server.url, keys, port, root / "inbox", mdns)
            finally:
                process.terminate()
                process.wait(10)
    finally:
        runtime.close()


@pytest.mark.parametrize(
    "flags",
    [[], ["--compress"], ["--mdn-sign", "none"]],
    ids=["signed+encrypted, signed MDN", "compressed too", "unsigned MDN"],
)
def test_given_pyas2lib_when_it_sends_to_the_gateway_then_processed_with_a_matching_mic(
    peer: Peer, tmp_path: Path, flags: list[str]
) -> None:
    payload = PAYLOAD.replace(b"*0147*U", f"*{len(flags):04d}*U".encode())
    (tmp_path / "payload.edi").write_bytes(payload)

    done = subprocess.run(
        [
            peer.python,
            PEERS / "pyas2lib_peer.py",
            "send",
            "--url",
            peer.url + "/as2",
            "--org",
            "LIBPEER",
            "--key",
            keycert(peer.keys / "libpeer.crt", peer.keys / "libpeer.key"),
            "--partner",
            "GATEWAYBUYER",
            "--partner-cert",
            peer.keys / "gateway.crt",
            "--file",
            tmp_path / "payload.edi",
            *flags,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "MDN status=processed" in done.stdout
    message_id = done.stdout.split("SENT id=")[1].split()[0]
    with peer.gateway.runtime.db.sessions() as session:
        from gateway.store.models import InboundMessage

        [stored] = session.query(InboundMessage).filter_by(transport_message_id=f"<{message_id}>")
        assert (stored.partner_id, stored.raw) == ("libpeer", payload)
        assert stored.meta["compressed"] == bool(flags == ["--compress"])


def test_given_pyas2lib_asking_for_an_async_mdn_then_it_gets_it_from_the_outbox_and_it_verifies(
    peer: Peer, tmp_path: Path
) -> None:
    """pyas2lib listens on its Receipt-Delivery-Option, verifies the signed MDN the workers post
    there and compares its MIC (the peer exits 0 only then); the MDN was an outbox item."""
    payload = PAYLOAD.replace(b"*0147*U", b"*0900*U")
    (tmp_path / "payload.edi").write_bytes(payload)
    mdn_url = f"http://127.0.0.1:{free_port()}/mdn"

    done = subprocess.run(
        [
            peer.python,
            PEERS / "pyas2lib_peer.py",
            "send",
            "--url",
            peer.url + "/as2",
            "--org",
            "LIBPEER",
            "--key",
            keycert(peer.keys / "libpeer.crt", peer.keys / "libpeer.key"),
            "--partner",
            "GATEWAYBUYER",
            "--partner-cert",
            peer.keys / "gateway.crt",
            "--file",
            tmp_path / "payload.edi",
            "--mdn-url",
            mdn_url,
            "--wait",
            "60",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "answer=200" in done.stdout and "will be sent to" in done.stdout
    assert "MDN status=processed" in done.stdout
    message_id = "<" + done.stdout.split("SENT id=")[1].split()[0] + ">"
    with peer.gateway.runtime.db.sessions() as session:
        from gateway.store.models import InboundMessage, OutboxItem

        [stored] = session.query(InboundMessage).filter_by(transport_message_id=message_id)
        [item] = session.query(OutboxItem).filter_by(message_id=stored.id, kind="mdn")
        assert (stored.raw, item.target_url, item.status) == (payload, mdn_url, "acknowledged")


def outbound(n: int, partner_id: str = "libpeer") -> Outbound:
    return Outbound(
        f"out_{partner_id}_{n}",
        partner_id,
        "997",
        PAYLOAD.replace(b"000000001", f"{n:09d}".encode()),
    )


def received(peer: Peer, message_id: str) -> bytes:
    return (peer.inbox / (message_id.strip("<>") + ".msg")).read_bytes()


def test_given_an_outbound_when_sent_to_pyas2lib_then_its_signed_mdn_verifies(peer: Peer) -> None:
    document = outbound(1)

    sent = peer.transport.send(document)

    assert sent.status == "acknowledged", sent
    assert sent.message_id is not None
    assert "processed" in sent.detail
    assert received(peer, sent.message_id) == document.payload


def test_given_the_same_outbound_twice_then_the_same_message_id(peer: Peer) -> None:
    document = outbound(2)

    first, again = peer.transport.send(document), peer.transport.send(document)

    assert first.message_id == again.message_id


def test_given_an_async_mdn_partner_when_sent_then_the_mdn_arrives_and_matches(peer: Peer) -> None:
    document = outbound(3, "libpeer-async")

    sent = peer.transport.send(document)

    assert sent.status == "sent" and "asynchronous" in sent.detail
    wait_for(lambda: any(m[1].original_message_id == sent.message_id for m in peer.mdns))
    [(partner_id, mdn, mic_ok)] = [
        m for m in peer.mdns if m[1].original_message_id == sent.message_id
    ]
    assert (partner_id, mdn.processed, mdn.signed, mic_ok) == ("libpeer-async", True, True, True)
    assert received(peer, sent.message_id or "") == document.payload
