"""997 and 999 functional acknowledgements built from a ``GroupResult``.

Version-matched: a 4010-family group (GS08 < 005) gets a 997 in 004010, a 5010 group a 999 in
005010X231A1 with IK3/IK4/IK5 and a CTX naming the document (``BSN02:ASN123``) under each IK3, so
the supplier can find the document without decoding control numbers. Each transaction set is
reported on its own (AK2..AK5 / AK2..IK5): one bad set never hides its neighbours' acceptance.

Implementation-level findings (codes ``I..``, e.g. an HL02 pointing nowhere) exist only in the 999;
in a 997 they are written with the nearest syntax code (table below).
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
from gateway.x12.results import (
    ElementError,
    GroupResult,
    InterchangeResult,
    SegmentError,
    TransactionResult,
)

MAX_SEGMENT_ERRORS = 99
MAX_ELEMENT_ERRORS = 99
ACK_999_VERSION = "005010X231A1"
ACK_997_VERSION = "004010"

_997_FOR_IMPLEMENTATION_CODE = {
    "I6": "7",
    "I9": "1",
    "I10": "10",
    "I11": "12",
    "I12": "7",
    "I13": "10",
}
_997_SEGMENT_FOR_IMPLEMENTATION = {"I4": "2", "I6": "3", "I7": "4", "I8": "5", "I9": "2"}


def ack_kind(group_version: str) -> str:
    """``"999"`` for 5010 and later groups, ``"997"`` for everything older."""
    return "999" if group_version[:3] >= "005" else "997"


def build_functional_ack(
    group: GroupResult,
    interchange: InterchangeResult,
    counters: ControlNumbers,
    *,
    kind: str | None = None,
    options: AckOptions | None = None,
    now: datetime | None = None,
) -> str:
    """A complete interchange (ISA..IEA) holding one 997 or 999 for ``group``."""
    kind = kind or ack_kind(group.version)
    options = options or AckOptions()
    d = options.delimiters or (ACK_DELIMITERS_5010 if kind == "999" else ACK_DELIMITERS_4010)
    now = now or datetime.now(UTC)
    w = Writer(d, options.newline)
    isa_control, gs_control = counters.next("ISA"), counters.next("GS")
    version = ACK_999_VERSION if kind == "999" else ACK_997_VERSION
    isa_segment(w, interchange, isa_control, now, "00501" if kind == "999" else "00401")
    w.add(
        "GS",
        "FA",
        clean(group.receiver_id or interchange.receiver_id, d),
        clean(group.sender_id or interchange.sender_id, d),
        now.strftime("%Y%m%d"),
        now.strftime("%H%M"),
        str(gs_control),
        "X",
        version,
    )
    start = len(w.segments)
    w.add("ST", kind, "0001", *([ACK_999_VERSION] if kind == "999" else []))
    _body(w, group, kind)
    w.add("SE", str(len(w.segments) - start + 1), "0001")
    w.add("GE", "1", str(gs_control))
    iea_segment(w, 1, isa_control)
    return w.render()


def _body(w: Writer, group: GroupResult, kind: str) -> None:
    d = w.d
    ak1 = ["AK1", clean(group.functional_id, d), clean(group.control_number, d)]
    if kind == "999":
        ak1.append(clean(group.version, d))
    w.add(*ak1)
    for tr in group.transactions:
        _transaction(w, tr, kind)
    included = group.declared_count if group.declared_count is not None else group.received
    w.add(
        "AK9",
        group.status,
        str(included),
        str(group.received),
        str(group.accepted_count),
        *group.group_codes[:5],
    )


def _transaction(w: Writer, tr: TransactionResult, kind: str) -> None:
    d = w.d
    ak2 = ["AK2", clean(tr.code, d) or "000", clean(tr.control_number, d) or "0000"]
    if kind == "999" and tr.implementation_reference:
        ak2.append(clean(tr.implementation_reference, d))
    w.add(*ak2)
    for error in tr.segment_errors[:MAX_SEGMENT_ERRORS]:
        _segment(w, error, tr, kind)
    codes = list(tr.set_codes)
    if tr.status != "A" and not codes:
        codes = ["5"]
    w.add("IK5" if kind == "999" else "AK5", tr.status, *codes[:5])


def _segment(w: Writer, error: SegmentError, tr: TransactionResult, kind: str) -> None:
    d = w.d
    code = error.code
    if kind == "997":
        code = _997_SEGMENT_FOR_IMPLEMENTATION.get(code, code)
    w.add(
        "IK3" if kind == "999" else "AK3",
        clean(error.tag, d),
        str(error.position),
        clean(error.loop_id, d),
        code,
    )
    if kind == "999" and tr.business_key and tr.business_key_ref:
        w.add("CTX", f"{tr.business_key_ref}{d.component}{clean(tr.business_key, d)[:35]}")
    for element in error.elements[:MAX_ELEMENT_ERRORS]:
        _element(w, element, kind)


def _element(w: Writer, e: ElementError, kind: str) -> None:
    d = w.d
    position = str(e.position)
    if e.component is not None or (kind == "999" and e.repetition is not None):
        position += d.component + (str(e.component) if e.component is not None else "")
    if kind == "999" and e.repetition is not None:
        position += d.component + str(e.repetition)
    code = e.code if kind == "999" else _997_FOR_IMPLEMENTATION_CODE.get(e.code, e.code)
    bad = clean(e.value, d)[:99] if e.value else ""
    w.add("IK4" if kind == "999" else "AK4", position, e.ref, code, bad)
