"""The native fast path for ``translate_stream``: validated transaction sets, whole, with their trees.

``FastValidation`` only counts the body of a set the scanner certified clean. Translation needs
the set itself (to map it and to hash it into the event id), so ``FastSets`` rebuilds every body
segment from the scanner's text, exactly as the reader would have made it (same elements, ordinal
and position), and hands each set on with its loop tree: for a certified set, ``certified_tree``
from the placements the scanner recorded (no element, HL or CTT checks and no structure walk: the
scanner proved they find nothing); for any other, ``validate_transaction``. Results, trees and
exceptions are therefore those of ``walk_interchanges`` + ``validate_transaction``
(``tests/x12/test_fastsets.py``; ``tests/pipeline/test_fast_translate.py`` compares whole
translations).

With ``on_body`` (``translate_stream`` with a ``json_sink``), an accepted certified set is first
offered as text, with only the head of its body made into segments: the native 856 mapper
(``gateway.mapping.native``) writes its event from the text. A set it does not take gets the
rest of its segments and its tree as above.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import BinaryIO

from gateway.x12 import reader as x12_reader
from gateway.x12.identities import ExpectedIdentities
from gateway.x12.interchanges import TransactionUnit
from gateway.x12.limits import DEFAULT_LIMITS, Limits
from gateway.x12.model import Delimiters, Loop, Segment
from gateway.x12.native.body import head_of, split_body
from gateway.x12.native.fastpath import FastValidation, SetHandler
from gateway.x12.validate import (
    DEFAULT_POLICY,
    ValidationPolicy,
    accept_certified,
    certified_loop_tree,
    certified_tree,
    validate_transaction,
)

OnSet = Callable[[TransactionUnit, Loop | None], None]
"""Called with each set, validated, and its loop tree (None: the set is not supported)."""


@dataclass(slots=True)
class CertifiedBody:
    """A certified set's body as the scanner kept it, before it is made into ``Segment``s.

    The unit holds only the first ``body.HEAD_BODY`` body segments (the business key's) until
    ``restore`` puts all of them in."""

    slices: list[str]
    delimiters: Delimiters
    max_split: int
    first: int
    """The ordinal of the first body segment."""
    shift: int
    """ordinal - position."""
    head: int
    """How many body segments the unit holds so far."""

    @property
    def text(self) -> str:
        """The body's text (whole segments; a terminator between runs changes no segment)."""
        return self.delimiters.segment.join(self.slices)

    def placed(self, rows: Iterable[list[str]]) -> list[Segment]:
        """Body segments from their element lists, numbered and placed as the walker would."""
        d, shift = self.delimiters, self.shift
        return [
            Segment(elements, d, ordinal, ordinal - shift)
            for ordinal, elements in enumerate(rows, self.first)
        ]

    def restore(self, unit: TransactionUnit) -> None:
        """Every body segment into ``unit.segments``, as ``FastSets`` would have put them."""
        rows = split_body(self.slices, self.delimiters, self.max_split)
        unit.segments[1 : 1 + self.head] = self.placed(rows)


OnBody = Callable[[TransactionUnit, CertifiedBody], bool]
"""Offered each accepted certified set before its segments are built: True when it took the set
(``on_set`` is then not called for it)."""


class _TreeHandler(SetHandler):
    def __init__(
        self, policy: ValidationPolicy, on_set: OnSet, trees: bool, on_body: OnBody | None
    ) -> None:
        super().__init__(policy)
        self.on_set = on_set
        self.trees = trees
        self.on_body = on_body
        self.placements: bytes | None = None
        """The certified set's, from the scanner."""
        self.body: CertifiedBody | None = None
        """The certified set's, when ``on_body`` is offered it first."""

    def handle(self, unit: TransactionUnit, certified: bool) -> None:
        tree: Loop | None = None
        placements, self.placements = self.placements, None
        body, self.body = self.body, None
        if not certified:
            tree = validate_transaction(unit, self.policy)
        elif body is not None:
            accept_certified(unit, self.policy)
            assert self.on_body is not None
            if unit.result.accepted and self.on_body(unit, body):
                return
            body.restore(unit)
            tree = certified_loop_tree(unit, placements)
        elif self.trees:
            tree = certified_tree(unit, self.policy, placements)
        else:
            accept_certified(unit, self.policy)
        self.on_set(unit, tree)


class FastSets(FastValidation):
    """Iterate for the ``InterchangeResult``s; every set goes to ``on_set`` as it closes.

    With ``trees=False`` a certified set gets no tree (None), as when nothing will be mapped.
    With ``on_body``, each accepted certified set is offered to it first, as text."""

    wants_placements = True

    def __init__(
        self,
        stream: BinaryIO,
        on_set: OnSet,
        policy: ValidationPolicy = DEFAULT_POLICY,
        *,
        trees: bool = True,
        chunk_size: int = x12_reader.CHUNK_SIZE,
        identities: ExpectedIdentities | None = None,
        limits: Limits = DEFAULT_LIMITS,
        on_body: OnBody | None = None,
    ) -> None:
        self.handler = _TreeHandler(policy, on_set, trees, on_body if trees else None)
        super().__init__(stream, policy, chunk_size, self.handler, identities, limits)

    def _certified_body(
        self, slices: list[str], count: int, first: int, d: Delimiters, placements: bytes | None
    ) -> None:
        """Every segment, placed as ``EnvelopeWalker`` places a body segment (none of them is an
        envelope segment: the scanner ends a body at the first)."""
        self.handler.placements = placements
        walker = self.walker
        segments = walker.set_segments
        assert segments is not None
        shift = first - walker.set_count - 1  # ordinal - position
        body = CertifiedBody(slices, d, self.reader.max_split, first, shift, 0)
        if self.handler.on_body is None:
            segments += body.placed(split_body(slices, d, body.max_split))
        else:  # the head now (the business key), the rest when it is not taken
            head = body.placed(head_of(slices, d, body.max_split))
            segments += head
            body.head = len(head)
            self.handler.body = body
        walker.count_body(count)
