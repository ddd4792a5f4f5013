"""What our CMS code writes, openssl reads (and the reverse for what openssl alone writes): every
cipher and key transport we encrypt with, every signature we make; limits on what we read."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.transports.as2.conftest import make_certificate
from tests.transports.as2.openssl_peer import GATEWAY_CRT, SUPPLIER_CRT, SUPPLIER_KEY, run
from transports.as2 import cms
from transports.as2.certificates import encrypt_key_file, load_key_pair

CONTENT = b"Content-Type: application/EDI-X12\r\n\r\nISA*00*...~\nIEA*1*000000001~\n"


def supplier() -> cms.KeyPair:
    key = serialization.load_pem_private_key(SUPPLIER_KEY.read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return cms.KeyPair(x509.load_pem_x509_certificate(SUPPLIER_CRT.read_bytes()), key)


@pytest.mark.parametrize("cipher", sorted(cms.CIPHERS))
@pytest.mark.parametrize("key_transport", cms.KEY_TRANSPORTS)
def test_given_our_encryption_then_openssl_decrypts_it(
    tmp_path: Path, cipher: str, key_transport: str
) -> None:
    pair = supplier()
    der = cms.encrypt(CONTENT, pair.certificate, cipher=cipher, key_transport=key_transport)
    (tmp_path / "m.der").write_bytes(der)

    out = run("openssl", "cms", "-decrypt", "-binary", "-inform", "DER", "-in", tmp_path / "m.der",
              "-recip", SUPPLIER_CRT, "-inkey", SUPPLIER_KEY)  # fmt: skip

    assert out == CONTENT
    assert cms.decrypt(der, [pair], allow_3des=True) == CONTENT


@pytest.mark.parametrize("digest", ["sha256", "sha384", "sha512"])
@pytest.mark.parametrize("pss", [False, True], ids=["pkcs1v15", "pss"])
@pytest.mark.parametrize("detached", [True, False], ids=["detached", "opaque"])
def test_given_our_signature_then_openssl_verifies_it(
    tmp_path: Path, digest: str, pss: bool, detached: bool
) -> None:
    der = cms.sign(CONTENT, supplier(), digest=digest, pss=pss, detached=detached)
    (tmp_path / "s.der").write_bytes(der)
    (tmp_path / "c").write_bytes(CONTENT)
    content = ["-content", tmp_path / "c"] if detached else []

    out = run("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", tmp_path / "s.der",
              *content, "-CAfile", SUPPLIER_CRT)  # fmt: skip

    assert out == CONTENT
    verified = cms.verify(der, CONTENT if detached else None, [supplier().certificate])
    assert (verified.content, verified.digest) == (CONTENT, digest)


def test_given_a_signature_without_signed_attributes_then_it_verifies(tmp_path: Path) -> None:
    (tmp_path / "c").write_bytes(CONTENT)
    run("openssl", "cms", "-sign", "-binary", "-noattr", "-md", "sha256", "-signer", SUPPLIER_CRT,
        "-inkey", SUPPLIER_KEY, "-in", tmp_path / "c", "-outform", "DER", "-out", tmp_path / "s")  # fmt: skip

    verified = cms.verify((tmp_path / "s").read_bytes(), CONTENT, [supplier().certificate])

    assert verified.digest == "sha256"
    with pytest.raises(cms.IntegrityCheckFailed):
        cms.verify((tmp_path / "s").read_bytes(), CONTENT + b"x", [supplier().certificate])


def test_given_a_bomb_then_inflating_stops_at_the_limit() -> None:
    der = cms.compress(b"\0" * 10_000_000)
    assert len(der) < 20_000

    with pytest.raises(cms.TooLarge):
        cms.decompress(der, 1_000_000)
    assert cms.decompress(cms.compress(CONTENT), 1_000_000) == CONTENT


def test_given_a_truncated_compressed_stream_then_refused() -> None:
    from asn1crypto import cms as asn1_cms

    data = zlib.compress(CONTENT * 100)[:-20]
    info = asn1_cms.ContentInfo(
        {
            "content_type": "compressed_data",
            "content": {
                "version": "v0",
                "compression_algorithm": {"algorithm": "zlib"},
                "encap_content_info": {"content_type": "data", "content": data},
            },
        }
    )
    with pytest.raises(cms.CmsError, match="truncated"):
        cms.decompress(info.dump(), 1_000_000)


def test_given_3des_when_not_allowed_then_decryption_failed() -> None:
    pair = supplier()
    der = cms.encrypt(CONTENT, pair.certificate, cipher="3des")

    with pytest.raises(cms.DecryptionFailed, match="tripledes"):
        cms.decrypt(der, [pair])


def test_given_our_key_at_rest_then_encrypted_and_unusable_without_the_secret(
    tmp_path: Path,
) -> None:
    crt, plain = make_certificate(tmp_path, "ours")
    encrypt_key_file(plain, tmp_path / "ours.secret.key", "s3cret")

    assert b"ENCRYPTED PRIVATE KEY" in (tmp_path / "ours.secret.key").read_bytes()
    assert load_key_pair(crt, tmp_path / "ours.secret.key", "s3cret").certificate.subject
    from gateway.errors import ConfigurationError

    for secret, words in (("", "GATEWAY_AS2_KEY_SECRET"), ("wrong", "ours.secret.key")):
        with pytest.raises(ConfigurationError, match=words):
            load_key_pair(crt, tmp_path / "ours.secret.key", secret)
    with pytest.raises(ConfigurationError, match="not encrypted at rest"):
        load_key_pair(crt, plain, "s3cret")


def test_given_the_demo_gateway_key_then_it_is_encrypted_with_the_demo_secret() -> None:
    pair = load_key_pair(GATEWAY_CRT, GATEWAY_CRT.with_suffix(".key"), "demo-as2-key-secret")
    assert "GATEWAYBUYER" in pair.certificate.subject.rfc4514_string()
