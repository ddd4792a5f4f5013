"""``LocalSinkErpConnector``: the embedded "ERP" the gateway posts to when none is configured.

It records every event it receives in one table, ``erp_sink_received`` (SQLite file by default,
any SQLAlchemy URL works), counts how often each was posted (``times_received``, so retries and
replays are visible) and answers the browsing calls the service's API and CLI expose: ``list``,
``get``, ``count``, ``receipts``. The table is created when the connector is built.
"""

from __future__ import annotations

import builtins
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    Text,
    func,
    select,
    update,
)

from gateway.canonical import Event
from gateway.erp.base import DeliveryReceipt, ErpConnector
from gateway.erp.database import insert_if_absent, make_engine, translate_db_errors
from gateway.errors import ConfigurationError

metadata = MetaData()
received = Table(
    "erp_sink_received",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(32), nullable=False, index=True),
    Column("partner_id", String(64)),
    Column("received_at", DateTime(timezone=True), nullable=False, index=True),
    Column("last_received_at", DateTime(timezone=True), nullable=False),
    Column("times_received", Integer, nullable=False),
    Column("payload", Text, nullable=False),
)
SUMMARY = [c for c in received.columns if c.name != "payload"]


class LocalSinkErpConnector(ErpConnector):
    name = "sink"

    def __init__(self, path_or_url: str | Path) -> None:
        """A path (``var/erp-sink.db``, parent folders created) or a SQLAlchemy URL (``...://``)."""
        url = str(path_or_url)
        if "://" not in url:
            path = Path(url).expanduser()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigurationError(
                    f"sink: cannot create {path.parent}: {exc}", code="erp.sink.bad_path", path=url
                ) from exc
            url = f"sqlite:///{path}"
        self._engine = make_engine(url, self.name)
        with translate_db_errors(self.name, None):
            metadata.create_all(self._engine)

    def post(self, event: Event) -> DeliveryReceipt:
        now = datetime.now(UTC)
        row = {
            "event_id": event.id,
            "event_type": event.type,
            "partner_id": event.partner_id,
            "received_at": now,
            "last_received_at": now,
            "times_received": 1,
            "payload": event.model_dump_json(),
        }
        with translate_db_errors(self.name, event.id), self._engine.begin() as conn:
            if insert_if_absent(conn, received, row):
                return DeliveryReceipt(self.name, event.id, None, "recorded")
            conn.execute(
                update(received)
                .where(received.c.event_id == event.id)
                .values(times_received=received.c.times_received + 1, last_received_at=now)
            )
        return DeliveryReceipt(self.name, event.id, None, "recorded again", True)

    def list(
        self, limit: int = 50, event_type: str | None = None, offset: int = 0
    ) -> builtins.list[dict[str, Any]]:
        """Newest first, without payloads (``get`` has them)."""
        query = select(*SUMMARY).order_by(received.c.received_at.desc(), received.c.event_id)
        if event_type is not None:
            query = query.where(received.c.event_type == event_type)
        with translate_db_errors(self.name, None), self._engine.connect() as conn:
            rows = conn.execute(query.limit(max(limit, 0)).offset(max(offset, 0))).all()
        return [_as_dict(r) for r in rows]

    def get(self, event_id: str) -> dict[str, Any] | None:
        """The record with its payload (the canonical event as a dict), or ``None``."""
        query = select(received).where(received.c.event_id == event_id)
        with translate_db_errors(self.name, event_id), self._engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        record = _as_dict(row)
        record["payload"] = json.loads(record["payload"])
        return record

    def count(self) -> int:
        """How many distinct events were received."""
        with translate_db_errors(self.name, None), self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(received)).scalar_one())

    def receipts(self, event_id: str) -> int:
        """How many times this event was posted (0 when never)."""
        query = select(received.c.times_received).where(received.c.event_id == event_id)
        with translate_db_errors(self.name, event_id), self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one_or_none() or 0)

    def close(self) -> None:
        self._engine.dispose()


def _as_dict(row: Row[Any]) -> dict[str, Any]:
    record = dict(row._mapping)
    for key in ("received_at", "last_received_at"):
        moment: datetime = record[key]
        if moment.tzinfo is None:  # SQLite keeps no zone; we wrote UTC
            moment = moment.replace(tzinfo=UTC)
        record[key] = moment.isoformat()
    return record
