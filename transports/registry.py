"""``TRANSPORTS``: a transport's name (as profiles and stored messages say it) -> its class."""

from __future__ import annotations

from transports.as2.transport import AS2Transport
from transports.base import Transport
from transports.http.transport import HttpTransport
from transports.memory import MemoryTransport
from transports.sftp.transport import SftpTransport

TRANSPORTS: dict[str, type[Transport]] = {
    AS2Transport.name: AS2Transport,
    HttpTransport.name: HttpTransport,
    MemoryTransport.name: MemoryTransport,
    SftpTransport.name: SftpTransport,
}
