"""Sender identity over SFTP: the matrix of ``tests/identity_matrix.py``, authenticated by the
demo partner's SFTP account (the real OpenSSH client uploading with its key). The account is the
authenticated sender: a file carrying another partner's ISA id is refused as over the API, after
the upload succeeded (the store has the bytes; the TA1/997 says what was wrong with them)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.erp.memory import MemoryErpConnector
from gateway.pipeline.inbox import Inbox
from gateway.store.models import InboundMessage
from tests.identity_matrix import (
    CASES,
    IDS,
    MATRIX_OUR_IDS,
    Case,
    Channel,
    check_case,
    matrix_partners,
)
from tests.transports.harness import DEMO_KEY, bearer, build_gateway, runtime_for, settings_for
from tests.transports.sftp.conftest import DEMO_KEY as DEMO_SFTP_KEY
from tests.transports.sftp.conftest import SftpGateway
from transports.sftp.hostkey import known_hosts_line, load_or_create
from transports.sftp.server import SftpServer
from transports.sftp.transport import SftpTransport


@pytest.fixture
def identity_sftp(tmp_path: Path) -> Iterator[SftpGateway]:
    partners = matrix_partners(tmp_path)
    runtime = runtime_for(settings_for(tmp_path, partners_dir=partners, our_ids=MATRIX_OUR_IDS))
    gateway = build_gateway(runtime)
    key = tmp_path / "demo_key"
    shutil.copy(DEMO_SFTP_KEY, key)
    key.chmod(0o600)
    transport = SftpTransport(
        Inbox(runtime.db, gateway.enqueue_process, partners), tmp_path / "sftp"
    )
    host_key = load_or_create(tmp_path / "host_key")
    server = SftpServer(transport, host_key, port=0).start()
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(known_hosts_line(host_key, "127.0.0.1", server.port) + "\n")
    (tmp_path / "work").mkdir()
    try:
        yield SftpGateway(
            gateway,
            transport,
            server,
            tmp_path / "sftp",
            tmp_path / "work",
            {"demo-supplier": key},
            known_hosts,
        )
    finally:
        server.stop()
        runtime.close()


@pytest.fixture
def channel(identity_sftp: SftpGateway) -> Iterator[Channel]:
    client = TestClient(identity_sftp.gateway.app)
    db = identity_sftp.gateway.runtime.db

    def send(raw: bytes) -> dict[str, Any]:
        name = f"case-{len(channel_sent)}.edi"
        channel_sent.append(name)
        (identity_sftp.work / name).write_bytes(raw)
        result = identity_sftp.sftp(
            f"put {name} inbound/{name}.part\nrename inbound/{name}.part inbound/{name}\n"
        )
        assert result.returncode == 0, result.stderr
        with db.sessions() as session:
            [message_id] = session.scalars(
                select(InboundMessage.id).where(
                    InboundMessage.transport_message_id.startswith(f"{name}#")
                )
            )
        answer = client.get(f"/v1/receipts/{message_id}", headers=bearer(DEMO_KEY))
        assert answer.status_code == 200, answer.text
        receipt: dict[str, Any] = answer.json()
        return receipt

    def stored(receipt_id: str) -> bytes | None:
        message = identity_sftp.gateway.message(receipt_id)
        return message.raw if message is not None else None

    def delivered() -> dict[str, Any]:
        connector = identity_sftp.gateway.runtime.connector
        assert isinstance(connector, MemoryErpConnector)
        return dict(connector.events)

    channel_sent: list[str] = []
    with client:
        yield Channel(send, stored, delivered)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_given_an_envelope_when_uploaded_over_sftp_as_the_demo_partner_then_the_identity_rule_decides(
    case: Case, channel: Channel
) -> None:
    check_case(case, channel, n=CASES.index(case) + 1)
