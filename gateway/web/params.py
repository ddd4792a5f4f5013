"""Path and query values every route shares, validated before they reach the database.

PostgreSQL text cannot hold NUL and ``INTEGER`` stops at 2**31 - 1: an id outside these shapes
is answered 422 by FastAPI's validation (a message id of another shape: 404), never passed on to
fail as a 500.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path, Query

MAX_DB_INT = 2**31 - 1
PRINTABLE = r"^[\x20-\x7e]+$"

MESSAGE_ID = re.compile(r"msg_[0-9a-f]{24}")
MessageId = Annotated[str, Path(max_length=64, description="A message (receipt) id: msg_ + 24 hex")]


def is_message_id(value: str) -> bool:
    """Only ids of this shape are ever stored: any other is answered "not found" without a query."""
    return MESSAGE_ID.fullmatch(value) is not None


OUTBOX_ID = re.compile(r"out_[0-9a-f]{24}")
OutboxId = Annotated[str, Path(max_length=64, description="An outbox item id: out_ + 24 hex")]


def is_outbox_id(value: str) -> bool:
    """As ``is_message_id``, for outbox items."""
    return OUTBOX_ID.fullmatch(value) is not None


RowId = Annotated[int, Path(ge=1, le=MAX_DB_INT)]
EventId = Annotated[str, Path(min_length=1, max_length=40, pattern=PRINTABLE)]
PartnerQuery = Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
AfterOrdinal = Annotated[
    int, Query(ge=0, le=MAX_DB_INT, description="The last set ordinal of the previous page")
]
PageLimit = Annotated[int, Query(ge=1, le=1000, description="Sets per page")]
EventTypeQuery = Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")]
