"""The native fast path for ``translate_stream``: validated transaction sets, whole, with their trees.

``FastValidation`` only counts the body of a set the scanner certified clean. Translation needs
the set itself (to map it and to hash it into the event id), so ``FastSets`` rebuilds every body
segment from the scanner's text, exactly as the reader would have made it (same elements, ordinal
and position), and hands each set on with its loop tree: ``certified_tree`` for a certified set
(no element, HL or CTT checks: the scanner proved they find nothing), ``validate_transaction``
for any other. Results, trees and exceptions are therefore those of ``walk_interchanges`` +
``validate_transaction``; ``tests/pipeline/test_fast_translate.py`` compares whole translations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from gateway.x12 import reader as x12_reader
from gateway.x12.envelope import TransactionUnit
from gateway.x12.fastpath import FastValidation, split_body
from gateway.x12.model import Delimiters, Loop, Segment
from gateway.x12.validate import (
    DEFAULT_POLICY,
    ValidationPolicy,
    accept_certified,
    certified_tree,
    validate_transaction,
)

SetHandler = Callable[[TransactionUnit, Loop | None], None]
"""Called with each set, validated, and its loop tree (None: the set is not supported)."""


class FastSets(FastValidation):
    """Iterate for the ``InterchangeResult``s; every set goes to ``on_set`` as it closes.

    With ``trees=False`` a certified set gets no tree (None), as when nothing will be mapped."""

    def __init__(
        self,
        stream: BinaryIO,
        on_set: SetHandler,
        policy: ValidationPolicy = DEFAULT_POLICY,
        *,
        trees: bool = True,
        chunk_size: int = x12_reader.CHUNK_SIZE,
    ) -> None:
        super().__init__(stream, policy, chunk_size)
        self.on_set = on_set
        self.trees = trees
        self._placements: bytes | None = None

    wants_placements = True

    def _certified_body(
        self, slices: list[str], count: int, first: int, d: Delimiters, placements: bytes | None
    ) -> None:
        """Every segment, placed as ``EnvelopeWalker`` places a body segment (none of them is an
        envelope segment: the scanner ends a body at the first)."""
        self._placements = placements
        segments = self.walker.set_segments
        assert segments is not None
        position = len(segments) + 1
        for ordinal, elements in enumerate(split_body(slices, d), first):
            segments.append(Segment(elements, d, ordinal, position))
            position += 1

    def _on_transaction(self, unit: TransactionUnit) -> None:
        self.transaction_count += 1
        if self._certified:
            self._certified = False
            if self.trees:
                tree: Loop | None = certified_tree(unit, self.policy, self._placements)
            else:
                accept_certified(unit, self.policy)
                tree = None
        else:
            tree = validate_transaction(unit, self.policy)
        self.on_set(unit, tree)
