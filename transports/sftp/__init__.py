"""SFTP: mailboxes on our own server (``hosted``) and, for suppliers who run their own, a poller.

Modules, one concern each: ``mailbox`` (a partner's folders, every client path checked),
``accounts`` (user names -> partners, keys and scrypt password hashes), ``hostkey`` (our
Ed25519 host key), ``login`` (authentication and channel policy), ``session`` (what each SFTP
request may do, and when an upload becomes a document), ``server`` (the listener),
``transport`` (the seam: ``commit``, ``recover``, ``send`` into ``outbound/``), ``activity``
(the ``sftp_accounts`` counters) and ``ops`` (``GET /ops/sftp/accounts``).
"""

from __future__ import annotations

from fastapi import FastAPI

from transports.sftp import ops
from transports.sftp.transport import SftpTransport


def install(app: FastAPI) -> None:
    """The operator routes (the server itself runs beside the API: ``gateway run``)."""
    app.include_router(ops.router)


__all__ = ["SftpTransport", "install"]
