"""CMS (RFC 5652) as AS2 uses it: sign, verify, encrypt, decrypt, compress, decompress.

Structures are read and built with asn1crypto; every cryptographic operation is
``cryptography``'s. What is supported, and why no more:

* **Signatures**: RSA PKCS#1 v1.5 and RSASSA-PSS, SHA-224/256/384/512 (SHA-1 only when the caller
  allows it), detached (``multipart/signed``) or opaque (the content inside), with or without
  signed attributes; the signer is matched by issuer and serial number or by key identifier.
* **Encryption**: enveloped-data with AES-128/192/256-CBC (3DES only when allowed), and
  authenticated-enveloped-data with AES-GCM (RFC 5083/5084); RSA PKCS#1 v1.5 or RSA-OAEP key
  transport. Key agreement and password recipients are not used by AS2 peers.
* **Compression**: compressed-data with zlib (RFC 3274), inflated under a size limit.

Errors say which AS2 disposition they mean (``disposition``): ``decryption-failed``,
``integrity-check-failed`` or ``authentication-failed``.
"""

from __future__ import annotations

import hmac
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import Encoding

from gateway.errors import DocumentError


class CmsError(DocumentError):
    """A CMS structure that cannot be opened or trusted; ``disposition`` is the AS2 error."""

    code = "as2.cms"
    disposition = "unexpected-processing-error"


class DecryptionFailed(CmsError):
    code = "as2.decryption_failed"
    disposition = "decryption-failed"


class IntegrityCheckFailed(CmsError):
    code = "as2.integrity_check_failed"
    disposition = "integrity-check-failed"


class AuthenticationFailed(CmsError):
    code = "as2.authentication_failed"
    disposition = "authentication-failed"


class TooLarge(CmsError):
    code = "as2.decompressed_too_large"
    disposition = "decompression-failed"


DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
CIPHERS = {  # our name -> (asn1crypto name, key bytes)
    "aes128-cbc": ("aes128_cbc", 16),
    "aes192-cbc": ("aes192_cbc", 24),
    "aes256-cbc": ("aes256_cbc", 32),
    "aes128-gcm": ("aes128_gcm", 16),
    "aes192-gcm": ("aes192_gcm", 24),
    "aes256-gcm": ("aes256_gcm", 32),
    "3des": ("tripledes_3key", 24),
}
KEY_TRANSPORTS = ("rsa-v1.5", "rsa-oaep")


class GCMParameters(core.Sequence):  # type: ignore[misc]
    """RFC 5084: the nonce and the tag length of AES-GCM."""

    _fields = [
        ("aes_nonce", core.OctetString),
        ("aes_icvlen", core.Integer, {"default": 12}),
    ]


@dataclass(frozen=True, slots=True)
class KeyPair:
    """One of our certificates and its private key."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey


@dataclass(frozen=True, slots=True)
class Verified:
    content: bytes
    """The signed content (for a detached signature, what the caller passed)."""
    digest: str
    """The signer's digest algorithm (``sha256``)."""
    signer: x509.Certificate


def content_type_of(der: bytes) -> str:
    """``signed_data``, ``enveloped_data``, ``authenticated_enveloped_data``, ``compressed_data``."""
    try:
        info = cms.ContentInfo.load(der)
        return str(info["content_type"].native)
    except (ValueError, TypeError) as exc:
        raise CmsError(f"not a CMS structure: {exc}") from exc


def _load(der: bytes, expected: tuple[str, ...], error: type[CmsError]) -> Any:
    try:
        info = cms.ContentInfo.load(der)
        kind = info["content_type"].native
        if kind not in expected:
            raise error(f"expected CMS {' or '.join(expected)}, got {kind}")
        content = info["content"]
        content.native  # parse everything now: a truncated structure fails here  # noqa: B018
        return content
    except CmsError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise error(f"unreadable CMS {expected[0]}: {exc}") from exc


