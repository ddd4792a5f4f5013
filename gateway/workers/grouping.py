"""``EnqueueGroups``: the API's ``process`` enqueues, one queue message per group of ids.

Why: recording many messages in one transaction costs little more than recording one (a few
statements for the whole batch), and a queue entry per message costs a broker round trip in the
API, a fetch, an ack and Dramatiq's middleware in the worker, and the broker's own work. So the
API sends the ids that arrive close together as one ``process_messages`` entry, and a worker
records that group as one batch (``pipeline.process.process_group``). Workers that took
different groups never wait for each other, unlike batches that gather any waiting message.

How: ``add`` never waits for the broker. A sender thread sends what has gathered, at most one
message every ``interval_s`` and at most ``max_ids`` ids per message; an id that arrives after a
quiet spell goes at once, so a lone document waits for nothing, and under load an id waits at
most ``interval_s``. ``close`` sends whatever is left.

Losing nothing: ``add`` is called after the commit, like the enqueue it replaces. Ids still
waiting here when the process dies, or in a group the broker refused, are stored as ``received``;
the sweep re-enqueues them (``workers.run``), as it does for any enqueue that failed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("gateway.workers")


class EnqueueGroups:
    def __init__(
        self,
        send: Callable[[list[str]], None],
        *,
        interval_s: float,
        max_ids: int,
        name: str = "enqueue-groups",
    ) -> None:
        if max_ids < 1:
            raise ValueError("max_ids must be at least 1")
        self._send = send
        self.interval_s = interval_s
        self.max_ids = max_ids
        self._pending: list[str] = []
        self._changed = threading.Condition()
        self._closed = False
        self._last_send = float("-inf")
        self._thread = threading.Thread(target=self._run, daemon=True, name=name)
        self._thread.start()

    def add(self, message_id: str) -> None:
        """Queue ``message_id`` for the next group (after ``close``: send it at once)."""
        with self._changed:
            if not self._closed:
                self._pending.append(message_id)
                # Wake the sender only when it has something new to decide.
                if len(self._pending) in (1, self.max_ids):
                    self._changed.notify()
                return
        self._send_logged([message_id])

    def close(self, timeout_s: float = 10.0) -> None:
        """Send what is waiting and stop the sender thread."""
        with self._changed:
            self._closed = True
            self._changed.notify()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while (group := self._next_group()) is not None:
            self._send_logged(group)

    def _next_group(self) -> list[str] | None:
        """Wait for ids, then for the interval since the last send (or a full group); ``None``
        once closed and drained."""
        with self._changed:
            while not self._pending and not self._closed:
                self._changed.wait()
            if not self._pending:
                return None
            due = self._last_send + self.interval_s
            while len(self._pending) < self.max_ids and not self._closed:
                left = due - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            group, self._pending = self._pending[: self.max_ids], self._pending[self.max_ids :]
            self._last_send = time.monotonic()
            return group

    def _send_logged(self, group: list[str]) -> None:
        try:
            self._send(group)
        except Exception:
            log.exception(
                "enqueueing %d stored messages failed; the sweep will pick them up", len(group)
            )
