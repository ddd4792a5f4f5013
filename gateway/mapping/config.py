"""The schema of map files: shared pieces every document type's map uses.

A map file is data validated here with ``extra="forbid"``, so a misspelt key is an error rather than
a silently ignored setting. Each document type adds its own sections (``po_ack.PoAckMapConfig``...).
Field sources are lists of candidate paths (see ``paths``); a single string is accepted as a list
of one, and an empty list means "never filled".
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from gateway.mapping.paths import PathSyntaxError, parse_path
from gateway.mapping.values import check_date_format
from gateway.strict_data import StrictData

_ELEMENT = re.compile(r"[A-Z][A-Z0-9]{1,2}\d{2}")
_TAG = re.compile(r"[A-Z][A-Z0-9]{1,2}")


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


def _check_path(text: str) -> str:
    try:
        parse_path(text)
    except PathSyntaxError as exc:
        raise ValueError(str(exc)) from None
    return text


def _check_pair_start(text: str) -> str:
    path = parse_path(_check_path(text))
    if path.qualifier is not None or path.ref.component is not None:
        raise ValueError(f"{text!r}: a pair start is an element such as PO106 (filters allowed)")
    return text


def _check_element(text: str) -> str:
    if not _ELEMENT.fullmatch(text):
        raise ValueError(f"{text!r} is not an element reference such as TDS01")
    return text


def _check_tag(text: str) -> str:
    if not _TAG.fullmatch(text):
        raise ValueError(f"{text!r} is not a segment tag such as ACK")
    return text


Paths = Annotated[
    tuple[Annotated[str, AfterValidator(_check_path)], ...], BeforeValidator(_as_list)
]
"""Candidate locations of one value, tried in order."""

PairStarts = Annotated[
    tuple[Annotated[str, AfterValidator(_check_pair_start)], ...], BeforeValidator(_as_list)
]
"""Where qualifier/value pairs begin (``PO106``: PO106/107, PO108/109...)."""

ElementId = Annotated[str, AfterValidator(_check_element)]
SegmentTag = Annotated[str, AfterValidator(_check_tag)]


class Section(StrictData):
    """A part of a map: see ``StrictData``."""


def _check_format(fmt: str) -> str:
    problem = check_date_format(fmt)
    if problem:
        raise ValueError(problem)
    return fmt


class DateSettings(Section):
    formats: tuple[Annotated[str, AfterValidator(_check_format)], ...] = ("CCYYMMDD", "YYMMDD")
    century_pivot: int = Field(default=50, ge=0, le=100)


class MapConfig(Section):
    """Settings every map has; subclasses add their field sections and code tables."""

    extends: str | None = Field(
        default=None, description="Name of the map directory this file overrides (e.g. base)."
    )
    product_id_qualifiers: dict[str, str | None] = Field(
        default_factory=dict,
        description="Qualifier code -> canonical key; null drops the pair (not a product id).",
    )
    uom: dict[str, str] = Field(
        default_factory=dict, description="Unit code as sent -> canonical code; absent = as sent."
    )
    dates: DateSettings = DateSettings()
    implied_decimals: dict[ElementId, int] = Field(
        default_factory=dict, description="N-type elements and their implied decimals (TDS01: 2)."
    )
