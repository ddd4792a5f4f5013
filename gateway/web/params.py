"""Path and query values every route shares, validated before they reach the database.

PostgreSQL text cannot hold NUL and ``INTEGER`` stops at 2**31 - 1: an id outside these shapes
is answered 422 by FastAPI's validation, never passed on to fail as a 500.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_DB_INT = 2**31 - 1
PRINTABLE = r"^[\x20-\x7e]+$"

MessageId = Annotated[
    str, Path(pattern=r"^msg_[0-9a-f]{24}$", description="A message (receipt) id: msg_ + 24 hex")
]
RowId = Annotated[int, Path(ge=1, le=MAX_DB_INT)]
EventId = Annotated[str, Path(min_length=1, max_length=40, pattern=PRINTABLE)]
PartnerQuery = Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
EventTypeQuery = Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")]
