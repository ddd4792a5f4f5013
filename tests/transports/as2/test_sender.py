"""``AS2Transport.send`` without a peer: what it packs, and what its failures mean."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from gateway.errors import FatalDeliveryError, RetriableDeliveryError
from gateway.pipeline.inbox import Inbox
from tests.transports.as2.conftest import SECRET, as2_home
from tests.transports.as2.peers_harness import free_port
from transports.as2 import cms
from transports.as2.mime import ContentType, parse_entity, split_multipart
from transports.as2.sender import pack
from transports.as2.transport import AS2Transport
from transports.base import Outbound

PAYLOAD = b"ISA*00*...~\nIEA*1*000000001~\n"


def transport(tmp_path: Path, **as2: object) -> AS2Transport:
    partners = as2_home(tmp_path, **as2)
    return AS2Transport(Inbox(None, lambda _id: None, partners), key_secret=SECRET)  # type: ignore[arg-type]


def test_given_nobody_listening_then_a_retriable_error(tmp_path: Path) -> None:
    sender = transport(tmp_path, url=f"http://127.0.0.1:{free_port()}/as2")

    with pytest.raises(RetriableDeliveryError, match="AS2 to"):
        sender.send(Outbound("out_1", "demo-supplier", "997", PAYLOAD))


def test_given_no_url_then_a_fatal_error(tmp_path: Path) -> None:
    with pytest.raises(FatalDeliveryError, match=r"no as2\.url"):
        transport(tmp_path).send(Outbound("out_1", "demo-supplier", "997", PAYLOAD))


def test_given_a_profile_then_packed_compressed_signed_and_encrypted_to_the_newest_cert(
    tmp_path: Path,
) -> None:
    sender = transport(tmp_path, compress=True, encrypt="aes128-gcm", key_transport="rsa-oaep")
    partner = sender.directory.partner("demo-supplier")
    packed = pack(partner, PAYLOAD, "application/edi-x12", message_id="<m@x>", filename="a.edi")

    assert packed.headers["Content-Type"].startswith(
        "application/pkcs7-mime; smime-type=authenticated-enveloped-data"
    )
    newest = partner.encryption_certificate()
    assert "next" in newest.subject.rfc4514_string()  # the rollover certificate, valid longest
    folder = tmp_path / "samples" / "as2"
    private = serialization.load_pem_private_key((folder / "next.key").read_bytes(), None)
    signed = cms.decrypt(packed.body, [cms.KeyPair(newest, private)])  # type: ignore[arg-type]
    entity = parse_entity(signed)
    first, _ = split_multipart(entity.body, entity.content_type.param("boundary") or "")
    assert ContentType.parse(parse_entity(first).header("content-type")).param("smime-type") == (
        "compressed-data"
    )
    assert packed.mic == packed.mic.over(first, "sha256")
