"""Dates, times and decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.mapping.values import (
    check_date_format,
    parse_date,
    parse_decimal,
    parse_integer,
    parse_time,
)

FORMATS = ("CCYYMMDD", "YYMMDD")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20011012", "2001-10-12"),
        ("011012", "2001-10-12"),
        ("491231", "2049-12-31"),
        ("500101", "1950-01-01"),
        ("990101", "1999-01-01"),
        ("20240230", None),
        ("2024-01-01", None),
        ("200", None),
        ("", None),
    ],
)
def test_dates(text: str, expected: str | None) -> None:
    assert parse_date(text, FORMATS) == expected


def test_other_date_formats_and_pivot() -> None:
    assert parse_date("10122001", ("MMDDCCYY",)) == "2001-10-12"
    assert parse_date("300101", FORMATS, century_pivot=20) == "1930-01-01"
    assert check_date_format("CCYYMMDD") is None
    assert check_date_format("YYYYMMDD") is not None
    assert check_date_format("CCMMDD") is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1705", "17:05"),
        ("115902", "11:59:02"),
        ("11590255", "11:59:02"),
        ("2400", None),
        ("1260", None),
        ("12", None),
        ("12:00", None),
    ],
)
def test_times(text: str, expected: str | None) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "implied", "expected"),
    [
        ("0017.60", 0, "17.60"),
        ("17.", 0, "17"),
        (".5", 0, "0.5"),
        ("+3", 0, "3"),
        ("-0.00", 0, "0.00"),
        ("1E3", 0, "1000"),
        ("255438", 2, "2554.38"),
        ("5", 2, "0.05"),
        ("-150", 2, "-1.50"),
        ("2554.38", 2, "2554.38"),
        ("12A", 0, None),
        ("", 0, None),
        ("1E999", 0, None),
    ],
)
def test_decimals(text: str, implied: int, expected: str | None) -> None:
    assert parse_decimal(text, implied) == expected


def test_integers() -> None:
    assert (parse_integer("007"), parse_integer("7a"), parse_integer("")) == (7, None, None)


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9
    )
)
def test_decimals_keep_their_value_and_scale(number: Decimal) -> None:
    text = format(number, "f")
    parsed = parse_decimal(text)
    assert parsed is not None
    assert Decimal(parsed) == number
    assert Decimal(parsed).as_tuple().exponent == number.as_tuple().exponent
