"""``MemoryTransport``: the in-memory stub of the seam, for tests of the pipeline and the outbox."""

from __future__ import annotations

from gateway.pipeline.inbox import Inbound, Inbox
from gateway.pipeline.receive import Receipt
from transports.base import Outbound, Sent, Transport


class MemoryTransport(Transport):
    name = "memory"

    def __init__(self, inbox: Inbox) -> None:
        super().__init__(inbox)
        self.sent: dict[str, Outbound] = {}
        self.waiting: list[Inbound] = []
        """What a test put "on the partner's side" for ``poll`` to fetch."""

    def send(self, outbound: Outbound) -> Sent:
        self.sent[outbound.id] = outbound  # by id: sending twice keeps one
        return Sent("sent")

    def poll(self) -> int:
        fetched, self.waiting = self.waiting, []
        receipts: list[Receipt] = []
        for inbound in fetched:
            receipts.append(self.hand_in(inbound))
            self.inbox.enqueue(receipts[-1])
        return len(receipts)
