"""The pipeline's actors: ``process_message``, ``deliver_event`` and ``send_outbound``.

Retry policy is data: Dramatiq's ``Retries`` middleware with exponential backoff and jitter,
``max_retries`` = the configured delivery attempts. ``deliver_event`` raises ``RetryLater`` only
for retriable ERP failures; everything else is decided and recorded in the database.

With ``deliver_inline`` (the default), ``process_message`` posts the events it just recorded
itself, right after the commit: one queue round trip and one claim transaction less per event,
and lower latency. A retriable failure hands that delivery to ``deliver_event`` with backoff and
closes the ``InlineGate`` for a while, so that while the ERP is slow or down, messages are
processed at full speed and their deliveries queue up instead.

``process_messages`` takes a group of ids (the API's ``EnqueueGroups`` and the sweep send those)
and records it as one batch (``process_group``). Ids another batch holds are looked at again
``BUSY_RECHECK_MS`` later; ids that failed before, or all of them when the batch fails, are
handled one by one as ``process_message`` would, and one that meets a database failure there is
handed to ``process_message`` itself, whose retries and attempt count then decide its fate.

``send_outbound`` sends one outbox item over its push transport (``pipeline.send``), through the
runtime's name -> sender table (the composition root fills it; this package never imports a
transport). Its retries are the item's own (``next_attempt_at``, counted in the database, so a
sweep after a crash does not start the count again): the actor re-enqueues itself with the
backoff; Dramatiq's retries only cover a database that is unavailable.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dramatiq
from dramatiq.common import compute_backoff
from sqlalchemy.exc import DataError, DBAPIError, OperationalError

from gateway.pipeline.deliver import deliver, post_claims, release
from gateway.pipeline.outcome import ProcessOutcome
from gateway.pipeline.process import (
    mark_failed,
    note_attempt,
    process,
    process_batch,
    process_group,
)
from gateway.pipeline.records import Claim
from gateway.pipeline.send import send_item
from gateway.runtime import Runtime

log = logging.getLogger("gateway.workers")


MAX_PROCESS_ATTEMPTS = 10
PROCESS_MIN_BACKOFF_MS = 500
BUSY_RECHECK_MS = 2_000


class RetryLater(Exception):
    """Raised so that the broker re-delivers the message after a backoff."""


class InlineGate:
    """Whether ``process_message`` posts its new events itself: not for ``pause_s`` after a
    retriable failure (the ERP is slow or down; the deliver queue's backoff takes over)."""

    def __init__(self, enabled: bool, pause_s: float) -> None:
        self.enabled = enabled
        self.pause_s = pause_s
        self._closed_until = 0.0
        self._lock = threading.Lock()

    def is_open(self) -> bool:
        return self.enabled and time.monotonic() >= self._closed_until

    def close_for_a_while(self) -> None:
        with self._lock:
            self._closed_until = time.monotonic() + self.pause_s


class RecentlyDone:
    """Ids of messages this process recorded in a committed batch, the last ``size`` of them.

    Under load most ``process_message`` entries find their message already recorded by a batch
    another entry led; those from this process's own batches are answered from here, without a
    database round trip. The check is only a shortcut: a message not found here is read from the
    database as before, so forgetting (or never knowing, in another process) costs one query."""

    def __init__(self, size: int = 4096) -> None:
        self._ids: dict[str, None] = {}
        self._size = size
        self._lock = threading.Lock()

    def __contains__(self, message_id: str) -> bool:
        return message_id in self._ids

    def add(self, message_ids: list[str]) -> None:
        with self._lock:
            for message_id in message_ids:
                self._ids[message_id] = None
            for _ in range(len(self._ids) - self._size):
                del self._ids[next(iter(self._ids))]


@dataclass
class Actors:
    process_message: dramatiq.Actor[[str], None]
    process_messages: dramatiq.Actor[[list[str]], None]
    deliver_event: dramatiq.Actor[[int], None]
    send_outbound: dramatiq.Actor[[str], None]
    group_size: int
    """Ids per ``process_messages`` message: ``settings.process_batch``."""

    def enqueue_process(self, message_id: str) -> None:
        self.process_message.send(message_id)

    def enqueue_process_group(self, message_ids: list[str]) -> None:
        """One ``process_messages`` queue message per ``group_size`` ids."""
        for start in range(0, len(message_ids), self.group_size):
            self.process_messages.send(message_ids[start : start + self.group_size])

    def enqueue_deliveries(self, delivery_ids: list[int]) -> None:
        for delivery_id in delivery_ids:
            self.deliver_event.send(delivery_id)

    def enqueue_outbound(self, item_ids: list[str], delay_ms: int = 0) -> None:
        for item_id in item_ids:
            self.send_outbound.send_with_options(args=(item_id,), delay=delay_ms or None)


def build_actors(
    broker: dramatiq.Broker, runtime: Runtime, queue_prefix: str = "gateway"
) -> Actors:
    settings = runtime.settings
    holder: dict[str, Actors] = {}
    gate = InlineGate(settings.deliver_inline, settings.deliver_inline_pause_s)
    done = RecentlyDone()

    def process_message(message_id: str, *, alone: bool = False) -> None:
        if message_id in done:
            return
        try:
            outcomes = _process(message_id, alone)
        except DataError as exc:  # the data, not the database: every retry would fail alike
            log.error("processing %s failed on data the database refuses", message_id)
            mark_failed(runtime.db, message_id, f"{type(exc).__name__}: {exc.orig}")
            return
        except DBAPIError as exc:
            # Database unavailable or a concurrency conflict: retry, unless it keeps happening.
            if note_attempt(runtime.db, message_id) < MAX_PROCESS_ATTEMPTS:
                raise
            mark_failed(runtime.db, message_id, f"{type(exc).__name__}: {exc}")
            return
        except Exception as exc:
            log.exception("processing %s failed", message_id)
            mark_failed(runtime.db, message_id, f"{type(exc).__name__}: {exc}")
            return
        _after_commit(outcomes)

    def process_messages(message_ids: list[str]) -> None:
        left = [message_id for message_id in message_ids if message_id not in done]
        alone = False
        if left and settings.process_batch > 1:
            left, alone = _process_group(left)
        for message_id in left:
            try:
                process_message(message_id, alone=alone)
            except DBAPIError:  # counted by process_message; its own retries take over
                holder["actors"].process_message.send_with_options(
                    args=(message_id,), delay=PROCESS_MIN_BACKOFF_MS
                )

    def _process_group(message_ids: list[str]) -> tuple[list[str], bool]:
        """The group as one batch; returns the ids to process one by one (all, if it failed:
        then each alone, so that a bad one cannot take a neighbour's batch down again)."""
        try:
            group = process_group(
                runtime.db,
                message_ids,
                runtime.process_config,
                claim=gate.is_open(),
            )
        except Exception:
            log.warning(
                "a group of %d failed as one batch; processing them one by one",
                len(message_ids),
                exc_info=True,
            )
            return message_ids, True
        if group.busy:  # another batch has them: look again once it is likely done
            holder["actors"].process_messages.send_with_options(
                args=(group.busy,), delay=BUSY_RECHECK_MS
            )
        _after_commit(group.outcomes)
        return group.alone, False

    def _after_commit(outcomes: list[ProcessOutcome]) -> None:
        if len(outcomes) > 1:  # committed: the others' own queue entries have nothing to do
            done.add([outcome.message_id for outcome in outcomes])
        holder["actors"].enqueue_outbound(
            [
                ref.id
                for outcome in outcomes
                for ref in outcome.outbound
                if ref.transport in runtime.senders
            ]
        )
        claims = [claim for outcome in outcomes for claim in outcome.claims]
        holder["actors"].enqueue_deliveries(
            [i for outcome in outcomes if not outcome.claims for i in outcome.delivery_ids]
        )
        if claims:
            deliver_inline(claims)

    def _process(message_id: str, alone: bool) -> list[ProcessOutcome]:
        """A batch led by ``message_id``; if the batch fails, ``message_id`` alone (so that one
        bad message fails only itself, and its own retries decide its fate)."""
        claim = gate.is_open()
        config = runtime.process_config
        if settings.process_batch > 1 and not alone:
            try:
                return process_batch(
                    runtime.db, message_id, config, claim=claim, limit=settings.process_batch
                )
            except Exception:
                log.warning(
                    "batch led by %s failed; processing it alone", message_id, exc_info=True
                )
        return [process(runtime.db, message_id, config, claim=claim)]

    def deliver_inline(claims: list[Claim]) -> None:
        """Post the claimed deliveries now; what cannot be posted goes to the deliver queue."""
        actors = holder["actors"]
        try:
            outcomes, rest = post_claims(
                runtime.db,
                claims,
                runtime.connector,
                settings.delivery_max_attempts,
                proceed=gate.is_open,
            )
        except Exception:  # a bug or the database: the deliver actor's retries take over
            log.exception("inline delivery failed; %d deliveries go to the queue", len(claims))
            actors.enqueue_deliveries([c.delivery_id for c in claims])
            return
        if rest:
            release(runtime.db, rest)
            actors.enqueue_deliveries([c.delivery_id for c in rest])
        for outcome in outcomes:
            if outcome.retry:
                gate.close_for_a_while()
                _, backoff = compute_backoff(
                    1,
                    factor=settings.delivery_min_backoff_ms,
                    max_backoff=settings.delivery_max_backoff_ms,
                )
                actors.deliver_event.send_with_options(
                    args=(outcome.delivery_id,), delay=int(backoff)
                )

    def deliver_event(delivery_id: int) -> None:
        outcome = deliver(
            runtime.db, delivery_id, runtime.connector, settings.delivery_max_attempts
        )
        if outcome.retry:
            raise RetryLater(f"delivery {delivery_id}: {outcome.error}")

    def send_outbound(item_id: str) -> None:
        outcome = send_item(runtime.db, item_id, runtime.senders, runtime.send_policy)
        if outcome.retry_in_ms is not None:  # recorded as due then: the sweep also finds it
            holder["actors"].enqueue_outbound([item_id], delay_ms=outcome.retry_in_ms)

    process_options: dict[str, Any] = {
        "queue_name": f"{queue_prefix}-process",
        "broker": broker,
        "max_retries": MAX_PROCESS_ATTEMPTS,
        "min_backoff": PROCESS_MIN_BACKOFF_MS,
        "max_backoff": 60_000,
    }
    actors = Actors(
        dramatiq.actor(actor_name="process_message", **process_options)(process_message),
        dramatiq.actor(actor_name="process_messages", **process_options)(process_messages),
        dramatiq.actor(
            actor_name="deliver_event",
            queue_name=f"{queue_prefix}-deliver",
            broker=broker,
            max_retries=settings.delivery_max_attempts,
            min_backoff=settings.delivery_min_backoff_ms,
            max_backoff=settings.delivery_max_backoff_ms,
            retry_when=_retry_when(settings.delivery_max_attempts),
        )(deliver_event),
        dramatiq.actor(
            actor_name="send_outbound",
            queue_name=f"{queue_prefix}-outbox",
            broker=broker,
            max_retries=MAX_PROCESS_ATTEMPTS,
            min_backoff=PROCESS_MIN_BACKOFF_MS,
            max_backoff=60_000,
            retry_when=_database_down,
        )(send_outbound),
        group_size=max(settings.process_batch, 1),
    )
    holder["actors"] = actors
    return actors


def _database_down(retries: int, exc: Exception) -> bool:
    """``send_outbound`` counts its attempts in the database; the broker retries only when that
    database could not be reached."""
    return isinstance(exc, OperationalError) and retries < MAX_PROCESS_ATTEMPTS


def _retry_when(max_attempts: int) -> Callable[[int, Exception], bool]:
    def retry_when(retries: int, exc: Exception) -> bool:
        return isinstance(exc, RetryLater | OperationalError) and retries < max_attempts

    return retry_when
