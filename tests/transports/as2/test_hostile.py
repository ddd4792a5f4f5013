"""Mangled AS2 bodies (bytes flipped, cut, repeated at random, seeded) never take the endpoint
down: every one is answered with an MDN whose disposition is ``processed`` or one of ours."""

from __future__ import annotations

import logging
import random

import pytest
from cryptography import x509

from tests.support.documents import numbered_asn
from tests.transports.as2.conftest import AS2Gateway
from tests.transports.as2.openssl_peer import GATEWAY_CRT, Built, build
from transports.as2.mdn import ERRORS, read_mdn
from transports.as2.receiver import Request
from transports.as2.transport import AS2Transport


def mangle(body: bytes, rng: random.Random) -> bytes:
    data = bytearray(body)
    how = rng.choice(("flip", "cut", "repeat"))
    at = rng.randrange(len(data))
    if how == "flip":
        for i in range(rng.randint(1, 4)):
            data[(at + i * 37) % len(data)] ^= 1 << rng.randrange(8)
        return bytes(data)
    if how == "cut":
        return bytes(data[:at] + data[at + rng.randint(1, 64) :])
    return bytes(data[:at] + data[at : at + 32] * 2 + data[at + 32 :])


def test_given_mangled_bodies_then_every_one_gets_an_mdn(
    as2_gateway: AS2Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    transport: AS2Transport = as2_gateway.gateway.app.state.as2_transport
    rng = random.Random(4130)
    shapes = [Built(), Built(compress=True), Built(opaque=True), Built(cipher="-aes-256-gcm")]
    seen: set[str] = set()
    ours = [x509.load_pem_x509_certificate(GATEWAY_CRT.read_bytes())]
    for n, options in enumerate(shapes):
        message = build(numbered_asn(5000 + n), as2_gateway.workdir(), options)
        for k in range(40):
            headers = {**message.headers, "Message-ID": f"<mangled-{n}-{k}@test>"}
            answer = transport.receive(Request(list(headers.items()), mangle(message.body, rng)))

            assert answer.status == 200, answer.body
            mdn = read_mdn(list(answer.headers.items()), answer.body, ours, require_signed=True)
            assert mdn.processed or mdn.error in ERRORS, mdn.disposition
            seen.add(mdn.error or "processed")
    assert {"decryption-failed", "integrity-check-failed"} <= seen, seen
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no unforeseen error"
