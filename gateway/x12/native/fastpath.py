"""Native fast path for ``validate_stream`` (and, through ``fastsets``, ``translate_stream``): the
same results as the Python path, several times faster.

How the work is split, and why the results cannot differ:

* The reader's buffering, ISA detection and tolerances stay Python (``SegmentReader``, inherited):
  buffers end where the reader's end, the unfinished tail is kept exactly as it keeps it.
* ``_fastscan`` (C) tokenizes each buffer of whole segments. Envelope segments (ISA, GS, ST, SE,
  GE, IEA and anything outside a set) come back as element lists and go through the unchanged
  ``EnvelopeWalker``, so counts, control numbers and TA1/AK9/AK5 envelope codes are its own.
* For each ST..SE the scanner decides whether the Python validator would find nothing at all:
  structure, elements, syntax notes, HL and CTT. It only certifies; it never reports a finding.
  A set it cannot certify gets the Python validator on exactly its own segments (rebuilt from the
  text), so every AK3/AK4 error still has one implementation. A certified set gets what
  ``validate_transaction`` concludes for a set without findings (business key, ST01/GS01 policy).

Memory is the reader's: one buffer plus the text of the open set. ``GATEWAY_NO_SPEEDUPS=1`` turns
the fast path off; ``available()`` says whether it is in use. ``FastValidation`` only counts a
certified set's body; ``fastsets.FastSets`` rebuilds it whole, with its loop tree, for mapping.

Limits are the reader's ``Budget``, applied by the same walker and validator; the scanner splits
no further than Python does and certifies nothing Python would report (more elements, components
or repetitions than the limits allow, a set longer than ``max_segments_per_transaction``). A set
past that limit keeps no text: only its head and the segment that went over are rebuilt, and the
walker is told the count of the rest, exactly as it counts them on the Python path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, BinaryIO

from gateway.errors import DocumentError, InterchangeError
from gateway.x12 import error_entries
from gateway.x12 import reader as x12_reader
from gateway.x12 import results as r
from gateway.x12.delimiters import IsaScan
from gateway.x12.dictionary import segments_for, version_family
from gateway.x12.identities import ExpectedIdentities
from gateway.x12.interchanges import EnvelopeWalker, TransactionUnit
from gateway.x12.limits import DEFAULT_LIMITS, Limits
from gateway.x12.model import Delimiters, Segment
from gateway.x12.native.body import (
    HEAD_BODY,
    OversizedBody,
    drain,
    head_of,
    size,
    split_body,
)
from gateway.x12.native.tables import compile_profile
from gateway.x12.set_tables import transaction_spec

# What validate_transaction does after finding nothing; shared, not copied, so it cannot drift.
from gateway.x12.validate import (
    DEFAULT_POLICY,
    ValidationPolicy,
    accept_certified,
    validate_transaction,
)

try:
    from gateway.x12.native import _fastscan
except ImportError:  # installed without a C compiler: the pure-Python path is used
    _fastscan = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from gateway.x12.native._fastscan import Profile

_SEGMENT, _ISA_AFTER_IEA, _BODY, _VERDICT = range(4)


def available() -> bool:
    """True when the C extension is built and ``GATEWAY_NO_SPEEDUPS`` does not turn it off."""
    return _fastscan is not None and os.environ.get("GATEWAY_NO_SPEEDUPS", "") in ("", "0")


_PROFILES: dict[tuple[int, str, frozenset[str]], Profile | None] = {}


def _profile(accepted: frozenset[str], gs08: str) -> Profile | None:
    """The tables for a GS08 version: its dictionary and the structures of ``accepted`` sets.

    None (nothing certified: every set of the group goes to the Python validator) if a spec
    cannot be compiled; ``test_every_profile_compiles`` keeps that from happening unnoticed."""
    assert _fastscan is not None
    version = gs08.strip()  # as group_header reads it
    dictionary = segments_for(version)
    key = (id(dictionary), version_family(version), accepted)
    if key not in _PROFILES:
        specs = {code: transaction_spec(code, version) for code in sorted(accepted)}
        try:
            tables = compile_profile(dictionary, {c: s for c, s in specs.items() if s})
            _PROFILES[key] = _fastscan.Profile(**tables)
        except ValueError:
            _PROFILES[key] = None
    return _PROFILES[key]


SCAN_WINDOW = 64 * 1024
"""Characters handed to the native scanner at a time (``FastValidation._interchange``)."""


class _Reader(x12_reader.SegmentReader):
    """``SegmentReader`` whose buffers are handed out whole instead of split in Python."""

    def next_isa(self, first: bool) -> IsaScan | None:
        return self._seek_isa(first)

    def take(self, terminator: str) -> tuple[str, int]:
        """The buffer and the end of its whole segments (-1: none), keeping the tail as
        ``SegmentReader._interchange`` does (and failing the same way on a runaway segment)."""
        buf = self._buf
        if self._eof:
            self._buf = ""
            return buf, len(buf)
        cut = buf.rfind(terminator)
        self._buf = buf[cut + 1 :]
        if len(self._buf) > x12_reader.MAX_SEGMENT_CHARS:
            raise InterchangeError(
                f"no segment terminator {terminator!r} in {x12_reader.MAX_SEGMENT_CHARS} characters",
                code="x12.segment.unterminated",
                ta1_code="004",
            )
        return buf, cut

    def skip(self, count: int) -> None:
        """Drop the first ``count`` characters of the buffer (the ISA just read)."""
        self._buf = self._buf[count:]

    def rewind(self, text: str) -> None:
        """Put back what follows an interchange that ended in this buffer (re-scanned for an ISA)."""
        self._buf = text

    def fill(self) -> bool:
        return self._fill() or bool(self._buf)


class _Walker(EnvelopeWalker):
    """``EnvelopeWalker`` fed one envelope segment at a time, and certified bodies by count."""

    def feed(self, seg: Segment) -> r.InterchangeResult | None:
        return self._feed(seg)

    def set_open(self) -> bool:
        return not self.rejected and self.set_segments is not None

    def finish(self) -> r.InterchangeResult | None:
        return None if self.result is None else self._close_interchange(None)


class SetHandler:
    """The walker's ``on_transaction``: each set, told whether the scanner certified it.

    Apart from ``FastValidation`` because the walker holds it: were it the run's own method, run
    and walker would hold each other, and that reference cycle would keep the run's buffers (and
    the scanner's, several MB) alive until a full garbage collection."""

    def __init__(self, policy: ValidationPolicy) -> None:
        self.policy = policy
        self.count = 0
        self.certified = False
        """Set for the set the walker closes next."""

    def __call__(self, unit: TransactionUnit) -> None:
        self.count += 1
        certified, self.certified = self.certified, False
        self.handle(unit, certified)

    def handle(self, unit: TransactionUnit, certified: bool) -> None:
        if certified:
            accept_certified(unit, self.policy)
        else:
            validate_transaction(unit, self.policy)


