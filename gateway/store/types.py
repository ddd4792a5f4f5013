"""Column types that never let a value the database cannot hold turn into a poison message.

PostgreSQL text and JSONB cannot hold NUL, and ``VARCHAR(n)`` refuses longer values; SQLite
takes both. Values that reach these columns come from partners (control numbers, business keys,
ids, error texts quoting the input), so a NUL or an overlong value would fail every retry of the
message and, in a batch, its neighbours. ``StoredString`` and ``storable_json`` make such values
storable instead: NUL becomes U+FFFD and an overlong string is cut to the column's length, ending
in U+2026. Nothing is lost: the raw bytes (``inbound_messages.raw``) are kept byte for byte, and
the input that carried such a value has already been refused with an error naming it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

NUL = "\x00"
REPLACEMENT = "\ufffd"
_ESCAPED_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")
"""``\\u0000`` in JSON text, but not ``\\\\u0000`` (an escaped backslash, then ``u0000``)."""


def storable_text(value: str, length: int | None) -> str:
    if NUL in value:
        value = value.replace(NUL, REPLACEMENT)
    if length is not None and len(value) > length:
        value = value[: length - 1] + "\u2026"
    return value


class StoredString(TypeDecorator[str]):
    """``String(n)`` whose values are made storable (module docstring); same DDL as ``String``."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return storable_text(value, getattr(self.impl, "length", None))


def storable_json(value: Any) -> str:
    """The engine's JSON serializer: ``json.dumps`` with every NUL in a string made U+FFFD."""
    text = json.dumps(value)
    if "\\u0000" in text:
        text = _ESCAPED_NUL.sub(r"\1\\ufffd", text)
    return text


class StoredText(StoredString):
    """``Text`` whose values are made storable (no length, so never cut)."""

    impl = Text
    cache_ok = True
