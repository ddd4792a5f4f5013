"""What every ``Map`` promises: an event stamped from the context; pure, deterministic, safe.

Runs over every document type's base map, the example partner's overrides, and the stub.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.canonical import (
    EVENT_ADAPTER,
    AckCounts,
    AcknowledgedGroup,
    FunctionalAck,
    FunctionalAckEvent,
)
from gateway.canonical.schema import json_schema
from gateway.mapping import DOCUMENT_TYPES, Map, StaticMap, load_map
from gateway.x12.model import Delimiters, Loop, Segment

from .x12tree import build_tree, context, source

TAGS = {
    "855": ["BAK", "CUR", "REF", "DTM", "N1", "N3", "N4", "PO1", "ACK", "PID", "SCH", "CTT"],
    "856": ["BSN", "DTM", "HL", "PRF", "LIN", "SN1", "MAN", "TD1", "TD5", "REF", "N1", "PO4"],
    "810": ["BIG", "CUR", "REF", "N1", "ITD", "IT1", "PID", "SAC", "TXI", "TDS", "CTT"],
    "997": ["AK1", "AK2", "AK3", "AK4", "AK5", "AK9"],
    "999": ["AK1", "AK2", "IK3", "IK4", "CTX", "IK5", "AK9"],
}
CASES = [(t, None) for t in sorted(DOCUMENT_TYPES)] + [
    ("855", "acme-fasteners"),
    ("856", "acme-fasteners"),
]
SCHEMA_VALIDATOR = jsonschema.Draft202012Validator(json_schema())


def stub() -> Map:
    return StaticMap(
        FunctionalAckEvent(
            id="fixed",
            source=source("997"),
            document=FunctionalAck(acknowledged_group=AcknowledgedGroup(), counts=AckCounts()),
        )
    )


MAP_FACTORIES: list[tuple[str, str | None, Callable[[], Map]]] = [
    (t, p, lambda t=t, p=p: load_map(t, p)) for t, p in CASES
] + [("997", None, stub)]

element = st.one_of(
    st.just(""),
    st.sampled_from(["00", "AC", "IA", "S", "O", "P", "T", "I", "GM", "PO", "BP", "A", "R", "1"]),
    st.text(alphabet="0123456789", max_size=9),
    st.text(alphabet="ABCXYZ09 .-:>", max_size=8),
)


def random_set(doc_type: str) -> st.SearchStrategy[Loop]:
    segment = st.tuples(st.sampled_from(TAGS[doc_type]), st.lists(element, max_size=12))
    return st.lists(segment, max_size=40).map(
        lambda parts: build_tree(
            [Segment(["ST", doc_type, "0001"], Delimiters(), 1, 1)]
            + [
                Segment([tag, *values], Delimiters(), n, n)
                for n, (tag, values) in enumerate(parts, start=2)
            ]
        )
    )


def snapshot(loop: Loop) -> object:
    return (
        loop.id,
        [list(s.elements) for s in loop.segments],
        [snapshot(c) for c in loop.children],
    )


@pytest.mark.parametrize(("doc_type", "partner", "factory"), MAP_FACTORIES)
def test_a_bare_set_maps_to_an_event_stamped_from_the_context(
    doc_type: str, partner: str | None, factory: Callable[[], Map]
) -> None:
    ts = build_tree([Segment(["ST", doc_type, "0001"], Delimiters(), 1, 1)])
    ctx = context(doc_type, partner)
    event = factory().to_canonical(ts, ctx)
    assert (event.id, event.partner_id, event.source) == (ctx.event_id, partner, ctx.source)
    SCHEMA_VALIDATOR.validate(event.model_dump(mode="json"))


@pytest.mark.parametrize(("doc_type", "partner", "factory"), MAP_FACTORIES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_content_maps_purely_and_deterministically(
    doc_type: str, partner: str | None, factory: Callable[[], Map], data: st.DataObject
) -> None:
    # given any set of plausible segments in any order
    ts = data.draw(random_set(doc_type))
    before = copy.deepcopy(snapshot(ts))
    the_map, ctx = factory(), context(doc_type, partner)
    # when mapped twice
    first = the_map.to_canonical(ts, ctx)
    second = the_map.to_canonical(ts, ctx)
    # then nothing was raised, the input is untouched, and the outputs are identical valid JSON
    assert snapshot(ts) == before
    as_json = json.dumps(first.model_dump(mode="json"), sort_keys=True)
    assert as_json == json.dumps(second.model_dump(mode="json"), sort_keys=True)
    assert EVENT_ADAPTER.validate_json(as_json) == first
