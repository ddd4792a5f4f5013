"""Compressed-data (RFC 3274, zlib): ``compress`` and ``decompress`` under a size limit."""

from __future__ import annotations

import zlib

from asn1crypto import cms

from transports.as2.cms.common import CmsError, TooLarge, load, reading


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
    with reading(CmsError, "compressed-data"):
        return _decompress(der, limit)


def _decompress(der: bytes, limit: int) -> bytes:
    compressed = load(der, ("compressed_data",), CmsError)
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