class FastValidation:
    """One pass over ``stream``: iterate it for the ``InterchangeResult``s, exactly as
    ``walk_interchanges`` with ``validate_transaction`` yields them; exceptions are theirs too."""

    wants_placements = False
    """Whether certified sets come with their loop placements (see ``_fastscan.c``)."""

    def __init__(
        self,
        stream: BinaryIO,
        policy: ValidationPolicy = DEFAULT_POLICY,
        chunk_size: int = x12_reader.CHUNK_SIZE,
        sets: SetHandler | None = None,
        identities: ExpectedIdentities | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        assert _fastscan is not None, "check fastpath.available() first"
        self.policy = policy
        self.sets = sets or SetHandler(policy)
        self.reader = _Reader(stream, chunk_size, limits)
        self.walker = _Walker(self.reader, self.sets, identities)
        self.max_segments = limits.max_segments_per_transaction
        self.max_elements = limits.max_elements_per_transaction
        self.scanner = _fastscan.Scanner(
            partial(_profile, policy.accepted_sets),
            placements=self.wants_placements,
            max_elements=limits.max_elements_per_segment,
            max_components=limits.max_components_per_element,
            max_repeats=limits.max_repeats_per_element,
            max_segments=limits.max_segments_per_transaction,
            max_set_elements=limits.max_elements_per_transaction,
        )
        self._slices: list[str] = []
        self._body_count = 0
        self._body_ordinal = 0
        self._over: OversizedBody | None = None
        """What is kept of an oversized open set (its text is dropped)."""

    @property
    def transaction_count(self) -> int:
        return self.sets.count

    def __iter__(self) -> Iterator[r.InterchangeResult]:
        first = True
        while (scan := self.reader.next_isa(first)) is not None:
            first = False
            yield from self._interchange(scan)
        done = self.walker.finish()
        if done is not None:
            yield done

    def _interchange(self, scan: IsaScan) -> Iterator[r.InterchangeResult]:
        reader, d = self.reader, scan.delimiters
        yield from self._segment(scan.elements, d)
        reader.skip(scan.end)
        self.scanner.reset(d.element, d.component, d.segment, d.repetition or "", d.line_mode)
        while True:
            buf, cut = reader.take(d.segment)
            start = 0
            while 0 <= start <= cut:
                # At most SCAN_WINDOW characters per scan: the scanner returns every event of
                # what it scans at once (a 1 MB buffer of tiny sets made 24 MB of them).
                end = cut
                if cut - start > SCAN_WINDOW:
                    end = buf.rfind(d.segment, start, start + SCAN_WINDOW)
                    if end < start:  # one segment longer than the window: scan to the cut
                        end = cut
                piece = buf if (start, end) == (0, cut) else buf[start : end + 1]
                events, stop = self.scanner.scan(piece, end - start)
                yield from self._events(events, piece, d)
                if stop >= 0:
                    reader.rewind(buf[start + stop :])
                    return
                start = end + 1
            if not reader.fill():
                if self._body_count:  # the stream ended inside a set
                    self._close_body(False, d)
                return

    def _events(
        self, events: list[tuple[Any, ...]], buf: str, d: Delimiters
    ) -> Iterator[r.InterchangeResult]:
        for event in events:
            kind = event[0]
            if kind == _BODY:
                _, start, end, count = event
                if not self._body_count:
                    self._body_ordinal = self.reader.ordinal
                self._body(buf[start:end], count, d)
                self.reader.ordinal += count
            elif kind == _VERDICT:
                self._close_body(event[1], d, event[2])
            else:
                if kind == _ISA_AFTER_IEA:
                    self.reader.isa_warnings = []
                yield from self._segment(event[1], d)

    def _body(self, text: str, count: int, d: Delimiters) -> None:
        """Keep a run of body text, until the set goes past ``max_segments``: then keep only
        what the walker keeps of it and count the rest. (Past ``max_elements`` alone the text
        is kept to the end: the walker finds the segment, the scanner certifies nothing.)"""
        self._body_count += count
        if self._over is not None:
            return
        self._slices.append(text)
        if 1 + self._body_count > self.max_segments:
            self._over = self._oversized(d)
            self._slices = []

    def _oversized(self, d: Delimiters) -> OversizedBody:
        """Find where the set went over, as the walker would: the first body segment past
        ``max_segments`` (body segment k is at position k + 2) or ``max_elements``."""
        head: list[list[str]] = []
        elements = 0
        for k, segment in enumerate(split_body(self._slices, d, self.reader.max_split)):
            elements += len(segment)
            if k + 2 > self.max_segments or elements > self.max_elements:
                return OversizedBody(
                    head, k - len(head), elements - len(segment) - size(head), segment
                )
            if k < HEAD_BODY:
                head.append(segment)
        raise AssertionError("the set is over its segment limit")

    def _segment(self, elements: list[str], d: Delimiters) -> Iterator[r.InterchangeResult]:
        self.reader.ordinal += 1
        done = self.walker.feed(Segment(elements, d, self.reader.ordinal))
        self.sets.certified = False  # consumed by the SE that closed a certified set, if any
        if done is not None:
            yield done

    def _close_body(self, clean: bool, d: Delimiters, placements: bytes | None = None) -> None:
        """Hand the open set's body to the walker: certified, by count; else segment by segment.

        ``placements``: where each body segment of a clean set goes in its loop tree, when the
        scanner was asked for them (``FastSets``)."""
        slices, count, first = self._slices, self._body_count, self._body_ordinal + 1
        over, self._over = self._over, None
        self._slices, self._body_count = [], 0
        walker = self.walker
        if walker.rejected:
            return  # a rejected interchange ignores everything up to its IEA
        if over is not None:
            self._oversized_body(over, count, first, d)
            return
        # A clean set closes with its SE, which must not take it past the limit either.
        if clean and walker.set_open() and count + 2 <= self.max_segments:
            self._certified_body(slices, count, first, d, placements)
            self.sets.certified = True
            return
        # Each run of text is let go of once split: the set is not held twice.
        for ordinal, elements in enumerate(
            split_body(drain(slices), d, self.reader.max_split), first
        ):
            walker.feed(Segment(elements, d, ordinal))

    def _oversized_body(self, over: OversizedBody, count: int, first: int, d: Delimiters) -> None:
        """What the walker sees of an oversized body on the Python path: its head, the count
        of the segments up to the one that went over, that segment, and the count of the rest."""
        walker = self.walker
        for ordinal, elements in enumerate(over.head, first):
            walker.feed(Segment(elements, d, ordinal))
        walker.count_body(over.between, over.between_elements)
        done = len(over.head) + over.between
        walker.feed(Segment(over.segment, d, first + done))
        walker.count_body(count - done - 1)

    def _certified_body(
        self, slices: list[str], count: int, first: int, d: Delimiters, placements: bytes | None
    ) -> None:
        """Only the head is rebuilt (for the business key); the rest is counted."""
        body = head_of(slices, d, self.reader.max_split)
        for ordinal, elements in enumerate(body, first):
            self.walker.feed(Segment(elements, d, ordinal))
        self.walker.count_body(count - len(body))


def validate_stream_fast(
    stream: BinaryIO, policy: ValidationPolicy = DEFAULT_POLICY, limits: Limits = DEFAULT_LIMITS
) -> r.ValidationSummary:
    """``translate.validate_stream`` through the native scanner: the same summary."""
    run = FastValidation(stream, policy, limits=limits)
    summary = r.ValidationSummary(0, 0, 0, 0, [])
    errors = error_entries.ErrorEntries(summary.errors, limits.max_error_entries)
    try:
        for ir in run:
            summary.interchange_count += 1
            summary.accepted += sum(t.accepted for g in ir.groups for t in g.transactions)
            errors.extend(interchange_errors(ir))
    except InterchangeError as exc:
        errors.add({k: v for k, v in exc.as_dict().items() if k != "isa"}, always=True)
        isa = exc.context.get("isa")
        if isa and exc.context.get("ta1_code") and len(isa) >= 16:
            summary.interchange_count += 1  # translate answers it with a TA1=R interchange
    except DocumentError as exc:
        errors.add(exc.as_dict(), always=True)
    summary.transaction_count = run.transaction_count
    summary.segment_count = run.reader.ordinal
    if run.reader.trailing_error is not None:
        errors.add(run.reader.trailing_error.as_dict(), always=True)
    errors.close()
    return summary


def interchange_errors(ir: r.InterchangeResult) -> list[dict[str, Any]]:
    """The ``errors`` entries ``translate_stream`` reports for one interchange (the same builders
    in ``error_entries``)."""
    entry = error_entries.interchange_error_entry(ir)
    out = [entry] if entry is not None else []
    for group in ir.groups:
        out.extend(error_entries.group_error_entries(ir, group))
    return out
