"""Test helper: build a transaction-set ``Loop`` tree from a short X12 string.

Just enough structure for map tests, with one simple rule: a *trigger* segment opens a loop under
the nearest open loop it may live in; a *homed* segment closes loops until its home is on top;
every other segment joins the innermost open loop. Not a validator: odd input still gives a tree.
"""

from __future__ import annotations

from gateway.canonical import Source
from gateway.mapping import EventContext
from gateway.x12.model import Delimiters, Loop, Segment

TRIGGERS: dict[str, dict[str, tuple[str, ...]]] = {
    "855": {"N1": ("PO1", "ST"), "PO1": ("ST",), "SCH": ("PO1",), "PID": ("PO1",)},
    "856": {"HL": ("ST",), "N1": ("HL", "ST"), "CLD": ("HL",)},
    "810": {
        "N1": ("IT1", "ST"),
        "IT1": ("ST",),
        "SAC": ("IT1", "ST"),
        "PID": ("IT1",),
        "SLN": ("IT1",),
        "ISS": ("ST",),
    },
    "997": {"AK2": ("ST",), "AK3": ("AK2",), "AK4": ("AK3",)},
    "999": {"AK2": ("ST",), "IK3": ("AK2",), "IK4": ("IK3",)},
}
HOMES = {
    "BAK": "ST",
    "BSN": "ST",
    "BIG": "ST",
    "CUR": "ST",
    "ITD": "ST",
    "FOB": "ST",
    "TDS": "ST",
    "CAD": "ST",
    "CTT": "ST",
    "AK1": "ST",
    "AK9": "ST",
    "SE": "ST",
    "AK5": "AK2",
    "IK5": "AK2",
}


def parse_segments(text: str, delimiters: Delimiters | None = None) -> list[Segment]:
    d = delimiters or Delimiters()
    raw = [part.strip() for part in text.split(d.segment)]
    return [
        Segment(part.split(d.element), d, ordinal=n, position=n)
        for n, part in enumerate((p for p in raw if p), start=1)
    ]


def build_tree(segments: list[Segment]) -> Loop:
    """Nest ``segments`` (ST first) into loops by the rules above."""
    doc_type = segments[0].get(1) if segments and segments[0].tag == "ST" else ""
    triggers = TRIGGERS.get(doc_type, {})
    root = Loop("ST")
    stack = [root]
    for segment in segments:
        if segment.tag in triggers:
            _pop_to(stack, triggers[segment.tag])
            loop = Loop(segment.tag, [segment])
            stack[-1].children.append(loop)
            stack.append(loop)
        else:
            if segment.tag in HOMES:
                _pop_to(stack, (HOMES[segment.tag],))
            stack[-1].segments.append(segment)
    return root


def _pop_to(stack: list[Loop], parents: tuple[str, ...]) -> None:
    while len(stack) > 1 and stack[-1].id not in parents:
        stack.pop()


def tree(text: str, *, component: str = ">", repetition: str | None = None) -> Loop:
    """``tree("ST*855*0001~BAK*00*AC*PO1*20240101~...~SE*3*0001~")``"""
    return build_tree(parse_segments(text, Delimiters(component=component, repetition=repetition)))


def source(document_type: str, control_number: str = "0001") -> Source:
    return Source(
        version="004010",
        document_type=document_type,
        sender_id="SUPPLIER",
        receiver_id="BUYER",
        interchange_control_number="000000001",
        group_control_number="1",
        control_number=control_number,
        test=False,
    )


def context(document_type: str, partner_id: str | None = None) -> EventContext:
    return EventContext(
        event_id=f"evt-{document_type}", partner_id=partner_id, source=source(document_type)
    )
