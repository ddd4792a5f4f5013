"""Envelope checks: ISA/IEA, GS/GE, ST/SE counts and control numbers, streamed.

``walk_interchanges`` consumes the reader's segments and hands each complete transaction set (as a
``TransactionUnit``) to a callback, which validates and maps it; memory is bounded by the largest
transaction set, not the file. It yields one ``InterchangeResult`` per interchange once its trailer
(or the end of the stream) is reached.

Policy, from the interchange acknowledgement rules: a header that cannot be trusted rejects the
interchange (TA104=R, nothing inside is processed); faults only in trailers are noted (TA104=E) and
the content is still processed. Group and set trailer faults go into AK9/AK5 codes.

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

from gateway.errors import DocumentError, InterchangeError
from gateway.x12 import results as r
from gateway.x12.delimiters import scan_isa
from gateway.x12.elements import valid_date
from gateway.x12.limits import Budget
from gateway.x12.model import GroupHeader, InterchangeHeader, Segment
from gateway.x12.reader import SegmentReader
from gateway.x12.structures import FUNCTIONAL_IDS

KNOWN_ISA_VERSIONS = frozenset(
    [
        "00200",
        "00201",
        "00204",
        "00300",
        "00301",
        "00302",
        "00303",
        "00304",
        "00305",
        "00306",
        "00307",
        "00400",
        "00401",
        "00402",
        "00403",
        "00404",
        "00405",
        "00406",
        "00500",
        "00501",
        "00502",
        "00503",
        "00504",
        "00505",
        "00600",
        "00601",
        "00602",
        "00700",
        "00701",
        "00702",
        "00800",
        "00801",
    ]
)
STANDARD_QUALIFIERS = frozenset(
    [
        "01",
        "02",
        "03",
        "04",
        "07",
        "08",
        "09",
        "10",
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
        "17",
        "18",
        "19",
        "20",
        "21",
        "22",
        "23",
        "24",
        "25",
        "26",
        "27",
        "28",
        "29",
        "30",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "38",
        "AM",
        "NR",
        "SA",
        "SN",
        "ZZ",
    ]
)
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


def interchange_header(isa: Segment) -> InterchangeHeader:
    e = [v.strip(" \u00a0") for v in isa.elements] + [""] * (17 - len(isa.elements))
    return InterchangeHeader(
        authorization_qualifier=e[1],
        authorization=e[2],
        security_qualifier=e[3],
        security=e[4],
        sender_qualifier=e[5],
        sender_id=e[6],
        receiver_qualifier=e[7],
        receiver_id=e[8],
        date=e[9],
        time=e[10],
        repetition_or_standards_id=e[11],
        version=e[12],
        control_number=e[13],
        ack_requested=e[14],
        usage=e[15],
        delimiters=isa.delimiters,
        raw=isa,
    )


ISA_WINDOW = 2048
"""Bytes decoded around each ``ISA`` hit: the header (up to ``ISA_SCAN_LIMIT``) and the lookahead
the delimiter detection may need; the rest of the file is never decoded."""


def interchange_headers(raw: bytes, most: int | None = None) -> list[InterchangeHeader]:
    """Every readable ISA header in ``raw`` (the first ``most``), found without parsing (or even
    decoding) the rest: a byte search for ``ISA``, then the ISA reader on a small window at each
    hit. The interchange-level duplicate check runs on this before translation. A header that
    cannot be read is left out; translation reports it precisely."""
    headers: list[InterchangeHeader] = []
    i = raw.find(b"ISA")
    while i != -1 and (most is None or len(headers) < most):
        before = raw[i - 1 : i].decode("latin-1")
        inside = before.isalnum() or (headers and before == headers[-1].delimiters.element)
        scan = None
        if not inside:
            window = raw[i : i + ISA_WINDOW].decode("utf-8", "x12-latin1")
            try:
                scan = scan_isa(window, 0, at_eof=True)
            except InterchangeError:
                scan = None
        if scan is not None:
            headers.append(interchange_header(Segment(scan.elements, scan.delimiters)))
        i = raw.find(b"ISA", i + 3)  # hits inside this header are after an element separator
    return headers


def group_header(gs: Segment) -> GroupHeader:
    v = [gs.get(n).strip() for n in range(1, 9)]
    return GroupHeader(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], raw=gs)


def check_isa(header: InterchangeHeader, result: r.InterchangeResult) -> None:
    """Header faults reject (TA104=R); oddities the issue tracker calls quirks only warn."""
    faults: list[tuple[str, str, bool]] = []
    if header.authorization_qualifier not in ("00", "01", "02", "03", "04", "05", "06"):
        faults.append(("010", f"ISA01 {header.authorization_qualifier!r} is invalid", True))
    if header.security_qualifier not in ("00", "01"):
        faults.append(("012", f"ISA03 {header.security_qualifier!r} is invalid", True))
    if not header.sender_id:
        faults.append(("006", "ISA06 sender id is empty", True))
    if not header.receiver_id:
        faults.append(("008", "ISA08 receiver id is empty", True))
    if not valid_date(header.date) or len(header.date) != 6:
        faults.append(("014", f"ISA09 {header.date!r} is not a YYMMDD date", True))
    if len(header.time) != 4 or not _digits(header.time) or header.time[:2] > "23":
        faults.append(("015", f"ISA10 {header.time!r} is not an HHMM time", True))
    if not _digits(header.control_number):
        faults.append(("018", f"ISA13 {header.control_number!r} is not numeric", True))
    if header.ack_requested not in ("0", "1"):
        faults.append(("019", f"ISA14 {header.ack_requested!r} must be 0 or 1", True))
    if header.usage not in ("P", "T", "I"):
        faults.append(("020", f"ISA15 {header.usage!r} must be P, T or I", True))
    for code, message, reject in faults:
        result.note(code, message, reject=reject)
    _isa_warnings(header, result)


def _isa_warnings(header: InterchangeHeader, result: r.InterchangeResult) -> None:
    for label, qualifier in (
        ("ISA05", header.sender_qualifier),
        ("ISA07", header.receiver_qualifier),
    ):
        if qualifier not in STANDARD_QUALIFIERS:
            result.warn(f"{label} qualifier {qualifier!r} is not a standard code")
    if header.version not in KNOWN_ISA_VERSIONS:
        result.warn(
            f"ISA12 version {header.version!r} is unknown; the GS08 version decides the syntax"
        )
    if _digits(header.control_number) and len(header.control_number) != 9:
        result.warn(f"ISA13 {header.control_number!r} is not 9 digits")


def _digits(value: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts "²", which int() then refuses."""
    return value.isascii() and value.isdigit()


