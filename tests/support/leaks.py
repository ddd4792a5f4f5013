"""Secrets the tests set, and a watch that none of them shows up in what the test suite logs.

A test (or a harness) that sets a secret registers it: ``register_secret(value)`` returns the
value, so ``TOKEN = register_secret("ops-...")``. ``tests/conftest.py`` then looks for every
registered value (and its URL-encoded form) in:

* every log record of the session, at any level a logger lets through, in-process and from any
  thread: a handler on the root logger for the whole session (``LeakWatch``);
* every test's captured standard output, standard error and log (the report sections);

and fails the session, naming the test and where, if any was found. Register a secret before it
is used: a record is checked when it is emitted, against the secrets known then. Checking is a
substring search per record over a handful of values, and nothing is kept but the findings.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import quote

SECRETS: set[str] = set()
SIGHTINGS: list[str] = []
MIN_LENGTH = 8
"""Shorter values would be found by accident (and are no test of masking)."""


def register_secret(value: str) -> str:
    if len(value) < MIN_LENGTH:
        raise ValueError(f"a registered secret needs at least {MIN_LENGTH} characters")
    SECRETS.update({value, quote(value, safe="")})
    return value


def found_in(text: str) -> list[str]:
    return sorted(s for s in SECRETS if s in text)


def record_sighting(where: str, text: str) -> None:
    for secret in found_in(text):
        test = os.environ.get("PYTEST_CURRENT_TEST", "outside a test")
        SIGHTINGS.append(f"{test}: {where} shows the registered secret {secret[:3]}...")


class LeakWatch(logging.Handler):
    """Checks every record that reaches the root logger; keeps only what it finds."""

    def emit(self, record: logging.LogRecord) -> None:
        if not SECRETS:
            return
        try:
            text = record.getMessage()
        except Exception:  # a record with broken arguments: check what it has
            text = f"{record.msg} {record.args}"
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        record_sighting(f"log record {record.name} {record.levelname}", text)
