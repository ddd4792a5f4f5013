"""Bounded work per document (``gateway.x12.limits``): findings kept and counted, oversized sets,
wide segments, document counts and the time budget, as the X12 stages report them.

The native fast path is held to the same results by the differential tests in
``test_fastpath.py``; here the Python path shows what those results are.
"""

from __future__ import annotations

import io

import pytest

from gateway.errors import LimitExceededError
from gateway.x12 import results as r
from gateway.x12.error_entries import first_reason
from gateway.x12.interchanges import walk_interchanges
from gateway.x12.limits import Budget, Limits
from gateway.x12.reader import SegmentReader
from gateway.x12.validate import validate_transaction
from tests.support.x12docs import SAMPLE_SET_SEGMENTS, asn, document, interchange


def validated(data: bytes, limits: Limits) -> list[r.InterchangeResult]:
    reader = SegmentReader(io.BytesIO(data), limits=limits)
    return list(walk_interchanges(reader, validate_transaction))


def sets_of(results: list[r.InterchangeResult]) -> list[r.TransactionResult]:
    return [t for ir in results for g in ir.groups for t in g.transactions]


UNDEFINED = ["ZZ9"] * 30
"""Thirty segments the 856 does not define: each one finding (AK3 code 6), tolerated alone."""


def cost(tr: r.TransactionResult) -> int:
    return sum(1 + len(e.elements) for e in tr.segment_errors)


# --- findings per set, interchange and document ---------------------------------------------------


def test_given_tolerated_findings_within_the_limit_then_set_accepted_with_all_kept() -> None:
    [tr] = sets_of(validated(document(interchange(asn(extra=UNDEFINED))), Limits()))
    assert tr.status == "E" and len(tr.segment_errors) == 30 and tr.more_errors == 0


def test_given_more_findings_than_the_limit_then_first_kept_rest_counted_and_set_rejected() -> None:
    limits = Limits(max_errors_per_transaction=10)
    [tr] = sets_of(validated(document(interchange(asn(extra=UNDEFINED))), limits))
    assert tr.status == "R" and tr.set_codes == [r.SET_SEGMENTS_IN_ERROR]
    assert cost(tr) == 10 and tr.more_errors == 20
    assert [e.position for e in tr.segment_errors] == list(range(4, 14))  # the first ten, in order
    assert "30 errors, more than the 10" in tr.notes[0]
    assert "max_errors_per_transaction" in first_reason(tr)


def test_given_a_segment_with_many_element_errors_then_its_ak4s_count_against_the_limit() -> None:
    bad = "REF*ZZZZZZ*" + "X" * 60 + "*X" * 20  # REF01 and REF02 wrong, too many elements
    limits = Limits(max_errors_per_transaction=3)
    [tr] = sets_of(validated(document(interchange(asn(extra=[bad], at=4))), limits))
    assert tr.status == "R" and cost(tr) == 3 and tr.more_errors >= 1
    [error] = tr.segment_errors  # one AK3 holding the first two of its three AK4s
    assert error.code == r.SEGMENT_HAS_ELEMENT_ERRORS and len(error.elements) == 2


def test_given_interchange_budget_spent_then_later_sets_keep_nothing_but_count() -> None:
    sets = [asn(f"000{n}", extra=["ZZ9"] * 4) for n in range(1, 6)]
    limits = Limits(max_errors_per_interchange=6)
    kept = [
        (cost(t), t.more_errors) for t in sets_of(validated(document(interchange(*sets)), limits))
    ]
    assert kept == [(4, 0), (2, 2), (0, 4), (0, 4), (0, 4)]


def test_given_next_interchange_then_its_budget_starts_again_within_the_document_budget() -> None:
    one = interchange(asn(extra=["ZZ9"] * 4), isa13="000000001")
    two = interchange(asn(extra=["ZZ9"] * 4), isa13="000000002")
    limits = Limits(max_errors_per_interchange=3, max_errors_per_document=5)
    kept = [cost(t) for t in sets_of(validated(document(one, two), limits))]
    assert kept == [3, 2]


# --- segments per set -----------------------------------------------------------------------------


