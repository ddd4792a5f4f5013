"""The pipeline's actors: ``process_message`` and ``deliver_event``.

Retry policy is data: Dramatiq's ``Retries`` middleware with exponential backoff and jitter,
``max_retries`` = the configured delivery attempts. ``deliver_event`` raises ``RetryLater`` only
for retriable ERP failures; everything else is decided and recorded in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import dramatiq
from sqlalchemy.exc import DBAPIError, OperationalError

from gateway.pipeline.deliver import deliver
from gateway.pipeline.process import mark_failed, note_attempt, process
from gateway.service import Runtime

log = logging.getLogger("gateway.workers")


MAX_PROCESS_ATTEMPTS = 10


class RetryLater(Exception):
    """Raised so that the broker re-delivers the message after a backoff."""


@dataclass
class Actors:
    process_message: dramatiq.Actor[[str], None]
    deliver_event: dramatiq.Actor[[int], None]

    def enqueue_process(self, message_id: str) -> None:
        self.process_message.send(message_id)

    def enqueue_deliveries(self, delivery_ids: list[int]) -> None:
        for delivery_id in delivery_ids:
            self.deliver_event.send(delivery_id)


def build_actors(
    broker: dramatiq.Broker, runtime: Runtime, queue_prefix: str = "gateway"
) -> Actors:
    settings = runtime.settings
    holder: dict[str, Actors] = {}

    def process_message(message_id: str) -> None:
        try:
            outcome = process(runtime.db, message_id, runtime.process_config)
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
        holder["actors"].enqueue_deliveries(outcome.delivery_ids)

    def deliver_event(delivery_id: int) -> None:
        outcome = deliver(
            runtime.db, delivery_id, runtime.connector, settings.delivery_max_attempts
        )
        if outcome.retry:
            raise RetryLater(f"delivery {delivery_id}: {outcome.error}")

    actors = Actors(
        dramatiq.actor(
            actor_name="process_message",
            queue_name=f"{queue_prefix}-process",
            broker=broker,
            max_retries=MAX_PROCESS_ATTEMPTS,
            min_backoff=500,
            max_backoff=60_000,
        )(process_message),
        dramatiq.actor(
            actor_name="deliver_event",
            queue_name=f"{queue_prefix}-deliver",
            broker=broker,
            max_retries=settings.delivery_max_attempts,
            min_backoff=settings.delivery_min_backoff_ms,
            max_backoff=settings.delivery_max_backoff_ms,
            retry_when=_retry_when(settings.delivery_max_attempts),
        )(deliver_event),
    )
    holder["actors"] = actors
    return actors


def _retry_when(max_attempts: int) -> Callable[[int, Exception], bool]:
    def retry_when(retries: int, exc: Exception) -> bool:
        return isinstance(exc, RetryLater | OperationalError) and retries < max_attempts

    return retry_when
