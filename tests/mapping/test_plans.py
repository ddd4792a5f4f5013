"""``FieldPlan`` finds, field by field, exactly what ``first_hit`` finds (differential tests)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.mapping.paths import first_hit
from gateway.mapping.plans import FieldPlan
from gateway.x12.model import Delimiters, Segment

from .x12tree import parse_segments

PATHS = [
    "REF02",
    "REF02[REF01=PO]",
    "REF02[REF01=CN|2I]",
    "REF02[REF01!=PO]",
    "REF02[REF01]",
    "REF03[REF01=PO][REF02]",
    "REF02[REF01-2=X]",
    "REF01-2",
    "LIN01",
    "LIN02/PL",
    "LIN02/LT",
    "LIN02/ON",
    "LIN03/UP",
    "DTM02[DTM01=011]",
    "DTM02[DTM01=017|067]",
    "SN102",
    "N104",
]
VALUES = ["", " ", "PO", "CN", "2I", "PL", "LT", "ON", "UP", "X", "1", " 7 ", "A>X", ">X", "011"]
TAGS = ["REF", "LIN", "DTM", "SN1", "N1", "PID"]
D = Delimiters(component=">")


def segments() -> st.SearchStrategy[list[Segment]]:
    segment = st.tuples(st.sampled_from(TAGS), st.lists(st.sampled_from(VALUES), max_size=8))
    return st.lists(segment, max_size=12).map(
        lambda items: [Segment([tag, *values], D, n, n) for n, (tag, values) in enumerate(items, 1)]
    )


fields = st.lists(st.lists(st.sampled_from(PATHS), max_size=4), min_size=1, max_size=5)


@settings(max_examples=600, deadline=None)
@given(segments(), fields)
def test_given_any_scope_then_each_field_is_first_hits(
    scope: list[Segment], candidates: list[list[str]]
) -> None:
    plan = FieldPlan(candidates)
    assert plan.first_hits(scope) == [first_hit(scope, paths) for paths in candidates]
    assert plan.values(scope) == [
        None if hit is None else hit.value for hit in plan.first_hits(scope)
    ]


def test_candidates_keep_their_order_across_segments() -> None:
    scope = parse_segments("REF*CN*PRO-1~REF*BM*BOL-1~LIN*1*PL*003*LT*L-7~REF*PO*P-9")
    plan = FieldPlan([["REF02[REF01=BM]", "REF02[REF01=CN]"], ["LIN02/LT", "REF02[REF01=PO]"], []])
    lading, lot, nothing = plan.first_hits(scope)
    assert lading is not None and (lading.value, lading.path.text) == ("BOL-1", "REF02[REF01=BM]")
    assert lot is not None and (lot.value, lot.segment.tag) == ("L-7", "LIN")
    assert nothing is None
