"""Parties from N1 groups (N1 name/id, N3 street lines, N4 city/state/postal/country).

Parties are read from a flat run of segments rather than from ``N1`` loops, so an N1 group survives
whatever nesting the validator gave it: an N1 opens a party; N2, N3, N4 and the other segments the
standards allow inside the group continue it; anything else closes it. The first N4 wins.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.canonical import Party
from gateway.x12.model import Segment

_CONTINUES = frozenset({"N2", "N3", "N4", "REF", "PER", "FOB", "DTM", "SI", "G61", "TD5"})


def parties_from(segments: Iterable[Segment]) -> list[Party]:
    segments = segments if isinstance(segments, list) else list(segments)
    for start in range(len(segments)):  # nothing before the first N1 belongs to a party
        if segments[start].elements[0] == "N1":
            break
    else:
        return []  # most HL levels: no party, no work
    parties: list[Party] = []
    group: list[Segment] = []
    for segment in segments[start:]:
        if segment.tag == "N1" or (group and segment.tag not in _CONTINUES):
            if group:
                parties.append(_party(group))
            group = [segment] if segment.tag == "N1" else []
        elif group:
            group.append(segment)
    if group:
        parties.append(_party(group))
    return parties


def _value(segment: Segment | None, n: int) -> str | None:
    return (segment.get(n).strip() or None) if segment is not None else None


def _party(group: list[Segment]) -> Party:
    n1 = group[0]
    n4 = next((s for s in group if s.tag == "N4"), None)
    street = [s.get(n).strip() for s in group if s.tag == "N3" for n in (1, 2)]
    return Party(
        role=n1.get(1).strip(),
        name=_value(n1, 2),
        id_qualifier=_value(n1, 3),
        id=_value(n1, 4),
        address_lines=[line for line in street if line],
        city=_value(n4, 1),
        state=_value(n4, 2),
        postal_code=_value(n4, 3),
        country=_value(n4, 4),
    )
