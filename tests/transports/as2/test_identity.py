"""Sender identity over AS2: the matrix of ``tests/identity_matrix.py``, authenticated by the demo
partner's AS2 certificate (signed and encrypted by openssl, posted by curl). The AS2-From partner
is the authenticated sender: a file carrying another partner's ISA id is refused like over the
API, after a positive MDN (the MDN says the bytes were received, the TA1/997 what was in them).
Each case gets a fresh gateway (the 5010 cases share one interchange number)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.erp.memory import MemoryErpConnector
from tests.identity_matrix import (
    CASES,
    IDS,
    MATRIX_OUR_IDS,
    Case,
    Channel,
    check_case,
    matrix_partners,
)
from tests.transports.as2.conftest import SECRET, AS2Gateway
from tests.transports.as2.openssl_peer import build, read_mdn
from tests.transports.harness import (
    DEMO_KEY,
    ServerThread,
    bearer,
    build_gateway,
    runtime_for,
    settings_for,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def identity_as2(tmp_path: Path) -> Iterator[AS2Gateway]:
    root = tmp_path
    partners = matrix_partners(root)
    shutil.copytree(ROOT / "samples" / "as2", root / "samples" / "as2")
    settings = settings_for(
        root, partners_dir=partners, our_ids=MATRIX_OUR_IDS, as2_key_secret=SECRET
    )
    runtime = runtime_for(settings)
    gateway = build_gateway(runtime)
    (root / "work").mkdir()
    try:
        with ServerThread(gateway.app) as server:
            yield AS2Gateway(gateway, server.url, root / "work")
    finally:
        runtime.close()


@pytest.fixture
def channel(identity_as2: AS2Gateway) -> Channel:
    def send(raw: bytes) -> dict[str, Any]:
        work = identity_as2.workdir()
        message = build(raw, work)
        reply = identity_as2.post(message, work)
        assert read_mdn(reply, work).disposition.endswith("; processed")
        [stored] = identity_as2.by_as2_id(message.message_id)
        answer = httpx.get(f"{identity_as2.url}/v1/receipts/{stored.id}", headers=bearer(DEMO_KEY))
        assert answer.status_code == 200, answer.text
        receipt: dict[str, Any] = answer.json()
        return receipt

    def stored(receipt_id: str) -> bytes | None:
        message = identity_as2.gateway.message(receipt_id)
        return message.raw if message is not None else None

    def delivered() -> dict[str, Any]:
        connector = identity_as2.gateway.runtime.connector
        assert isinstance(connector, MemoryErpConnector)
        return dict(connector.events)

    return Channel(send, stored, delivered)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_given_an_envelope_when_sent_over_as2_as_the_demo_partner_then_the_identity_rule_decides(
    case: Case, channel: Channel
) -> None:
    check_case(case, channel, n=CASES.index(case) + 1)
