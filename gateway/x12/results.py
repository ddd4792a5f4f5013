"""What validation found, shaped the way acknowledgements report it.

A ``TransactionResult`` becomes one AK2..AK5 (997) or AK2..IK5 (999) loop, a ``GroupResult`` one
997/999 transaction set, an ``InterchangeResult`` one TA1. The codes are the X12 code values
themselves (``"8"`` for an invalid date, ``"I12"`` for an implementation pattern error...) so that the
ack builders copy them without translation tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.x12.model import InterchangeHeader

# AK4/IK4 data element syntax error codes (element 723 / 621).
ELEMENT_MANDATORY_MISSING = "1"
ELEMENT_CONDITIONAL_MISSING = "2"
ELEMENT_TOO_MANY = "3"
ELEMENT_TOO_SHORT = "4"
ELEMENT_TOO_LONG = "5"
ELEMENT_INVALID_CHARACTER = "6"
ELEMENT_INVALID_CODE = "7"
ELEMENT_INVALID_DATE = "8"
ELEMENT_INVALID_TIME = "9"
ELEMENT_EXCLUSION_VIOLATED = "10"
ELEMENT_TOO_MANY_REPETITIONS = "12"
ELEMENT_TOO_MANY_COMPONENTS = "13"

# AK3/IK3 segment syntax error codes (element 720 / 620).
SEGMENT_UNRECOGNIZED = "1"
SEGMENT_UNEXPECTED = "2"
SEGMENT_MANDATORY_MISSING = "3"
SEGMENT_LOOP_OVER_MAX = "4"
SEGMENT_OVER_MAX_USE = "5"
SEGMENT_NOT_IN_SET = "6"
SEGMENT_OUT_OF_SEQUENCE = "7"
SEGMENT_HAS_ELEMENT_ERRORS = "8"
SEGMENT_IMPLEMENTATION_ERROR = "I6"
"""999 only: implementation dependent segment error (used for HL hierarchy faults)."""

# AK5/IK5 transaction set syntax error codes (element 718 / 618).
SET_NOT_SUPPORTED = "1"
SET_TRAILER_MISSING = "2"
SET_CONTROL_NUMBER_MISMATCH = "3"
SET_SEGMENT_COUNT_WRONG = "4"
SET_SEGMENTS_IN_ERROR = "5"
SET_INVALID_IDENTIFIER = "6"
SET_INVALID_CONTROL_NUMBER = "7"
SET_CONTROL_NUMBER_NOT_UNIQUE = "23"

SET_CODE_TEXT = {
    SET_NOT_SUPPORTED: "transaction set not supported",
    SET_TRAILER_MISSING: "SE trailer missing",
    SET_CONTROL_NUMBER_MISMATCH: "ST02 and SE02 control numbers differ",
    SET_SEGMENT_COUNT_WRONG: "SE01 segment count is wrong",
    SET_SEGMENTS_IN_ERROR: "one or more segments in error",
    SET_INVALID_IDENTIFIER: "ST01 invalid for this functional group",
    SET_INVALID_CONTROL_NUMBER: "ST02 control number invalid",
    SET_CONTROL_NUMBER_NOT_UNIQUE: "ST02 control number not unique within the group",
}

# AK9 functional group syntax error codes (element 716).
GROUP_NOT_SUPPORTED = "1"
GROUP_VERSION_NOT_SUPPORTED = "2"
GROUP_TRAILER_MISSING = "3"
GROUP_CONTROL_NUMBER_MISMATCH = "4"
GROUP_SET_COUNT_WRONG = "5"
GROUP_CONTROL_NUMBER_INVALID = "6"
GROUP_CONTROL_NUMBER_NOT_UNIQUE = "19"

GROUP_CODE_TEXT = {
    GROUP_NOT_SUPPORTED: "functional group not supported",
    GROUP_VERSION_NOT_SUPPORTED: "functional group version not supported",
    GROUP_TRAILER_MISSING: "GE trailer missing",
    GROUP_CONTROL_NUMBER_MISMATCH: "GS06 and GE02 control numbers differ",
    GROUP_SET_COUNT_WRONG: "GE01 transaction set count is wrong",
    GROUP_CONTROL_NUMBER_INVALID: "GS06 control number invalid",
    GROUP_CONTROL_NUMBER_NOT_UNIQUE: "GS06 control number not unique within the interchange",
}

# TA104 acknowledgement codes.
TA1_ACCEPTED, TA1_ERRORS_NOTED, TA1_REJECTED = "A", "E", "R"

MAX_MESSAGES = 100
"""Interchange messages and warnings kept (one per stray segment could be millions)."""


def with_more(items: list[str], more: int) -> list[str]:
    """``items``, plus a last line saying how many more were left out (if any)."""
    return [*items, f"... and {more:,} more"] if more else items


@dataclass(slots=True)
class ElementError:
    position: int
    """1-based element position in the segment."""
    code: str
    message: str
    ref: str = ""
    """Data element reference number (``"373"``) when known."""
    component: int | None = None
    repetition: int | None = None
    value: str | None = None
    """Copy of the bad value (AK404/IK404), None when the element was missing."""

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(slots=True)
class SegmentError:
    tag: str
    position: int
    """Position in the transaction set, ST = 1."""
    code: str
    message: str
    loop_id: str = ""
    elements: list[ElementError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "position": self.position,
            "code": self.code,
            "message": self.message,
            "loop_id": self.loop_id,
            "elements": [e.as_dict() for e in self.elements],
        }


@dataclass(slots=True)
class TransactionResult:
    """Outcome of one ST..SE. ``status``: ``A`` accepted, ``E`` accepted with errors, ``R`` rejected."""

    code: str
    control_number: str
    implementation_reference: str = ""
    status: str = "A"
    set_codes: list[str] = field(default_factory=list)
    segment_errors: list[SegmentError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Tolerances applied (not errors): reported to operators, never in the ack."""
    business_key: str = ""
    """The document's own number (BAK03, BSN02, BIG02) for CTX and error messages."""
    business_key_ref: str = ""
    """Where the business key was read from (``"BSN02"``), the 999 CTX context name."""
    segment_count: int = 0
    group_mismatch: bool = False
    """ST01 does not belong to the GS01 functional group (policy decides: note or reject)."""
    more_errors: int = 0
    """Findings (AK3 and AK4) not kept in ``segment_errors``: past ``limits.Limits``' caps."""

    @property
    def accepted(self) -> bool:
        return self.status in ("A", "E")

    def note_error(self, code: str) -> None:
        """Accepted, but with errors noted (AK501/IK501=E)."""
        if self.status == "A":
            self.status = "E"
        if code not in self.set_codes:
            self.set_codes.append(code)

    def reject(self, code: str) -> None:
        self.status = "R"
        if code not in self.set_codes:
            self.set_codes.append(code)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "control_number": self.control_number,
            "status": self.status,
            "set_codes": self.set_codes,
            "business_key": self.business_key,
            "segment_errors": [e.as_dict() for e in self.segment_errors],
            "more_errors": self.more_errors,
            "notes": self.notes,
        }


