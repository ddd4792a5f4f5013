"""Envelope identities: is this interchange from whom the channel says, and addressed to us?

X12 itself cannot know who a sender is; the channel that carried the bytes can (an API key, an AS2
certificate, an SFTP account). The pipeline turns what it knows into an ``ExpectedIdentities``, plain
data, and the envelope walker compares the headers with it, so this package stays syntax-only.

The findings are X12's own codes, so the acknowledgements carry them without translation:

* ISA (TA105, element I18): ``005`` invalid sender qualifier, ``006`` invalid sender id,
  ``007`` invalid receiver qualifier, ``009`` unknown receiver id (``008``, invalid receiver id,
  stays for an empty ISA08, as ``check_isa`` has it). Each rejects the interchange (TA104=R): no
  group in it is read, so no document from it reaches anyone.
* GS (AK905/IK905, element 716): ``1`` functional group not supported. Codes 7 and 8 (invalid
  application sender's/receiver's code) are not in the 004010 and 005010 code lists we answer in,
  and a partner's translator may refuse a 997 carrying a code its release does not define. The
  group is rejected (AK9=R, each set AK5/IK5=R code 1); the interchange's other groups are not.

GS02/GS03 carry no qualifier: GS02 must be one of the sender's ids (any of them, so a division
code under a corporate ISA06 passes), GS03 one of the receiver ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.x12 import results as r
from gateway.x12.model import GroupHeader, InterchangeHeader

SENDER_QUALIFIER_INVALID = "005"
SENDER_ID_INVALID = "006"
RECEIVER_QUALIFIER_INVALID = "007"
RECEIVER_ID_UNKNOWN = "009"


@dataclass(frozen=True, slots=True)
class EnvelopeId:
    """One interchange identity: ISA05/ISA06 or ISA07/ISA08, trimmed."""

    qualifier: str
    id: str

    def __str__(self) -> str:
        return f"{self.qualifier}/{self.id}"


@dataclass(frozen=True, slots=True)
class ExpectedIdentities:
    """Who may send an interchange on this channel (ISA05/ISA06, GS02) and whom it may address
    (ISA07/ISA08, GS03). Both non-empty in practice; an empty tuple matches nothing."""

    senders: tuple[EnvelopeId, ...]
    receivers: tuple[EnvelopeId, ...]


def check_interchange_ids(
    header: InterchangeHeader, result: r.InterchangeResult, expected: ExpectedIdentities
) -> None:
    """Note (rejecting) every identity mismatch of the ISA; the first one decides TA105."""
    for code, message in _isa_findings(header, expected):
        result.note(code, message, reject=True)


def check_group_ids(header: GroupHeader, expected: ExpectedIdentities) -> list[str]:
    """The GS02/GS03 mismatches, one sentence each (empty: the group may be read)."""
    found: list[str] = []
    senders = _ids(expected.senders)
    if header.sender_id not in senders:
        found.append(f"GS02 {header.sender_id!r} is not your sender id {_expected(senders)}")
    receivers = _ids(expected.receivers)
    if header.receiver_id not in receivers:
        found.append(f"GS03 {header.receiver_id!r} is not one of our ids {_expected(receivers)}")
    return found


def _isa_findings(header: InterchangeHeader, expected: ExpectedIdentities) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    sender = EnvelopeId(header.sender_qualifier, header.sender_id)
    if header.sender_id and sender not in expected.senders:
        if header.sender_id in _ids(expected.senders):
            found.append(
                (
                    SENDER_QUALIFIER_INVALID,
                    f"ISA05 {header.sender_qualifier!r} is not the qualifier of your sender id "
                    f"{header.sender_id!r} {_expected(expected.senders)}",
                )
            )
        else:
            found.append(
                (
                    SENDER_ID_INVALID,
                    f"ISA06 {header.sender_id!r} is not your sender id "
                    f"{_expected(expected.senders)}",
                )
            )
    receiver = EnvelopeId(header.receiver_qualifier, header.receiver_id)
    if header.receiver_id and receiver not in expected.receivers:
        if header.receiver_id in _ids(expected.receivers):
            found.append(
                (
                    RECEIVER_QUALIFIER_INVALID,
                    f"ISA07 {header.receiver_qualifier!r} is not the qualifier of our id "
                    f"{header.receiver_id!r} {_expected(expected.receivers)}",
                )
            )
        else:
            found.append(
                (
                    RECEIVER_ID_UNKNOWN,
                    f"ISA08 {header.receiver_id!r} is not one of our ids "
                    f"{_expected(expected.receivers)}",
                )
            )
    return found


def _ids(identities: tuple[EnvelopeId, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i.id for i in identities))


def _expected(values: tuple[EnvelopeId, ...] | tuple[str, ...]) -> str:
    return f"(expected one of: {', '.join(str(v) for v in values) or 'none'})"