def test_given_set_past_the_segment_limit_then_rejected_unvalidated_with_ak3_2_where_it_went_over() -> (
    None
):
    limits = Limits(max_segments_per_transaction=10)
    [tr] = sets_of(validated(document(interchange(asn())), limits))
    assert tr.status == "R" and tr.set_codes == [r.SET_SEGMENTS_IN_ERROR]
    [error] = tr.segment_errors
    assert (error.position, error.code) == (11, r.SEGMENT_UNEXPECTED)
    assert tr.segment_count == SAMPLE_SET_SEGMENTS and tr.business_key == "SHP0045002"
    assert "max_segments_per_transaction" in tr.notes[0] and "34 segments" in tr.notes[0]


def test_given_oversized_set_with_wrong_se01_then_the_count_is_still_checked() -> None:
    st_se = asn()
    st_se[-1] = "SE*99*0001"
    [tr] = sets_of(validated(document(interchange(st_se)), Limits(max_segments_per_transaction=10)))
    assert r.SET_SEGMENT_COUNT_WRONG in tr.set_codes and r.SET_SEGMENTS_IN_ERROR in tr.set_codes


def test_given_set_exactly_at_the_segment_limit_then_validated_normally() -> None:
    limits = Limits(max_segments_per_transaction=SAMPLE_SET_SEGMENTS)
    [tr] = sets_of(validated(document(interchange(asn())), limits))
    assert tr.status == "A"
    over = Limits(max_segments_per_transaction=SAMPLE_SET_SEGMENTS - 1)
    [tr] = sets_of(validated(document(interchange(asn())), over))
    assert tr.status == "R" and tr.segment_errors[0].tag == "SE"


def test_given_set_past_the_element_limit_then_rejected_unvalidated_where_it_went_over() -> None:
    wide = [f"REF*BM*{n}" + "*AB" * 100 for n in range(10)]  # 103 elements each, with the tag
    limits = Limits(max_elements_per_transaction=400)
    [tr] = sets_of(validated(document(interchange(asn(extra=wide, at=4))), limits))
    [error] = tr.segment_errors
    # BSN, HL, TD1, TD5 hold 20 elements: the fourth REF (position 9) takes the set past 400.
    assert (error.tag, error.position, error.code) == ("REF", 9, r.SEGMENT_UNEXPECTED)
    assert tr.status == "R" and "limit max_elements_per_transaction" in tr.notes[0]


def test_given_a_long_set_then_the_walker_keeps_only_its_head() -> None:
    kept: list[int] = []
    data = document(interchange(asn(extra=["ZZ9"] * 5000)))
    reader = SegmentReader(io.BytesIO(data), limits=Limits(max_segments_per_transaction=100))
    list(walk_interchanges(reader, lambda unit: kept.append(len(unit.segments))))
    assert kept == [5]  # ST, three body segments, SE


# --- wide segments --------------------------------------------------------------------------------


def element_codes(tr: r.TransactionResult) -> list[str]:
    return [e.code for s in tr.segment_errors for e in s.elements]


def test_given_segment_with_more_elements_than_the_limit_then_ak4_3_and_never_split_further() -> (
    None
):
    wide = "REF*BM*1" + "*X" * 500
    [tr] = sets_of(validated(document(interchange(asn(extra=[wide]))), Limits()))
    assert tr.status == "R" and r.ELEMENT_TOO_MANY in element_codes(tr)
    assert "more than 128 elements" in tr.segment_errors[0].elements[0].message
    reader = SegmentReader(io.BytesIO(document(interchange(asn(extra=[wide])))))
    widest = max(len(seg.elements) for seg in reader)
    assert widest == 1 + 128 + 1  # the tag, 128 elements, then the unsplit rest


def test_given_undefined_segment_with_too_many_elements_then_rejected_too() -> None:
    [tr] = sets_of(validated(document(interchange(asn(extra=["ZZ9" + "*" * 200]))), Limits()))
    assert tr.status == "R" and element_codes(tr) == [r.ELEMENT_TOO_MANY]


