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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from gateway.x12 import reader as x12_reader
from gateway.x12.identities import ExpectedIdentities
from gateway.x12.interchanges import TransactionUnit
from gateway.x12.limits import DEFAULT_LIMITS, Limits
from gateway.x12.model import Delimiters, Loop, Segment
from gateway.x12.native.body import split_body
from gateway.x12.native.fastpath import FastValidation, SetHandler
from gateway.x12.validate import (
    DEFAULT_POLICY,
    ValidationPolicy,
    accept_certified,
    certified_tree,
    validate_transaction,
)

OnSet = Callable[[TransactionUnit, Loop | None], None]
"""Called with each set, validated, and its loop tree (None: the set is not supported)."""


class _TreeHandler(SetHandler):
    def __init__(self, policy: ValidationPolicy, on_set: OnSet, trees: bool) -> None:
        super().__init__(policy)
        self.on_set = on_set
        self.trees = trees
        self.placements: bytes | None = None
        """The certified set's, from the scanner."""

    def handle(self, unit: TransactionUnit, certified: bool) -> None:
        tree: Loop | None = None
        if not certified:
            tree = validate_transaction(unit, self.policy)
        elif self.trees:
            tree = certified_tree(unit, self.policy, self.placements)
        else:
            accept_certified(unit, self.policy)
        self.placements = None
        self.on_set(unit, tree)


class FastSets(FastValidation):
    """Iterate for the ``InterchangeResult``s; every set goes to ``on_set`` as it closes.

    With ``trees=False`` a certified set gets no tree (None), as when nothing will be mapped."""

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
    ) -> None:
        self.handler = _TreeHandler(policy, on_set, trees)
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
        segments += [
            Segment(elements, d, ordinal, ordinal - shift)
            for ordinal, elements in enumerate(split_body(slices, d, self.reader.max_split), first)
        ]
        walker.count_body(count)