@dataclass(slots=True)
class GroupResult:
    functional_id: str
    control_number: str
    version: str
    sender_id: str = ""
    receiver_id: str = ""
    transactions: list[TransactionResult] = field(default_factory=list)
    group_codes: list[str] = field(default_factory=list)
    declared_count: int | None = None
    notes: list[str] = field(default_factory=list)
    """Why the group was refused, in words, where its AK9 code alone does not say (the
    ``errors`` entry has them; the ack has only the codes)."""

    @property
    def received(self) -> int:
        return len(self.transactions)

    @property
    def accepted_count(self) -> int:
        return sum(1 for t in self.transactions if t.accepted)

    @property
    def status(self) -> str:
        """AK901/AK901: A, E (accepted with errors), P (partially accepted) or R."""
        if self.group_codes and any(c != GROUP_SET_COUNT_WRONG for c in self.group_codes):
            return "R" if self.accepted_count == 0 else "P"
        accepted = self.accepted_count
        if accepted == 0:
            return "R"
        if accepted < self.received:
            return "P"
        if self.group_codes or any(t.status == "E" for t in self.transactions):
            return "E"
        return "A"

    def as_dict(self) -> dict[str, Any]:
        return {
            "functional_id": self.functional_id,
            "control_number": self.control_number,
            "version": self.version,
            "status": self.status,
            "group_codes": self.group_codes,
            "notes": self.notes,
            "transactions": [t.as_dict() for t in self.transactions],
        }


