"""Signed-data: ``sign`` (what we send, our MDNs) and ``verify`` (theirs)."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from asn1crypto import algos, cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding

from transports.as2.cms.common import (
    DIGESTS,
    AuthenticationFailed,
    IntegrityCheckFailed,
    KeyPair,
    Verified,
    asn1_cert,
    digest_of,
    identifies,
    load,
    now,
    reading,
)

DER = Encoding.DER


def sign(
    content: bytes,
    signer: KeyPair,
    *,
    digest: str = "sha256",
    detached: bool = True,
    pss: bool = False,
) -> bytes:
    """A DER ContentInfo with SignedData over ``content`` (signed attributes, our certificate)."""
    digest_algorithm = algos.DigestAlgorithm({"algorithm": digest})
    attrs = [
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute(
            {"type": "signing_time", "values": [cms.Time(name="utc_time", value=now())]}
        ),
        cms.CMSAttribute({"type": "message_digest", "values": [digest_of(digest, content)]}),
    ]
    attrs.sort(key=lambda a: a.dump())  # DER: a SET OF is sorted by encoding
    signed_attrs = cms.CMSAttributes(attrs)
    hash_algorithm = DIGESTS[digest]()
    if pss:
        salt = hash_algorithm.digest_size
        signature = signer.key.sign(
            signed_attrs.dump(),
            rsa_padding.PSS(rsa_padding.MGF1(hash_algorithm), salt),
            hash_algorithm,
        )
        signature_algorithm = algos.SignedDigestAlgorithm(
            {
                "algorithm": "rsassa_pss",
                "parameters": algos.RSASSAPSSParams(
                    {
                        "hash_algorithm": {"algorithm": digest},
                        "mask_gen_algorithm": {
                            "algorithm": "mgf1",
                            "parameters": {"algorithm": digest},
                        },
                        "salt_length": salt,
                    }
                ),
            }
        )
    else:
        signature = signer.key.sign(signed_attrs.dump(), rsa_padding.PKCS1v15(), hash_algorithm)
        signature_algorithm = algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"})
    cert = asn1_cert(signer.certificate)
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value={"issuer": cert.issuer, "serial_number": cert.serial_number},
            ),
            "digest_algorithm": digest_algorithm,
            "signed_attrs": signed_attrs,
            "signature_algorithm": signature_algorithm,
            "signature": signature,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [digest_algorithm],
            "encap_content_info": {
                "content_type": "data",
                "content": None if detached else content,
            },
            # a fresh copy: asn1crypto dumps it as loaded, where the shared parsed one would be
            # re-encoded field by field (milliseconds per MDN)
            "certificates": [asn1_x509.Certificate.load(signer.certificate.public_bytes(DER))],
            "signer_infos": [signer_info],
        }
    )
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())


def verify(
    der: bytes,
    content: bytes | None,
    certificates: Sequence[x509.Certificate],
    *,
    allow_sha1: bool = False,
    at: datetime | None = None,
) -> Verified:
    """Check the signature over ``content`` (detached) or the encapsulated content (opaque).

    The signer must be one of ``certificates`` (the partner's) and valid at ``at`` (now):
    ``AuthenticationFailed`` otherwise. A digest or signature that does not match the content:
    ``IntegrityCheckFailed``."""
    with reading(IntegrityCheckFailed, "signed-data"):
        return _verify(der, content, certificates=certificates, allow_sha1=allow_sha1, at=at)


def _verify(
    der: bytes,
    content: bytes | None,
    certificates: Sequence[x509.Certificate],
    *,
    allow_sha1: bool = False,
    at: datetime | None = None,
) -> Verified:
    signed_data = load(der, ("signed_data",), IntegrityCheckFailed)
    encapsulated = signed_data["encap_content_info"]["content"].native
    data = content if content is not None else encapsulated
    if data is None:
        raise IntegrityCheckFailed("a detached signature without the content it signs")
    signer_infos = list(signed_data["signer_infos"])
    if not signer_infos:
        raise AuthenticationFailed("the signed-data has no signer")
    when = at or now()
    problems: list[str] = []
    for signer_info in signer_infos:
        matching = [c for c in certificates if identifies(signer_info["sid"], c)]
        if not matching:
            problems.append("signed with a certificate that is not one of this partner's")
            continue
        for certificate in matching:
            if not certificate.not_valid_before_utc <= when <= certificate.not_valid_after_utc:
                problems.append(
                    f"signed with certificate {certificate.serial_number:x}, valid "
                    f"{certificate.not_valid_before_utc:%Y-%m-%d} to "
                    f"{certificate.not_valid_after_utc:%Y-%m-%d}, not now"
                )
                continue
            digest = _check_signer(signer_info, data, certificate, allow_sha1)
            return Verified(bytes(data), digest, certificate)
    raise AuthenticationFailed("; ".join(dict.fromkeys(problems)))


def _check_signer(
    signer_info: Any, data: bytes, certificate: x509.Certificate, allow_sha1: bool
) -> str:
    digest = str(signer_info["digest_algorithm"]["algorithm"].native)
    if digest not in DIGESTS or (digest == "sha1" and not allow_sha1):
        raise IntegrityCheckFailed(f"digest algorithm {digest} is not accepted")
    computed = digest_of(digest, data)
    signed_attrs = signer_info["signed_attrs"]
    if signed_attrs.native is not None and len(signed_attrs):
        found = [a for a in signed_attrs if a["type"].native == "message_digest"]
        if len(found) != 1 or not hmac.compare_digest(found[0]["values"][0].native, computed):
            raise IntegrityCheckFailed("the content does not match its signed digest")
        signed = b"\x31" + signed_attrs.dump()[1:]  # the SET OF, not the [0] tag, is signed
    else:
        signed = data
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise AuthenticationFailed("only RSA signer certificates are supported")
    algorithm = signer_info["signature_algorithm"]
    try:
        scheme = algorithm.signature_algo
        if scheme == "rsassa_pss":
            params = algorithm["parameters"]
            hash_name = params["hash_algorithm"]["algorithm"].native
            mgf_hash = params["mask_gen_algorithm"]["parameters"]["algorithm"].native
            if hash_name not in DIGESTS or (hash_name == "sha1" and not allow_sha1):
                raise IntegrityCheckFailed(f"PSS with {hash_name} is not accepted")
            pad: rsa_padding.AsymmetricPadding = rsa_padding.PSS(
                rsa_padding.MGF1(DIGESTS[mgf_hash]()), params["salt_length"].native
            )
            hash_algorithm: hashes.HashAlgorithm = DIGESTS[hash_name]()
        elif scheme == "rsassa_pkcs1v15":
            pad, hash_algorithm = rsa_padding.PKCS1v15(), DIGESTS[digest]()
        else:
            raise IntegrityCheckFailed(f"signature algorithm {scheme} is not supported")
        public_key.verify(signer_info["signature"].native, signed, pad, hash_algorithm)
    except InvalidSignature:
        raise IntegrityCheckFailed("the signature does not verify") from None
    except (ValueError, KeyError) as exc:
        raise IntegrityCheckFailed(f"unusable signature algorithm: {exc}") from exc
    return digest
