"""Every transport in ``TRANSPORTS`` passes through the seam the same way (``transports.base``):
what it hands in is stored byte for byte under the partner its channel proved before anything is
enqueued, an enqueue failure loses nothing, and sending one outbound twice is harmless."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.erp.memory import MemoryErpConnector
from gateway.partner_store import sync_partners
from gateway.pipeline.config import ProcessConfig
from gateway.pipeline.inbox import Inbound, Inbox
from gateway.pipeline.sweep import sweep
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.migrate import upgrade
from gateway.store.models import InboundMessage
from tests.support.documents import numbered_asn
from transports.base import Outbound, Transport
from transports.registry import TRANSPORTS


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    monkeypatch.setenv("GATEWAY_SFTP_ROOT", str(tmp_path / "sftp"))  # its outbound/ folders
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    upgrade(url)
    rt = Runtime(
        Settings(data_dir=tmp_path),
        Database(url),
        MemoryErpConnector(),
        ProcessConfig(connectors=("memory",)),
    )
    sync_partners(rt.db)
    yield rt
    rt.db.dispose()


@pytest.fixture(params=sorted(TRANSPORTS))
def transport_class(request: pytest.FixtureRequest) -> type[Transport]:
    return TRANSPORTS[request.param]


def test_given_bytes_handed_in_then_stored_as_sent_before_any_enqueue(
    runtime: Runtime, transport_class: type[Transport]
) -> None:
    enqueued: list[str] = []
    transport = transport_class(Inbox(runtime.db, enqueued.append))
    raw = numbered_asn(1)

    receipt = transport.hand_in(
        Inbound("demo-supplier", transport.name, raw, "application/edi-x12")
    )

    assert enqueued == []  # the transport acknowledges first, then enqueues
    with runtime.db.sessions() as session:
        stored = session.get(InboundMessage, receipt.message_id)
        assert stored is not None
        assert (stored.raw, stored.partner_id, stored.transport) == (
            raw,
            "demo-supplier",
            transport.name,
        )
    transport.inbox.enqueue(receipt)
    assert enqueued == [receipt.message_id]


def test_given_the_queue_is_down_then_the_enqueue_fails_quietly_and_the_sweep_finds_it(
    runtime: Runtime, transport_class: type[Transport]
) -> None:
    def broken(_message_id: str) -> None:
        raise ConnectionError("broker down")

    transport = transport_class(Inbox(runtime.db, broken))
    inbound = Inbound("demo-supplier", transport.name, numbered_asn(2), "application/edi-x12")
    receipt = transport.hand_in(inbound)

    transport.inbox.enqueue(receipt)  # logged, not raised: the partner was already answered

    assert receipt.message_id in sweep(runtime.db).message_ids


def test_given_a_resend_with_the_same_transport_id_then_it_is_a_duplicate(
    runtime: Runtime, transport_class: type[Transport]
) -> None:
    transport = transport_class(Inbox(runtime.db, lambda _id: None))
    first, second = (
        transport.hand_in(
            Inbound("demo-supplier", transport.name, numbered_asn(n), "text/plain", "m-1")
        )
        for n in (3, 4)
    )
    assert (first.status, second.status, second.duplicate_of) == (
        "received",
        "duplicate",
        first.message_id,
    )


def test_given_an_outbound_sent_twice_then_both_answers_agree(
    runtime: Runtime, transport_class: type[Transport]
) -> None:
    if transport_class.name == "as2":
        pytest.skip("AS2 sends to a real peer: tests/transports/as2/test_pyas2lib.py sends twice")
    transport = transport_class(Inbox(runtime.db, lambda _id: None))
    ack = Outbound("out_1", "demo-supplier", "997", b"ISA*...~", in_reply_to="msg_1")

    first, again = transport.send(ack), transport.send(ack)

    assert first == again
    assert first.status in ("sent", "held")
