"""What the operator API answers to its actions (retry, replay, onboarding) and about the ERP sink."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gateway.onboarding.views import ChecklistItemView, PartnerDetail
from gateway.partners import PartnerStatus


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
    """Deliveries put back in the queue (those that had not succeeded); with repost: the
    correction's."""
    message: str
    supersedes: str | None = None
    """With repost: the delivered event the new one (``event_id``) supersedes."""


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


class NewPartnerRequest(BaseModel):
    """``gateway partners new`` over the API: the id, the template and its placeholders' values."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=100)
    template: str = Field(min_length=1, max_length=100)
    values: dict[str, str] = Field(
        default_factory=dict,
        max_length=50,
        description='Placeholder -> value, e.g. {"ISA_ID": "ACME"} (GET /ops/partners/templates)',
    )


class NewPartnerAnswer(BaseModel):
    partner: PartnerDetail
    api_key: str | None = Field(description="Shown once (stored hashed); None without the HTTP API")
    sheet: str = Field(description="The onboarding sheet for the supplier (plain text)")


class TemplateView(BaseModel):
    name: str
    description: str
    placeholders: list[str] = Field(description="What ``values`` must give (or takes defaults)")


class PromoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: PartnerStatus
    reason: str | None = Field(None, max_length=500, pattern=r"^[^\x00]*$")
    override: bool = Field(
        False, description="Go live with the certification incomplete (needs a reason)"
    )


class PromoteAnswer(BaseModel):
    partner_id: str
    before: str
    after: str
    overridden: bool
    checklist: list[ChecklistItemView] = Field(description="For a change to live: as it stood")


class KeyIssued(BaseModel):
    partner_id: str
    api_key: str = Field(description="Shown this once: only its hash is kept")
    prefix: str


class KeyRevoked(BaseModel):
    partner_id: str
    prefix: str
