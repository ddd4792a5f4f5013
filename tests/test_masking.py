"""``mask_secrets``: what of a URL or an error text is hidden, and what stays readable."""

from __future__ import annotations

import pytest

from gateway.masking import mask_secrets


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