def test_given_trailing_empty_elements_within_the_limit_then_tolerated() -> None:
    [tr] = sets_of(
        validated(document(interchange(asn(extra=["REF*BM*1" + "*" * 100], at=4))), Limits())
    )
    assert tr.status == "A"


def test_given_composite_with_more_components_than_the_limit_then_ak4_13() -> None:
    many = "REF*BM*1**BM>X" + ">" * 100  # trailing empty components: clean up to the limit
    [tr] = sets_of(validated(document(interchange(asn(extra=[many]))), Limits()))
    assert element_codes(tr) == [r.ELEMENT_TOO_MANY_COMPONENTS]
    assert "more than 64 components" in tr.segment_errors[0].elements[0].message


def test_given_element_repeated_more_than_the_limit_then_ak4_12_and_the_rest_unchecked() -> None:
    data = document(interchange(asn(extra=["REF*BM*" + "^".join(["A"] * 300)])))
    data = data.replace(b"*U*00401*", b"*^*00501*").replace(b"*004010~", b"*005010~")
    [tr] = sets_of(validated(data, Limits(max_repeats_per_element=5)))
    assert element_codes(tr) == [r.ELEMENT_TOO_MANY_REPETITIONS]


# --- per document: counts and time ----------------------------------------------------------------


def test_given_more_sets_than_the_document_may_have_then_limit_error_naming_the_interchange() -> (
    None
):
    data = document(interchange(asn("0001"), asn("0002"), asn("0003"), isa13="000000042"))
    with pytest.raises(LimitExceededError) as caught:
        validated(data, Limits(max_transactions_per_document=2))
    error = caught.value
    assert error.code == "x12.limit.max_transactions_per_document"
    assert error.context["ta1_code"] == "024" and error.context["isa"][13] == "000000042"
    assert "more than 2 transaction sets" in error.message


@pytest.mark.parametrize(
    ("limits", "code"),
    [
        (Limits(max_groups_per_document=1), "x12.limit.max_groups_per_document"),
        (Limits(max_interchanges_per_document=1), "x12.limit.max_interchanges_per_document"),
    ],
)
def test_given_more_groups_or_interchanges_than_allowed_then_limit_error(
    limits: Limits, code: str
) -> None:
    data = document(interchange(asn(), groups=2), interchange(asn(), isa13="000000113"))
    with pytest.raises(LimitExceededError) as caught:
        validated(data, limits)
    assert caught.value.code == code


def test_given_time_budget_spent_then_limit_error_for_the_open_interchange() -> None:
    now = [0.0]
    budget = Budget(Limits(max_seconds_per_document=5), clock=lambda: now[0])
    budget.open_interchange(["ISA", *[""] * 12, "000000007", "", "", ""])
    budget.check_time()
    now[0] = 5.5
    with pytest.raises(LimitExceededError) as caught:
        budget.check_time()
    assert caught.value.code == "x12.limit.max_seconds_per_document"
    assert caught.value.context["ta1_code"] == "024" and "000000007" in caught.value.message
    budget.close_interchange()
    with pytest.raises(LimitExceededError) as between:
        budget.check_time()
    assert "ta1_code" not in between.value.context  # no interchange open: nothing to answer


def test_given_limits_under_their_floor_then_value_error() -> None:
    with pytest.raises(ValueError, match="max_elements_per_segment"):
        Limits(max_elements_per_segment=10)


# --- interchange messages -------------------------------------------------------------------------


def test_given_many_segments_outside_any_set_then_messages_capped_with_a_count() -> None:
    text = interchange(asn()).replace("GE*1*1~", "N9~" * 250 + "GE*1*1~")
    [ir] = validated(text.encode(), Limits())
    assert len(ir.messages) == r.MAX_MESSAGES and ir.more_messages == 250 - r.MAX_MESSAGES
    assert ir.all_messages[-1] == "... and 150 more"


def test_given_huge_control_number_then_results_echo_only_its_start() -> None:
    st_se = asn()
    st_se[0] = "ST*856*" + "9" * 100_000
    [tr] = sets_of(validated(document(interchange(st_se)), Limits()))
    assert len(tr.control_number) == 35 and tr.status == "R"