@dataclass(slots=True)
class InterchangeResult:
    """Outcome of one ISA..IEA; ``ta1_code`` is the TA105 note code (``"000"`` when all is well)."""

    control_number: str
    date: str
    time: str
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    version: str
    usage: str
    ack_requested: bool
    ta1_status: str = TA1_ACCEPTED
    ta1_code: str = "000"
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    groups: list[GroupResult] = field(default_factory=list)
    received_ta1: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    """TA1 segments the interchange carried (a partner's answer to one of ours): TA101-TA105."""
    only_ta1: bool = False
    """The interchange held TA1 segments and no groups: it is itself an acknowledgement, which we
    never acknowledge (that would loop)."""
    more_messages: int = 0
    """Messages past the first ``MAX_MESSAGES`` (counted, not kept)."""
    more_warnings: int = 0

    @classmethod
    def from_header(
        cls, header: InterchangeHeader, warnings: list[str] | None = None
    ) -> InterchangeResult:
        """A fresh result for the interchange ``header`` opens (nothing noted yet)."""
        return cls(
            control_number=header.control_number,
            date=header.date,
            time=header.time,
            sender_qualifier=header.sender_qualifier,
            sender_id=header.sender_id,
            receiver_qualifier=header.receiver_qualifier,
            receiver_id=header.receiver_id,
            version=header.version,
            usage=header.usage,
            ack_requested=header.ack_requested == "1",
            warnings=list(warnings or []),
        )

    def note(self, code: str, message: str, *, reject: bool) -> None:
        """Record an interchange-level fault; the first one decides TA105."""
        if self.ta1_code == "000":
            self.ta1_code = code
        if reject:
            self.ta1_status = TA1_REJECTED
        elif self.ta1_status == TA1_ACCEPTED:
            self.ta1_status = TA1_ERRORS_NOTED
        if len(self.messages) < MAX_MESSAGES:
            self.messages.append(f"TA1 {code}: {message}")
        else:
            self.more_messages += 1

    def warn(self, message: str) -> None:
        if len(self.warnings) < MAX_MESSAGES:
            self.warnings.append(message)
        else:
            self.more_warnings += 1

    @property
    def all_messages(self) -> list[str]:
        """``messages``, plus a line counting those left out."""
        return with_more(self.messages, self.more_messages)

    @property
    def all_warnings(self) -> list[str]:
        return with_more(self.warnings, self.more_warnings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "control_number": self.control_number,
            "sender_id": self.sender_id,
            "receiver_id": self.receiver_id,
            "ta1_status": self.ta1_status,
            "ta1_code": self.ta1_code,
            "messages": self.all_messages,
            "warnings": self.all_warnings,
            "groups": [g.as_dict() for g in self.groups],
        }


@dataclass(slots=True)
class ValidationSummary:
    """What ``validate_stream`` reports: counts, and the ``errors`` entries of ``translate_stream``.

    Lives here rather than in the pipeline so that ``gateway.x12.native.fastpath`` can build one."""

    interchange_count: int
    transaction_count: int
    segment_count: int
    accepted: int
    errors: list[dict[str, Any]]
