"""The X12 segment dictionary: element layouts of every segment the gateway validates.

Source of truth: the ASC X12 004010 and 005010 segment and data element directories.
``SEGMENTS_4010`` is the 004010 layout (``dictionary_segments_common.py``,
``dictionary_segments_items.py`` and ``dictionary_segments_sets.py``); ``SEGMENTS_5010`` is that
table with the 005010 differences applied here. ``segments_for`` picks the table from the GS08
version code. Choices made to be tolerant:

* 003060, 004030, 004060 and the VICS/X348/X358 variants are read with the 004010 layouts.
* Releases before 004010 (``002xxx``, ``003xxx``) wrote dates as YYMMDD: their table accepts DT
  elements of 6 to 8 digits.
* Releases after 004010 (``004020`` to ``004060``) widened some elements that 005010 kept widened
  (reference identification 1/50, communication number 1/256): their table has those lengths.
* The 999 segments (IK3, IK4, IK5, CTX) first appeared in 005010; they are in the 004010 table too,
  so that a 999 labelled with an older version still resolves.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from gateway.x12.dictionary_notation import COMPOSITES_5010, el
from gateway.x12.dictionary_segments_common import COMMON, ENVELOPE
from gateway.x12.dictionary_segments_items import ITEMS
from gateway.x12.dictionary_segments_sets import (
    ACKNOWLEDGING,
    INVOICING,
    ORDERING,
    SHIPPING,
)
from gateway.x12.spec import ElementSpec, SegmentSpec

__all__ = [
    "SEGMENTS_4010",
    "SEGMENTS_5010",
    "segments_for",
    "version_family",
]


def _merge(*tables: dict[str, SegmentSpec]) -> dict[str, SegmentSpec]:
    out: dict[str, SegmentSpec] = {}
    for part in tables:
        for tag, spec in part.items():
            if tag in out:
                raise ValueError(f"segment {tag} defined in two dictionary tables")
            out[tag] = spec
    return out


SEGMENTS_4010: dict[str, SegmentSpec] = _merge(
    ENVELOPE, COMMON, ITEMS, ORDERING, SHIPPING, INVOICING, ACKNOWLEDGING
)

# Element lengths that changed from 004010 to 005010, by data element reference number.
_LENGTHS_5010: dict[str, tuple[int, int]] = {
    "127": (1, 50),  # Reference Identification
    "364": (1, 256),  # Communication Number
    "719": (1, 10),  # Segment Position in Transaction Set
    "447": (1, 4),  # Loop Identifier Code
}
# The widenings that 004020..004060 already had (never a narrowing: those are read tolerantly).
_LENGTHS_LATE_4010: dict[str, tuple[int, int]] = {
    "127": (1, 50),
    "364": (1, 256),
    "719": (1, 10),
}


def _adjust(
    element: ElementSpec,
    lengths: dict[str, tuple[int, int]],
    composites: dict[str, tuple[ElementSpec, ...]] | None = None,
    min_date: int | None = None,
) -> ElementSpec:
    if element.composite is not None:
        components = element.composite
        if composites is not None and element.ref in composites:
            components = composites[element.ref]
        adjusted = tuple(_adjust(c, lengths, None, min_date) for c in components)
        return replace(element, composite=adjusted)
    if element.ref in lengths:
        low, high = lengths[element.ref]
        element = replace(element, min=low, max=high)
    if min_date is not None and element.type == "DT":
        element = replace(element, min=min(element.min, min_date))
    return element


def _derive(
    base: dict[str, SegmentSpec],
    lengths: dict[str, tuple[int, int]],
    composites: dict[str, tuple[ElementSpec, ...]] | None = None,
    min_date: int | None = None,
) -> dict[str, SegmentSpec]:
    return {
        tag: replace(
            spec, elements=tuple(_adjust(e, lengths, composites, min_date) for e in spec.elements)
        )
        for tag, spec in base.items()
    }


def _with_5010_segments(table: dict[str, SegmentSpec]) -> dict[str, SegmentSpec]:
    """Segment layouts that gained or changed elements in 005010."""
    out = dict(table)
    isa = table["ISA"]
    out["ISA"] = replace(isa, elements=(*isa.elements[:10], el("M I65 AN 1 1"), *isa.elements[11:]))
    added = (("ST", "O 1705 AN 1 35"), ("AK1", "O 480 AN 1 12"), ("AK2", "O 1705 AN 1 35"))
    for tag, extra in added:
        out[tag] = replace(table[tag], elements=(*table[tag].elements, el(extra)))
    n4 = table["N4"]
    out["N4"] = replace(
        n4,
        elements=(
            n4.elements[0],
            replace(n4.elements[1], usage="X"),
            n4.elements[2],
            replace(n4.elements[3], usage="X"),
            *n4.elements[4:],
            el("X 1715 ID 1 3"),
        ),
        rules=("E0207", "C0605", "C0704"),
    )
    mea = table["MEA"]
    out["MEA"] = replace(
        mea,
        elements=(*mea.elements, el("X 1270 ID 1 3"), el("X 1271 AN 1 30")),
        rules=("R03050608", "E0412", "L050412", "L060412", "L07030506", "E0803", "P1112"),
    )
    return out


SEGMENTS_5010: dict[str, SegmentSpec] = _with_5010_segments(
    _derive(SEGMENTS_4010, _LENGTHS_5010, COMPOSITES_5010)
)

SEGMENTS_LATE_4010: dict[str, SegmentSpec] = _derive(SEGMENTS_4010, _LENGTHS_LATE_4010)
"""004020..004060: the 004010 layouts with the lengths those releases widened."""

SEGMENTS_PRE_4010: dict[str, SegmentSpec] = _derive(SEGMENTS_4010, {}, None, min_date=6)
"""002xxx and 003xxx: the 004010 layouts, dates YYMMDD or CCYYMMDD."""

_TABLES = MappingProxyType(
    {
        "5010": SEGMENTS_5010,
        "4010": SEGMENTS_4010,
        "late4010": SEGMENTS_LATE_4010,
        "pre4010": SEGMENTS_PRE_4010,
    }
)


def version_family(version: str) -> str:
    """``"5010"`` for GS08 release 005 and later, else ``"4010"`` (the structure families)."""
    head = version.strip()[:3]
    return "5010" if (head.isascii() and head.isdigit()) and head >= "005" else "4010"


def _table_key(version: str) -> str:
    code = version.strip()
    head = code[:3]
    if not (head.isascii() and head.isdigit()):
        return "4010"
    if head >= "005":
        return "5010"
    if head < "004":
        return "pre4010"
    release = code[:6]
    if (release.isascii() and release.isdigit()) and release > "004010":
        return "late4010"
    return "4010"


def segments_for(version: str) -> dict[str, SegmentSpec]:
    """The segment table for a GS08 version code (``004010``, ``004010VICS``, ``005010X231A1``...).

    Release 005 and later: the 005010 table; everything else: the 004010 layouts (with the
    date and length tolerances described in the module docstring). Unknown or empty codes: 004010.
    """
    return _TABLES[_table_key(version)]
