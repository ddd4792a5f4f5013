"""django-pyas2 (``peers/as2-django``, runserver in the peers' venv) against the gateway, both
ways, with sync and async MDNs: it sends to ``POST /as2`` and marks its message sent only when our
MDN verified (sync in the answer, async POSTed back to it); ``AS2Transport.send`` sends to it, and
its async MDN comes back to ``POST /as2``."""

from __future__ import annotations

import os
import shutil
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
from tests.transports.as2.test_pyas2lib import PAYLOAD, profile
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


@dataclass
class Django:
    python: Path
    project: Path
    env: dict[str, str]
    gateway: Gateway
    transport: AS2Transport
    mdns: list[tuple[str, ReceivedMdn, bool | None]]

    def manage(self, *args: str | Path) -> str:
        done = subprocess.run(
            [self.python, self.project / "manage.py", *map(str, args)],
            cwd=self.project, env=self.env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def status(self, direction: str, message_id: str = "") -> list[str]:
        done = subprocess.run(
            [self.python, self.project / "status.py", direction, message_id],
            cwd=self.project, env=self.env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1].split(maxsplit=5)

    def send(self, partner: str, payload: bytes, name: str) -> str:
        outbox = Path(self.env["AS2_HOME"]) / "media" / "outbox"
        outbox.mkdir(parents=True, exist_ok=True)
        (outbox / name).write_bytes(payload)
        self.manage("sendas2message", "DJPEER", partner, f"outbox/{name}")
        return self.status("OUT")[0]


@pytest.fixture(scope="module")
def django(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Django]:
    python = peers_python()
    root = tmp_path_factory.mktemp("django-pyas2")
    partners = as2_home(root)
    keys = root / "samples" / "as2"
    make_certificate(keys, "djpeer", cn="DJPEER")
    port = free_port()
    peer_url = f"http://127.0.0.1:{port}/pyas2/as2receive"
    sync_profile = profile("djpeer", "DJPEER", url=peer_url)
    sync_as2 = sync_profile["transports"]["as2"]  # type: ignore[index]
    sync_as2["as2_id"] = "DJPEER"
    sync_as2["certificates"] = ["../samples/as2/djpeer.crt"]
    (partners / "djpeer.yaml").write_text(yaml.safe_dump(sync_profile))
    project = root / "dj"
    shutil.copytree(PEERS / "as2-django", project)
    env = {**os.environ, "AS2_HOME": str(root / "dj-home"), "AS2_PORT": str(port)}
    runtime = runtime_for(settings_for(root, partners_dir=partners, as2_key_secret=SECRET))
    gateway = build_gateway(runtime)
    mdns: list[tuple[str, ReceivedMdn, bool | None]] = []
    transport: AS2Transport = gateway.app.state.as2_transport
    transport.on_mdn = lambda *args: mdns.append(args)
    log = root / "django.log"
    try:
        with ServerThread(gateway.app) as server, log.open("wb") as out:
            async_profile = {
                **sync_profile,
                "id": "djpeer-async",
                "x12": {"sender_ids": [{"qualifier": "ZZ", "id": "DJPEERA"}]},
            }
            async_profile["transports"] = {
                "as2": {
                    **sync_as2,
                    "our_as2_id": "GATEWAYASYNC",
                    "mdn": "async",
                    "async_mdn_url": server.url + "/as2",
                }
            }
            (partners / "djpeer-async.yaml").write_text(yaml.safe_dump(async_profile))
            forget_profiles()
            assert sync_partners(runtime.db, partners) == []
            peer = Django(python, project, env, gateway, transport, mdns)
            pem = keycert(keys / "djpeer.crt", keys / "djpeer.key")
            peer.manage("migrate", "-v0")
            for ours, mode in (("GATEWAYBUYER", "SYNC"), ("GATEWAYASYNC", "ASYNC")):
                subprocess.run(
                    [python, project / "setup_peer.py", "DJPEER", pem, ours, keys / "gateway.crt",
                     server.url + "/as2", "--mdn", mode],
                    cwd=project, env=env, check=True, capture_output=True, timeout=120,
                )  # fmt: skip
            process = subprocess.Popen(
                [python, project / "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                wait_port(port, process, log)
                yield peer
            finally:
                process.terminate()
                process.wait(10)
    finally:
        runtime.close()


def gateway_copy(django: Django, message_id: str) -> tuple[str | None, bytes]:
    from gateway.store.models import InboundMessage

    with django.gateway.runtime.db.sessions() as session:
        [m] = session.query(InboundMessage).filter_by(transport_message_id=f"<{message_id}>")
        return m.partner_id, m.raw


def test_given_django_pyas2_when_it_sends_with_a_sync_mdn_then_it_marks_the_message_sent(
    django: Django,
) -> None:
    payload = PAYLOAD.replace(b"000000001", b"000000101")

    message_id = django.send("GATEWAYBUYER", payload, "sync.edi")

    _, status, signed, encrypted, mdn_signed, detail = django.status("OUT", message_id)
    assert (status, signed, encrypted, mdn_signed) == ("S", "True", "True", "True"), detail
    assert gateway_copy(django, message_id) == ("djpeer", payload)


def test_given_django_pyas2_when_it_asks_for_an_async_mdn_then_it_gets_it_and_marks_sent(
    django: Django,
) -> None:
    payload = PAYLOAD.replace(b"000000001", b"000000102")

    message_id = django.send("GATEWAYASYNC", payload, "async.edi")

    wait_for(lambda: django.status("OUT", message_id)[1] == "S", 30)
    assert django.status("OUT", message_id)[4] == "True"  # our MDN, signed, verified by it
    assert gateway_copy(django, message_id) == ("djpeer-async", payload)


def test_given_an_outbound_when_sent_to_django_pyas2_then_sync_mdn_verified(django: Django) -> None:
    document = Outbound("out_dj_1", "djpeer", "997", PAYLOAD.replace(b"000000001", b"000000201"))

    sent = django.transport.send(document)

    assert sent.status == "acknowledged" and sent.message_id, sent
    _, status, signed, encrypted, _, detail = django.status("IN", sent.message_id)
    assert (status, signed, encrypted) == ("S", "True", "True"), detail


def test_given_an_outbound_when_sent_to_django_pyas2_with_async_mdn_then_it_arrives(
    django: Django,
) -> None:
    document = Outbound(
        "out_dj_2", "djpeer-async", "997", PAYLOAD.replace(b"000000001", b"000000202")
    )

    sent = django.transport.send(document)

    assert sent.status == "sent"
    django.manage("manageas2server", "--async-mdns")  # how django-pyas2 posts pending async MDNs
    wait_for(lambda: any(m[1].original_message_id == sent.message_id for m in django.mdns), 30)
    [(partner_id, mdn, mic_ok)] = [
        m for m in django.mdns if m[1].original_message_id == sent.message_id
    ]
    assert (partner_id, mdn.processed, mdn.signed, mic_ok) == ("djpeer-async", True, True, True)
