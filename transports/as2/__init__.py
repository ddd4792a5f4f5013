"""AS2 (RFC 4130): ``POST /as2`` on the API's port, and ``AS2Transport.send`` for what we send.

Modules, one concern each: ``mime`` (entities byte for byte), ``cms`` (sign, verify, encrypt,
decrypt, compress), ``mdn`` (build, read), ``certificates`` (files, validity windows, our keys
encrypted at rest), ``directory`` (AS2 names -> partners), ``inbound`` (opening a message),
``receiver`` (one request -> stored -> MDN), ``sender`` (pack, post, check the MDN),
``async_mdn`` (our async MDNs as outbox items, and one POST of one), ``transport`` (the seam), ``ops``
(``GET /ops/certs``).
"""
