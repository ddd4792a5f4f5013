"""The field path syntax."""

from __future__ import annotations

import pytest

from gateway.mapping.paths import PathSyntaxError, all_hits, first_hit, pairs_aligned, parse_path
from gateway.x12.model import Segment

from .x12tree import parse_segments

SCOPE = parse_segments(
    "REF*BM*BOL-1~REF*CN*PRO-1~REF*CN*PRO-2~REF*VN~REF*VN*SO-1~DTM*067*20240102~"
    "TD5*B*ZZ*MUTUAL~TD5*B*2*ODFL~LIN*1*BP*A-1*LT*L-7*PL*003~AK4*1>2*128*7"
)


def value(path: str, scope: list[Segment] = SCOPE) -> str | None:
    hit = first_hit(scope, [path])
    return hit.value if hit else None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("REF02", "BOL-1"),
        ("REF02[REF01=CN]", "PRO-1"),
        ("REF02[REF01=VN]", "SO-1"),  # the first VN is blank: the next one wins
        ("DTM02[DTM01=017|067]", "20240102"),
        ("TD503[TD502!=ZZ]", "ODFL"),
        ("TD503[TD502=2][TD501=B]", "ODFL"),
        ("TD503[TD502=2][TD501=X]", None),
        ("REF02[REF01]", "BOL-1"),
        ("LIN02/LT", "L-7"),
        ("LIN02/PL", "003"),
        ("LIN02/UP", None),
        ("AK401-1", "1"),
        ("AK401-2", "2"),
        ("AK401-3", None),
        ("PO101", None),
    ],
)
def test_path_values(path: str, expected: str | None) -> None:
    assert value(path) == expected


def test_candidates_are_tried_in_order_before_scope_order() -> None:
    hit = first_hit(SCOPE, ["REF02[REF01=CN]", "REF02[REF01=BM]"])
    assert hit is not None
    assert (hit.value, hit.path.text) == ("PRO-1", "REF02[REF01=CN]")


def test_all_hits_collects_every_distinct_value() -> None:
    hits = all_hits(SCOPE, ["REF02[REF01=CN]", "REF02[REF01=CN|BM]"])
    assert [h.value for h in hits] == ["PRO-1", "PRO-2", "BOL-1"]


def test_values_are_trimmed() -> None:
    assert value("N403", parse_segments("N4*Town*OH*72712 ")) == "72712"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("REF02[REF01=VN", "not a field path"),
        ("ref02", "not a field path"),
        ("REF2", "not a field path"),
        ("REF00", "count from 1"),
        ("REF02[DTM01=VN]", "must name a REF element"),
        ("REF02[REF01==VN]", "bad filter"),
    ],
)
def test_bad_paths_are_explained(text: str, reason: str) -> None:
    with pytest.raises(PathSyntaxError, match=reason):
        parse_path(text)


def test_pairs_with_a_blank_side_are_misaligned() -> None:
    (good,) = parse_segments("PO1*1*5*EA*1**BP*X***VP*Y")
    (bad,) = parse_segments("PO1*1*5*EA*1***BP*X*VP*Y")
    assert pairs_aligned(good, 6)
    assert not pairs_aligned(bad, 6)
    assert value("PO106/VP", [bad]) == "Y"  # read anyway, skipping blanks
