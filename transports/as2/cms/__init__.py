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

from transports.as2.cms.common import (
    CIPHERS,
    DIGESTS,
    KEY_TRANSPORTS,
    AuthenticationFailed,
    CmsError,
    DecryptionFailed,
    IntegrityCheckFailed,
    KeyPair,
    TooLarge,
    Verified,
    content_type_of,
    digest_of,
)
from transports.as2.cms.compressed import compress, decompress
from transports.as2.cms.enveloped import decrypt, encrypt
from transports.as2.cms.signed import sign, verify

__all__ = [
    "CIPHERS",
    "DIGESTS",
    "KEY_TRANSPORTS",
    "AuthenticationFailed",
    "CmsError",
    "DecryptionFailed",
    "IntegrityCheckFailed",
    "KeyPair",
    "TooLarge",
    "Verified",
    "compress",
    "content_type_of",
    "decompress",
    "decrypt",
    "digest_of",
    "encrypt",
    "sign",
    "verify",
]
