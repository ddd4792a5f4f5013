"""What the operator API answers to its actions (retry, replay) and about the ERP sink."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RetryAnswer(BaseModel):
    delivery_id: int
    status: str
    attempts: int


class OutboxRetryAnswer(BaseModel):
    id: str
    status: str
    was: str


class ReplayAnswer(BaseModel):
    transaction_id: int
    event_id: str | None
    changed: bool
    diff: list[dict[str, Any]]
    """One entry per changed leaf: ``path`` (JSON pointer), ``old``, ``new``."""
    deliveries: list[int]
    """Deliveries put back in the queue (those that had not succeeded)."""
    message: str


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, pattern=r"^[^\x00]*$")


class MessageRetryAnswer(BaseModel):
    message_id: str
    status: str


class ErpSinkListing(BaseModel):
    connector: str
    count: int
    events: list[dict[str, Any]]
