"""Envelope checks: ISA/IEA, GS/GE, ST/SE counts and control numbers, streamed.

``walk_interchanges`` consumes the reader's segments and hands each complete transaction set (as a
``TransactionUnit``) to a callback, which validates and maps it; memory is bounded by the largest
transaction set, not the file. It yields one ``InterchangeResult`` per interchange once its trailer
(or the end of the stream) is reached.

Policy, from the interchange acknowledgement rules: a header that cannot be trusted rejects the
interchange (TA104=R, nothing inside is processed); faults only in trailers are noted (TA104=E) and
the content is still processed. Group and set trailer faults go into AK9/AK5 codes. The ISA and
GS themselves are read and checked in ``headers``.

Limits (``limits.Budget``, the reader's): every ISA, GS and ST is counted against the document's
caps (``LimitExceededError`` past one), the time budget is checked at every set's end, and a set
keeps at most ``max_segments_per_transaction`` segments and ``max_elements_per_transaction``
elements: past either it keeps only its first ``HEAD`` (the business key is read there), counts
the rest and records where it went over (``TransactionUnit.oversized``); the validator rejects it
unread. Values echoed into results and messages are cut to ``ECHO`` characters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from gateway.errors import DocumentError
from gateway.x12 import results as r
from gateway.x12.headers import check_isa, digits, group_header, interchange_header
from gateway.x12.identities import ExpectedIdentities, check_group_ids, check_interchange_ids
from gateway.x12.limits import Budget
from gateway.x12.model import GroupHeader, InterchangeHeader, Segment
from gateway.x12.reader import SegmentReader
from gateway.x12.set_tables import FUNCTIONAL_IDS

SUPPORTED_GROUP_VERSIONS = ("002", "003", "004", "005")
HEAD = 4
"""Segments an oversized set keeps: ST and the three the business key may be read from."""
ECHO = 35
"""Characters of a partner's value copied into results and messages (ST03, the longest envelope
value we echo, has 35): a 1 MB control number is not copied into every answer."""


def _short(value: str) -> str:
    return value[:ECHO]


@dataclass(frozen=True, slots=True)
class Oversized:
    """Where a set went past a size limit: the first segment past it, and the limit's name."""

    tag: str
    position: int
    limit: str


@dataclass(slots=True)
class TransactionUnit:
    """One ST..SE with its envelope context; the callback fills ``result`` further."""

    interchange: InterchangeHeader
    group: GroupHeader
    segments: list[Segment]
    result: r.TransactionResult
    budget: Budget = field(default_factory=Budget)
    """The document's (``SegmentReader.budget``): limits, and the room left for findings."""
    oversized: Oversized | None = None
    """Set when the set went past ``max_segments_per_transaction`` or
    ``max_elements_per_transaction``: it then holds only its first ``HEAD`` segments and its SE."""


TransactionHandler = Callable[[TransactionUnit], None]


class _Group:
    __slots__ = ("control_numbers", "header", "result", "skip")

    def __init__(self, header: GroupHeader, result: r.GroupResult) -> None:
        self.header = header
        self.result = result
        self.control_numbers: set[str] = set()
        self.skip = False


