"""``AsyncMdnSender``: an async MDN is retried with backoff while the sender's URL fails
retriably, given up at once on a fatal answer; ``post_async_mdn`` says which is which."""

from __future__ import annotations

import pytest

from gateway.errors import FatalDeliveryError, RetriableDeliveryError
from tests.transports.as2.peers_harness import free_port
from tests.transports.harness import wait_for
from transports.as2.async_mdn import AsyncMdn, AsyncMdnSender, post_async_mdn

MDN = AsyncMdn("http://127.0.0.1:9/mdn", {"Content-Type": "text/plain"}, b"mdn", "p", "<m1@x>")


def test_given_two_retriable_failures_then_the_third_attempt_sends_it() -> None:
    attempts: list[AsyncMdn] = []

    def post(mdn: AsyncMdn) -> None:
        attempts.append(mdn)
        if len(attempts) < 3:
            raise RetriableDeliveryError("connection refused")

    sender = AsyncMdnSender(min_backoff_s=0.01, post=post)
    sender(MDN)

    wait_for(lambda: sender.outcomes == [("<m1@x>", "sent")], 10)
    assert len(attempts) == 3


def test_given_a_fatal_answer_then_given_up_after_one_attempt() -> None:
    attempts: list[AsyncMdn] = []

    def post(mdn: AsyncMdn) -> None:
        attempts.append(mdn)
        raise FatalDeliveryError("HTTP 404")

    sender = AsyncMdnSender(min_backoff_s=0.01, post=post)
    sender(MDN)

    wait_for(lambda: sender.outcomes == [("<m1@x>", "HTTP 404")], 10)
    assert len(attempts) == 1


def test_given_nobody_listening_then_retriable_and_a_bad_url_fatal() -> None:
    with pytest.raises(RetriableDeliveryError):
        post_async_mdn(AsyncMdn(f"http://127.0.0.1:{free_port()}/", {}, b"x", "p", "<m>"), 2)
    with pytest.raises(FatalDeliveryError):
        post_async_mdn(AsyncMdn("mailto:someone@example.com", {}, b"x", "p", "<m>"), 2)


def test_given_an_async_mdn_then_it_travels_through_a_queue_as_a_dict() -> None:
    assert AsyncMdn.from_dict(MDN.as_dict()) == MDN
