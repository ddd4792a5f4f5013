"""997 / 999 -> functional_ack."""

from __future__ import annotations

from gateway.canonical import FunctionalAckEvent
from gateway.mapping import load_map

from .x12tree import context, tree


def map_ack(doc_type: str, body: str, component: str = ">") -> FunctionalAckEvent:
    ts = tree(f"ST*{doc_type}*0001~{body}~SE*99*0001~", component=component, repetition="^")
    event = load_map(doc_type).to_canonical(ts, context(doc_type))
    assert isinstance(event, FunctionalAckEvent)
    return event


def test_997_accepted() -> None:
    doc = map_ack("997", "AK1*PO*1234*004010~AK2*850*0001~AK5*A~AK9*A*1*1*1").document
    assert doc.acknowledged_group.model_dump() == {
        "functional_id": "PO",
        "control_number": "1234",
        "version": "004010",
    }
    assert (doc.status, doc.status_code) == ("accepted", "A")
    assert doc.counts.model_dump() == {"included": 1, "received": 1, "accepted": 1}
    assert [(s.code, s.control_number, s.status, s.errors) for s in doc.transaction_sets] == [
        ("850", "0001", "accepted", [])
    ]


def test_997_rejection_lists_segment_and_element_errors() -> None:
    # given a 997 rejecting one set: two bad REF segments, one with an element error each
    doc = map_ack(
        "997",
        "AK1*PO*2~AK2*850*103465910~AK3*REF*3**8~AK4*1**7*BM~AK3*REF*4**8~AK4*1>2*128*7*DP~"
        "AK3*N1*9*N1*3~AK5*R*4*5~AK9*R*1*1*0*4",
    ).document
    assert (doc.status, doc.error_codes) == ("rejected", ["4"])
    ts = doc.transaction_sets[0]
    assert (ts.status, ts.status_code, ts.error_codes) == ("rejected", "R", ["4", "5"])
    # then each element error carries its segment's facts; a bare segment error stands alone
    assert [e.model_dump() for e in ts.errors] == [
        {
            "segment_id": "REF",
            "position": 3,
            "loop_id": None,
            "code": "8",
            "element_position": 1,
            "component_position": None,
            "element_ref": None,
            "element_code": "7",
            "bad_value": "BM",
            "context": [],
        },
        {
            "segment_id": "REF",
            "position": 4,
            "loop_id": None,
            "code": "8",
            "element_position": 1,
            "component_position": 2,
            "element_ref": "128",
            "element_code": "7",
            "bad_value": "DP",
            "context": [],
        },
        {
            "segment_id": "N1",
            "position": 9,
            "loop_id": "N1",
            "code": "3",
            "element_position": None,
            "component_position": None,
            "element_ref": None,
            "element_code": None,
            "bad_value": None,
            "context": [],
        },
    ]


def test_999_partial_acceptance_with_context() -> None:
    doc = map_ack(
        "999",
        "AK1*HC*17456*005010X222~AK2*837*0001~IK5*A~AK2*837*0002~IK3*CLM*22**8~"
        "CTX*CLM01:123456789~IK4*2*782*1~IK5*R*5~AK2*837*0003~IK3*REF*57**3~"
        "CTX*SITUATIONAL TRIGGER^TRIGGER:2*CLM*43**5:3*1325~IK5*R*5~AK9*P*3*3*1",
        component=":",
    ).document
    assert (doc.status, doc.counts.accepted) == ("partially_accepted", 1)
    assert [(s.control_number, s.status) for s in doc.transaction_sets] == [
        ("0001", "accepted"),
        ("0002", "rejected"),
        ("0003", "rejected"),
    ]
    second, third = doc.transaction_sets[1].errors[0], doc.transaction_sets[2].errors[0]
    assert (second.segment_id, second.position, second.element_position) == ("CLM", 22, 2)
    assert (second.element_ref, second.element_code) == ("782", "1")
    assert second.context == ["CLM01:123456789"]
    assert third.context == ["SITUATIONAL TRIGGER^TRIGGER:2*CLM*43**5:3*1325"]
    assert third.element_position is None


def test_999_ik4_context_belongs_to_the_element() -> None:
    doc = map_ack(
        "999",
        "AK1*HC*1~AK2*837*0001~IK3*NM1*7*2010*8~CTX*SEG~IK4*3*66*7*XX~CTX*ELEM~IK5*R~AK9*R*1*1*0",
    ).document
    assert doc.transaction_sets[0].errors[0].context == ["SEG", "ELEM"]


def test_missing_ak9_warns() -> None:
    event = map_ack("997", "AK1*PO*1~AK2*850*1~AK5*A")
    assert event.document.status is None
    assert "status: not found (AK901)" in event.warnings


def test_unknown_status_code_warns() -> None:
    event = map_ack("997", "AK1*PO*1~AK2*850*1~AK5*Q~AK9*A*1*1*1")
    assert event.document.transaction_sets[0].status is None
    assert event.warnings == ["transaction_sets[0].status: unknown code 'Q'"]


def test_non_numeric_position_is_null_with_a_warning() -> None:
    event = map_ack("997", "AK1*PO*1~AK2*850*1~AK3*REF*X3~AK5*R~AK9*R*1*1*0")
    assert event.document.transaction_sets[0].errors[0].position is None
    assert event.warnings == ["transaction_sets[0].errors.position: unreadable value 'X3' at AK302"]
