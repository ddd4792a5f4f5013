"""Bounded work per document: the limits, and the budget one document spends against them.

Why: a transaction set repeating a segment the 856 does not define kept one finding per segment,
and every copy of them (the 997, the ``errors`` entries, the stored validation, the message
metadata, the receipt, the event's warnings) grew with the input: 1 MB took 2.7 GB in a worker.
Now every list that grows with the input has a cap, and a document past one is rejected with a
reason that names it. A *document* is what one translation reads: a file given to
``gateway translate``, or one stored message.

==================================  ========  ===================================================
limit                               default   past it
==================================  ========  ===================================================
``max_errors_per_transaction``      100       findings (AK3 and AK4) kept for one set; a set with
                                              more is rejected (AK5 R 5), the rest only counted
``max_errors_per_interchange``      500       findings kept over one interchange's sets
``max_errors_per_document``         1,000     findings kept over the document; then only counted
``max_error_entries``               200       entries in a result's ``errors``; one more says how
                                              many were left out
``max_segments_per_transaction``    20,000    the set is rejected unvalidated: AK3 code 2 at the
                                              first segment past the limit, AK5 R 5
``max_elements_per_transaction``    200,000   the same, counting the elements (and tags) of the
                                              set's segments between ST and SE
``max_elements_per_segment``        128       AK4 code 3 (too many data elements); the rest of
                                              the segment is never split
``max_components_per_element``      64        AK4 code 13 (too many components)
``max_repeats_per_element``         100       AK4 code 12 (too many repetitions)
``max_transactions_per_document``   10,000    ``LimitExceededError``: the interchange holding the
``max_groups_per_document``         1,000     ST, GS or ISA past the limit is rejected (TA1 R,
``max_interchanges_per_document``   1,000     024 invalid content) and nothing after it is read
``max_seconds_per_document``        120       the same, for the interchange being read
==================================  ========  ===================================================

Neither 997/999 nor TA1 has a code for "too big": the nearest standard code is used and the
``errors`` entry (and the set's note) says in words which limit was hit. ``Settings`` exposes
each as ``GATEWAY_<NAME>``.

Why these defaults: a 20 MB hostile body must stay under 200 MB of memory and 1 MB of output,
and legitimate big documents must pass. A set's segments, loop tree and event cost up to about
5 KB of memory per segment (an 856 HL level becomes a hierarchy node and a line; an 855 PO1 a
line): 20,000 segments keep the worst such set near 130 MB in ``gateway translate``, 50,000 took
260 MB. That is still a truckload ASN of 4,000 items or a 4,000-line invoice. Wide segments cost
per element instead (a string each): 20,000 segments of 128 elements took 240 MB for 8 MB of
input, so a set also holds at most 200,000 elements, ten a segment on average. Findings are
capped so that a document's ``errors`` stay near 300 KB. A 20 MB file of ordinary ship notices
holds about 9,000 sets; 10,000 per document keeps the ack (one AK2/AK5 per set) near 300 KB.
Raise a limit for a partner known to send bigger documents, and expect memory to grow with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from gateway.errors import LimitExceededError

TA1_INVALID_CONTENT = "024"


@dataclass(frozen=True, slots=True)
class Limits:
    """The caps; see the module docstring for what happens past each."""

    max_errors_per_transaction: int = 100
    max_errors_per_interchange: int = 500
    max_errors_per_document: int = 1_000
    max_error_entries: int = 200
    max_segments_per_transaction: int = 20_000
    max_elements_per_transaction: int = 200_000
    max_elements_per_segment: int = 128
    max_components_per_element: int = 64
    max_repeats_per_element: int = 100
    max_transactions_per_document: int = 10_000
    max_groups_per_document: int = 1_000
    max_interchanges_per_document: int = 1_000
    max_seconds_per_document: float = 120.0

    def __post_init__(self) -> None:
        for name, floor in FLOORS.items():
            if getattr(self, name) < floor:
                raise ValueError(f"{name} must be at least {floor}")
        # An oversized set keeps its first three body segments whole (the business key).
        floor = 3 * (self.max_elements_per_segment + 2)
        if self.max_elements_per_transaction < floor:
            raise ValueError(
                f"max_elements_per_transaction must be at least {floor} "
                "(three segments of max_elements_per_segment)"
            )


FLOORS: dict[str, float] = {
    "max_errors_per_transaction": 1,
    "max_errors_per_interchange": 0,
    "max_errors_per_document": 0,
    "max_error_entries": 1,
    "max_segments_per_transaction": 4,  # ST and the three the business key is read from
    "max_elements_per_transaction": 0,  # see __post_init__
    "max_elements_per_segment": 64,  # the dictionary's widest segment must fit
    "max_components_per_element": 16,  # and its largest composite
    "max_repeats_per_element": 1,
    "max_transactions_per_document": 1,
    "max_groups_per_document": 1,
    "max_interchanges_per_document": 1,
    "max_seconds_per_document": 0,
}
"""The smallest value each limit may have."""


DEFAULT_LIMITS = Limits()


class Budget:
    """What one document has spent against its ``Limits``: one per ``SegmentReader``.

    Counts interchanges, groups and sets (raising ``LimitExceededError`` past a cap), hands out
    room for findings (``room``/``spend``), and watches the clock (``check_time``). The walker
    tells it which interchange is open so that an error names it and a TA1 can answer it."""

    def __init__(
        self, limits: Limits = DEFAULT_LIMITS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._deadline = clock() + limits.max_seconds_per_document
        self.interchanges = self.groups = self.transactions = 0
        self._interchange_room = limits.max_errors_per_interchange
        self._document_room = limits.max_errors_per_document
        self.isa: list[str] | None = None
        """The open interchange's ISA elements (None between interchanges)."""

    def open_interchange(self, isa: list[str]) -> None:
        self.isa = isa
        self._interchange_room = self.limits.max_errors_per_interchange
        self.interchanges += 1
        self._count(self.interchanges, "max_interchanges_per_document", "interchanges")

    def close_interchange(self) -> None:
        self.isa = None

    def open_group(self) -> None:
        self.groups += 1
        self._count(self.groups, "max_groups_per_document", "functional groups")

    def open_transaction(self) -> None:
        self.transactions += 1
        self._count(self.transactions, "max_transactions_per_document", "transaction sets")

    def check_time(self) -> None:
        if self._clock() > self._deadline:
            seconds = self.limits.max_seconds_per_document
            why = f"translation took longer than {seconds:g} s"
            raise self._exceeded("max_seconds_per_document", seconds, why)

    def room(self) -> int:
        """How many findings the next set may keep."""
        return max(
            0,
            min(
                self.limits.max_errors_per_transaction,
                self._interchange_room,
                self._document_room,
            ),
        )

    def spend(self, kept: int) -> None:
        self._interchange_room -= kept
        self._document_room -= kept

    def _count(self, count: int, name: str, what: str) -> None:
        limit: int = getattr(self.limits, name)
        if count > limit:
            raise self._exceeded(name, limit, f"more than {limit:,} {what} in one document")

    def _exceeded(self, name: str, value: float, why: str) -> LimitExceededError:
        isa = self.isa
        where = (
            f"interchange {isa[13].strip()} is rejected and nothing after it is read"
            if isa is not None and len(isa) > 13
            else "nothing after it is read"
        )
        context: dict[str, object] = {"limit": name, "value": value}
        if isa is not None:
            context.update(isa=isa, ta1_code=TA1_INVALID_CONTENT)
        return LimitExceededError(
            f"{why} (limit {name}): {where}", code=f"x12.limit.{name}", **context
        )
