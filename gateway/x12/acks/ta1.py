"""TA1 interchange acknowledgement.

Sent when the partner asked for one (ISA14=1) or when the interchange itself had a fault:
TA104=R when the header could not be trusted (nothing inside was processed), TA104=E when only the
trailer was wrong (the content was processed and gets its own 997/999).
"""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.x12.acks.reply_envelope import (
    ACK_DELIMITERS_4010,
    ACK_DELIMITERS_5010,
    AckOptions,
    ControlNumbers,
    Writer,
    clean,
    iea_segment,
    isa_segment,
)
from gateway.x12.results import TA1_ACCEPTED, InterchangeResult


def ta1_wanted(interchange: InterchangeResult, policy: str = "on_request") -> bool:
    """``policy``: ``always``, ``on_request`` (ISA14=1 or a fault) or ``on_error`` (faults only)."""
    faulty = interchange.ta1_status != TA1_ACCEPTED
    if policy == "always":
        return True
    if policy == "on_error":
        return faulty
    return faulty or interchange.ack_requested


def build_ta1(
    interchange: InterchangeResult,
    counters: ControlNumbers,
    *,
    options: AckOptions | None = None,
    now: datetime | None = None,
) -> str:
    """A complete interchange holding one TA1 for ``interchange`` and no functional groups."""
    options = options or AckOptions()
    modern = interchange.version >= "00501" and interchange.version[:3] == "005"
    d = options.delimiters or (ACK_DELIMITERS_5010 if modern else ACK_DELIMITERS_4010)
    now = now or datetime.now(UTC)
    w = Writer(d, options.newline)
    control = counters.next("ISA")
    isa_segment(w, interchange, control, now, "00501" if modern else "00401")
    w.add(
        "TA1",
        clean(interchange.control_number, d)[:9].rjust(9, "0"),
        clean(interchange.date, d)[:6],
        clean(interchange.time, d)[:4],
        interchange.ta1_status,
        interchange.ta1_code,
    )
    iea_segment(w, 0, control)
    return w.render()