class _Group:
    __slots__ = ("control_numbers", "header", "result", "skip")

    def __init__(self, header: GroupHeader, result: r.GroupResult) -> None:
        self.header = header
        self.result = result
        self.control_numbers: set[str] = set()
        self.skip = False


class EnvelopeWalker:
    """State machine over the segment stream; see the module docstring for the policy."""

    def __init__(self, reader: SegmentReader, on_transaction: TransactionHandler) -> None:
        self.reader = reader
        self.on_transaction = on_transaction
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
        if not header.functional_id or not _digits(header.control_number):
            gr.group_codes.append(r.GROUP_CONTROL_NUMBER_INVALID)
            group.skip = True
        elif not header.version.startswith(SUPPORTED_GROUP_VERSIONS) or len(gs.elements) > 9:
            gr.group_codes.append(r.GROUP_VERSION_NOT_SUPPORTED)
            group.skip = True
        if header.control_number in self.group_numbers:
            gr.group_codes.append(r.GROUP_CONTROL_NUMBER_NOT_UNIQUE)
        self.group_numbers.add(header.control_number)

    def _close_group(self, ge: Segment | None) -> None:
        group = self.group
        assert group is not None
        if self.set_segments is not None:
            self._close_set(None)
        gr = group.result
        if ge is None:
            gr.group_codes.append(r.GROUP_TRAILER_MISSING)
        else:
            gr.declared_count = int(ge.get(1)) if _digits(ge.get(1)) else None
            if ge.get(2).strip() != group.header.control_number:
                gr.group_codes.append(r.GROUP_CONTROL_NUMBER_MISMATCH)
            if gr.declared_count != gr.received:
                gr.group_codes.append(r.GROUP_SET_COUNT_WRONG)
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
        if len(code) != 3 or not _digits(code):
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
    reader: SegmentReader, on_transaction: TransactionHandler
) -> Iterator[r.InterchangeResult]:
    return iter(EnvelopeWalker(reader, on_transaction))
