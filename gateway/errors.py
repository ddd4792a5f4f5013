"""The gateway's one error tree.

Errors are grouped by what the caller does next::

    GatewayError
    ├── ConfigurationError        fail at start-up (bad partner profile, bad map, bad settings)
    ├── DocumentError             answer with a negative TA1/997/999/MDN; never retry
    │   ├── InterchangeError      the interchange header cannot be read (no ISA, no delimiters)
    │   │   └── LimitExceededError    the document is bigger or slower than its limits allow
    │   └── EnvelopeMissingError  ST..SE fragments without an ISA/GS envelope
    └── DeliveryError             posting somewhere failed
        ├── RetriableDeliveryError   try again with backoff
        └── FatalDeliveryError       dead letter, visible and replayable

Every error carries a stable dotted ``code`` and a ``context`` dict so that the CLI, the API and the
store can show it without parsing messages.
"""

from __future__ import annotations

from typing import Any


class GatewayError(Exception):
    """Root of every error the gateway raises on purpose."""

    code: str = "gateway.error"

    def __init__(self, message: str, *, code: str | None = None, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.context: dict[str, Any] = context

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.context}


class ConfigurationError(GatewayError):
    """A profile, map or setting is invalid; the process must not start with it."""

    code = "config.invalid"


class DocumentError(GatewayError):
    """The document itself is wrong; retrying cannot help, the sender must be told."""

    code = "document.invalid"


class InterchangeError(DocumentError):
    """The interchange header is unreadable, so no envelope can be trusted."""

    code = "x12.interchange.unreadable"


class LimitExceededError(InterchangeError):
    """A document went past one of its limits (``gateway.x12.limits``): too many interchanges,
    groups or transaction sets, or too long to translate. The interchange being read is rejected
    (TA1 R, code 024) and nothing after it is read; ``context`` names the limit and its value."""

    code = "x12.limit"


class EnvelopeMissingError(DocumentError):
    """Transaction sets arrived without an ISA/GS envelope."""

    code = "x12.envelope.missing"


class DeliveryError(GatewayError):
    """Posting an event or an acknowledgement failed."""

    code = "delivery.failed"


class RetriableDeliveryError(DeliveryError):
    code = "delivery.retriable"


class FatalDeliveryError(DeliveryError):
    code = "delivery.fatal"
