"""``mask_secrets``: the one place that decides what of a text is secret before it is shown.

Secrets reach text three ways, and each has one rule:

* **Settings that are secrets** (``erp_secret``, ``admin_token``, ``demo_api_key``) are
  ``SecretStr``: they print as ``**********`` and are unwrapped only where they are used (signing,
  comparing), never in a message.
* **URLs** (the database, the broker, the ERP, a proxy) are plain settings, because most of a URL
  is what an operator needs to see. Wherever one is printed, logged or stored in an error it goes
  through ``mask_secrets``: the password of ``scheme://user:password@host`` and the value of every
  query or ``name=value`` pair whose name looks like a credential (``token``, ``api_key``,
  ``secret``, ``sig``/``signature``, ``password``, ``auth``...) become ``***``.
* **Third-party error texts** that may quote such a URL (SQLAlchemy, ``http.client``) go through
  ``mask_secrets`` too, at the boundary where they become the gateway's errors, and once more where
  an error is stored (``last_error``, a failed message's ``error``).
* **Free text** (a header or JSON quoted in an error, a log line): ``Bearer``/``Basic``/``Session``
  credentials, ``name: value`` pairs with a credential-like name, and partner API keys (``gk_...``,
  all but their first characters) are hidden too.
* **Logs**: whatever a library logs, or a traceback quotes, the processes' log handlers mask on
  the way out (``mask_log_handlers``, installed by ``gateway run`` and ``gateway worker``).

Masking errs on the side of hiding: a name like ``monkey`` counts as a credential name, and a
password written unencoded with ``/`` or ``@`` in it is hidden up to its first ``@``.
"""

from __future__ import annotations

import logging
import re

MASK = "***"

_SECRET_NAME = r"[\w.-]*?(?:pass|pwd|secret|token|key|sig|auth|credential|session)[\w.-]*"
_USERINFO = re.compile(
    r"(?P<head>\b[a-z][a-z0-9+.-]*://[^\s:/@\[\]]*:)(?!\d+[/?#])[^\s@]*(?=@)", re.IGNORECASE
)
"""``scheme://user:`` then the password, up to the first ``@`` (as SQLAlchemy reads a URL); not
``host:port/`` followed by an ``@`` in the path or query."""
_PAIR = re.compile(rf"(?P<head>(?<![\w.-]){_SECRET_NAME}=)[^\s&#;,'\")]+", re.IGNORECASE)
"""``name=value`` where the name looks like a credential: query strings, DSNs, log text."""
_SCHEME = re.compile(
    r"(?P<head>\b(?:Bearer|Basic|Session|Digest|Token)\s+)[A-Za-z0-9._~+/=-]{6,}", re.IGNORECASE
)
"""An ``Authorization`` value in free text: ``Bearer <token>``, ``Basic <base64>``, Tryton's
``Session <base64>``."""
_COLON_NAME = (
    r"(?:x-)?(?:api[-_]?key|apikey|access[-_]?key|(?:access|auth|refresh|id)?[-_]?token|"
    r"(?:client[-_]?)?secret|password|passwd|pwd|authorization|credentials?|private[-_]?key)"
)
"""Names whose ``name: value`` is a credential (narrower than ``name=value``'s: a colon also
ends words in ordinary messages, ``signature: verified``)."""
_COLON = re.compile(
    rf"(?P<head>(?<![\w.-])[\"']?{_COLON_NAME}[\"']?\s*:\s*[\"']?)(?!\s|\*\*\*|(?:Bearer|Basic|Session|Digest|Token)\s)[^\s\"',;}}\])]+",
    re.IGNORECASE,
)
"""``name: value`` where the name looks like a credential: headers (``X-Api-Key: ...``), JSON
(``"api_key": "..."``), YAML."""
_PARTNER_KEY = re.compile(r"(?P<head>\bgk_[A-Za-z0-9_-]{6})[A-Za-z0-9_-]{4,}")
"""A partner API key (``gk_`` + 43 characters): its first characters stay, as ``partners keys``
lists them, so the key can still be told apart."""


def mask_secrets(text: str) -> str:
    """``text`` with URL passwords and credential-like ``name=value`` values replaced by ``***``.

    Cheap enough for any error path (two regular expressions over the text); callers that show
    the same URL often (a connector's messages) mask it once and keep the result."""
    if " " in text:
        text = _SCHEME.sub(rf"\g<head>{MASK}", text)
    if "=" in text or "@" in text:
        text = _PAIR.sub(rf"\g<head>{MASK}", _USERINFO.sub(rf"\g<head>{MASK}", text))
    if ":" in text:
        text = _COLON.sub(rf"\g<head>{MASK}", text)
    if "gk_" in text:
        text = _PARTNER_KEY.sub(rf"\g<head>{MASK}", text)
    return text


class MaskingFilter(logging.Filter):
    """A handler filter: the record's message, and its traceback, with ``mask_secrets`` applied.
    It never drops a record. String arguments are masked one by one, so formatters that read
    ``args`` (uvicorn's access log) still find them; only when that is not enough (a secret in
    another kind of argument, or split between the format and an argument) does the record
    become its masked message without arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if mask_secrets(message) != message:
            if isinstance(record.args, tuple):
                record.args = tuple(
                    mask_secrets(a) if isinstance(a, str) else a for a in record.args
                )
            remaining = record.getMessage()
            if mask_secrets(remaining) != remaining:
                record.msg, record.args = mask_secrets(remaining), None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_secrets(_FORMATTER.formatException(record.exc_info))
        return True


_FORMATTER = logging.Formatter()


def mask_log_handlers(*loggers: logging.Logger) -> None:
    """Put a ``MaskingFilter`` on every handler of ``loggers`` (default: the root logger's), once.
    Call it after logging is configured; a handler added later is not covered."""
    for logger in loggers or (logging.getLogger(),):
        for handler in logger.handlers:
            if not any(isinstance(f, MaskingFilter) for f in handler.filters):
                handler.addFilter(MaskingFilter())
