"""One walk over a scope finds every field a map asks of it: the mapper's hot path.

``first_hit(scope, paths)`` walks the scope once per candidate path. An 856 asks a dozen fields
of each of its HL levels, so that was most of its mapping time. A ``FieldPlan`` is compiled once
per map from the candidate paths of the fields read together into a ``tag -> candidates`` table;
one walk over a scope then finds all of them, each segment a dictionary lookup away.

The answer is, field by field, exactly ``first_hit``'s: the first candidate in the map's order
that has a non-blank value anywhere in scope wins, and within one candidate the first segment in
scope order. A walk keeps, per field, the rank of the candidate found so far and lets only a
better-ranked candidate replace it (``tests/mapping/test_plans.py`` checks this against
``first_hit`` on generated scopes).

The common shapes are read inline rather than through ``FieldPath`` methods: a plain element
(``PRF01``), one filter on a plain element (``REF02[REF01=PO]``), and qualifier/value pairs
(``LIN02/PL``), whose pairs are split once per segment however many fields ask for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from gateway.mapping.paths import FieldPath, Hit, compile_paths, pair_map
from gateway.x12.model import Segment

_NONE = 1 << 30
"""The rank of "nothing found yet": worse than any candidate."""

_new_hit = tuple.__new__
"""What ``Hit(value, path, segment)`` does, minus the Python-level ``__new__`` wrapper."""


class _Filter(NamedTuple):
    """``Condition.holds`` for one plain element: ``[REF01=PO|VN]``, ``[TD502!=ZZ]``, ``[MAN01]``."""

    element: int
    values: frozenset[str] | None
    negate: bool


class _Candidate(NamedTuple):
    field: int
    rank: int
    """Position among its field's candidates: a lower rank wins."""
    path: FieldPath
    element: int
    """The element to read: > 0 a plain element, < 0 pairs from element ``-element``, 0 neither
    (``path.read``)."""
    filter: _Filter | None
    general: bool
    """Filters that ``filter`` cannot express: checked with ``Condition.holds``."""


def _candidate(field: int, rank: int, path: FieldPath) -> _Candidate:
    ref = path.ref
    if ref.component is not None:
        element = 0
    else:
        element = ref.element if path.qualifier is None else -ref.element
    conditions = path.conditions
    only = conditions[0] if len(conditions) == 1 else None
    if only is not None and only.ref.component is None:
        test = _Filter(only.ref.element, only.values, only.negate)
        return _Candidate(field, rank, path, element, test, False)
    return _Candidate(field, rank, path, element, None, bool(conditions))


class FieldPlan:
    """The candidate paths of several fields, indexed by segment tag.

    ``FieldPlan([config.line.quantity, config.line.uom])`` reads both fields in one walk."""

    __slots__ = ("_by_tag", "_count")

    def __init__(self, fields: Sequence[Sequence[str]]) -> None:
        self._count = len(fields)
        by_tag: dict[str, list[_Candidate]] = {}
        for index, paths in enumerate(fields):
            for rank, path in enumerate(compile_paths(tuple(paths))):
                by_tag.setdefault(path.tag, []).append(_candidate(index, rank, path))
        self._by_tag = {tag: tuple(candidates) for tag, candidates in by_tag.items()}

    def first_hits(self, scope: Sequence[Segment]) -> list[Hit | None]:
        """Per field, in the order given: ``first_hit(scope, paths)``."""
        found: list[Hit | None] = [None] * self._count
        ranks = [_NONE] * self._count
        by_tag = self._by_tag
        for segment in scope:
            elements = segment.elements
            candidates = by_tag.get(elements[0])
            if candidates is None:
                continue
            size = len(elements)
            pairs: dict[int, dict[str, str]] = {}
            for field, rank, path, element, test, general in candidates:
                if rank >= ranks[field]:
                    continue
                if test is not None:
                    at = test.element
                    value = elements[at].strip() if at < size else ""
                    if test.values is None:
                        if not value:
                            continue
                    elif (value in test.values) == test.negate:
                        continue
                elif general and not all(c.holds(segment) for c in path.conditions):
                    continue
                if element > 0:
                    value = elements[element].strip() if element < size else ""
                elif element < 0:
                    known = pairs.get(element)
                    if known is None:
                        known = pairs[element] = pair_map(segment, -element)
                    value = known.get(path.qualifier or "", "")
                else:
                    value = path.read(segment)
                if value:
                    ranks[field] = rank
                    found[field] = _new_hit(Hit, (value, path, segment))
        return found

    def values(self, scope: Sequence[Segment]) -> list[str | None]:
        """Per field: the text of its first hit (``FieldReader.text``)."""
        return [None if hit is None else hit.value for hit in self.first_hits(scope)]
