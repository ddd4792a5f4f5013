"""Element checks: usage, lengths, types, dates, times, codes, composites, syntax notes."""

from __future__ import annotations

import pytest

from gateway.x12.elements import check_segment, valid_date
from gateway.x12.model import Delimiters, Segment
from gateway.x12.spec import ElementSpec, SegmentSpec

D = Delimiters(repetition="^")
SPEC = SegmentSpec(
    "TST",
    "test segment",
    (
        ElementSpec("1", "M", "ID", 2, 2, codes=frozenset({"AA", "BB"})),
        ElementSpec("2", "O", "AN", 1, 5),
        ElementSpec("3", "O", "R", 1, 4),
        ElementSpec("4", "O", "N2", 1, 3),
        ElementSpec("5", "O", "DT", 8, 8),
        ElementSpec("6", "O", "TM", 4, 8),
        ElementSpec("7", "X", "AN", 1, 3),
        ElementSpec("8", "X", "AN", 1, 3),
        ElementSpec(
            "C1",
            "O",
            "C",
            0,
            0,
            composite=(ElementSpec("9", "M", "ID", 2, 2), ElementSpec("10", "O", "R", 1, 5)),
        ),
    ),
    rules=("P0708",),
)


def errors(text: str, spec: SegmentSpec = SPEC) -> list[tuple[int, str]]:
    seg = Segment(text.split("*"), D, 1, 2)
    return [(e.position, e.code) for e in check_segment(seg, spec)]


def test_given_clean_segment_when_checked_then_no_errors() -> None:
    assert errors("TST*AA*ABC*-1.25*100*20240229*235959*X*Y*EA>12.5") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TST**A", [(1, "1")]),
        ("TST*CC", [(1, "7")]),
        ("TST*AA*ABCDEF", [(2, "5")]),
        ("TST*AA**12.345", [(3, "5")]),
        ("TST*AA**1.2.3", [(3, "6")]),
        ("TST*AA***1.5", [(4, "6")]),
        ("TST*AA****20261345", [(5, "8")]),
        ("TST*AA****20250229", [(5, "8")]),
        ("TST*AA****2026010", [(5, "4")]),
        ("TST*AA*****2460", [(6, "9")]),
        ("TST*AA******X", [(8, "2")]),
        ("TST*AA********>5", [(9, "1")]),
        ("TST*AA********EA>1>2", [(9, "13")]),
        ("TST*AA*********EXTRA", [(10, "3")]),
        ("TST*AA*A^TOOLONG", [(2, "5")]),
    ],
)
def test_given_bad_element_when_checked_then_precise_ak4_code(
    text: str, expected: list[tuple[int, str]]
) -> None:
    assert errors(text) == expected


def test_given_trailing_empty_elements_when_checked_then_tolerated() -> None:
    assert errors("TST*AA*B*****") == []


@pytest.mark.parametrize(
    ("rule", "present", "ok"),
    [
        ("P0102", "AA*B", True),
        ("P0102", "AA", False),
        ("P0102", "*", True),
        ("R0102", "*", False),
        ("R0102", "*B", True),
        ("E0102", "AA*B", False),
        ("E0102", "AA", True),
        ("C0102", "AA", False),
        ("C0102", "*B", True),
        ("C0102", "AA*B", True),
        ("L010203", "AA", False),
        ("L010203", "AA**C", True),
        ("L010203", "**C", True),
    ],
)
def test_given_syntax_note_when_checked_then_bit_logic_matches_the_standard(
    rule: str, present: str, ok: bool
) -> None:
    spec = SegmentSpec(
        "TST", "t", tuple(ElementSpec(str(i), "O", "AN", 1, 5) for i in range(3)), (rule,)
    )
    found = errors("TST*" + present, spec)
    assert (found == []) is ok


def test_dates_are_calendar_checked_with_a_century_window() -> None:
    assert valid_date("20240229") and not valid_date("20230229")
    assert valid_date("000229") and not valid_date("010229") and not valid_date("261301")
