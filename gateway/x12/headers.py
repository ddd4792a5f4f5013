"""Reading and checking envelope headers: the ISA (TA1 codes 010-020 and the quirks we only
warn about), the GS, and every ISA of a stored message found without parsing the rest (the
interchange-level duplicate check runs on those before anything is translated).
"""

from __future__ import annotations

import io
from typing import BinaryIO

from gateway.errors import InterchangeError
from gateway.x12 import results as r
from gateway.x12.delimiters import scan_isa
from gateway.x12.elements import valid_date
from gateway.x12.model import GroupHeader, InterchangeHeader, Segment

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
    """Every readable ISA header in ``raw`` (the first ``most``): ``interchange_headers_in``."""
    return interchange_headers_in(io.BytesIO(raw), most)


def interchange_headers_in(
    stream: BinaryIO, most: int | None = None, chunk_size: int = 1 << 20
) -> list[InterchangeHeader]:
    """Every readable ISA header in ``stream`` (the first ``most``), found without parsing (or
    even decoding) the rest: a byte search for ``ISA``, then the ISA reader on a small window at
    each hit. The interchange-level duplicate check runs on this before translation, on a stored
    body read a chunk at a time (never whole). A header that cannot be read is left out;
    translation reports it precisely."""
    headers: list[InterchangeHeader] = []
    buf = b""
    base = 0
    """The offset in ``stream`` of ``buf[0]``; ``buf`` starts one byte before the search point
    (a hit's previous byte decides whether it is an element inside a segment)."""
    at = 0
    """Where the next search starts, in ``stream``."""
    eof = False
    while not eof and (most is None or len(headers) < most):
        chunk = stream.read(chunk_size)
        eof = not chunk
        buf += chunk
        while most is None or len(headers) < most:
            i = buf.find(b"ISA", max(at - base, 0))
            if i == -1 or (not eof and i + ISA_WINDOW > len(buf)):
                at = base + (len(buf) - 2 if i == -1 else i)  # an "IS" may end the chunk
                break
            header = _header_at(buf, i, headers)
            if header is not None:
                headers.append(header)
            at = base + i + 3  # hits inside this header are after an element separator
        keep = max(min(at - base, len(buf)) - 1, 0)
        buf, base = buf[keep:], base + keep
    return headers


def _header_at(buf: bytes, i: int, headers: list[InterchangeHeader]) -> InterchangeHeader | None:
    before = buf[i - 1 : i].decode("latin-1")
    if before.isalnum() or (headers and before == headers[-1].delimiters.element):
        return None
    window = buf[i : i + ISA_WINDOW].decode("utf-8", "x12-latin1")
    try:
        scan = scan_isa(window, 0, at_eof=True)
    except InterchangeError:
        return None
    if scan is None:
        return None
    return interchange_header(Segment(scan.elements, scan.delimiters))


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
    if len(header.time) != 4 or not digits(header.time) or header.time[:2] > "23":
        faults.append(("015", f"ISA10 {header.time!r} is not an HHMM time", True))
    if not digits(header.control_number):
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
    if digits(header.control_number) and len(header.control_number) != 9:
        result.warn(f"ISA13 {header.control_number!r} is not 9 digits")


def digits(value: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts "²", which int() then refuses."""
    return value.isascii() and value.isdigit()
