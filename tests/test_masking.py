"""``mask_secrets``: what of a URL or an error text is hidden, and what stays readable."""

from __future__ import annotations

import io
import logging

import pytest

from gateway.masking import MaskingFilter, mask_log_handlers, mask_secrets


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "postgresql+psycopg://gw:s3cr3t%2Fx@db.local:5432/gw",
            "postgresql+psycopg://gw:***@db.local:5432/gw",
        ),
        ("redis://:pw-1234@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
        ("amqp://guest:guest@127.0.0.1:5672/%2F", "amqp://guest:***@127.0.0.1:5672/%2F"),
        ("http://user:pa/ss@proxy:3128", "http://user:***@proxy:3128"),
        (
            "https://erp.example.com/in?token=abc&x=1&api_key=zz#top",
            "https://erp.example.com/in?token=***&x=1&api_key=***#top",
        ),
        (
            "https://s3/b?X-Amz-Signature=aa&X-Amz-Credential=bb",
            "https://s3/b?X-Amz-Signature=***&X-Amz-Credential=***",
        ),
        ("host=db password=hunter2 user=gw", "host=db password=*** user=gw"),
        (
            "webhook: refused (posting to http://erp/in?sig=dead)",
            "webhook: refused (posting to http://erp/in?sig=***)",
        ),
        (
            "proxy must be http://[user:password@]host:port, not 'socks5://a:b@h:1'",
            "proxy must be http://[user:password@]host:port, not 'socks5://a:***@h:1'",
        ),
        (
            "sent Authorization: Bearer gk_demo1234567890abcdefghijklmnop to the API",
            "sent Authorization: Bearer *** to the API",
        ),
        ("peer said: Basic Z2F0ZXdheTpwdzEyMw==", "peer said: Basic ***"),
        ("X-Api-Key: s3cretvalue9 refused", "X-Api-Key: *** refused"),
        ('{"api_key": "zzz1234", "partner": "acme"}', '{"api_key": "***", "partner": "acme"}'),
        ("key gk_abcdefghijklmnopqrstuvwx revoked", "key gk_abcdef*** revoked"),
        ("at 12:30:01 the ERP answered: 503", "at 12:30:01 the ERP answered: 503"),
    ],
)
def test_credentials_in_urls_and_pairs_are_masked(text: str, shown: str) -> None:
    assert mask_secrets(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "sqlite:////tmp/var/gateway.db",
        "http://erp.example.com:8080/in?partner=acme&who=a@b",
        "http://[::1]:8080/in",
        "webhook: http://erp/in answered 503 for event evt_1",
        "no secrets here",
    ],
)
def test_text_without_credentials_is_unchanged(text: str) -> None:
    assert mask_secrets(text) == text


def test_given_masked_handlers_then_log_messages_and_tracebacks_show_no_credentials() -> None:
    out = io.StringIO()
    logger = logging.getLogger("tests.masking")
    handler = logging.StreamHandler(out)
    logger.addHandler(handler)
    logger.propagate = False
    mask_log_handlers(logger)
    mask_log_handlers(logger)  # once per handler
    try:
        logger.warning("connecting to %s", "postgresql://gw:pw-one@db/gw")
        try:
            raise RuntimeError("posting to https://erp/in?token=tok-two failed")
        except RuntimeError:
            logger.exception("delivery failed")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True

    text = out.getvalue()
    assert "postgresql://gw:***@db/gw" in text and "?token=***" in text
    assert "pw-one" not in text and "tok-two" not in text
    assert len(handler.filters) == 1


def test_given_an_access_log_line_with_a_token_then_the_access_formatter_still_formats_it() -> None:
    from uvicorn.logging import AccessFormatter

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/v1/receipts?token=tok-three", "1.1", 401),
        None,
    )

    assert MaskingFilter().filter(record)
    line = AccessFormatter("%(message)s", use_colors=False).format(record)
    assert line == '127.0.0.1:5000 - "GET /v1/receipts?token=*** HTTP/1.1" 401'
