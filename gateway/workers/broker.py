"""Brokers: Redis or RabbitMQ in production, an in-memory broker in embedded mode.

Embedded mode runs Dramatiq's own ``Worker`` on a ``StubBroker`` inside the gateway process; its
queue is memory, so a crash loses queued ids, and the start-up sweep re-enqueues them from the
database (the database, not the queue, is the source of truth in every mode).
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from gateway.errors import ConfigurationError
from gateway.settings import Settings


def _middleware() -> list[dramatiq.Middleware]:
    return [
        AgeLimit(),
        TimeLimit(time_limit=300_000),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(),
    ]


def make_broker(settings: Settings) -> dramatiq.Broker:
    kind = settings.broker
    if kind in ("embedded", "stub"):
        return StubBroker(middleware=_middleware())
    if kind == "redis":
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(  # type: ignore[no-untyped-call]
            url=settings.broker_url or "redis://127.0.0.1:6379/0",
            namespace=f"{settings.queue_prefix}-dramatiq",
            middleware=_middleware(),
        )
    if kind == "rabbitmq":
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(
            url=settings.broker_url or "amqp://guest:guest@127.0.0.1:5672/%2F",
            middleware=_middleware(),
        )
    raise ConfigurationError(f"unknown broker {kind!r}")
