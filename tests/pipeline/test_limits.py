"""How ``translate`` answers a document past its limits: a clear rejection, nothing half-done.

A set past a per-set cap gets its 997/999 (AK3/AK4/AK5 with the nearest standard codes) and an
``errors`` entry naming the limit; a document past a per-document count or its time budget has
the interchange being read rejected with a TA1 (R, 024), its events withdrawn, and nothing after
it read; the ``errors`` list itself ends with a count of the entries left out.
"""

from __future__ import annotations

from typing import Any

from gateway.canonical import Event
from gateway.pipeline.translate import TranslateOptions, translate_bytes
from gateway.x12.limits import Limits
from tests.support.x12docs import asn, document, interchange


def translated(data: bytes, limits: Limits, **kwargs: Any) -> Any:
    options = TranslateOptions(partner_id="demo-supplier", limits=limits)
    return translate_bytes(data, "demo-supplier", options=options, **kwargs)


def test_given_set_past_the_segment_limit_then_997_rejects_it_and_the_error_names_the_limit() -> (
    None
):
    result = translated(document(interchange(asn())), Limits(max_segments_per_transaction=10))
    [ack] = result.acknowledgments
    assert "AK3*N3*11**2~" in ack["edi"] and "AK5*R*5~" in ack["edi"]  # segment 11 is an N3
    [entry] = result.errors
    assert entry["code"] == "x12.transaction.rejected" and result.documents == []
    assert "max_segments_per_transaction" in entry["message"]


def test_given_more_sets_than_allowed_then_ta1_r_024_and_that_interchange_withdrawn() -> None:
    first = interchange(asn("0001"), isa13="000000001")
    second = interchange(asn("0001"), asn("0002"), isa13="000000002")
    result = translated(document(first, second), Limits(max_transactions_per_document=2))
    assert [d.source.interchange_control_number for d in result.documents] == ["000000001"]
    kinds = [a["kind"] for a in result.acknowledgments]
    assert kinds == ["997", "TA1"]  # the first interchange's 997; the second is rejected whole
    assert "TA1*000000002*261117*0920*R*024~" in result.acknowledgments[1]["edi"]
    [entry] = result.errors
    assert entry["code"] == "x12.limit.max_transactions_per_document"
    assert "interchange 000000002 is rejected" in entry["message"] and "isa" not in entry
    assert [ir.ta1_status for ir in result.interchanges] == ["A", "R"]


def test_given_events_already_streamed_then_the_error_says_how_many_to_disregard() -> None:
    seen: list[Event] = []
    data = document(interchange(asn("0001"), asn("0002"), asn("0003")))
    result = translated(data, Limits(max_transactions_per_document=2), on_event=seen.append)
    [entry] = result.errors
    assert len(seen) == 2 and entry["documents_void"] == 2
    assert "disregard the 2 document(s)" in entry["message"]


def test_given_time_budget_spent_then_document_error_and_nothing_read() -> None:
    result = translated(document(interchange(asn())), Limits(max_seconds_per_document=0))
    [entry] = result.errors
    assert entry["code"] == "x12.limit.max_seconds_per_document"
    assert result.documents == [] and result.acknowledgments == []


def test_given_more_error_entries_than_the_limit_then_the_last_entry_counts_the_rest() -> None:
    bad = [asn(f"000{n}", extra=["ZZ9"]) for n in range(1, 7)]  # six sets accepted with errors
    result = translated(document(interchange(*bad)), Limits(max_error_entries=2))
    assert len(result.errors) == 3 and result.errors[-1]["code"] == "x12.errors.more"
    assert result.errors[-1]["count"] == 4  # six sets' entries, two kept
    assert "max_error_entries" in result.errors[-1]["message"]


def test_given_findings_past_the_interchange_budget_then_the_entry_counts_them() -> None:
    data = document(interchange(asn(extra=["ZZ9"] * 5)))
    result = translated(data, Limits(max_errors_per_interchange=2))
    assert len(result.documents) == 1  # five tolerated findings: accepted with errors
    [entry] = [e for e in result.errors if e["code"] == "x12.transaction.errors"]
    assert entry["more_errors"] == 3 and len(entry["segment_errors"]) == 2


def test_given_deep_hl_nesting_within_the_segment_limit_then_event_warnings_are_bounded() -> None:
    """Every level past the mapping's depth is re-rooted with a warning: 100 kept, then a count
    (they were once unbounded, and checked for duplicates in quadratic time)."""
    levels = [f"HL*{n}*{n - 1}*I" for n in range(2, 3_000)]
    st_se = ["ST*856*0001", "BSN*00*DEEP*20261117*0920*0001", "HL*1**S", *levels]
    st_se += [f"CTT*{len(levels) + 1}", f"SE*{len(st_se) + 2}*0001"]
    result = translated(document(interchange(st_se)), Limits())
    [event] = result.documents
    assert len(event.warnings) == 101 and event.warnings[-1].startswith("... and ")
    assert event.warnings[-1].endswith(" more warnings")


def test_given_entries_left_out_then_the_error_that_ended_the_document_is_still_there() -> None:
    """Bad interchanges, then one too many: the entry saying why reading stopped
    is kept whatever the cap, before the count of those left out."""
    bad = [interchange(asn(extra=["ZZ9"]), isa13=f"{n:09d}") for n in range(1, 6)]
    limits = Limits(max_error_entries=2, max_interchanges_per_document=4)
    result = translated(document(*bad), limits)
    codes = [e["code"] for e in result.errors]
    assert codes == [
        "x12.transaction.errors",
        "x12.transaction.errors",
        "x12.limit.max_interchanges_per_document",
        "x12.errors.more",
    ]
