"""``interchange_ack``: a partner's TA1 about an interchange we sent them (our ISA13): accepted,
accepted with errors, or rejected, with the TA105 note code and its meaning."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gateway.canonical.common import CanonicalModel, EventBase

TA1_NOTES = {
    "000": "no error",
    "001": "the interchange control numbers in the header and trailer do not match",
    "002": "this standard as noted in the control standards identifier is not supported",
    "003": "this version of the controls is not supported",
    "004": "the segment terminator is invalid",
    "005": "invalid interchange ID qualifier for sender",
    "006": "invalid interchange sender ID",
    "007": "invalid interchange ID qualifier for receiver",
    "008": "invalid interchange receiver ID",
    "009": "unknown interchange receiver ID",
    "010": "invalid authorization information qualifier value",
    "011": "invalid authorization information value",
    "012": "invalid security information qualifier value",
    "013": "invalid security information value",
    "014": "invalid interchange date value",
    "015": "invalid interchange time value",
    "016": "invalid interchange standards identifier value",
    "017": "invalid interchange version ID value",
    "018": "invalid interchange control number value",
    "019": "invalid acknowledgment requested value",
    "020": "invalid test indicator value",
    "021": "invalid number of included groups value",
    "022": "invalid control structure",
    "023": "improper (premature) end-of-file (transmission)",
    "024": "invalid interchange content (e.g. invalid GS segment)",
    "025": "duplicate interchange control number",
    "026": "invalid data element separator",
    "027": "invalid component element separator",
    "028": "invalid delivery date in deferred delivery request",
    "029": "invalid delivery time in deferred delivery request",
    "030": "invalid delivery time code in deferred delivery request",
    "031": "invalid grade of service code",
}
"""TA105 interchange note codes (X12 element I18)."""
TA1_STATUSES = {"A": "accepted", "E": "accepted_with_errors", "R": "rejected"}


class InterchangeAck(CanonicalModel):
    acknowledged_interchange: str = Field(description="TA101: our ISA13 it answers.")
    interchange_date: str | None = Field(default=None, description="TA102 (YYMMDD).")
    interchange_time: str | None = Field(default=None, description="TA103 (HHMM).")
    status: Literal["accepted", "accepted_with_errors", "rejected"] | None = None
    status_code: str | None = Field(default=None, description="TA104: A, E or R.")
    note_code: str | None = Field(default=None, description="TA105.")
    note: str | None = Field(default=None, description="TA105 in words.")


class InterchangeAckEvent(EventBase):
    type: Literal["interchange_ack"] = "interchange_ack"
    document: InterchangeAck
