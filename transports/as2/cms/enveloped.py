"""Enveloped-data (AES-CBC, 3DES) and authenticated-enveloped-data (AES-GCM, RFC 5083/5084),
RSA PKCS#1 v1.5 or OAEP key transport: ``encrypt`` (what we send) and ``decrypt`` (theirs)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from asn1crypto import algos, cms
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from transports.as2.cms.common import (
    CIPHERS,
    DIGESTS,
    DecryptionFailed,
    GCMParameters,
    KeyPair,
    asn1_cert,
    content_type_of,
    identifies,
    load,
    reading,
)


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
    cert = asn1_cert(recipient)
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
    with reading(DecryptionFailed, "enveloped-data"):
        return _decrypt(der, keys, allow_3des=allow_3des)


def _decrypt(der: bytes, keys: Sequence[KeyPair], *, allow_3des: bool = False) -> bytes:
    kind = content_type_of(der)
    envelope = load(der, ("enveloped_data", "authenticated_enveloped_data"), DecryptionFailed)
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
            if not identifies(ktri["rid"], pair.certificate):
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