def _asn1_cert(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


def _identifies(identifier: Any, certificate: x509.Certificate) -> bool:
    """A SignerIdentifier or RecipientIdentifier names this certificate."""
    cert = _asn1_cert(certificate)
    if identifier.name == "issuer_and_serial_number":
        chosen = identifier.chosen
        return bool(
            chosen["serial_number"].native == cert.serial_number and chosen["issuer"] == cert.issuer
        )
    return bool(identifier.chosen.native == cert.key_identifier)


def digest_of(name: str, data: bytes) -> bytes:
    h = hashes.Hash(DIGESTS[name]())
    h.update(data)
    return h.finalize()


# --- signatures -------------------------------------------------------------------------------


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
            {"type": "signing_time", "values": [cms.Time(name="utc_time", value=_now())]}
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
    cert = _asn1_cert(signer.certificate)
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
            "certificates": [cert],
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
    signed_data = _load(der, ("signed_data",), IntegrityCheckFailed)
    encapsulated = signed_data["encap_content_info"]["content"].native
    data = content if content is not None else encapsulated
    if data is None:
        raise IntegrityCheckFailed("a detached signature without the content it signs")
    signer_infos = list(signed_data["signer_infos"])
    if not signer_infos:
        raise AuthenticationFailed("the signed-data has no signer")
    when = at or _now()
    problems: list[str] = []
    for signer_info in signer_infos:
        matching = [c for c in certificates if _identifies(signer_info["sid"], c)]
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


# --- encryption -------------------------------------------------------------------------------


def encrypt(
    content: bytes,
    recipient: x509.Certificate,
    *,
    cipher: str = "aes256-cbc",
    key_transport: str = "rsa-v1.5",
) -> bytes:
    """A DER ContentInfo: enveloped-data (CBC, 3DES) or authenticated-enveloped-data (GCM)."""
    name, size = CIPHERS[cipher]
    cek = os.urandom(size)
    public_key = recipient.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    if key_transport == "rsa-oaep":
        oaep = rsa_padding.OAEP(rsa_padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)
        encrypted_key = public_key.encrypt(cek, oaep)
        key_algorithm = cms.KeyEncryptionAlgorithm(
            {
                "algorithm": "rsaes_oaep",
                "parameters": algos.RSAESOAEPParams(
                    {
                        "hash_algorithm": {"algorithm": "sha256"},
                        "mask_gen_algorithm": {
                            "algorithm": "mgf1",
                            "parameters": {"algorithm": "sha256"},
                        },
                    }
                ),
            }
        )
    else:
        encrypted_key = public_key.encrypt(cek, rsa_padding.PKCS1v15())
        key_algorithm = cms.KeyEncryptionAlgorithm({"algorithm": "rsaes_pkcs1v15"})
    cert = _asn1_cert(recipient)
    recipient_info = cms.RecipientInfo(
        name="ktri",
        value={
            "version": "v0",
            "rid": cms.RecipientIdentifier(
                name="issuer_and_serial_number",
                value={"issuer": cert.issuer, "serial_number": cert.serial_number},
            ),
            "key_encryption_algorithm": key_algorithm,
            "encrypted_key": encrypted_key,
        },
    )
    if cipher.endswith("-gcm"):
        nonce = os.urandom(12)
        encryptor = Cipher(algorithms.AES(cek), modes.GCM(nonce)).encryptor()
        ciphertext = encryptor.update(content) + encryptor.finalize()
        algorithm = {
            "algorithm": name,
            "parameters": GCMParameters({"aes_nonce": nonce, "aes_icvlen": 16}),
        }
        auth_enveloped = cms.AuthEnvelopedData(
            {
                "version": "v0",
                "recipient_infos": [recipient_info],
                "auth_encrypted_content_info": {
                    "content_type": "data",
                    "content_encryption_algorithm": algorithm,
                    "encrypted_content": ciphertext,
                },
                "mac": encryptor.tag,
            }
        )
        info = {"content_type": "authenticated_enveloped_data", "content": auth_enveloped}
        return bytes(cms.ContentInfo(info).dump())
    iv = os.urandom(8 if cipher == "3des" else 16)
    ciphertext = _cbc(cipher, cek, iv, content, encrypt=True)
    enveloped = cms.EnvelopedData(
        {
            "version": "v0",
            "recipient_infos": [recipient_info],
            "encrypted_content_info": {
                "content_type": "data",
                "content_encryption_algorithm": {"algorithm": name, "parameters": iv},
                "encrypted_content": ciphertext,
            },
        }
    )
    return bytes(cms.ContentInfo({"content_type": "enveloped_data", "content": enveloped}).dump())


def _cbc(cipher: str, key: bytes, iv: bytes, data: bytes, *, encrypt: bool) -> bytes:
    block: Any = TripleDES(key) if cipher == "3des" else algorithms.AES(key)
    engine = Cipher(block, modes.CBC(iv))
    if encrypt:
        padder = padding.PKCS7(block.block_size).padder()
        padded = padder.update(data) + padder.finalize()
        encryptor = engine.encryptor()
        return encryptor.update(padded) + encryptor.finalize()
    decryptor = engine.decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(block.block_size).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def decrypt(der: bytes, keys: Sequence[KeyPair], *, allow_3des: bool = False) -> bytes:
    """The content of enveloped-data or authenticated-enveloped-data addressed to one of
    ``keys`` (during a rollover, any of our valid key pairs); ``DecryptionFailed`` otherwise."""
    kind = content_type_of(der)
    envelope = _load(der, ("enveloped_data", "authenticated_enveloped_data"), DecryptionFailed)
    cek = _content_key(envelope["recipient_infos"], keys)
    if kind == "authenticated_enveloped_data":
        return _open_gcm(envelope, cek)
    info = envelope["encrypted_content_info"]
    name = info["content_encryption_algorithm"]["algorithm"].native
    ours = {v[0]: k for k, v in CIPHERS.items() if not k.endswith("-gcm")}
    if name not in ours or (ours[name] == "3des" and not allow_3des):
        raise DecryptionFailed(f"content encryption {name} is not accepted")
    iv = info["content_encryption_algorithm"]["parameters"].native
    ciphertext = info["encrypted_content"].native or b""
    try:
        return _cbc(ours[name], cek, iv, ciphertext, encrypt=False)
    except ValueError as exc:  # bad padding, wrong key or IV size
        raise DecryptionFailed(f"the content does not decrypt: {exc}") from exc


def _content_key(recipient_infos: Any, keys: Sequence[KeyPair]) -> bytes:
    addressed = False
    for recipient_info in recipient_infos:
        if recipient_info.name != "ktri":
            continue
        ktri = recipient_info.chosen
        for pair in keys:
            if not _identifies(ktri["rid"], pair.certificate):
                continue
            addressed = True
            algorithm = ktri["key_encryption_algorithm"]
            try:
                return pair.key.decrypt(ktri["encrypted_key"].native, _key_padding(algorithm))
            except ValueError:
                continue
    if not addressed:
        raise DecryptionFailed("not encrypted for any of our certificates for this partner")
    raise DecryptionFailed("the content key does not decrypt with our key")


def _key_padding(algorithm: Any) -> rsa_padding.AsymmetricPadding:
    name = algorithm["algorithm"].native
    if name == "rsaes_pkcs1v15":
        return rsa_padding.PKCS1v15()
    if name == "rsaes_oaep":
        params = algorithm["parameters"]
        hash_name = params["hash_algorithm"]["algorithm"].native
        mgf_hash = params["mask_gen_algorithm"]["parameters"]["algorithm"].native
        return rsa_padding.OAEP(rsa_padding.MGF1(DIGESTS[mgf_hash]()), DIGESTS[hash_name](), None)
    raise DecryptionFailed(f"key transport {name} is not supported")


def _open_gcm(envelope: Any, cek: bytes) -> bytes:
    info = envelope["auth_encrypted_content_info"]
    algorithm = info["content_encryption_algorithm"]
    if algorithm["algorithm"].native not in ("aes128_gcm", "aes192_gcm", "aes256_gcm"):
        raise DecryptionFailed(f"authenticated encryption {algorithm['algorithm'].native}")
    params = GCMParameters.load(algorithm["parameters"].dump())
    tag = envelope["mac"].native
    auth_attrs = envelope["auth_attrs"]
    aad = b"\x31" + auth_attrs.dump()[1:] if auth_attrs.native is not None else b""
    ciphertext = info["encrypted_content"].native or b""
    try:
        mode = modes.GCM(params["aes_nonce"].native, tag, min_tag_length=len(tag))
        decryptor = Cipher(algorithms.AES(cek), mode).decryptor()
        if aad:
            decryptor.authenticate_additional_data(aad)
        return decryptor.update(ciphertext) + decryptor.finalize()
    except (InvalidTag, ValueError) as exc:
        raise DecryptionFailed(f"AES-GCM content does not authenticate: {exc!r}") from exc


# --- compression ------------------------------------------------------------------------------


def compress(content: bytes) -> bytes:
    compressed = cms.CompressedData(
        {
            "version": "v0",
            "compression_algorithm": {"algorithm": "zlib"},
            "encap_content_info": {"content_type": "data", "content": zlib.compress(content)},
        }
    )
    return bytes(cms.ContentInfo({"content_type": "compressed_data", "content": compressed}).dump())


def decompress(der: bytes, limit: int) -> bytes:
    """Inflate at most ``limit`` bytes: a bomb is refused (``TooLarge``) after ``limit + 1``."""
    compressed = _load(der, ("compressed_data",), CmsError)
    if compressed["compression_algorithm"]["algorithm"].native != "zlib":
        raise CmsError("compression other than zlib")
    data = compressed["encap_content_info"]["content"].native or b""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise CmsError(f"the compressed content does not inflate: {exc}") from exc
    if len(out) > limit:
        raise TooLarge(f"the content inflates to more than {limit} bytes")
    if not inflater.eof:
        raise CmsError("the compressed content is truncated")
    return out


def _now() -> datetime:
    return datetime.now(UTC)
