"""``functional_ack``: a partner's 997/999 about a group we sent them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gateway.canonical.common import CanonicalModel, EventBase

AckStatus = Literal["accepted", "accepted_with_errors", "partially_accepted", "rejected"]


class AcknowledgedGroup(CanonicalModel):
    functional_id: str | None = None
    control_number: str | None = None
    version: str | None = None


class AckError(CanonicalModel):
    """One reported error: a segment (AK3/IK3) and, when given, one of its elements (AK4/IK4)."""

    segment_id: str | None = None
    position: int | None = Field(default=None, description="Segment position in the set, ST = 1.")
    loop_id: str | None = None
    code: str | None = Field(default=None, description="Segment syntax error code (AK304/IK304).")
    element_position: int | None = None
    component_position: int | None = None
    element_ref: str | None = None
    element_code: str | None = Field(default=None, description="Element error code (AK403/IK403).")
    bad_value: str | None = None
    context: list[str] = Field(
        default_factory=list, description="CTX segments (999), elements joined with '*'."
    )


class AcknowledgedSet(CanonicalModel):
    code: str | None = Field(default=None, description="AK201: the set's type, e.g. 850.")
    control_number: str | None = None
    status: AckStatus | None = None
    status_code: str | None = None
    error_codes: list[str] = Field(default_factory=list)
    errors: list[AckError] = Field(default_factory=list)


class AckCounts(CanonicalModel):
    included: int | None = None
    received: int | None = None
    accepted: int | None = None


class FunctionalAck(CanonicalModel):
    acknowledged_group: AcknowledgedGroup
    status: AckStatus | None = None
    status_code: str | None = None
    error_codes: list[str] = Field(default_factory=list)
    counts: AckCounts
    transaction_sets: list[AcknowledgedSet] = Field(default_factory=list)


class FunctionalAckEvent(EventBase):
    type: Literal["functional_ack"] = "functional_ack"
    document: FunctionalAck