class EnvelopeWalker:
    """State machine over the segment stream; see the module docstring for the policy.

    With ``identities`` every ISA and GS is also held against them (``x12.identities``): a
    mismatch rejects the interchange (TA1) or the group (AK9)."""

    def __init__(
        self,
        reader: SegmentReader,
        on_transaction: TransactionHandler,
        identities: ExpectedIdentities | None = None,
    ) -> None:
        self.reader = reader
        self.on_transaction = on_transaction
        self.identities = identities
        self.header: InterchangeHeader | None = None
        self.result: r.InterchangeResult | None = None
        self.group: _Group | None = None
        self.set_segments: list[Segment] | None = None
        self.group_count = 0
        self.group_numbers: set[str] = set()
        self.rejected = False
        self.budget = reader.budget
        self.max_segments = reader.budget.limits.max_segments_per_transaction
        self.max_elements = reader.budget.limits.max_elements_per_transaction
        self.set_count = 0
        """Segments of the open set so far (ST included), kept or not."""
        self.set_elements = 0
        """Elements (tags included) of the open set's body so far, until it goes over."""
        self.set_over: Oversized | None = None
        """Where the open set went past a size limit (None while within)."""

    def __iter__(self) -> Iterator[r.InterchangeResult]:
        for seg in self.reader:
            done = self._feed(seg)
            if done is not None:
                yield done
        if self.result is not None:
            yield self._close_interchange(None)

    def _feed(self, seg: Segment) -> r.InterchangeResult | None:
        tag = seg.elements[0]
        finished = None
        if tag == "ISA":
            if self.result is not None:
                finished = self._close_interchange(None)
            self._open_interchange(seg)
            return finished
        if self.result is None:  # cannot happen: the reader always starts with ISA
            raise DocumentError("segment outside an interchange", code="x12.envelope.orphan")
        if self.rejected:
            if tag == "IEA":
                return self._close_interchange(seg)
            return None
        if self.set_segments is not None and tag not in ("SE", "GE", "IEA", "ST", "GS"):
            self.set_count += 1
            seg.position = self.set_count
            if self.set_over is None:
                self.set_elements += len(seg.elements)
                if self.set_count <= self.max_segments and self.set_elements <= self.max_elements:
                    self.set_segments.append(seg)
                else:
                    self._over(seg)
            return None
        return self._envelope_segment(seg, tag)

    def _over(self, seg: Segment) -> None:
        """The open set just went past a size limit at ``seg``: let go of all but its head."""
        assert self.set_segments is not None
        over_segments = self.set_count > self.max_segments
        limit = "max_segments_per_transaction" if over_segments else "max_elements_per_transaction"
        self.set_over = Oversized(seg.elements[0], seg.position, limit)
        del self.set_segments[HEAD:]

    def count_body(self, count: int, elements: int = 0) -> None:
        """Count ``count`` body segments of ``elements`` elements in all without keeping them
        (the fast path does this for what it has already judged, see ``fastpath``)."""
        self.set_count += count
        self.set_elements += elements

    def _envelope_segment(self, seg: Segment, tag: str) -> r.InterchangeResult | None:
        assert self.result is not None
        if tag == "ST":
            self._open_set(seg)
        elif tag == "SE" and self.set_segments is not None:
            self._close_set(seg)
        elif tag == "GS":
            self._open_group(seg)
        elif tag == "GE" and self.group is not None:
            self._close_group(seg)
        elif tag == "IEA":
            return self._close_interchange(seg)
        elif tag == "TA1" and self.group is None:
            self.result.only_ta1 = not self.result.groups
            if len(self.result.received_ta1) < r.MAX_MESSAGES:
                self.result.received_ta1.append(
                    tuple(_short(seg.get(n).strip()) for n in range(1, 6))  # type: ignore[arg-type]
                )
            self.result.warn(
                f"TA1 received: interchange {_short(seg.get(1))} status {_short(seg.get(4))} "
                f"note {_short(seg.get(5))}"
            )
        else:
            where = "a transaction set" if self.group is not None else "a functional group"
            self.result.note(
                "024", f"segment {tag[:20]!r} (#{seg.ordinal}) outside {where}", reject=False
            )
        return None

    def _open_interchange(self, isa: Segment) -> None:
        self.budget.open_interchange(isa.elements)
        header = interchange_header(isa)
        result = r.InterchangeResult.from_header(header, self.reader.isa_warnings)
        check_isa(header, result)
        if self.identities is not None:
            check_interchange_ids(header, result, self.identities)
        self.header, self.result = header, result
        self.group, self.set_segments = None, None
        self.group_count = 0
        self.group_numbers = set()
        self.rejected = result.ta1_status == r.TA1_REJECTED

    def _close_interchange(self, iea: Segment | None) -> r.InterchangeResult:
        result = self.result
        assert result is not None
        if not self.rejected:
            if self.group is not None:
                self._close_group(None)
            if result.groups:
                result.only_ta1 = False
            if iea is None:
                result.note("023", "IEA trailer missing (file ends early)", reject=False)
            else:
                self._check_iea(iea, result)
        self.result, self.header = None, None
        self.budget.close_interchange()
        return result

    def _check_iea(self, iea: Segment, result: r.InterchangeResult) -> None:
        if iea.get(2).strip() != result.control_number:
            result.note(
                "001",
                f"IEA02 {_short(iea.get(2))!r} does not match ISA13 {result.control_number!r}",
                reject=False,
            )
        if iea.get(1).strip() != str(self.group_count):
            result.note(
                "021",
                f"IEA01 says {_short(iea.get(1))!r} groups, {self.group_count} received",
                reject=False,
            )

    def _open_group(self, gs: Segment) -> None:
        assert self.result is not None
        self.budget.open_group()
        if self.group is not None:
            self._close_group(None)
        header = group_header(gs)
        self.group_count += 1
        gr = r.GroupResult(
            _short(header.functional_id),
            _short(header.control_number),
            _short(header.version),
            _short(header.sender_id),
            _short(header.receiver_id),
        )
        self.result.groups.append(gr)
        group = _Group(header, gr)
        self.group = group
        if not header.functional_id or not digits(header.control_number):
            gr.group_codes.append(r.GROUP_CONTROL_NUMBER_INVALID)
            group.skip = True
        elif not header.version.startswith(SUPPORTED_GROUP_VERSIONS) or len(gs.elements) > 9:
            gr.group_codes.append(r.GROUP_VERSION_NOT_SUPPORTED)
            group.skip = True
        if header.control_number in self.group_numbers:
            gr.group_codes.append(r.GROUP_CONTROL_NUMBER_NOT_UNIQUE)
        self.group_numbers.add(header.control_number)
        if self.identities is not None and (found := check_group_ids(header, self.identities)):
            gr.group_codes.insert(0, r.GROUP_NOT_SUPPORTED)
            gr.notes.extend(found)
            group.skip = True

    def _close_group(self, ge: Segment | None) -> None:
        group = self.group
        assert group is not None
        if self.set_segments is not None:
            self._close_set(None)
        gr = group.result
        if ge is None:
            gr.group_codes.append(r.GROUP_TRAILER_MISSING)
            gr.notes.append(f"GE trailer missing after group {_short(group.header.control_number)}")
        else:
            gr.declared_count = int(ge.get(1)) if digits(ge.get(1)) else None
            if ge.get(2).strip() != group.header.control_number:
                gr.group_codes.append(r.GROUP_CONTROL_NUMBER_MISMATCH)
                gr.notes.append(
                    f"GE02 {_short(ge.get(2).strip())!r} differs from GS06 "
                    f"{_short(group.header.control_number)!r}"
                )
            if gr.declared_count != gr.received:
                gr.group_codes.append(r.GROUP_SET_COUNT_WRONG)
                gr.notes.append(
                    f"GE01 says {_short(ge.get(1).strip())!r} transaction sets, "
                    f"{gr.received} received"
                )
        self.group = None

    def _open_set(self, st: Segment) -> None:
        self.budget.open_transaction()
        if self.group is None:
            assert self.result is not None
            self.result.note("024", "ST outside a functional group (GS missing)", reject=False)
            self.group = _Group(
                GroupHeader("", "", "", "", "", "", "", "", raw=st), r.GroupResult("", "", "")
            )
            self.group.skip = True
        if self.set_segments is not None:
            self._close_set(None)
        st.position = 1
        self.set_segments = [st]
        self.set_count, self.set_elements, self.set_over = 1, 0, None

    def _close_set(self, se: Segment | None) -> None:
        if se is not None:
            self.set_count += 1
            se.position = self.set_count
            if self.set_count > self.max_segments and self.set_over is None:
                self._over(se)
        segments, group = self.set_segments, self.group
        assert segments is not None and group is not None and self.header is not None
        self.set_segments = None
        if se is not None:
            segments.append(se)
        st = segments[0]
        tr = r.TransactionResult(
            _short(st.get(1)), _short(st.get(2)), _short(st.get(3)), segment_count=self.set_count
        )
        group.result.transactions.append(tr)
        self._check_set_envelope(st, se, self.set_count, group, tr)
        self.budget.check_time()
        if group.skip:
            tr.reject(r.SET_NOT_SUPPORTED)
            tr.notes.extend(group.result.notes)
            return
        unit = TransactionUnit(self.header, group.header, segments, tr, self.budget, self.set_over)
        self.on_transaction(unit)

    def _check_set_envelope(
        self,
        st: Segment,
        se: Segment | None,
        count: int,
        group: _Group,
        tr: r.TransactionResult,
    ) -> None:
        code, control = st.get(1), st.get(2)
        if len(code) != 3 or not digits(code):
            tr.reject(r.SET_INVALID_IDENTIFIER)
        elif FUNCTIONAL_IDS.get(code, group.header.functional_id) != group.header.functional_id:
            tr.group_mismatch = True
            tr.notes.append(
                f"ST01 {code} belongs in a {FUNCTIONAL_IDS[code]} group, "
                f"not {group.header.functional_id}"
            )
        if not 4 <= len(control) <= 9 or not control.strip():
            tr.reject(r.SET_INVALID_CONTROL_NUMBER)
        if control in group.control_numbers:
            tr.reject(r.SET_CONTROL_NUMBER_NOT_UNIQUE)
        group.control_numbers.add(control)
        if se is None:
            tr.reject(r.SET_TRAILER_MISSING)
            return
        if se.get(2) != control:
            tr.reject(r.SET_CONTROL_NUMBER_MISMATCH)
        if se.get(1).strip() != str(count):
            tr.reject(r.SET_SEGMENT_COUNT_WRONG)
            tr.notes.append(f"SE01 says {_short(se.get(1))!r} segments, {count} received")


def walk_interchanges(
    reader: SegmentReader,
    on_transaction: TransactionHandler,
    identities: ExpectedIdentities | None = None,
) -> Iterator[r.InterchangeResult]:
    return iter(EnvelopeWalker(reader, on_transaction, identities))
