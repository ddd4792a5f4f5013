"""A compact notation for writing the X12 segment dictionary (``dictionary*.py``) as data.

Source of truth: the ASC X12 004010 and 005010 data element and segment directories. This module
holds only the notation and the composites shared by several segments; the segments are in
``dictionary_segments_common.py`` and ``dictionary_segments_sets.py``.

An element is one string ``"usage ref type min max"``, e.g. ``"M 353 ID 2 2"``; a composite is
``"usage Cnnn"``, e.g. ``"O C001"``, and takes its components from ``COMPOSITES``. Lengths do not
apply to a composite as a whole: its ``min``/``max`` are 0 and its components carry the lengths.
Syntax notes use the standard notation (``P0506``, ``C0302``, ``R020305``, ``L03040513``...).

Tolerant choice: the C999 components (CTX06) are read as AN 1/4 rather than N0, because the
005010X231 example itself references a composite there (``C023:1325``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from gateway.x12.spec import ElementSpec, SegmentSpec

_USAGES = frozenset({"M", "O", "X"})
_TYPES = frozenset({"AN", "ID", "DT", "TM", "R", "B"})


def el(text: str, codes: Iterable[str] | None = None) -> ElementSpec:
    """A simple element from ``"usage ref type min max"``, a composite from ``"usage Cnnn"``."""
    parts = text.split()
    usage = parts[0]
    if usage not in _USAGES:
        raise ValueError(f"bad usage in {text!r}")
    if len(parts) == 2:
        components = COMPOSITES[parts[1]]
        return ElementSpec(parts[1], usage, "C", 0, 0, None, components)
    if len(parts) != 5:
        raise ValueError(f"element spec {text!r} is not 'usage ref type min max'")
    _, ref, kind, low, high = parts
    if kind not in _TYPES and not (kind[0] == "N" and kind[1:].isdigit()):
        raise ValueError(f"bad data type in {text!r}")
    if codes is not None and kind != "ID":
        raise ValueError(f"codes on a non-ID element {text!r}")
    return ElementSpec(ref, usage, kind, int(low), int(high), frozenset(codes) if codes else None)


def pairs(count: int, first: str, second: str) -> tuple[str, ...]:
    """``count`` repetitions of a (qualifier, value) pair of element specs."""
    return (first, second) * count


def paired_rules(start: int, count: int) -> tuple[str, ...]:
    """``P`` notes for ``count`` consecutive element pairs beginning at position ``start``."""
    return tuple(f"P{start + 2 * i:02d}{start + 2 * i + 1:02d}" for i in range(count))


def seg(
    tag: str,
    name: str,
    *elements: str,
    rules: tuple[str, ...] = (),
    codes: Mapping[int, Iterable[str]] | None = None,
) -> SegmentSpec:
    """A segment: its element specs in order; ``codes`` maps a 1-based position to its code list."""
    code_map = codes or {}
    specs = tuple(el(text, code_map.get(pos)) for pos, text in enumerate(elements, 1))
    for rule in rules:
        positions = [int(rule[i : i + 2]) for i in range(1, len(rule), 2)]
        if rule[0] not in "PRCLE" or len(rule) % 2 != 1 or max(positions) > len(specs):
            raise ValueError(f"{tag}: bad syntax note {rule!r}")
    return SegmentSpec(tag, name, specs, rules)


def table(*segments: SegmentSpec) -> dict[str, SegmentSpec]:
    out: dict[str, SegmentSpec] = {}
    for spec in segments:
        if spec.tag in out:
            raise ValueError(f"segment {spec.tag} defined twice")
        out[spec.tag] = spec
    return out


def _components(*texts: str) -> tuple[ElementSpec, ...]:
    return tuple(el(text) for text in texts)


# C001 Composite Unit of Measure: a unit, then up to four more (unit, exponent, multiplier).
_C001 = _components(
    "M 355 ID 2 2",
    "O 1018 R 1 15",
    "O 649 R 1 10",
    *(("X 355 ID 2 2", "X 1018 R 1 15", "X 649 R 1 10") * 4),
)

COMPOSITES: dict[str, tuple[ElementSpec, ...]] = {
    "C001": _C001,
    # C002 Actions Indicated (PWK08).
    "C002": _components("M 704 ID 2 2", *(("O 704 ID 2 2",) * 4)),
    # C030 Position in Segment (AK401, IK401, CTX05); the third component is new in 005010.
    "C030": _components("M 722 N0 1 2", "O 1528 N0 1 2"),
    # C040 Reference Identifier (REF04, N907).
    "C040": _components("M 128 ID 2 3", "M 127 AN 1 30", *(("X 128 ID 2 3", "X 127 AN 1 30") * 2)),
    # C998 Context Identification (CTX01, 005010).
    "C998": _components("M 9999 AN 1 35", "O 9998 AN 1 35"),
    # C999 Reference in Segment (CTX06, 005010): element reference, then component reference.
    # Read as AN, not N0: the 005010X231 example itself references a composite as ``C023:1325``.
    "C999": _components("M 725 AN 1 4", "O 725 AN 1 4"),
}

COMPOSITES_5010: dict[str, tuple[ElementSpec, ...]] = {
    **COMPOSITES,
    "C030": _components("M 722 N0 1 2", "O 1528 N0 1 2", "O 1686 N0 1 4"),
}
"""Composites whose layout changed in 005010 (widened lengths are handled element by element)."""
