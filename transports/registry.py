"""``TRANSPORTS``: a transport's name (as profiles and stored messages say it) -> its class."""

from __future__ import annotations

from transports.base import Transport
from transports.http.transport import HttpTransport
from transports.memory import MemoryTransport

TRANSPORTS: dict[str, type[Transport]] = {
    HttpTransport.name: HttpTransport,
    MemoryTransport.name: MemoryTransport,
}
